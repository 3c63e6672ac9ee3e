"""openai_chat and openai_completions end to end against a server no one here wrote:
llama-cpp-python's OpenAI-compatible server (built from the package registry by .ci/run),
serving a tiny random-weight Llama converted to GGUF with its chat template.

The expected texts, finish reasons and token counts come from llama-cpp-python's own Python
API loading the same GGUF file (greedy decoding), not from the harness.
"""

from __future__ import annotations

import contextlib
import json
import math
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from tiny_models import build_tiny_causal, docs_once, run_folders, run_harness, user_model_run_args

pytest.importorskip(
    "llama_cpp.server.app",
    reason="llama-cpp-python[server] is not installed: .ci/run builds it from PyPI (cmake + a C++ compiler); "
    "locally: CMAKE_ARGS=-DGGML_NATIVE=OFF pip install 'llama-cpp-python[server]'",
)
pytest.importorskip("gguf", reason="the gguf package (test extra) writes the tiny model file")

from tiny_gguf import convert_llama  # noqa: E402  (needs gguf)

pytestmark = pytest.mark.server

MAX_TOKENS = 24
# Greedy, and the server's default repetition penalty (1.1) set to the Python API's (1.0): a
# llama.cpp extra the harness passes through.
SETTINGS = {"temperature": 0.0, "max_tokens": MAX_TOKENS, "seed": 0, "repeat_penalty": 1.0}
# Plain prompts all end alike, and there the random model's first choice is its end token: ban
# it (OpenAI's logit_bias) so the completions flavour has text to record.
EOS_BANNED = {"logit_bias": {"2": -100.0}}


def settings_for(backend: str) -> dict:
    return {**SETTINGS, **(EOS_BANNED if backend == "openai_completions" else {})}


N_DOCS = 4


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def gguf_model(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("tiny-llama")
    return convert_llama(build_tiny_causal(folder / "hf"), folder / "tiny.gguf")


@contextlib.contextmanager
def serve_gguf(gguf_model: Path, log_dir: Path, n_ctx: int = 512) -> Iterator[str]:
    """`python -m llama_cpp.server` on 127.0.0.1 serving the file; yields its base URL."""
    port = free_port()
    log_path = log_dir / "server.log"
    with open(log_path, "w") as log:
        server = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "llama_cpp.server",
                "--model",
                str(gguf_model),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--n_ctx",
                str(n_ctx),
                "--n_threads",
                "1",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}/v1"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                with urllib.request.urlopen(f"{url}/models", timeout=2) as reply:
                    json.load(reply)
                break
            except OSError:
                if server.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"llama_cpp.server did not start:\n{log_path.read_text()[-3000:]}")
                time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


@pytest.fixture(scope="module")
def llama_server(gguf_model, tmp_path_factory):
    with serve_gguf(gguf_model, tmp_path_factory.mktemp("llama-server")) as url:
        yield url


@pytest.fixture(scope="module")
def oracle(gguf_model):
    """llama-cpp-python's Python API on the same file: what the server should answer."""
    from llama_cpp import Llama

    model = Llama(model_path=str(gguf_model), n_ctx=512, n_threads=1, verbose=False, logits_all=True)
    yield model
    model.close()


def test_the_gguf_file_computes_what_the_hugging_face_model_computes(gguf_model, oracle):
    """The conversion is faithful: same tokens, same logits (llama.cpp vs transformers)."""
    import numpy as np
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    hf_folder = gguf_model.parent / "hf"
    text = "the quick brown fox jumps over the lazy dog"
    ids = AutoTokenizer.from_pretrained(hf_folder)(text)["input_ids"]
    assert oracle.tokenize(text.encode(), add_bos=False, special=False) == ids
    oracle.reset()
    oracle.eval(ids)
    theirs = np.array(oracle.scores[: len(ids)])
    with torch.no_grad():
        ours = AutoModelForCausalLM.from_pretrained(hf_folder)(torch.tensor([ids])).logits[0].numpy()
    assert np.abs(theirs - ours).max() < 1e-2 * max(1.0, np.abs(ours).max())


def run_args(tmp_path: Path, url: str, backend: str, limit: int) -> list[str]:
    model = {
        "backend": backend,
        "model_id": "tiny-llama",
        "base_url": url,
        "max_concurrency": 2,
        "timeout_s": 60.0,
        "max_retries": 1,
        "generation": settings_for(backend),
    }
    data = docs_once(tmp_path / "docs.jsonl", N_DOCS)
    return user_model_run_args(
        tmp_path,
        "tiny-llama",
        model,
        data,
        f"dataset.limit={limit}",
        "metrics=[rouge,format]",
        f"results_dir={tmp_path / 'results'}",
    )


