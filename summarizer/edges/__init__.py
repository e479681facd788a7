"""The edges: arXiv, the LLM provider, the Batch API, the cache and files on disk. They never call a job or print."""
