"""The OpenAI Batch API: the calls and job state files (api), and the one batch engine every job shares (rounds)."""
