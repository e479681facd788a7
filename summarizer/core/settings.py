"""The settings every stage takes, as pydantic models: one per config section.

They are plain data (no I/O); `config.py` reads them from TOML and the environment. Unknown keys
are refused so a typo is an error naming the key, not a silently ignored setting.
"""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from summarizer.core.languages import resolve_language
from summarizer.core.pricing import Price

StructuredMode = Literal["json_schema", "tools", "json_object", "text"]


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ArxivSettings(_Section):
    categories: list[str] = Field(default_factory=lambda: ["cs.IR", "cs.AI", "cs.LG"], min_length=1)
    include_cross_lists: bool = True
    api_url: str = "https://export.arxiv.org/api/query"
    rss_url: str | None = None  # default: https://rss.arxiv.org/rss/<categories joined by +>
    use_rss: bool = True
    page_size: int = Field(200, ge=1, le=2000)
    id_batch_size: int = Field(100, ge=1, le=2000)
    delay_seconds: float = Field(3.0, ge=0)
    timeout_seconds: float = Field(30.0, gt=0)
    rss_timeout_seconds: float = Field(10.0, gt=0)
    max_retries: int = Field(4, ge=0)
    retry_backoff_seconds: float = Field(2.0, gt=0)
    lookback_listings: int = Field(2, ge=0)
    # a paper's full text ([fulltext]): arXiv's HTML, then its e-print source; {id} and {version} filled in
    html_url: str = "https://arxiv.org/html/{id}v{version}"
    eprint_url: str = "https://arxiv.org/e-print/{id}v{version}"
    contact: str | None = None  # an email or URL for the User-Agent, as arXiv asks of automated clients
    # Listing dates arXiv does not publish, beyond the calendar shipped in summarizer/data (ad hoc deferrals,
    # years not shipped yet).
    holidays: list[date] = Field(default_factory=list)


class LLMSettings(_Section):
    base_url: str | None = None
    api_key: SecretStr | None = None
    api_key_env: str = "OPENAI_API_KEY"
    model: str
    language: str = "Chinese"
    temperature: float | None = Field(None, ge=0, le=2)
    max_tokens: int = Field(2048, ge=16)
    max_tokens_ceiling: int = Field(8192, ge=16)
    timeout_seconds: float = Field(60.0, gt=0)
    max_concurrency: int = Field(8, ge=1)
    rpm: int | None = Field(None, ge=1)
    tpm: int | None = Field(None, ge=1)
    structured_output: Literal["auto", "json_schema", "tools", "json_object", "text"] = "auto"
    max_attempts: int = Field(3, ge=1)
    max_retries: int = Field(6, ge=0)
    retry_backoff_seconds: float = Field(1.0, gt=0)
    min_target_ratio: float = Field(0.5, ge=0, le=1)
    max_input_tokens: int = Field(12_000, ge=1_000)  # a full-text request's size, prompt included (tiktoken)
    extra_headers: dict[str, str] = Field(default_factory=dict)
    extra_body: dict[str, object] = Field(default_factory=dict)
    max_cost_usd: float | None = Field(None, gt=0)
    prices: dict[str, Price] = Field(default_factory=dict)

    @field_validator("language")
    @classmethod
    def _known_language(cls, value: str) -> str:
        """A language the tool can check, by name or BCP-47 tag, kept as its canonical name."""
        return resolve_language(value).name


