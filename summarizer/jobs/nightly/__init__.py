"""The nightly job: a listing day through named stages (job), the run they share (day_run), days from known
papers (day_writer).
"""
