"""The LLM provider: one OpenAI-compatible client (transport retries, usage, budget), its request pacing, and the
validate-and-re-ask engine.
"""