class FulltextSettings(_Section):
    """Summaries from the whole paper: arXiv's HTML, else the TeX source, else the abstract."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    for_: Literal["off", "top", "all"] = Field("off", alias="for")  # top: the papers the ranking picked
    max_download_mb: float = Field(50.0, gt=0)
    max_unpacked_mb: float = Field(100.0, gt=0)
    max_members: int = Field(2_000, ge=1)


class PathSettings(_Section):
    cache_dir: str = "~/.cache/summarizer"
    output_dir: str = "digests"


class TranslateSettings(_Section):
    glossary: str | None = None
    context_tokens: int = Field(3000, ge=32)
    batch_poll_seconds: float = Field(30.0, gt=0)
    batch_max_requests: int = Field(50_000, ge=1, le=50_000)
    batch_max_bytes: int = Field(200_000_000, ge=1024, le=200_000_000)
    batch_max_retries: int = Field(2, ge=0)


class BatchSettings(_Section):
    """Summaries through the Batch API (`nightly --mode batch`, `backfill`)."""

    poll_seconds: float = Field(30.0, gt=0)
    max_requests: int = Field(50_000, ge=1, le=50_000)  # per batch file: the provider's limit
    # Per batch file; the provider allows 200 MB, but each file is held in memory while uploading.
    max_bytes: int = Field(20_000_000, ge=1024, le=200_000_000)
    max_retries: int = Field(2, ge=0)  # follow-up batches for failed or refused answers
    retry_mode: Literal["batch", "sync"] = "batch"  # how answers refused in a batch are asked again


class SiteSettings(_Section):
    enabled: bool = True  # nightly, paper and import-dae refresh the site at the end of each run
    out: str | None = None  # default: OUTPUT_DIR/site
    title: str = "arXiv digest"
    base_url: str | None = None  # where the site is published, for the feed's own links
    feed_days: int = Field(7, ge=1)
    plain_days: int = Field(60, ge=0)  # the newest days as plain data; older days (and months) packed, half size
    compat: bool = False  # daily-arXiv-ai-enhanced's data/D_AI_enhanced_<Language>.jsonl for forks of its front end


class ProfileSettings(_Section):
    """One reader's interests (`[profile]`, or `--profile FILE`). Empty: every paper is summarized, as always."""

    keywords: list[str] = Field(default_factory=list)
    exclude_keywords: list[str] = Field(default_factory=list)  # a paper matching one is dropped before any cost
    authors: list[str] = Field(default_factory=list)
    papers: list[str] = Field(default_factory=list)  # arXiv ids the reader likes: fetched once, cached
    papers_files: list[str] = Field(default_factory=list)  # records files (.jsonl): a digest's, the site's likes
    dislikes_files: list[str] = Field(default_factory=list)  # records files of papers "not for me"
    bibtex: list[str] = Field(default_factory=list)  # reference-manager exports: BibTeX (.bib) or CSL-JSON (.json)
    summarize_top: int | None = Field(None, ge=0)  # summarize the K best papers (and keyword/author matches)
    summarize_cap: int = Field(100, ge=0)  # at most this many papers summarized a day, matches included
    half_life_days: float = Field(365.0, gt=0)  # a profile item this old weighs half as much as a new one

    def is_empty(self) -> bool:
        return not (self.keywords or self.exclude_keywords or self.authors or self.papers or self.papers_files
                    or self.bibtex)


LOCAL_EMBEDDING_MODELS = ("all-MiniLM-L6-v2", "all-mpnet-base-v2", "wordllama-l2-supercat-256")
Precision = Literal["int8", "float32"]  # a local encoder's arithmetic (`[embedding] precision`)


class EmbeddingSettings(_Section):
    """How papers are compared with the profile: `local` (a model on the CPU, offline after one download from
    PyPI: one of LOCAL_EMBEDDING_MODELS, all-MiniLM-L6-v2 by default), `openai` (any OpenAI-compatible
    /v1/embeddings), or `bm25` (lexical, no model)."""

    backend: Literal["local", "openai", "bm25"] = "local"
    model: str | None = None  # openai: e.g. text-embedding-3-small; local: one of LOCAL_EMBEDDING_MODELS
    base_url: str | None = None  # openai: default [llm] base_url
    api_key_env: str | None = None  # openai: default [llm] api_key_env
    max_tokens: int = Field(256, ge=16, le=512)  # local: word pieces read of title and abstract
    batch_size: int = Field(32, ge=1, le=2048)
    model_dir: str | None = None  # local: where the weights go; default CACHE_DIR/models
    threads: int | None = Field(None, ge=1)  # local: onnxruntime threads; default all cores
    # local encoders: "int8" runs the products on 8-bit integers, ~1.7x faster; "float32" as trained
    precision: Precision = "int8"

    @model_validator(mode="after")
    def _known_local_model(self) -> EmbeddingSettings:
        if self.backend == "local" and self.model is not None and self.model not in LOCAL_EMBEDDING_MODELS:
            raise ValueError(f"unknown local model {self.model!r}; choose one of {', '.join(LOCAL_EMBEDDING_MODELS)}")
        return self


