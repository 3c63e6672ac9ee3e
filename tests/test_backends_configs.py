"""Every shipped model config composes through Hydra and parses into its backend's options."""

from __future__ import annotations

from pathlib import Path

import pytest
from hydra import compose, initialize_config_dir
from omegaconf import OmegaConf

from harness.config.generation_keys import check_generation
from harness.config.groups import MODEL_KEYS
from harness.config.schema import parse
from harness.models.hf_common import HFOptions
from harness.models.openai_compat import OpenAIOptions
from harness.registry import BACKENDS
from harness.run.command import register_resolvers

CONF = Path(__file__).resolve().parents[1] / "conf"
MODEL_CONFIGS = sorted(p.stem for p in (CONF / "model").glob("*.yaml"))
EXPECTED = {
    "bart-large-cnn",
    "distilbart-cnn-12-6",
    "pegasus-cnn_dailymail",
    "flan-t5-base",
    "flan-t5-large",
    "qwen2.5-0.5b-instruct",
    "qwen2.5-1.5b-instruct",
    "llama-3.1-8b-vllm",
    "gpt-4o-mini",
}


def compose_model(name: str) -> dict:
    register_resolvers()  # what `harness run` does before composing
    with initialize_config_dir(config_dir=str(CONF), version_base=None):
        cfg = compose(config_name="config", overrides=[f"model={name}"])
    return OmegaConf.to_container(cfg.model, resolve=True)


def test_the_model_configs_users_reach_for_are_shipped():
    assert EXPECTED <= set(MODEL_CONFIGS)


@pytest.mark.parametrize("name", MODEL_CONFIGS)
def test_model_config_composes_and_validates(name, monkeypatch):
    monkeypatch.delenv("HARNESS_OPENAI_BASE_URL", raising=False)
    model = compose_model(name)
    backend_key = model.pop("backend")
    backend_cls = BACKENDS.get(backend_key)
    for key in MODEL_KEYS:  # read by the harness (label, price), not by the backend
        model.pop(key, None)
    if name == "precomputed":
        model["path"] = "outputs.jsonl"  # the one option a user must give on the command line
    options = parse(backend_cls.Options, model, f"model {name}")  # typed validation; no model is loaded
    if isinstance(options, HFOptions):
        assert "/" in options.pretrained
        assert options.generation, f"{name}: decoding settings belong in the config"
    if isinstance(options, OpenAIOptions):
        assert options.base_url.startswith("http") and options.generation.get("max_tokens")
    if hasattr(options, "generation"):
        check_generation(backend_key, options.generation, f"model {name}")  # every shipped setting is known


def test_generation_keys_read_from_source_match_the_installed_transformers():
    from transformers import GenerationConfig

    from harness.config.generation_keys import _keys_from_source, transformers_keys

    imported = {k for k in vars(GenerationConfig()) if not k.startswith("_") and k != "transformers_version"}
    assert {k for k in _keys_from_source() if not k.startswith("_") and k != "transformers_version"} == imported
    assert {"num_beams", "max_new_tokens", "do_sample"} <= transformers_keys() and "num_beam" not in transformers_keys()


def test_bart_large_cnn_decodes_as_its_model_card():
    g = compose_model("bart-large-cnn")["generation"]
    assert g == {
        "num_beams": 4,
        "max_length": 142,
        "min_length": 56,
        "length_penalty": 2.0,
        "no_repeat_ngram_size": 3,
        "early_stopping": True,
    }


def test_vllm_base_url_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv("HARNESS_OPENAI_BASE_URL", raising=False)
    assert compose_model("llama-3.1-8b-vllm")["base_url"] == "http://127.0.0.1:8000/v1"
    monkeypatch.setenv("HARNESS_OPENAI_BASE_URL", "http://gpu-box:9000/v1")
    assert compose_model("llama-3.1-8b-vllm")["base_url"] == "http://gpu-box:9000/v1"


def test_hosted_config_names_the_key_variable_not_the_key():
    model = compose_model("gpt-4o-mini")
    assert model["api_key_env"] == "OPENAI_API_KEY"
    assert not any(str(v).startswith("sk-") for v in model.values())
