"""Summaries of single papers, cache-first (summarizer), through the Batch API (batch, batch_collect), and the
paper job.
"""
