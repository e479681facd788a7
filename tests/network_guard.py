"""No test reaches past this machine: any connection or name lookup that is not loopback is refused.

Installed by conftest.py for the test process, and by tests/guard/sitecustomize.py for every
`summarizer` process the end-to-end tests start (they put tests/guard on PYTHONPATH).
"""

from __future__ import annotations

import ipaddress
import socket
from typing import Any

LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


class NetworkBlocked(ConnectionRefusedError):
    """A test tried to leave loopback."""


def _loopback(host: Any) -> bool:
    if not isinstance(host, str):
        return True  # AF_UNIX paths and the like
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def install() -> None:
    if getattr(socket.socket.connect, "guarded", False):
        return
    real_connect, real_connect_ex = socket.socket.connect, socket.socket.connect_ex
    real_getaddrinfo = socket.getaddrinfo

    def connect(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(host):
            raise NetworkBlocked(f"tests may not reach {host!r}: only loopback is allowed")
        return real_connect(self, address)

    def connect_ex(self: socket.socket, address: Any) -> Any:
        host = address[0] if isinstance(address, tuple) else address
        if self.family in (socket.AF_INET, socket.AF_INET6) and not _loopback(host):
            raise NetworkBlocked(f"tests may not reach {host!r}: only loopback is allowed")
        return real_connect_ex(self, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not _loopback(host.decode() if isinstance(host, bytes) else host):
            raise socket.gaierror(socket.EAI_NONAME, f"tests may not look up {host!r}: only loopback is allowed")
        return real_getaddrinfo(host, *args, **kwargs)

    connect.guarded = True  # type: ignore[attr-defined]
    socket.socket.connect = connect  # type: ignore[method-assign]
    socket.socket.connect_ex = connect_ex  # type: ignore[method-assign]
    socket.getaddrinfo = getaddrinfo
