"""The jobs: nightly, paper, translation (and the site and backfill builds), composed from the edges and the core."""
