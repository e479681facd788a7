"""Settings from a TOML file (`--config` or `SUMMARIZER_CONFIG`) and the environment.

Every problem is a `ConfigError` naming the key, raised before any request is made.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Any

from pydantic import SecretStr, ValidationError

from summarizer.core.errors import ConfigError
from summarizer.core.settings import Settings


def _describe(error: Any) -> tuple[str, str]:
    key = ".".join(str(p) for p in error["loc"])
    kind = error["type"]
    if kind == "extra_forbidden":
        return key, "unknown key"
    if kind == "missing":
        return key, "required value missing"
    return key, f"{error['msg']} (got {error.get('input')!r})" if kind != "missing" else error["msg"]


def settings_from_mapping(data: dict[str, Any], env: dict[str, str] | None = None) -> Settings:
    env = dict(os.environ) if env is None else env
    try:
        settings = Settings.model_validate(data)
    except ValidationError as exc:
        key, message = _describe(exc.errors()[0])
        raise ConfigError(message, key=key) from None
    secret = env.get(settings.llm.api_key_env)
    if secret:  # the environment overrides secrets written in the file
        settings = settings.model_copy(update={"llm": settings.llm.model_copy(update={"api_key": SecretStr(secret)})})
    return settings


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
