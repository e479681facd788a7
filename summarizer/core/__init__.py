"""The core: records, settings, renderers, the digest parser and the validators. Pure: no I/O, no jobs."""
