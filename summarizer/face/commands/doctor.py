"""`summarizer doctor`: one line per check, ✓ or ✗ with the fix; exit 1 when any check fails."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from typing import Any

from summarizer.face.runner import SECRETS, with_signals


def cmd_doctor(args: argparse.Namespace) -> int:
    import httpx

    from summarizer.core.errors import ConfigError
    from summarizer.face.config import config_path, load_settings
    from summarizer.jobs.deploy.doctor import run_doctor
    from summarizer.jobs.services import Services

    try:
        path = str(config_path(args.config))
        settings = load_settings(args.config)
    except ConfigError as exc:
        print(f"✗ {exc}", file=sys.stdout)  # the message starts with "config: "
        return 1
    key = settings.llm.api_key.get_secret_value() if settings.llm.api_key else os.environ.get(settings.llm.api_key_env)
    from summarizer.edges.delivery.send import secrets_of

    SECRETS.add(key, *settings.llm.extra_headers.values(), *secrets_of(settings.deliver, dict(os.environ)))

    async def job(stop: asyncio.Event) -> Any:
        tls = httpx.create_ssl_context()
        async with httpx.AsyncClient(verify=tls, timeout=settings.arxiv.timeout_seconds) as arxiv_http:
            return await run_doctor(settings, Services(arxiv_http=arxiv_http, stop=stop, ssl_context=tls), path)

    checks = asyncio.run(with_signals(job))
    for check in checks:
        detail = SECRETS.scrub(check.detail)
        print(f"✓ {check.what}: {detail}" if check.ok else f"✗ {check.what}: {detail}" + (
            f" — fix: {check.fix}" if check.fix else ""))
    return 0 if all(c.ok for c in checks) else 1


def register(sub: argparse._SubParsersAction, common: argparse.ArgumentParser,  # type: ignore[type-arg]
             config: argparse.ArgumentParser) -> None:
    doc = sub.add_parser("doctor", parents=[common, config], help="check the config, key, endpoint and arXiv",
                         description="Check what a nightly run needs, in a few seconds: the config, the API key "
                         "(found, never printed), the output and cache folders, the model's price, the LLM endpoint "
                         "(its models list, and which structured-output mode it accepts, with at most a few "
                         "one-token requests) and arXiv's API. Each line is ✓ or ✗ with the fix; exit 1 when any "
                         "check fails.")
    doc.set_defaults(func=cmd_doctor)
