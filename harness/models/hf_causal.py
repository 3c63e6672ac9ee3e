"""`hf_causal`: decoder-only chat or base models through AutoModelForCausalLM.generate()."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.models.base import Request
from harness.models.hf_common import HFBackend, HFOptions


@dataclass
class CausalOptions(HFOptions):
    use_chat_template: bool = True  # when the tokenizer has one; false: plain prompt for base models


class HFCausal(HFBackend):
    """Chat template (system + user messages, generation prompt) when the tokenizer has one, else
    the system text and the prompt as one plain text. Batches are left-padded so every row's new
    tokens start at the same column; only those are decoded."""

    Options = CausalOptions
    auto_class_name = "AutoModelForCausalLM"
    padding_side = "left"

    @property
    def chat(self) -> bool:
        return self.options.use_chat_template and bool(getattr(self.tokenizer, "chat_template", None))

    @property
    def add_special_tokens(self) -> bool:  # type: ignore[override]
        return not self.chat  # a chat template writes its own BOS

    def prepare_tokenizer(self) -> None:
        super().prepare_tokenizer()
        if self.tokenizer.pad_token_id is None:  # many causal tokenizers have none; padding is masked anyway
            self.tokenizer.pad_token = self.tokenizer.eos_token

    def input_limit(self, kwargs: dict[str, Any] | None = None) -> int | None:
        """A decoder's context holds the prompt and the output: by default the prompt gets
        what `max_new_tokens` leaves free."""
        limit = super().input_limit(kwargs)
        if self.options.max_input_tokens is None and limit is not None:
            kwargs = self.generation_kwargs() if kwargs is None else kwargs
            limit = max(1, limit - int(kwargs.get("max_new_tokens", 0)))
        return limit

    def model_input(self, request: Request, user_text: str) -> str:
        if not self.chat:
            return f"{request.system}\n\n{user_text}" if request.system else user_text
        messages = [{"role": "system", "content": request.system}] if request.system else []
        messages.append({"role": "user", "content": user_text})
        return self.tokenizer.apply_chat_template(messages, add_generation_prompt=True, tokenize=False)

    def new_tokens(self, sequences: Any, input_width: int) -> Any:
        return sequences[:, input_width:]
