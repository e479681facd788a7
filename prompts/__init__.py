"""Prompt templates, shipped in the wheel as `summarizer.prompts` (see pyproject.toml)."""
