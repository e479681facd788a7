"""The nightly job's stages, one module each: collect, list, rank, summarize, write, site, deliver."""
