"""`harness run` as a Hydra app: one job per model, `-m` sweeps, and the session that says how they ended.

The command line (argparse, printing, exit codes) is harness/cli/run.py, the Python API
`harness.api.run`; both call `launch`, which takes typed arguments and returns a `Session`.
Re-scoring a finished run (`harness score`) is harness/run/rescore.py.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from omegaconf import DictConfig, OmegaConf

from harness import redaction
from harness.config.env_names import credential_variables
from harness.config.search import CONFIG_PACKAGE, options_first
from harness.errors import EXIT_RUN_FAILED, ConfigError, HarnessError, InputError, exit_called
from harness.fileio import make_unique_dir
from harness.run.folder import CONFIG, RUN, RunFolder, path_component
from harness.run.preflight import check_overrides
from harness.run.resolvers import plain_config, register_config_resolvers

log = logging.getLogger("harness")
DEFAULT_EXPERIMENT = "experiment=demo"
CHOOSERS = ("experiment", "model", "dataset")  # overrides that say what to run
TIMESTAMP = "%Y-%m-%d_%H-%M-%S"


@dataclass
class Session:
    """What one `launch` created and how its runs ended.

    It lives in a module global (`_session`, replaced by each `launch`) because Hydra calls
    everything that fills it with nothing of ours to pass it along: the task function `_job` gets
    only the job's config, the `harness.new_run_root` resolver only its arguments, the sweep
    callback (`pin_sweep_dir`, `note_table_failure`) only the config. A job that a launcher runs in
    another process fills that process's copy, so after a sweep `collect_job_outcomes` reads
    each job's outcome from its folder instead.
    """

    roots: dict[tuple[str, str], Path] = field(default_factory=dict)  # (results_dir, experiment) -> timestamp folder
    made: list[Path] = field(default_factory=list)  # folders this process created above the roots
    jobs: int = 0  # jobs Hydra started in this process
    failures: list[str] = field(default_factory=list)  # runs that started and failed (their folders)
    rejected: list[str] = field(default_factory=list)  # runs refused at start-up (config errors)
    sweep_dirs: list[Path] = field(default_factory=list)  # this process's sweeps (their jobs may run elsewhere)
    hydra_exit: int | str | None = None  # Hydra's SystemExit code when it stopped the command (None: it did not)
    on_run_done: Callable[[Path], None] | None = None  # called with a single (not -m) run's folder once it is done
    table_error: str | None = None  # why a sweep's comparison table could not be made (Hydra swallows callback errors)
    table_exit: int = 0  # the exit code that failure gives the command

    def owns(self, path: Path) -> bool:
        return any(path.resolve().is_relative_to(root.resolve()) for root in self.roots.values())


_session = Session()  # the current (or last) `launch`'s; see Session for why it is global


class _Abort(BaseException):
    """Carries a HarnessError out through Hydra, which would print any Exception as a traceback."""

    def __init__(self, error: HarnessError) -> None:
        super().__init__(str(error))
        self.error = error


def new_run_root(results_dir: Any, experiment_name: Any) -> str:
    """`${harness.new_run_root:...}`: `<results_dir>/<experiment>/<timestamp>`, created exclusively.

    Two processes starting in the same second get `<timestamp>` and `<timestamp>_1` (os.mkdir
    fails on an existing folder); within one process every job and Hydra's own files share it.
    """
    key = (str(results_dir), str(experiment_name))
    if key not in _session.roots:
        parent = Path(str(results_dir)).expanduser() / path_component(experiment_name)
        missing = [p for p in [parent, *parent.parents] if not p.exists()]
        try:
            _session.roots[key] = make_unique_dir(parent, time.strftime(TIMESTAMP))
        except OSError as e:
            raise _Abort(
                ConfigError(f"results_dir={results_dir}: cannot create a run folder in {parent}: {e.strerror}")
            ) from None
        _session.made += [p for p in missing if p.exists()]
    return str(_session.roots[key])


def register_resolvers() -> None:
    """Everything composing `harness run`'s config needs: the shipped configs' resolvers and
    `harness.new_run_root`, which creates this process's run folders."""
    register_config_resolvers()
    if not OmegaConf.has_resolver("harness.new_run_root"):
        OmegaConf.register_new_resolver("harness.new_run_root", new_run_root)


