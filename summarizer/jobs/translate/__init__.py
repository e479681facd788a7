"""The translation job: the fields of a records file translated (fields), sync or through the Batch API (batch),
as the CLI asks (job).
"""
