"""Settings from a TOML file (`--config` or `SUMMARIZER_CONFIG`) and the environment.

Every problem is a `ConfigError` naming the key, raised before any request is made, and never
showing the value of a secret. Categories are checked against arXiv's taxonomy (shipped as data),
and the shipped price table is merged under the config's own `[llm.prices]`.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from summarizer.core.errors import ConfigError
from summarizer.core.pricing import price_for
from summarizer.core.settings import Settings
from summarizer.edges.resources import arxiv_categories, price_table

# Keys whose values may be secrets: never quoted in an error. URLs too: Apprise URLs hold tokens, and a base
# URL may carry credentials.
_SECRET_KEY = re.compile(r"key|token|secret|password|authorization|header|url", re.IGNORECASE)


def _describe(error: Any) -> tuple[str, str]:
    key = ".".join(str(p) for p in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return key, "unknown key"
    if kind == "missing":
        return key, "required value missing"
    shown = error.get("input")
    # the value may be a key (or a table holding one, such as a [[deliver]] channel): say what is wrong, never
    # what it is
    if _SECRET_KEY.search(key) or key.startswith("deliver") or not isinstance(shown, str | int | float | bool):
        return key, error["msg"]
    return key, f"{error['msg']} (got {shown!r})"


def check_categories(categories: list[str], key: str = "arxiv.categories") -> None:
    """Every category must be one of arXiv's: an unknown one would look like a holiday, every day."""
    known = arxiv_categories()
    for category in categories:
        if category not in known:
            close = difflib.get_close_matches(category, known, n=3)
            hint = f"; did you mean {', '.join(close)}?" if close else "; see https://arxiv.org/category_taxonomy"
            raise ConfigError(f"unknown arXiv category {category!r}{hint}", key=key)


def with_prices(settings: Settings) -> Settings:
    """The shipped price table under the config's own prices; a cap needs a price to be enforced."""
    table, _ = price_table()
    llm = settings.llm.model_copy(update={"prices": {**table, **settings.llm.prices}})
    if llm.max_cost_usd is not None and price_for(llm.model, llm.prices) is None:
        raise ConfigError(f"the model {llm.model!r} has no known price, so a cost cap cannot be enforced; add "
                          f'[llm.prices."{llm.model}"] with input and output (USD per million tokens)',
                          key="llm.max_cost_usd")
    return settings.model_copy(update={"llm": llm})


# Settings a deployment keeps out of its config file (GitHub repository variables): a non-empty value wins.
ENV_OVERRIDES = {"SUMMARIZER_LLM_MODEL": ("llm", "model"), "SUMMARIZER_LLM_BASE_URL": ("llm", "base_url"),
                 "SUMMARIZER_ARXIV_CATEGORIES": ("arxiv", "categories"),
                 "SUMMARIZER_SITE_BASE_URL": ("site", "base_url")}


def with_env_overrides(data: dict[str, Any], env: dict[str, str]) -> dict[str, Any]:
    merged = {k: dict(v) if isinstance(v, dict) else v for k, v in data.items()}
    for name, (section, key) in ENV_OVERRIDES.items():
        value = env.get(name, "").strip()
        if value:
            table = merged.setdefault(section, {})
            if isinstance(table, dict):
                table[key] = [c.strip() for c in value.split(",") if c.strip()] if key == "categories" else value
    return merged


def settings_from_mapping(data: dict[str, Any], env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    data = with_env_overrides(data, env)
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        key, message = _describe(exc.errors()[0])
        raise ConfigError(message, key=key) from None
    secret = env.get(settings.llm.api_key_env)
    if secret:  # the environment overrides secrets written in the file
        settings = settings.model_copy(update={"llm": settings.llm.model_copy(update={"api_key": SecretStr(secret)})})
    check_categories(settings.arxiv.categories)
    return with_prices(settings)


def config_path(explicit: str | None, env: dict[str, str] | None = None) -> Path:
    env = dict(os.environ) if env is None else env
    chosen = explicit or env.get("SUMMARIZER_CONFIG")
    if not chosen:
        raise ConfigError("no config file: pass --config FILE or set SUMMARIZER_CONFIG (see config.example.toml)")
    return Path(chosen).expanduser()


def load_settings(explicit: str | None = None, env: dict[str, str] | None = None) -> Settings:
    path = config_path(explicit, env)
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path} is not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}") from None
    return settings_from_mapping(data, env)
