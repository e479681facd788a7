"""The reading site: built from every day's records (build), with "more like this" (similar, embed_history)."""
