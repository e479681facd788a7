"""summarizer: nightly arXiv digests with LLM-written summaries, in a format users keep for years."""

__version__ = "0.1.0"