class EmailChannel(_Section):
    """A digest by email (`[[deliver]]` with type = "email"): plain SMTP."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    type: Literal["email"]
    name: str = Field(min_length=1)
    host: str = Field(min_length=1)
    port: int = Field(587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password_env: str | None = None  # the password is read from this environment variable, never the file
    sender: str = Field(alias="from", min_length=3)
    to: list[str] = Field(min_length=1)
    timeout_seconds: float = Field(30.0, gt=0)


class AppriseChannel(_Section):
    """A short message to chat or push services through Apprise URLs (`[[deliver]]` with type = "apprise")."""

    type: Literal["apprise"]
    name: str = Field(min_length=1)
    urls: list[str] = Field(default_factory=list)
    urls_env: str | None = None  # URLs (hold tokens) from this environment variable, space- or comma-separated
    top: int = Field(10, ge=1, le=100)  # titles in the message

    @model_validator(mode="after")
    def _some_url(self) -> AppriseChannel:
        if not self.urls and not self.urls_env:
            raise ValueError("an apprise channel needs urls or urls_env")
        return self

    def all_urls(self, env: dict[str, str]) -> list[str]:
        extra = env.get(self.urls_env, "") if self.urls_env else ""
        return self.urls + [u for u in extra.replace(",", " ").split() if u]


DeliverChannel = Annotated[EmailChannel | AppriseChannel, Field(discriminator="type")]


class DeliverySettings(_Section):
    retries: int = Field(3, ge=0)  # attempts after the first, with backoff
    backoff_seconds: float = Field(2.0, gt=0)
    owed_days: int = Field(7, ge=0)  # a failed day is sent by the runs of this many days after it
    lock_wait_seconds: float = Field(600.0, ge=0)  # a delivery waits this long for another one to finish


class ReportSettings(_Section):
    """How a night is judged where a machine watches it (`summarizer report`, the scaffolded workflow)."""

    max_failed_share: float = Field(0.25, ge=0, le=1)  # more papers than this left out: the run counts as failed


class Settings(_Section):
    arxiv: ArxivSettings = Field(default_factory=ArxivSettings)
    llm: LLMSettings
    paths: PathSettings = Field(default_factory=PathSettings)
    fulltext: FulltextSettings = Field(default_factory=FulltextSettings)
    translate: TranslateSettings = Field(default_factory=TranslateSettings)
    batch: BatchSettings = Field(default_factory=BatchSettings)
    site: SiteSettings = Field(default_factory=SiteSettings)
    profile: ProfileSettings = Field(default_factory=ProfileSettings)
    embedding: EmbeddingSettings = Field(default_factory=EmbeddingSettings)
    deliver: list[DeliverChannel] = Field(default_factory=list)
    delivery: DeliverySettings = Field(default_factory=DeliverySettings)
    report: ReportSettings = Field(default_factory=ReportSettings)

    @field_validator("deliver")
    @classmethod
    def _unique_names(cls, channels: list[EmailChannel | AppriseChannel]) -> list[EmailChannel | AppriseChannel]:
        names = [c.name for c in channels]
        if len(set(names)) != len(names):
            twice = sorted(n for n in names if names.count(n) > 1)[0]
            raise ValueError(f"two [[deliver]] channels share a name: {twice}")
        return channels
