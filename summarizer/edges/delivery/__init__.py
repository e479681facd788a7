"""Sending digests out (send) and remembering what each reader has had (ledger)."""
