"""Convert a Hugging Face Llama folder (weights + byte-level BPE tokenizer + chat template) into
a GGUF file that llama.cpp loads, with the `gguf` package: the same tensor names, Q/K
permutation and tokenizer metadata as llama.cpp's convert_hf_to_gguf.py, for the one
architecture the tests need.

    convert_llama(build_tiny_causal(tmp / "hf"), tmp / "tiny.gguf")
"""

from __future__ import annotations

import json
from pathlib import Path

# HF tensor name (per layer, after "model.layers.N.") -> GGUF name (after "blk.N.")
_LAYER_TENSORS = {
    "input_layernorm.weight": "attn_norm.weight",
    "self_attn.q_proj.weight": "attn_q.weight",
    "self_attn.k_proj.weight": "attn_k.weight",
    "self_attn.v_proj.weight": "attn_v.weight",
    "self_attn.o_proj.weight": "attn_output.weight",
    "post_attention_layernorm.weight": "ffn_norm.weight",
    "mlp.gate_proj.weight": "ffn_gate.weight",
    "mlp.up_proj.weight": "ffn_up.weight",
    "mlp.down_proj.weight": "ffn_down.weight",
}
_TOP_TENSORS = {
    "model.embed_tokens.weight": "token_embd.weight",
    "model.norm.weight": "output_norm.weight",
    "lm_head.weight": "output.weight",
}


def _unpermute_rope(weights, n_head: int):
    """HF stores Q/K rows for rotate-half RoPE; llama.cpp's llama expects the interleaved order."""
    return (
        weights.reshape(n_head, 2, weights.shape[0] // n_head // 2, *weights.shape[1:])
        .swapaxes(1, 2)
        .reshape(weights.shape)
    )


def convert_llama(hf_folder: Path, out_path: Path) -> Path:
    import gguf
    import numpy as np
    from safetensors.numpy import load_file

    config = json.loads((hf_folder / "config.json").read_text())
    tokenizer = json.loads((hf_folder / "tokenizer.json").read_text())
    tokenizer_config = json.loads((hf_folder / "tokenizer_config.json").read_text())
    n_head, n_kv = config["num_attention_heads"], config.get("num_key_value_heads", config["num_attention_heads"])

    writer = gguf.GGUFWriter(str(out_path), "llama")
    writer.add_name("tiny-llama")
    writer.add_context_length(config["max_position_embeddings"])
    writer.add_embedding_length(config["hidden_size"])
    writer.add_block_count(config["num_hidden_layers"])
    writer.add_feed_forward_length(config["intermediate_size"])
    writer.add_head_count(n_head)
    writer.add_head_count_kv(n_kv)
    writer.add_rope_dimension_count(config["hidden_size"] // n_head)
    writer.add_rope_freq_base(float(config.get("rope_theta", 10000.0)))
    writer.add_layer_norm_rms_eps(float(config["rms_norm_eps"]))
    writer.add_vocab_size(config["vocab_size"])
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    # Tokenizer: GPT-2-style byte-level BPE; special tokens are control tokens.
    vocab = tokenizer["model"]["vocab"]
    special = {t["id"] for t in tokenizer.get("added_tokens", []) if t.get("special")}
    tokens = [None] * config["vocab_size"]
    for token, i in vocab.items():
        tokens[i] = token
    for t in tokenizer.get("added_tokens", []):
        tokens[t["id"]] = t["content"]
    types = [gguf.TokenType.CONTROL if i in special else gguf.TokenType.NORMAL for i in range(len(tokens))]
    for i, token in enumerate(tokens):
        if token is None:  # a padded vocabulary: unused ids
            tokens[i], types[i] = f"[PAD{i}]", gguf.TokenType.UNUSED
    merges = [m if isinstance(m, str) else " ".join(m) for m in tokenizer["model"]["merges"]]
    writer.add_tokenizer_model("gpt2")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    writer.add_token_merges(merges)
    writer.add_bos_token_id(config["bos_token_id"])
    writer.add_eos_token_id(config["eos_token_id"])
    if config.get("pad_token_id") is not None:
        writer.add_pad_token_id(config["pad_token_id"])
    writer.add_add_bos_token(False)  # the chat template writes its own <s>
    template = tokenizer_config.get("chat_template")  # newer transformers save it beside, as chat_template.jinja
    writer.add_chat_template(template or (hf_folder / "chat_template.jinja").read_text())

    weights = load_file(str(hf_folder / "model.safetensors"))
    for name, array in weights.items():
        array = array.astype(np.float32)
        if name in _TOP_TENSORS:
            writer.add_tensor(_TOP_TENSORS[name], array)
            continue
        prefix, layer, rest = name.split(".", 3)[1], name.split(".")[2], name.split(".", 3)[3]
        if prefix != "layers" or rest not in _LAYER_TENSORS:
            raise ValueError(f"{hf_folder}: no GGUF name for tensor {name}")
        if rest == "self_attn.q_proj.weight":
            array = _unpermute_rope(array, n_head)
        elif rest == "self_attn.k_proj.weight":
            array = _unpermute_rope(array, n_kv)
        writer.add_tensor(f"blk.{layer}.{_LAYER_TENSORS[rest]}", array)

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return out_path
