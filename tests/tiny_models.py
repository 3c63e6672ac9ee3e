"""Tiny randomly initialised models saved to a folder, so backend tests load them exactly as a
user's `pretrained: /path/to/folder` would, with no download.

Import the fixtures into a test module: `from tiny_models import tiny_t5_dir, tiny_causal_dir`.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from tiny_tokenizers import byte_level_bpe

os.environ.setdefault("HF_HUB_OFFLINE", "1")

CHAT_TEMPLATE = (
    "{% for m in messages %}<s>{{ m['role'] }}: {{ m['content'] }}\n{% endfor %}"
    "{% if add_generation_prompt %}<s>assistant:{% endif %}"
)
_ALLOWED = "abcdefghijklmnopqrstuvwxyz -\n."


def _readable_only(lm_head_weight, allowed_ids: list[int]) -> None:
    """Zero the output rows of every other token: a random model then writes readable text
    (letters, spaces, dashes, newlines) instead of stray bytes that decode to nothing."""
    import torch

    keep = torch.zeros(lm_head_weight.shape[0], dtype=torch.bool)
    keep[allowed_ids] = True
    with torch.no_grad():
        lm_head_weight[~keep] = 0.0
        lm_head_weight[keep] *= 4.0


def build_tiny_t5(folder: Path, seed: int = 0) -> Path:
    """A 2+2-layer T5 with ByT5's byte tokenizer (no vocabulary file needed)."""
    import torch
    from transformers import ByT5Tokenizer, T5Config, T5ForConditionalGeneration

    torch.manual_seed(seed)
    tokenizer = ByT5Tokenizer(model_max_length=512)
    config = T5Config(
        vocab_size=384,
        d_model=32,
        d_kv=8,
        d_ff=64,
        num_layers=2,
        num_decoder_layers=2,
        num_heads=4,
        decoder_start_token_id=0,
        pad_token_id=0,
        eos_token_id=1,
    )
    model = T5ForConditionalGeneration(config)
    allowed = [1] + [ord(c) + 3 for c in _ALLOWED]  # ByT5: byte b is id b + 3; 1 is </s>
    _readable_only(model.lm_head.weight, allowed)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def _tiny_llama(sentences: list[str], seed: int):
    """A 2-layer Llama, seeded, with a byte-level BPE tokenizer trained on a pangram and
    `sentences`, a chat template and a pad token: (tokenizer, model)."""
    import torch
    from transformers import LlamaConfig, LlamaForCausalLM

    torch.manual_seed(seed)
    corpus = ["the quick brown fox jumps over the lazy dog", *sentences]
    tokenizer = byte_level_bpe(corpus * 20, 400, ["<pad>", "<s>", "</s>", "<unk>"], model_max_length=512)
    tokenizer.chat_template = CHAT_TEMPLATE
    config = LlamaConfig(
        vocab_size=len(tokenizer),
        hidden_size=32,
        intermediate_size=64,
        num_hidden_layers=2,
        num_attention_heads=4,
        num_key_value_heads=2,
        max_position_embeddings=512,
        bos_token_id=1,
        eos_token_id=2,
        pad_token_id=0,
        tie_word_embeddings=False,
    )
    return tokenizer, LlamaForCausalLM(config)


def build_tiny_causal(folder: Path, seed: int = 0) -> Path:
    """A 2-layer Llama with a byte-level BPE tokenizer trained here, a chat template and a pad token."""
    sentences = ["a summary lists the main points of an article", "system user assistant: write three bullets"]
    tokenizer, model = _tiny_llama(sentences, seed)
    vocab = tokenizer.get_vocab()
    allowed = [2] + [i for t, i in vocab.items() if all(c in "abcdefghijklmnopqrstuvwxyzĠĊ-." for c in t)]
    _readable_only(model.lm_head.weight, allowed)
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


def build_tiny_judge(folder: Path, seed: int = 0) -> Path:
    """A 2-layer Llama whose every next token is "Yes" or "No" (with or without a leading space),
    in proportions that depend on the input: a judge that talks nonsense but answers a Yes/No
    question with real first-token probabilities. One residual dimension is held constant (every
    embedding sets it, no layer writes it), and only those four tokens read it, strongly."""
    import torch

    tokenizer, model = _tiny_llama(
        ["is the claim supported by the document answer Yes or No", "Yes No Yes No yes no"], seed
    )
    vocab = tokenizer.get_vocab()
    answers = [vocab[t] for t in ("Yes", "\u0120Yes", "No", "\u0120No")]  # all four are tokens of this vocabulary
    held = 0  # the constant dimension
    with torch.no_grad():
        model.model.embed_tokens.weight[:, held] = 1.0
        for layer in model.model.layers:
            layer.self_attn.o_proj.weight[held, :] = 0.0
            layer.mlp.down_proj.weight[held, :] = 0.0
        head = model.lm_head.weight
        head[:, held] = 0.0
        head[answers] *= 50.0  # their input-dependent part: P(Yes) varies with the prompt
        head[answers, held] = 10.0
    model.save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_t5_dir(tmp_path_factory) -> Path:
    return build_tiny_t5(tmp_path_factory.mktemp("tiny-t5"))


