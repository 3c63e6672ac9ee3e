"""Tiny randomly initialised BERT encoders and NLI classifiers saved to a folder, so metric tests
load them exactly as a user's `model: /path/to/folder` would, with no download.

Import the fixtures into a test module: `from tiny_encoders import tiny_bert_dir, tiny_nli_dir`.
"""

from __future__ import annotations

import os
import string
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")

WORDS = """the a an of to in on at and is was were be by for with from that it its this he she they
bridge reopened monday after two years repairs work cost million euros council approved plan homes
mayor said vote passed seven city new old site school families construction spring cat sat mat dog
ran park red blue green house""".split()


def write_vocab(folder: Path) -> Path:
    """A WordPiece vocabulary: specials, whole words, then single characters (so any text tokenizes)."""
    chars = list(string.ascii_lowercase + string.digits + string.punctuation)
    vocab = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *WORDS, *chars, *[f"##{c}" for c in chars]]
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "vocab.txt"
    path.write_text("\n".join(dict.fromkeys(vocab)) + "\n")
    return path


def _config(vocab_size: int, **extra):
    from transformers import BertConfig

    return BertConfig(
        vocab_size=vocab_size,
        hidden_size=32,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=128,
        **extra,
    )


def build_tiny_bert(folder: Path, seed: int = 0) -> Path:
    import torch
    from transformers import BertModel, BertTokenizer

    torch.manual_seed(seed)
    tokenizer = BertTokenizer(str(write_vocab(folder)), model_max_length=128)
    BertModel(_config(len(tokenizer.vocab))).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_tiny_nli(folder: Path, id2label: dict[int, str] | None = None, seed: int = 0) -> Path:
    import torch
    from transformers import BertForSequenceClassification, BertTokenizer

    torch.manual_seed(seed)
    id2label = id2label or {0: "entailment", 1: "neutral", 2: "contradiction"}
    tokenizer = BertTokenizer(str(write_vocab(folder)), model_max_length=128)
    config = _config(
        len(tokenizer.vocab), num_labels=len(id2label), id2label=id2label, label2id={v: k for k, v in id2label.items()}
    )
    BertForSequenceClassification(config).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_bert_dir(tmp_path_factory) -> Path:
    return build_tiny_bert(tmp_path_factory.mktemp("tiny-bert"))


@pytest.fixture(scope="session")
def tiny_nli_dir(tmp_path_factory) -> Path:
    return build_tiny_nli(tmp_path_factory.mktemp("tiny-nli"))
