"""Generation speed: one document at a time vs the harness's batched path (hf_seq2seq).

The model has facebook/bart-base's architecture and size (d_model 768, 6+6 layers, 12 heads,
FFN 3072, vocabulary 50265; ~140M parameters), randomly initialised from a hand-written
BartConfig: nothing is downloaded. The tokenizer is a byte-level BPE (8,000 tokens) trained
here on the benchmark's own articles, with BART's special tokens and <s> ... </s> framing.
Both paths go through HFSeq2Seq loading the same saved folder; only batch_size differs
(1 vs --batch-size). Decoding is greedy with exactly --new-tokens new tokens (min_new_tokens =
max_new_tokens). The paths alternate slice by slice; the outputs must be identical.

    python bench/generation_speed.py --docs 32 --new-tokens 32 --batch-size 8
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data" / "cnndm_pairs" / "cnndm_pairs.jsonl"
RESULTS = Path(__file__).with_suffix(".md")
sys.path.insert(0, str(ROOT / "tests"))  # the tiny models' tokenizer trainer
from tiny_tokenizers import byte_level_bpe  # noqa: E402


def bart_base_config():
    from transformers import BartConfig

    return BartConfig(
        vocab_size=50265,
        d_model=768,
        encoder_layers=6,
        decoder_layers=6,
        encoder_attention_heads=12,
        decoder_attention_heads=12,
        encoder_ffn_dim=3072,
        decoder_ffn_dim=3072,
        max_position_embeddings=1024,
        activation_function="gelu",
        scale_embedding=False,
        pad_token_id=1,
        bos_token_id=0,
        eos_token_id=2,
        decoder_start_token_id=2,
        forced_eos_token_id=2,
    )


def train_tokenizer(texts: list[str]):
    # BART's special tokens at its ids 0-3, and its <s> ... </s> framing
    return byte_level_bpe(texts, 8000, ["<s>", "<pad>", "</s>", "<unk>"], model_max_length=1024, framed=True)


def build_model(folder: Path, texts: list[str]) -> None:
    import torch
    from transformers import BartForConditionalGeneration

    torch.manual_seed(0)
    BartForConditionalGeneration(bart_base_config()).save_pretrained(folder)
    train_tokenizer(texts).save_pretrained(folder)


def timed(backend, requests) -> tuple[float, list[str]]:
    started = time.perf_counter()
    texts = [g.text for g in backend.generate(requests)]
    return time.perf_counter() - started, texts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--docs", type=int, default=32)
    parser.add_argument("--new-tokens", type=int, default=32)
    parser.add_argument("--batch-size", type=int, default=8)
    parser.add_argument("--max-input-tokens", type=int, default=512)
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--no-write", action="store_true", help=f"do not update {RESULTS.name}")
    args = parser.parse_args()
    if not DATA.is_file():
        print(f"skipped: {DATA.relative_to(ROOT.parent)} not found (the CNN/DM articles this benchmark reads)")
        return 0

    import torch

    from harness.models.base import Request
    from harness.models.hf_seq2seq import HFSeq2Seq

    rows = [json.loads(line) for line in DATA.read_text().splitlines() if line.strip()]
    articles = [r["source"] for r in rows]
    requests = [Request(r["doc_id"], r["source"], r["source"]) for r in rows[: args.docs]]
    generation = {
        "do_sample": False,
        "num_beams": 1,
        "max_new_tokens": args.new_tokens,
        "min_new_tokens": args.new_tokens,
    }

    with tempfile.TemporaryDirectory() as tmp:
        build_model(Path(tmp), articles)
        common = {
            "pretrained": tmp,
            "device": "cpu",
            "max_input_tokens": args.max_input_tokens,
            "generation": generation,
        }
        single = HFSeq2Seq.from_config({**common, "batch_size": 1})
        batched = HFSeq2Seq.from_config({**common, "batch_size": args.batch_size})
        single.generate(requests[:1]), batched.generate(requests[:2])  # warm-up: loading, first-call overheads
        # The machine may be shared: alternate the two paths slice by slice (one batch worth of
        # documents each), switching who goes first, so a burst of load hits both alike.
        times = {"one at a time": 0.0, "batched": 0.0}
        outputs: dict[str, list[str]] = {"one at a time": [], "batched": []}
        for round_ in range(args.rounds):
            for k, start in enumerate(range(0, len(requests), args.batch_size)):
                piece = requests[start : start + args.batch_size]
                paths = [("one at a time", single), ("batched", batched)]
                for name, backend in paths if (k + round_) % 2 == 0 else paths[::-1]:
                    seconds, texts = timed(backend, piece)
                    times[name] += seconds
                    print(f"  docs {start}-{start + len(piece) - 1}: {name} {seconds:.1f}s", flush=True)
                    if round_ == 0:
                        outputs[name] += texts
            print(f"round {round_ + 1}: " + ", ".join(f"{n} {t:.1f}s" for n, t in times.items()), flush=True)

    identical = outputs["one at a time"] == outputs["batched"]
    same = sum(a == b for a, b in zip(outputs["one at a time"], outputs["batched"]))
    rate = {name: len(requests) * args.rounds / seconds for name, seconds in times.items()}
    ratio = rate["batched"] / rate["one at a time"]
    command = "python bench/generation_speed.py " + " ".join(sys.argv[1:])
    report = f"""# Generation speed: one document at a time vs batched (hf_seq2seq)

Command (from the repository root): `{command.strip()}`

- Model: facebook/bart-base architecture and size, randomly initialised (BartConfig written by hand: d_model 768, 6+6 layers, 12 heads, FFN 3072, vocabulary 50265), float32, CPU.
- Tokenizer: byte-level BPE with 8,000 tokens trained in the script on the CNN/DM articles (BART special tokens, `<s> ... </s>`).
- Data: the first {len(requests)} articles of `../shared/data/cnndm_pairs/cnndm_pairs.jsonl`, truncated to {args.max_input_tokens} input tokens.
- Decoding: greedy, exactly {args.new_tokens} new tokens per document (min_new_tokens = max_new_tokens).
- One at a time: `HFSeq2Seq` with batch_size 1. Batched: the same backend with batch_size {args.batch_size}, one batch per slice of {args.batch_size} documents in dataset order (the pipeline sorts all pending documents by length before batching, which pads less: this is the conservative case).
- The two paths alternate slice by slice (who goes first switches each slice) over {args.rounds} round(s), so load from other processes on a shared machine hits both alike.
- Machine: {os.cpu_count()} CPU cores ({platform.machine()}), torch {torch.__version__} with {torch.get_num_threads()} threads.

| path | total seconds | documents/s |
|---|---|---|
| one at a time | {times["one at a time"]:.1f} | {rate["one at a time"]:.3f} |
| batched (batch_size {args.batch_size}) | {times["batched"]:.1f} | {rate["batched"]:.3f} |

**Speed-up: {ratio:.2f}x.** Outputs identical: {"yes" if identical else f"no ({same}/{len(requests)} documents identical)"}.
"""
    print(report)
    if not args.no_write:
        RESULTS.write_text(report)
    return 0 if identical else 1


if __name__ == "__main__":
    sys.exit(main())
