"""Whole histories: backfilling ranges of days, and importing daily-arXiv-ai-enhanced's."""
