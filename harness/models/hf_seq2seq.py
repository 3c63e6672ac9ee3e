"""`hf_seq2seq`: encoder-decoder summarizers (BART, Pegasus, T5) through AutoModelForSeq2SeqLM.generate()."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.models.base import Request
from harness.models.hf_common import HFBackend, HFOptions


@dataclass
class Seq2SeqOptions(HFOptions):
    # false: the encoder reads the bare article, for summarizers trained on articles alone
    # (BART/Pegasus-CNN), whatever the prompt config says; true: the rendered prompt (Flan-T5).
    use_prompt: bool = True
    prefix: str = ""  # put before every input, e.g. "summarize: " for T5-style models
    newline_token: str | None = None  # a token the model writes for a line break ("<n>" in Pegasus)


class HFSeq2Seq(HFBackend):
    """The encoder input is `prefix` + the rendered prompt (or the bare article with
    `use_prompt: false`); the system message has no place in a seq2seq model and is ignored."""

    Options = Seq2SeqOptions
    auto_class_name = "AutoModelForSeq2SeqLM"

    def user_text(self, request: Request) -> str:
        return request.prompt if self.options.use_prompt else request.source

    def model_input(self, request: Request, user_text: str) -> str:
        return self.options.prefix + user_text

    def clean(self, text: str) -> str:
        if self.options.newline_token:
            text = "\n".join(line.strip() for line in text.split(self.options.newline_token))
        return text.strip()

    def new_tokens(self, sequences: Any, input_width: int) -> Any:
        return sequences[:, 1:]  # drop the decoder start token