def expected(oracle, backend: str, system: str, prompt: str) -> dict:
    settings = settings_for(backend)
    if "logit_bias" in settings:  # the Python API takes token ids as numbers
        settings["logit_bias"] = {int(k): v for k, v in settings["logit_bias"].items()}
    if backend == "openai_chat":
        messages = ([{"role": "system", "content": system}] if system else []) + [{"role": "user", "content": prompt}]
        reply = oracle.create_chat_completion(messages=messages, **settings)
        text = reply["choices"][0]["message"]["content"]
    else:
        reply = oracle.create_completion(prompt=f"{system}\n\n{prompt}" if system else prompt, **settings)
        text = reply["choices"][0]["text"]
    return {
        "raw": text,
        "finish_reason": reply["choices"][0]["finish_reason"],
        "input_tokens": reply["usage"]["prompt_tokens"],
        "output_tokens": reply["usage"]["completion_tokens"],
    }


def generations(folder: Path) -> dict[str, dict]:
    return {r["doc_id"]: r for r in map(json.loads, (folder / "generations.jsonl").read_text().splitlines())}


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["openai_chat", "openai_completions"])
def test_a_real_server_runs_end_to_end_with_cache_and_resume(tmp_path, llama_server, oracle, backend):
    from harness.config.schema import PromptConfig, parse

    first = run_harness(*run_args(tmp_path, llama_server, backend, limit=2))
    assert first.returncode == 0, first.stderr[-3000:]
    second = run_harness(*run_args(tmp_path, llama_server, backend, limit=N_DOCS))  # resumes: 2 cached, 2 new
    assert second.returncode == 0, second.stderr[-3000:]
    early, full = run_folders(tmp_path / "results")

    info = json.loads((full / "run.json").read_text())
    assert info["status"] == "done"
    assert (
        info["generation"]["from_cache"] == 2
        and info["generation"]["generated"] == 2
        and info["generation"]["failed"] == 0
    )
    rows = generations(full)
    assert sorted(rows) == [f"doc{i:02d}" for i in range(N_DOCS)]
    assert [rows[d]["cached"] for d in sorted(rows)] == [True, True, False, False]
    for doc_id, row in generations(early).items():  # the cached documents are the first run's, unchanged
        assert rows[doc_id]["raw"] == row["raw"] and rows[doc_id]["output_tokens"] == row["output_tokens"]

    prompt = parse(PromptConfig, yaml.safe_load((full / "config.yaml").read_text())["prompt"], "prompt")
    sources = {
        json.loads(line)["doc_id"]: json.loads(line)["source"]
        for line in (tmp_path / "docs.jsonl").read_text().splitlines()
    }
    for doc_id, row in rows.items():
        want = expected(oracle, backend, prompt.system, prompt.render(sources[doc_id]))
        got = {k: row[k] for k in want}
        assert got == want, doc_id
        assert (
            row["finish_reason"] in ("stop", "length")
            and row["input_tokens"] > 0
            and 0 <= row["output_tokens"] <= MAX_TOKENS
        )
        assert isinstance(row["bullets"], list) and row["style"] is not None  # the parser read the reply
    assert sum(bool(r["raw"]) for r in rows.values()) >= 2, "the tiny model said nothing: a test of nothing"
    scores = (full / "scores.jsonl").read_text().splitlines()
    assert len(scores) == N_DOCS


@pytest.mark.parametrize("backend", ["openai_chat", "openai_completions"])
def test_a_real_server_returns_first_token_logprobs_for_a_per_request_setting(llama_server, oracle, backend):
    """A judge's request: one or two tokens with the 5 likeliest alternatives, asked per request
    over the model's own settings. llama-cpp-python answers in both formats; the expected
    numbers are its Python API's on the same file."""
    from harness.models.base import Request
    from harness.models.openai_compat import OpenAIChat, OpenAICompletions

    cls = OpenAIChat if backend == "openai_chat" else OpenAICompletions
    model = cls.from_config({"model_id": "tiny-llama", "base_url": llama_server, "generation": settings_for(backend)})
    prompt = "the quick brown fox jumps over the lazy dog"
    asked = {"max_tokens": 2, **({"logprobs": True, "top_logprobs": 5} if cls is OpenAIChat else {"logprobs": 5})}
    got = model.generate([Request("d", "", prompt, generation=asked)])[0]
    model.close()

    settings = {**settings_for(backend), "max_tokens": 2}
    if cls is OpenAIChat:
        reply = oracle.create_chat_completion(
            messages=[{"role": "user", "content": prompt}], logprobs=True, top_logprobs=5, **settings
        )
        want = [
            {a["token"]: a["logprob"] for a in p["top_logprobs"]} for p in reply["choices"][0]["logprobs"]["content"]
        ]
    else:
        settings["logit_bias"] = {int(k): v for k, v in settings["logit_bias"].items()}
        reply = oracle.create_completion(prompt=prompt, logprobs=5, **settings)
        want = reply["choices"][0]["logprobs"]["top_logprobs"]
    assert got.error is None and got.output_tokens == 2 and got.top_logprobs is not None
    assert len(got.top_logprobs) == 2 and all(len(p) >= 5 for p in got.top_logprobs)
    assert [sorted(p) for p in got.top_logprobs] == [sorted(p) for p in want]
    for ours, theirs in zip(got.top_logprobs, want):
        assert all(abs(ours[t] - theirs[t]) < 1e-4 for t in ours)
        assert sum(math.exp(v) for v in ours.values()) <= 1 + 1e-4
