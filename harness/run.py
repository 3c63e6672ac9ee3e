"""`harness run` (Hydra app: one job per model, `-m` sweeps) and `harness score RUN_DIR`."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import Any

from omegaconf import OmegaConf

from harness.errors import ConfigError, HarnessError
from harness.overrides import check_overrides
from harness.runfolder import CONFIG, LOG, RunFolder

log = logging.getLogger("harness")
CONFIG_PACKAGE = "harness.conf"
DEFAULT_EXPERIMENT = "experiment=demo"
CHOOSERS = ("experiment", "model", "dataset")  # overrides that say what to run
_failures: list[str] = []


def register_resolvers() -> None:
    """Resolvers and schema nodes the shipped configs use; call before composing a config."""
    import dataclasses

    from hydra.core.config_store import ConfigStore

    from harness.config import DatasetConfig
    from harness.data import builtin_path

    # Every dataset config starts from all DatasetConfig keys, so `dataset.limit=N` and other
    # overrides work on any dataset (Hydra rejects overrides of keys a config lacks).
    defaults = {f.name: None if f.default is dataclasses.MISSING else f.default for f in dataclasses.fields(DatasetConfig)}
    ConfigStore.instance().store(group="dataset", name="_schema", node=defaults)

    if not OmegaConf.has_resolver("harness.or"):
        # first argument that is not null: `label: ${harness.or:${.system},precomputed}`
        OmegaConf.register_new_resolver("harness.or", lambda *args: next((a for a in args if a is not None), None))
    if not OmegaConf.has_resolver("harness.data"):
        OmegaConf.register_new_resolver("harness.data", builtin_path)


def main(argv: list[str]) -> int:
    """Entry of `harness run`: checks model names up front, then hands argv to Hydra."""
    register_resolvers()
    argv = with_default_experiment(list(argv))
    if not any(a in ("-h", "--help", "--hydra-help", "--info", "-c", "--cfg") or a.startswith("--info") for a in argv):
        check_overrides(argv)
    _failures.clear()
    sys.argv = ["harness run", *argv]
    _hydra_entry()
    if _failures:
        print(f"harness run: {len(_failures)} run(s) failed: {', '.join(_failures)}", file=sys.stderr)
        return 1
    return 0


def with_default_experiment(argv: list[str]) -> list[str]:
    """The demo experiment runs unless the arguments choose an experiment, a model or a dataset."""
    chosen = any(a.lstrip("+~").partition("=")[0] in CHOOSERS for a in argv)
    return argv if chosen else [*argv, DEFAULT_EXPERIMENT]


def _job(cfg) -> None:
    """One Hydra job: one model over one dataset, in Hydra's output dir."""
    from hydra.core.hydra_config import HydraConfig

    from harness.pipeline import execute, validate

    hydra_cfg = HydraConfig.get()
    folder = RunFolder(Path(hydra_cfg.runtime.output_dir))
    config = absolute_paths(OmegaConf.to_container(cfg, resolve=True))
    model_name = hydra_cfg.runtime.choices.get("model") or "model"
    (folder.file(CONFIG)).write_text(OmegaConf.to_yaml(OmegaConf.create(config)))
    try:
        spec = validate(config, model_name)
        execute(spec, folder, overrides=list(hydra_cfg.overrides.task))
    except HarnessError as e:
        log.error("%s", e)
        print(f"harness run: error: {e}", file=sys.stderr)
        folder.update(status="failed", error=str(e))
        _failures.append(str(folder.path))
        return
    except Exception:
        log.exception("run failed")
        _failures.append(str(folder.path))
        if hydra_cfg.mode.name != "MULTIRUN":
            raise
        return
    if hydra_cfg.mode.name != "MULTIRUN":
        from harness.compare import compare_folders

        compare_folders([folder.path], out_dir=None)
    log.info("run folder: %s", folder.path)
    return None


def absolute_paths(config: dict[str, Any]) -> dict[str, Any]:
    """Input paths made absolute, so config.yaml works from any directory (e.g. `harness score`)."""
    for group in ("dataset", "model"):
        node = config.get(group) or {}
        path = node.get("path")
        if isinstance(path, str) and path and Path(path).expanduser().exists():
            node["path"] = str(Path(path).expanduser().resolve())
    return config


def _hydra_entry() -> None:
    import hydra

    hydra.main(config_path=f"pkg://{CONFIG_PACKAGE}", config_name="config", version_base="1.3")(_job)()


def score_main(argv: list[str]) -> int:
    """`harness score RUN_DIR [--metrics NAME ...]`: re-score saved generations; no model is loaded."""
    from harness.config import DatasetConfig, parse
    from harness.data import load_examples
    from harness.metrics.loading import build_metrics, metric_spec
    from harness.pipeline import score_run
    from harness.runfolder import GENERATIONS, now

    parser = argparse.ArgumentParser(prog="harness score", description=score_main.__doc__)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--metrics", nargs="+", help="metric config names (default: the run's own metrics)")
    args = parser.parse_args(argv)
    register_resolvers()
    folder = RunFolder(args.run_dir)
    if not folder.file(GENERATIONS).is_file():
        raise ConfigError(f"{args.run_dir}: no {GENERATIONS}; is this a finished run folder?")
    handler = logging.FileHandler(folder.file(LOG))
    logging.getLogger().addHandler(handler)
    config: dict[str, Any] = OmegaConf.to_container(OmegaConf.load(folder.file(CONFIG)), resolve=True)  # type: ignore[assignment]
    spec = metric_spec(args.metrics) if args.metrics else config.get("metrics") or {}
    if args.metrics and "format" in spec:
        spec["format"]["n_bullets"] = config.get("prompt", {}).get("n_bullets", 3)
    metrics = build_metrics(spec)
    from harness.config import RunSettings

    settings_keys = {f for f in RunSettings.__dataclass_fields__}
    settings = parse(RunSettings, {k: v for k, v in config.items() if k in settings_keys}, "config")
    data = load_examples(parse(DatasetConfig, config["dataset"], "dataset"), strict=settings.strict)
    folder.load_info()
    rows = folder.read_rows(GENERATIONS)
    score_run(folder, metrics, data.examples, rows, settings, keep_other_metrics=bool(args.metrics))
    folder.update(rescored=now(), rescored_metrics=sorted(spec))
    config["metrics"] = {**(config.get("metrics") or {}), **spec}
    folder.file(CONFIG).write_text(OmegaConf.to_yaml(OmegaConf.create(config)))
    from harness.compare import compare_folders

    compare_folders([folder.path], out_dir=None)
    return 0