@pytest.fixture(scope="session")
def tiny_causal_dir(tmp_path_factory) -> Path:
    return build_tiny_causal(tmp_path_factory.mktemp("tiny-causal"))


# -- running the harness as a user would --------------------------------------------------------


def write_model_config(config_dir: Path, name: str, options: dict) -> None:
    """A user's model YAML: `<config_dir>/model/<name>.yaml` (found through `--config-dir`)."""
    import yaml

    (config_dir / "model").mkdir(parents=True, exist_ok=True)
    (config_dir / "model" / f"{name}.yaml").write_text(yaml.safe_dump(options, sort_keys=False))


def write_docs(path: Path, n: int) -> Path:
    """A local dataset whose documents carry a unique marker ("DOC-3 ") a test server can match."""
    import json

    with open(path, "w") as f:
        for i in range(n):
            source = f"DOC-{i} The council met on day {i}. It approved a budget of {i + 10} million. Work starts soon."
            reference = [f"The council met on day {i}.", f"It approved {i + 10} million."]
            f.write(json.dumps({"doc_id": f"doc{i:02d}", "source": source, "reference": reference}) + "\n")
    return path


def docs_once(path: Path, n: int) -> Path:
    """`write_docs` unless the file is there: the dataset a series of runs in one test shares."""
    return path if path.exists() else write_docs(path, n)


def user_model_run_args(folder: Path, model: str, options: dict, data: Path, *overrides: str) -> list[str]:
    """`harness run` arguments for a user's model YAML (written under `<folder>/configs`) over a
    local dataset, then the overrides."""
    config_dir = folder / "configs"
    write_model_config(config_dir, model, options)
    return [
        "run",
        "--config-dir",
        str(config_dir),
        f"model={model}",
        "dataset=local",
        f"dataset.path={data}",
        *overrides,
    ]


def one_at_a_time_chat(base_url: str) -> dict:
    """An openai_chat model on the test server that sends one request at a time and never
    retries: each document's generation is in the cache before the next one starts."""
    return {
        "backend": "openai_chat",
        "model_id": "fake-model",
        "base_url": base_url,
        "max_concurrency": 1,
        "max_retries": 0,
        "generation": {"temperature": 0},
    }


def harness_command(*args: str) -> list[str]:
    import sys

    return [sys.executable, "-m", "harness.cli", *args]


def run_harness(*args: str, env: dict | None = None, timeout: float = 300):
    """`harness ...` in a subprocess (Hydra owns its process), offline; returns CompletedProcess."""
    import subprocess

    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.run(harness_command(*args), env=full_env, capture_output=True, text=True, timeout=timeout)


def start_harness(*args: str, env: dict | None = None, **popen):
    """`harness ...` started in the background, offline; its output is dropped unless `popen`
    says where it goes (e.g. stdout=subprocess.PIPE)."""
    import subprocess

    popen.setdefault("stdout", subprocess.DEVNULL)
    popen.setdefault("stderr", subprocess.DEVNULL)
    full_env = {**os.environ, "HF_HUB_OFFLINE": "1", **(env or {})}
    return subprocess.Popen(harness_command(*args), env=full_env, **popen)


def wait_while_running(proc, ready, failure: str, timeout: float = 120, poll: float = 0.05) -> None:
    """Wait until `ready()`; fail with `failure` if the process ends first or `timeout` passes
    (so a signal or kill that follows lands mid-run, never after the end)."""
    import time

    deadline = time.monotonic() + timeout
    while not ready():
        assert proc.poll() is None and time.monotonic() < deadline, failure
        time.sleep(poll)


def kill(proc) -> None:
    """SIGKILL: no handler runs, as when the machine loses power or the OOM killer strikes."""
    import signal

    proc.send_signal(signal.SIGKILL)
    proc.wait()


def run_whole_and_in_shards(root: Path, models: str, shards: int, overrides: list[str], launcher=()) -> None:
    """One sweep of `models` run twice, each asserted to succeed: unsharded under root/whole, and
    as `shards` shards per model under root/parts (merged at the end of that sweep), on `launcher`."""
    whole = run_harness("run", "-m", f"results_dir={root / 'whole'}", f"model={models}", *overrides)
    assert whole.returncode == 0, whole.stderr[-3000:]
    shard = [f"shard.count={shards}", f"shard.index=range({shards})"]
    parts = run_harness("run", "-m", f"results_dir={root / 'parts'}", f"model={models}", *shard, *overrides, *launcher)
    assert parts.returncode == 0, parts.stderr[-3000:]


def run_folders(results_dir: Path) -> list[Path]:
    """Run folders (those holding run.json) under a results directory, oldest first."""
    return sorted((p.parent for p in results_dir.rglob("run.json")), key=lambda p: p.stat().st_mtime)
