"""Config loading: the example documents every key and loads; env overrides secrets; errors name keys."""

from __future__ import annotations

import tomllib

import pytest

from summarizer.core.errors import ConfigError
from summarizer.core.settings import Settings
from summarizer.face.config import config_path, settings_from_mapping
from tests.conftest import ROOT


def test_example_documents_every_key_and_loads() -> None:
    text = (ROOT / "config.example.toml").read_text()
    settings = settings_from_mapping(tomllib.loads(text), env={})
    assert settings.llm.model and settings.arxiv.categories == ["cs.IR", "cs.AI", "cs.LG"]
    from summarizer.core.settings import AppriseChannel, EmailChannel

    for name, section in Settings.model_fields.items():
        if name == "deliver":  # a list of tables: each channel type is documented as a commented example
            assert "# [[deliver]]" in text
            for model in (EmailChannel, AppriseChannel):
                for key, info in model.model_fields.items():
                    assert f"# {info.alias or key} = " in text, f"deliver.{key} is not documented"
            continue
        assert f"[{name}]" in text
        for key, info in section.annotation.model_fields.items():  # type: ignore[union-attr]
            assert (info.alias or key) in text, f"{name}.{key} is not documented in config.example.toml"


def test_environment_overrides_the_file_secret() -> None:
    file = {"llm": {"model": "m", "api_key": "from-file"}}
    settings = settings_from_mapping(file, env={"OPENAI_API_KEY": "sk-env-7f3a"})
    assert settings.llm.api_key is not None and settings.llm.api_key.get_secret_value() == "sk-env-7f3a"
    assert "sk-env-7f3a" not in repr(settings.llm)


def test_errors_name_the_key() -> None:
    with pytest.raises(ConfigError, match=r"arxiv.page_size: .*2000"):
        settings_from_mapping({"arxiv": {"page_size": 5000}, "llm": {"model": "m"}}, env={})
    with pytest.raises(ConfigError, match="SUMMARIZER_CONFIG"):
        config_path(None, env={})


def test_a_config_error_never_quotes_a_url_or_a_channel_that_may_hold_a_token() -> None:
    token = "123456789:AAE-telegram-BOT-token"
    for deliver in ({"type": "apprise", "name": "chat", "urls": f"tgram://{token}/42"},  # a string, not a list
                    {"type": "apprize", "name": "chat", "urls": [f"tgram://{token}/42"]}):  # a mistyped type
        with pytest.raises(ConfigError) as caught:
            settings_from_mapping({"llm": {"model": "m"}, "deliver": [deliver]}, env={})
        assert token not in str(caught.value) and "deliver.0" in str(caught.value)


def test_percent_encoded_apprise_tokens_are_secrets_in_both_forms() -> None:
    from summarizer.core.settings import AppriseChannel
    from summarizer.edges.delivery.send import secrets_of

    channel = AppriseChannel(type="apprise", name="chat", urls=["json://bot:tok%2FSECRET-99@127.0.0.1:8/hook"])
    found = secrets_of([channel], {})
    assert "tok%2FSECRET-99" in found and "tok/SECRET-99" in found
