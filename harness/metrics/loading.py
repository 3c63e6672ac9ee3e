"""Build metric objects from config: the one path used by `harness run`, `score` and `meta-eval`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any

from harness import redaction
from harness.config.env_names import config_secrets
from harness.errors import ConfigError
from harness.metrics.base import Metric
from harness.registry import METRICS, is_class_path, suggest

if TYPE_CHECKING:
    from importlib.abc import Traversable  # importlib.resources.abc from Python 3.11


TARGET = "_target_"  # a class path, as Hydra spells it: `_target_: mypkg.metrics.MyMetric`


def metric_class(name: str, options: Mapping[str, Any] | None) -> tuple[type[Metric], dict[str, Any]]:
    """The class a metric config names and its remaining options. The class is `_target_` (a
    class path), else `metric` (a registered name, an installed plugin's entry point, or a class
    path), else the config name itself."""
    options = dict(options or {})
    key, target = options.pop("metric", None), options.pop(TARGET, None)
    where = f"metrics.{name}"
    if key is not None and target is not None:
        raise ConfigError(f"{where}: give 'metric' (a registered name) or '{TARGET}' (a class path), not both")
    return METRICS.get(str(target or key or name), where), options


def build_metrics(spec: Mapping[str, Mapping[str, Any] | None]) -> list[Metric]:
    """`spec` maps a metric config name to its options; an optional `metric` key names the
    registry entry, or `_target_` a class path (default: the config name). Result keys use the
    config name, so `{rouge: {}, rouge_nostem: {metric: rouge, use_stemmer: false}}` gives
    `rouge/...` and `rouge_nostem/...`. Unknown names and keys fail here, at start-up.
    The secrets of the options (a judge's key variable, a URL's password) are registered for
    redaction first: `harness score` and `meta-eval` build metrics without a run's config check."""
    redaction.add(config_secrets(dict(spec)))
    metrics = []
    for name, options in spec.items():
        if "/" in str(name):
            raise ConfigError(f"metrics.{name}: a metric config name cannot contain '/' (keys are <name>/<field>)")
        cls, options = metric_class(str(name), options)
        metrics.append(cls.from_config(options, where=f"metrics.{name}", name=str(name)))
    return metrics


def packaged_metric_names() -> list[str]:
    folder = resources.files("harness.conf") / "metrics"
    return sorted(p.name[: -len(".yaml")] for p in folder.iterdir() if p.name.endswith(".yaml"))


def metric_config_file(name: str, config_dirs: Sequence[str | Path] = ()) -> Traversable | None:
    """`metrics/<name>.yaml`: the shipped one, else the first user config folder's (Hydra's
    search order: the user's folders come after the shipped configs)."""
    shipped = resources.files("harness.conf") / "metrics" / f"{name}.yaml"
    if shipped.is_file():
        return shipped
    for folder in config_dirs:
        path = Path(folder) / "metrics" / f"{name}.yaml"
        if path.is_file():
            return path
    return None


def metric_config_names(config_dirs: Sequence[str | Path] = ()) -> list[str]:
    names = set(packaged_metric_names())
    for folder in config_dirs:
        names |= {p.stem for p in (Path(folder) / "metrics").glob("*.yaml")}
    return sorted(names)


def metric_entries(name: str, config_dirs: Sequence[str | Path] = ()) -> dict[str, dict[str, Any]]:
    """What one metric name given on a command line stands for: the entries of its config file
    (shipped or in a user folder), else a registered metric, an installed plugin's entry point or
    a class path, with default options (keyed by the class's `name`).

    Interpolations into the rest of a run's config (e.g. the prompt's bullet count) fall back to
    their `oc.select` defaults here.
    """
    from omegaconf import OmegaConf

    file = metric_config_file(name, config_dirs)
    if isinstance(file, Path):  # a user's file (score and meta-eval read these outside Hydra)
        from harness.config.yaml_files import check_yaml_file

        check_yaml_file(str(file))
    if file is not None:
        try:
            node = OmegaConf.create(file.read_text(encoding="utf-8"))
            entries = {str(k): OmegaConf.to_container(v, resolve=True) or {} for k, v in node.items()}
        except Exception as e:
            raise ConfigError(f"{file}: cannot read this metric config: {e}") from None
        for key, options in entries.items():
            try:
                metric_class(key, options)  # type: ignore[arg-type]
            except ConfigError as e:  # name the file a plugin's class path came from
                raise ConfigError(f"{file}: {e}") from None
        return entries  # type: ignore[return-value]
    if name in METRICS.names():
        return {name: {"metric": name}}
    if is_class_path(name):
        return {METRICS.get(name, "--metrics").name: {TARGET: name}}
    known = metric_config_names(config_dirs)
    raise ConfigError(
        f"unknown metric '{name}': no metrics/{name}.yaml (shipped"
        + (" or in --config-dir" if config_dirs else "")
        + "), not a registered metric or installed plugin, not a class path (mypkg.module.Class). "
        f"Configs: {', '.join(known)}. Registered: {', '.join(METRICS.names())}."
        + suggest(name, known + METRICS.names())
    )


def single_metric(key: str, config_dirs: Sequence[str | Path] = ()) -> tuple[str, dict[str, Any]]:
    """One metric of `key` (its config file's entry named `key`, else its first): (config name,
    options naming the class by `metric` or `_target_`), so it can be renamed."""
    entries = metric_entries(key, config_dirs)
    name = key if key in entries else next(iter(entries))
    options = dict(entries[name])
    if TARGET not in options:
        options.setdefault("metric", name)
    return name, options


def metric_spec(
    names: list[str],
    overrides: Mapping[str, Mapping[str, Any]] | None = None,
    config_dirs: Sequence[str | Path] = (),
) -> dict[str, dict[str, Any]]:
    """Options of the `metrics/<name>.yaml` files (outside Hydra: shipped, then the user's
    folders), or of plugin metrics named directly, with overrides."""
    spec: dict[str, dict[str, Any]] = {}
    for name in names:
        spec.update(metric_entries(name, config_dirs))
    for name, options in (overrides or {}).items():
        spec.setdefault(name, {}).update(options)
    return spec