def launch(argv: list[str], on_run_done: Callable[[Path], None] | None = None) -> Session:
    """`harness run ARGV`: checks names up front, hands argv to Hydra, cleans up after it; the
    returned Session says how every job ended. `on_run_done(folder)` is called after a single
    (not -m) run finishes, in the job, before its last log line."""
    global _session
    register_resolvers()
    argv = with_default_experiment(options_first(list(argv)))
    if not any(a in ("-h", "--help", "--hydra-help", "--info", "-c", "--cfg") or a.startswith("--info") for a in argv):
        check_overrides(argv)
        refuse_taken_output_dirs(argv)
    else:  # Hydra prints the config unchecked (`--cfg job --resolve`): no credential variable in it
        redaction.add(credential_variables().values())
    _session = Session(on_run_done=on_run_done)
    sys.argv = ["harness run", *argv]
    try:
        _hydra_entry()
    except _Abort as e:
        raise e.error from None
    except SystemExit as e:  # Hydra rejected the command line or a config, or --help ended it
        _session.hydra_exit = e.code
    finally:
        for sweep_dir in _session.sweep_dirs:
            collect_job_outcomes(sweep_dir)
        remove_unused_roots()
    return _session


def pin_sweep_dir(cfg: DictConfig) -> None:
    """Called at the start of a sweep, in the process that launches it: the sweep folder is created
    here once, and every job, in whatever process or machine a launcher (joblib, submitit, Ray)
    runs it, composes its config with that folder as a plain path instead of creating its own."""
    from omegaconf import open_dict

    sweep_dir = Path(str(cfg.hydra.sweep.dir)).resolve()
    _session.sweep_dirs.append(sweep_dir)
    quoted = str(sweep_dir).replace("'", "\\'").replace("${", "\\${")  # Hydra's quoted-string escapes
    with open_dict(cfg):
        cfg.hydra.sweep.dir = str(sweep_dir)
        cfg.hydra.overrides.hydra.append(f"hydra.sweep.dir='{quoted}'")


def note_table_failure(sweep_dir: Path, error: Exception) -> None:
    """A sweep's table failed after its runs: the command says so and exits non-zero (Hydra only
    warns about an exception in a callback, which would leave the sweep without a table and exit 0)."""
    what = str(error) if isinstance(error, HarnessError) else f"{type(error).__name__}: {error}"
    _session.table_error = f"{sweep_dir}: no comparison table: {what}"
    _session.table_exit = error.exit_code if isinstance(error, HarnessError) else EXIT_RUN_FAILED


def collect_job_outcomes(sweep_dir: Path) -> None:
    """Each job's outcome as its folder records it, so the exit code is right when a launcher ran
    the jobs in other processes: a run.json that is not "done" is a failed run; a job folder
    without run.json is a job refused at start-up (removed, as a refused job leaves nothing)."""
    from harness.run.record import read_info

    if not sweep_dir.is_dir():
        return
    for job_dir in sorted(p for p in sweep_dir.iterdir() if p.is_dir() and not p.name.startswith(".")):
        run_json = job_dir / RUN
        if run_json.is_file():
            try:
                status = read_info(run_json).status
            except InputError:
                status = "unreadable"
            if status != "done" and job_dir.resolve() not in {Path(f).resolve() for f in _session.failures}:
                _session.failures.append(str(job_dir))
        elif (job_dir / ".hydra").is_dir() and not any(job_dir.rglob(RUN)):
            _session.rejected.append(str(job_dir))
            shutil.rmtree(job_dir, ignore_errors=True)


