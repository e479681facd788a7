"""One error hierarchy for the whole tool.

Every failure a user can cause or meet (bad config, bad digest file, arXiv or the LLM misbehaving)
is a `SummarizerError` subclass carrying the facts needed for a one-line message; the CLI turns
them into that message and an exit code in one place.
"""

from __future__ import annotations


class SummarizerError(Exception):
    """Base class: `str(err)` is the one-line message shown to the user."""

    exit_code = 1


class ConfigError(SummarizerError):
    def __init__(self, message: str, key: str | None = None) -> None:
        self.key = key
        super().__init__(f"config: {key}: {message}" if key else f"config: {message}")


class DigestFormatError(SummarizerError):
    """A digest file that is not in the digest format; `line` is 1-based."""

    def __init__(self, message: str, line: int, path: str | None = None) -> None:
        self.line = line
        self.path = path
        where = f"{path}:{line}" if path else f"line {line}"
        super().__init__(f"{where}: {message}")


class RecordsError(SummarizerError):
    """A records (JSON Lines) file that cannot be read back into records."""

    def __init__(self, message: str, line: int | None = None, path: str | None = None) -> None:
        self.line = line
        self.path = path
        where = ":".join(str(p) for p in (path, line) if p is not None)
        super().__init__(f"{where}: {message}" if where else message)


class OutputError(SummarizerError):
    """A file or folder the tool must write (or read back) cannot be used."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(message)


class InvalidPaperIdError(SummarizerError):
    def __init__(self, text: str) -> None:
        self.text = text
        super().__init__(
            f"not an arXiv id or URL: {text!r} (expected e.g. 2512.20781, 2512.20781v2, "
            "arXiv:2512.20781, hep-th/9901001 or https://arxiv.org/abs/2512.20781)"
        )


class NoListingError(SummarizerError):
    """The requested date has no arXiv listing (Saturday, Sunday, an arXiv holiday)."""


class FetchError(SummarizerError):
    """arXiv could not be reached or answered with something unusable, after the retries."""

    def __init__(self, message: str, url: str | None = None, status: int | None = None) -> None:
        self.url = url
        self.status = status
        super().__init__(message)


class ArxivAPIError(FetchError):
    """arXiv's own error feed (HTTP 400 with an <entry> titled Error)."""


class LLMError(SummarizerError):
    """The LLM provider failed for one paper after the retries."""

    def __init__(self, message: str, paper_id: str | None = None, status: int | None = None) -> None:
        self.paper_id = paper_id
        self.status = status
        super().__init__(message)


class RunStopped(LLMError):
    """A provider condition that no paper can get past: the run stops at once, naming the fix."""


class AuthError(RunStopped):
    """401/403 from the provider: the key is refused."""


class QuotaExhausted(RunStopped):
    """The account has no quota or balance left (`insufficient_quota`, 402, `Arrearage`)."""


class ModelNotFound(RunStopped):
    """The provider does not serve the configured model."""


class EndpointError(RunStopped):
    """`base_url` does not lead to a chat completions API (a 404, or a 200 that is an HTML page)."""

    def __init__(self, message: str, url: str | None = None, status: int | None = None) -> None:
        self.url = url
        super().__init__(message, status=status)


class AnswerRejected(LLMError):
    """Every attempt produced an answer that failed validation."""

    def __init__(self, message: str, paper_id: str | None = None, reasons: list[str] | None = None) -> None:
        self.reasons = reasons or []
        super().__init__(message, paper_id=paper_id)


class BudgetExceeded(LLMError):
    """`max_cost_usd` was reached before this request could start: not a failure, the paper is not started."""


class EmbeddingError(SummarizerError):
    """The embedding backend could not be set up or did not answer (a model that failed its checksum,
    an embeddings endpoint that refused)."""


class DeliveryError(SummarizerError):
    """A channel did not take the digest (SMTP refused, a chat service answered an error)."""

    exit_code = 3

    def __init__(self, message: str, channel: str | None = None) -> None:
        self.channel = channel
        super().__init__(message)


class RunLocked(SummarizerError):
    """Another run holds the cache's lock: this one starts nothing."""

    def __init__(self, message: str, path: str | None = None) -> None:
        self.path = path
        super().__init__(message)


class RunFailed(SummarizerError):
    """Something no paper caused stopped the run (a disk that cannot be written, a locked cache): every
    answer validated so far is cached, and the re-run completes the rest."""


class Interrupted(SummarizerError):
    exit_code = 130


class FullTextUnusable(SummarizerError):
    """A paper's full text could not be used (absent, too big, hostile, unreadable): that paper falls back to
    its next source, and `reason` (one line) goes into its record's report."""

    def __init__(self, reason: str, source: str | None = None) -> None:
        super().__init__(f"{source}: {reason}" if source else reason)
        self.reason = reason
        self.source = source
