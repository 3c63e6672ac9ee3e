"""`hf_seq2seq`: encoder-decoder summarizers (BART, Pegasus, T5) through AutoModelForSeq2SeqLM.generate()."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from harness.models.base import Request
from harness.models.hf_common import HFBackend, HFOptions


@dataclass
class Seq2SeqOptions(HFOptions):
    prefix: str = ""  # put before every input, e.g. "summarize: " for T5-style models


class HFSeq2Seq(HFBackend):
    """The prompt's user text (after `prefix`) is the encoder input; the system message has no
    place in a seq2seq model and is ignored."""

    Options = Seq2SeqOptions
    auto_class_name = "AutoModelForSeq2SeqLM"

    def model_input(self, request: Request, user_text: str) -> str:
        return self.options.prefix + user_text

    def new_tokens(self, sequences: Any, input_width: int) -> Any:
        return sequences[:, 1:]  # drop the decoder start token
