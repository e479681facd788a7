"""Data shipped with the tool: the arXiv taxonomy and the price table (read with importlib.resources)."""
