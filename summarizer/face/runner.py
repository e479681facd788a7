"""What every command needs around its job: config, logging without secrets, signals, messages.

The command modules (`cmd_*.py`) import this; `cli.py` assembles them. Errors are turned into
one-line messages and exit codes in `cli.main` only.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import os
import signal
import sys
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from summarizer.core.settings import Settings
    from summarizer.edges.delivery.send import Stopper

T = TypeVar("T")


class SecretFilter(logging.Filter):
    """Last line of defence: no log line carries a secret (the API key, extra header values, delivery
    passwords and tokens), whatever a library logs."""

    def __init__(self) -> None:
        super().__init__()
        self.secrets: list[str] = []

    def add(self, *secrets: str | None) -> None:
        # Short values ("1", "yes") would blank out ordinary words: only values that can be secrets count.
        self.secrets = sorted({*self.secrets, *(s for s in secrets if s and len(s) >= 6)}, key=len, reverse=True)

    def scrub(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text

    def filter(self, record: logging.LogRecord) -> bool:
        if self.secrets:
            record.msg, record.args = self.scrub(record.getMessage()), None
        return True


class ScrubbingFormatter(logging.Formatter):
    """The whole formatted record scrubbed, the traceback of `exc_info` included (the filter sees only the message)."""

    def __init__(self, fmt: str, secrets: SecretFilter) -> None:
        super().__init__(fmt)
        self._secrets = secrets

    def format(self, record: logging.LogRecord) -> str:
        return self._secrets.scrub(super().format(record))


SECRETS = SecretFilter()


def setup_logging(args: argparse.Namespace) -> None:
    level = logging.DEBUG if args.verbose else logging.ERROR if args.quiet else logging.WARNING
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(ScrubbingFormatter("%(levelname)s %(name)s: %(message)s", SECRETS))
    handler.addFilter(SECRETS)
    logging.basicConfig(level=level, handlers=[handler], force=True)
    for noisy in ("httpx", "httpcore", "openai", "httpx2"):
        logging.getLogger(noisy).setLevel(max(level, logging.INFO))


def money(cost: float | None) -> str:
    """A cost for the screen; a model without a known price says so instead of $0."""
    return "cost unknown" if cost is None else f"${cost:.4f}"


def info(args: argparse.Namespace, message: str) -> None:
    if not getattr(args, "quiet", False):
        print(message, file=sys.stderr)


def command_line(args: argparse.Namespace) -> str:
    """The command as typed (for the lock file that says which run holds the cache); no option holds a secret."""
    return " ".join(sys.argv[1:]) or str(getattr(args, "command", "summarizer"))


def load_config(args: argparse.Namespace, need_key: bool = True) -> Settings:
    """The settings, with --output-dir/--cache-dir applied; `need_key`: the command talks to the LLM."""
    from summarizer.face.config import load_settings

    settings = load_settings(args.config)
    overrides = {k: v for k, v in (("output_dir", getattr(args, "output_dir", None)),
                                   ("cache_dir", getattr(args, "cache_dir", None))) if v}
    if overrides:
        settings = settings.model_copy(update={"paths": settings.paths.model_copy(update=overrides)})
    SECRETS.add(*settings.llm.extra_headers.values())
    if settings.deliver:
        from summarizer.edges.delivery.send import secrets_of

        SECRETS.add(*secrets_of(settings.deliver, dict(os.environ)))
    if need_key:  # only the commands that talk to the LLM import the client's module
        from summarizer.edges.llm.client import resolve_api_key

        SECRETS.add(resolve_api_key(settings.llm))
    if settings.embedding.api_key_env:
        SECRETS.add(os.environ.get(settings.embedding.api_key_env))
    return settings


async def with_signals(job: Callable[[asyncio.Event], Awaitable[T]]) -> T:
    """Run `job`; SIGINT/SIGTERM set its stop event: no new requests, in-flight ones finish."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        return await job(stop)
    finally:
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.remove_signal_handler(sig)


def run_stoppable(job: Callable[[Stopper], T]) -> T:
    """Run a blocking `job` (delivery) in a worker thread; SIGINT/SIGTERM set its stopper, which cuts open
    connections and ends waits, so the command ends within seconds with what was not done still owed."""
    import threading

    from summarizer.edges.delivery.send import Stopper

    stopper = Stopper()
    result: list[T] = []
    failure: list[BaseException] = []

    def work() -> None:
        try:
            result.append(job(stopper))
        except BaseException as exc:  # noqa: BLE001 - handed to the main thread, raised there
            failure.append(exc)

    previous = {sig: signal.signal(sig, lambda *_: stopper.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        worker = threading.Thread(target=work, name="deliver", daemon=True)
        worker.start()
        while worker.is_alive():
            worker.join(0.2)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if failure:
        raise failure[0]
    return result[0]
