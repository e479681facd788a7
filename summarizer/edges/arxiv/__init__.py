"""arXiv: the day's listing through its API and RSS feed, and each paper's full text from its HTML or e-print source."""
