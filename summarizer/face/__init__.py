"""The face: the command line, config, progress display. Thin: it parses, calls a job, prints."""