def refuse_taken_output_dirs(argv: list[str]) -> None:
    """`hydra.run.dir=DIR` naming a folder that holds a run: refuse before Hydra writes into it."""
    for arg in argv:
        key, _, value = arg.lstrip("+").partition("=")
        if key in ("hydra.run.dir", "hydra.sweep.dir") and value and "${" not in value:
            taken = next(iter(Path(value).expanduser().rglob(RUN)), None) if Path(value).expanduser().is_dir() else None
            if taken is not None:
                raise ConfigError(
                    f"{key}={value}: {taken.parent} already holds a run ({RUN}); a run never writes into another run's folder"
                )


def remove_unused_roots() -> None:
    """A timestamp folder in which no run started (all refused at start-up) is removed, with the
    empty folders this process created above it: a typo leaves nothing behind."""
    for root in _session.roots.values():
        if root.is_dir() and not any(root.rglob(RUN)):
            shutil.rmtree(root, ignore_errors=True)
    for folder in sorted(_session.made, key=lambda p: len(p.parts), reverse=True):
        try:
            folder.rmdir()  # only when empty
        except OSError:
            pass


def with_default_experiment(argv: list[str]) -> list[str]:
    """The demo experiment runs unless the arguments choose an experiment, a model or a dataset
    (or ask for Hydra's help, which composes no experiment)."""
    chosen = "--hydra-help" in argv or any(a.lstrip("+~").partition("=")[0] in CHOOSERS for a in argv)
    return argv if chosen else [*argv, DEFAULT_EXPERIMENT]


def _job(cfg: DictConfig) -> None:
    """One Hydra job: one model over one dataset, in Hydra's output dir.

    A config refused here (before the run claims its folder) leaves no folder behind; once the
    folder holds run.json, every way out records a terminal status there.
    """
    from hydra.core.hydra_config import HydraConfig
    from hydra.types import RunMode

    from harness.run.pipeline import execute, validate

    _session.jobs += 1
    hydra_cfg = HydraConfig.get()
    folder = RunFolder(Path(hydra_cfg.runtime.output_dir))
    try:
        config = absolute_paths(plain_config(cfg))
        model_name = hydra_cfg.runtime.choices.get("model") or "model"
        spec = validate(config, model_name)
        folder.claim(status="starting", label=spec.label, started=None)
    except (Exception, SystemExit) as e:  # a config error: nothing ran
        message = failure_message(e)
        print(f"harness run: error: {message}", file=sys.stderr)
        _session.rejected.append(message)
        if _session.owns(folder.path) and not folder.file(RUN).exists():
            shutil.rmtree(folder.path, ignore_errors=True)
        return
    with contextlib.ExitStack() as held:
        try:
            with folder.recording_outcome():
                # held to the run's table (a fresh folder: only this run can hold it), so a
                # `harness score` of the folder meanwhile refuses instead of writing beside the run
                held.enter_context(folder.working())
                folder.write_text(CONFIG, OmegaConf.to_yaml(OmegaConf.create(config)))
            execute(spec, folder, overrides=list(hydra_cfg.overrides.task))
        except (Exception, SystemExit) as e:  # recorded in run.json as "failed"; a plugin's sys.exit too
            if not isinstance(e, HarnessError):
                log.exception("run failed")
            message = failure_message(e)
            print(f"harness run: error: {message}", file=sys.stderr)
            _session.failures.append(str(folder.path))
            return
        if hydra_cfg.mode != RunMode.MULTIRUN and _session.on_run_done is not None:
            _session.on_run_done(folder.path)
    log.info("run folder: %s", folder.path)


def failure_message(error: BaseException) -> str:
    if isinstance(error, HarnessError):
        return str(error)
    if isinstance(error, SystemExit):
        return exit_called(error)
    return f"{type(error).__name__}: {error}"


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

    from harness.config import yaml_files

    yaml_files.install()  # also when the up-front check did not run (--help, --cfg)
    hydra.main(config_path=f"pkg://{CONFIG_PACKAGE}", config_name="config", version_base="1.3")(_job)()


# A launcher may run jobs in fresh processes (joblib, submitit, Ray) that import this module to
# find the task function and then compose the job's config: they need the same resolvers.
register_resolvers()
