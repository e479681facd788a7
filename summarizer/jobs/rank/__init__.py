"""The for-you ranking as jobs: one day ranked (day), and the `rank` command (command)."""
