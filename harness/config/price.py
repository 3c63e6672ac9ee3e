"""What a model's provider charges: the `price:` key of a model config (conf/model/) and of a
judge config (conf/judge/). One dataclass for both, so the generation's cost and the judge's are
computed and shown the same way.

    price: {input_per_million: 0.15, output_per_million: 0.60}   # a hosted API, per token
    price: {per_hour: 1.20}                                      # a self-hosted server, per hour
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from harness.config.schema import FieldError


@dataclass
class Price:
    """Per million input and output tokens (a hosted API), or per hour of a server (self-hosted:
    with the run's measured throughput, a cost per document). Not both."""

    input_per_million: float = 0.0  # per million input (prompt) tokens
    output_per_million: float = 0.0  # per million output (completion) tokens
    per_hour: float | None = None  # a self-hosted server's cost per hour (GPU rental, amortised hardware)
    currency: str = "USD"

    def __post_init__(self) -> None:
        for name in ("input_per_million", "output_per_million", "per_hour"):
            value = getattr(self, name)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise FieldError(name, f"must be a finite number >= 0, got {value}.")
        if self.per_hour is not None and (self.input_per_million or self.output_per_million):
            raise FieldError("", "give per_hour (a self-hosted server) or per-token prices (a hosted API), not both.")
        if not self.currency:
            raise FieldError("currency", "must not be empty.")

    @property
    def hourly(self) -> bool:
        return self.per_hour is not None

    @property
    def free(self) -> bool:
        """Nothing charged (an extractive baseline's implied price)."""
        return not (self.per_hour or self.input_per_million or self.output_per_million)

    def cost(self, input_tokens: int, output_tokens: int) -> float:
        """The cost of these tokens at the per-token prices (an hourly price charges none per token)."""
        return (input_tokens * self.input_per_million + output_tokens * self.output_per_million) / 1e6

    def charge(self, input_tokens: int, output_tokens: int, seconds: float) -> float:
        """What a piece of work cost: its tokens at the per-token prices, or the hours it took (a
        self-hosted server serving only it)."""
        if self.per_hour is not None:
            return self.per_hour * seconds / 3600.0
        return self.cost(input_tokens, output_tokens)

    def per_document(self, input_tokens: float, output_tokens: float, documents_per_s: float | None) -> float | None:
        """The cost of one document: its (mean) tokens at the per-token prices, or an hour's price
        spread over the documents an hour of the measured throughput makes; None when an hourly
        price has no throughput to spread over."""
        if self.per_hour is None:
            return (input_tokens * self.input_per_million + output_tokens * self.output_per_million) / 1e6
        if not documents_per_s:
            return None
        return self.per_hour / 3600.0 / documents_per_s
