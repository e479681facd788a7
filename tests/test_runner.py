"""What every command runs inside: secrets scrubbed from every log line and traceback, the config's secrets known."""

from __future__ import annotations

import argparse
import io
import logging
from pathlib import Path

from summarizer.face.runner import ScrubbingFormatter, SecretFilter, load_config


def test_a_logged_traceback_is_scrubbed_too() -> None:
    # The filter scrubbed the message only; the traceback under it carried the secret (issue 16, item 12).
    secrets = SecretFilter()
    secrets.add("sk-live-TRACEBACK-0001", "x")  # too short to be a secret: left alone
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(ScrubbingFormatter("%(levelname)s %(name)s: %(message)s", secrets))
    handler.addFilter(secrets)
    log = logging.getLogger("test.scrub")
    log.addHandler(handler)
    try:
        try:
            raise RuntimeError("Authorization: Bearer sk-live-TRACEBACK-0001 refused")
        except RuntimeError:
            log.error("request failed with key %s", "sk-live-TRACEBACK-0001", exc_info=True)
    finally:
        log.removeHandler(handler)
    text = out.getvalue()
    assert "Traceback" in text and "sk-live-TRACEBACK-0001" not in text and text.count("***") == 3
    assert "Bearer" in text and secrets.secrets == ["sk-live-TRACEBACK-0001"]  # "x" is too short to be one


def test_extra_header_values_are_secrets(tmp_path: Path, monkeypatch: object) -> None:
    from summarizer.face import runner

    cfg = tmp_path / "c.toml"
    cfg.write_text('[llm]\nmodel = "m"\napi_key = "sk-the-key-0002"\n'
                   '[llm.extra_headers]\n"X-Api-Token" = "tok-HEADER-SECRET-0003"\n"X-Short" = "1"\n')
    runner.SECRETS.secrets = []
    load_config(argparse.Namespace(config=str(cfg)))
    assert runner.SECRETS.scrub("tok-HEADER-SECRET-0003 and sk-the-key-0002") == "*** and ***"
    assert runner.SECRETS.scrub("1 paper") == "1 paper"
