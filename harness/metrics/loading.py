"""Build metric objects from config: the one path used by `harness run`, `score` and `meta-eval`."""

from __future__ import annotations

from collections.abc import Mapping
from importlib import resources
from typing import Any, cast

from harness.errors import ConfigError
from harness.metrics.base import Metric
from harness.registry import METRICS, suggest


def build_metrics(spec: Mapping[str, Mapping[str, Any] | None]) -> list[Metric]:
    """`spec` maps a metric config name to its options; an optional `metric` key names the
    registry entry (default: the config name). Result keys use the config name, so
    `{rouge: {}, rouge_nostem: {metric: rouge, use_stemmer: false}}` gives `rouge/...` and
    `rouge_nostem/...`. Unknown names and keys fail here, at start-up."""
    metrics = []
    for name, options in spec.items():
        options = dict(options or {})
        key = options.pop("metric", name)
        if "/" in str(name):
            raise ConfigError(f"metrics.{name}: a metric config name cannot contain '/' (keys are <name>/<field>)")
        metrics.append(METRICS.get(key).from_config(options, where=f"metrics.{name}", name=str(name)))
    return metrics


def packaged_metric_names() -> list[str]:
    folder = resources.files("harness.conf") / "metrics"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def metric_spec(
    names: list[str], overrides: Mapping[str, Mapping[str, Any]] | None = None
) -> dict[str, dict[str, Any]]:
    """Options of the shipped `conf/metrics/<name>.yaml` files (outside Hydra), with overrides.

    Interpolations into the rest of a run's config (e.g. the prompt's bullet count) fall back to
    their `oc.select` defaults here.
    """
    from omegaconf import OmegaConf

    known = packaged_metric_names()
    spec: dict[str, dict[str, Any]] = {}
    for name in names:
        if name not in known:
            raise ConfigError(f"unknown metric config '{name}'. Available: {', '.join(known)}." + suggest(name, known))
        text = (resources.files("harness.conf") / "metrics" / f"{name}.yaml").read_text()
        node = OmegaConf.create(text)
        for config_name, options in node.items():
            # each packaged config maps option names to values
            spec[str(config_name)] = cast("dict[str, Any]", OmegaConf.to_container(options, resolve=True) or {})
    for name, options in (overrides or {}).items():
        spec.setdefault(name, {}).update(options)
    return spec
