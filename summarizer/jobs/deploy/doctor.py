"""`summarizer doctor`: everything a nightly run needs, checked in a few seconds, each with its fix.

The config (already loaded), the API key (found, never shown), the output and cache folders, the
price, the LLM endpoint (its models list, then a one-token request in each structured-output mode
until one is accepted) and arXiv's API (one result). It makes at most five tiny LLM requests.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from summarizer.core.errors import ConfigError, DeliveryError, LLMError, RunStopped, SummarizerError
from summarizer.core.pricing import price_for
from summarizer.core.ranking import distinct_items
from summarizer.core.settings import EmailChannel, ProfileSettings, Settings
from summarizer.edges.arxiv.fetch import ArxivFetcher
from summarizer.edges.delivery.send import check_apprise, check_email
from summarizer.edges.llm.client import MODES, ChatClient, ModeRejected
from summarizer.edges.ranking.profile_sources import read_papers_file, read_reference_file
from summarizer.edges.storage.store import ensure_writable
from summarizer.jobs.services import Services

PROBE_SCHEMA: dict[str, Any] = {"type": "object", "properties": {"ok": {"type": "string"}}, "required": ["ok"],
                                "additionalProperties": False}
PROBE = [{"role": "user", "content": 'Reply with the JSON object {"ok": "yes"} and nothing else.'}]


@dataclass
class Check:
    ok: bool
    what: str
    detail: str
    fix: str = ""


def _key_check(settings: Settings) -> Check:
    llm = settings.llm
    from_env = os.environ.get(llm.api_key_env)
    if from_env:
        return Check(True, "API key", f"found in ${llm.api_key_env} ({len(from_env)} characters, not shown)")
    if llm.api_key is not None and llm.api_key.get_secret_value():
        return Check(True, "API key", "found in the config file (llm.api_key, not shown)")
    return Check(False, "API key", "none found", f"export {llm.api_key_env}=... or set llm.api_key")


def _local_checks(settings: Settings) -> list[Check]:
    checks = []
    for what, folder in (("output_dir", settings.paths.output_dir), ("cache_dir", settings.paths.cache_dir)):
        path = Path(folder).expanduser()
        try:
            ensure_writable(path, what)
            checks.append(Check(True, what, f"{path} is writable"))
        except SummarizerError as exc:
            flag = "--" + what.replace("_", "-")
            checks.append(Check(False, what, str(exc), f"create it or set [paths] {what} (or {flag})"))
    price = price_for(settings.llm.model, settings.llm.prices)
    if price is None:
        checks.append(Check(not settings.llm.max_cost_usd, "price", f"no known price for {settings.llm.model!r}: "
                            "reports will say 'cost unknown'", f'add [llm.prices."{settings.llm.model}"] input/output'))
    else:
        checks.append(Check(True, "price", f"${price.input:g} in / ${price.output:g} out per million tokens"
                            + (f", cap ${settings.llm.max_cost_usd:g}" if settings.llm.max_cost_usd else "")))
    return checks


async def _endpoint_checks(settings: Settings, services: Services) -> list[Check]:
    client = ChatClient(settings.llm.model_copy(update={"max_retries": 1, "max_cost_usd": None}), services.llm_http,
                        sleep=services.sleep, ssl_context=services.ssl_context)
    checks = []
    try:
        try:
            models = [m.id async for m in client.sdk.models.list()]
            listed = settings.llm.model in models
            checks.append(Check(listed, "models", f"{client.base_url}/models lists {len(models)} models"
                                + ("" if listed else f", not {settings.llm.model!r}"),
                                "" if listed else f"set llm.model to one of: {', '.join(models[:8])}"))
        except Exception as exc:  # many OpenAI-compatible servers have no models list: the request below decides
            checks.append(Check(True, "models", f"no models list at {client.base_url} ({type(exc).__name__}); "
                                "checking with a request instead"))
        checks.append(await _mode_check(client))
    finally:
        await client.close()
    return checks


async def _mode_check(client: ChatClient) -> Check:
    refused = []
    for mode in MODES:
        try:
            await client.create(PROBE, PROBE_SCHEMA, mode, 16)
        except ModeRejected:
            refused.append(mode)
            continue
        except RunStopped as exc:
            return Check(False, "endpoint", str(exc), "see the message")
        except LLMError as exc:
            return Check(False, "endpoint", str(exc), "check llm.base_url, llm.model and the key")
        accepted = f"structured output {mode!r} accepted" + (f" ({', '.join(refused)} refused)" if refused else "")
        return Check(True, "endpoint", f"{client.base_url} answers {client.settings.model!r}; {accepted}")
    return Check(False, "endpoint", "every structured-output mode was refused", "check llm.base_url")


async def _arxiv_check(settings: Settings, services: Services) -> Check:
    arxiv = settings.arxiv.model_copy(update={"page_size": 1, "max_retries": 1})
    fetcher = ArxivFetcher(arxiv, services.arxiv_http, sleep=services.sleep, clock=services.clock)
    try:
        async for page in fetcher.search(query=f"cat:{arxiv.categories[0]}"):
            return Check(True, "arXiv", f"{arxiv.api_url} answers ({len(page)} result for cat:{arxiv.categories[0]})")
    except SummarizerError as exc:
        return Check(False, "arXiv", str(exc), "check arxiv.api_url and the network")
    return Check(False, "arXiv", "no answer", "check arxiv.api_url")


async def run_doctor(settings: Settings, services: Services, config_path: str) -> list[Check]:
    llm = settings.llm
    checks = [Check(True, "config", f"{config_path}: model {llm.model!r}, language {llm.language}, "
                    f"categories {', '.join(settings.arxiv.categories)}"), _key_check(settings)]
    checks += _local_checks(settings)
    if checks[1].ok:
        checks += await _endpoint_checks(settings, services)
    checks.append(await _arxiv_check(settings, services))
    checks += await asyncio.to_thread(channel_checks, settings, dict(os.environ))
    checks += size_checks(settings)
    checks += profile_checks(settings.profile)
    return checks


def profile_checks(profile: ProfileSettings) -> list[Check]:
    """How many profile items each file gives: a file that reads as nothing is named, never a silent empty profile."""
    checks = []
    for key, names, read in (("papers_files", profile.papers_files, read_papers_file),
                             ("dislikes_files", profile.dislikes_files, read_papers_file),
                             ("bibtex", profile.bibtex, read_reference_file)):
        for name in names:
            path = Path(name).expanduser()
            try:
                items = read(path)
            except ConfigError as exc:
                checks.append(Check(False, "profile", str(exc), f"fix or remove it from [profile] {key}"))
            else:
                papers = len(distinct_items(items))
                repeats = f" ({len(items)} records)" if papers < len(items) else ""
                checks.append(Check(True, "profile", f"{path}: {papers} items{repeats}"))
    return checks


def channel_checks(settings: Settings, env: dict[str, str]) -> list[Check]:
    """Each [[deliver]] channel, without sending: the host resolves, the SMTP handshake and login work; the
    Apprise URLs parse."""
    checks = []
    for channel in settings.deliver:
        try:
            if isinstance(channel, EmailChannel):
                missing = channel.password_env and not env.get(channel.password_env)
                if channel.username and missing:
                    checks.append(Check(False, f"deliver {channel.name}", f"${channel.password_env} is not set",
                                        f"export {channel.password_env}=..."))
                    continue
                password = env.get(channel.password_env) if channel.password_env else None
                checks.append(Check(True, f"deliver {channel.name}", check_email(channel, password)))
            else:
                checks.append(Check(True, f"deliver {channel.name}", check_apprise(channel, env)))
        except DeliveryError as exc:
            checks.append(Check(False, f"deliver {channel.name}", str(exc), "check the [[deliver]] table"))
    return checks


def size_checks(settings: Settings) -> list[Check]:
    """The free hosting's limits (a GitHub Pages site of at most 1 GB, a repository under 1 GB): warned at 80%."""
    from summarizer.jobs.nightly.stages.site import hosting_sizes, size_warnings
    from summarizer.jobs.site.build import site_dir

    site = site_dir(settings)
    if not site.is_dir():
        return []
    records = Path(settings.paths.output_dir).expanduser()
    sizes = hosting_sizes(site, records)
    warnings = size_warnings(site, records, sizes)
    size = sizes[0]
    return [Check(not warnings, "hosting limits", "; ".join(warnings) or f"site {size / 1e6:.0f} MB of GitHub "
                  "Pages' 1 GB, records under 80% of a repository's 1 GB", "see the README's Deploy")]
