"""What lives on disk: the cache, atomic file writes and records files, the run lock."""
