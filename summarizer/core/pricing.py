"""What a request costs: prices per million tokens, and the model-name matching that finds them.

The table itself ships as data (`summarizer/data/prices.toml`, with the date its prices were
read) and config can override any entry; this module only computes. A cost is never invented:
with no price for the model, it is unknown (None), not zero.
"""

from __future__ import annotations

from collections.abc import Mapping

from pydantic import BaseModel, ConfigDict, Field


class Price(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    input: float = Field(ge=0, description="USD per million input tokens")
    output: float = Field(ge=0, description="USD per million output tokens")
    cached_input: float | None = Field(None, ge=0, description="USD per million cached input tokens")
    batch_discount: float = Field(0.5, gt=0, le=1, description="batch price as a share of the sync price")


def price_for(model: str, prices: Mapping[str, Price]) -> Price | None:
    """The price of `model`: its own entry, else the longest entry it extends (a dated snapshot
    "gpt-4o-mini-2024-07-18", a routed name "openai/gpt-4o-mini")."""
    if model in prices:
        return prices[model]
    base = model.rsplit("/", 1)[-1].lower()
    matches = [name for name in prices if base == name.lower() or base.startswith(name.lower() + "-")]
    return prices[max(matches, key=len)] if matches else None


def cost_usd(price: Price, prompt_tokens: int, completion_tokens: int, cached_tokens: int = 0,
             batch: bool = False) -> float:
    cached = min(cached_tokens, prompt_tokens)
    cached_rate = price.input if price.cached_input is None else price.cached_input
    total = ((prompt_tokens - cached) * price.input + cached * cached_rate + completion_tokens * price.output) / 1e6
    return total * price.batch_discount if batch else total
