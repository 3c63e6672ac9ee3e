"""The Python API: run, score, compare, check and meta-evaluate from Python, with typed results.

Each function calls the same library function as its command (`harness run` -> harness/run/command.py
`launch`, `harness score` -> harness/run/rescore.py `scored_folder`, `harness compare` -> harness/analysis/runs.py `scan`
and harness/analysis/compare.py `compare_runs`, `harness check` -> harness/analysis/check.py `check`, `harness meta-eval` -> the
steps of harness/cli/meta_eval.py over harness/analysis/meta_eval/), so a result here is the result
there. Errors are raised as `HarnessError` subclasses (`ConfigError`, `InputError`, `DataChanged`:
the command would exit 2; `RunFailed`: it would exit 1), never as SystemExit. docs/api.md has a
worked example, executed by tests/test_api_docs.py.

    >>> from harness import api
    >>> result = api.run(["results_dir=/tmp/results"])        # the demo: lead and centrality
    >>> result["lead"].fields["rouge/rougeLsum"].mean
    0.4988...
    >>> api.compare(result.folders).best("rouge/rougeLsum")
    ['lead']
"""

from __future__ import annotations

import argparse
import contextlib
import functools
import io
import logging
import math
import sys
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from harness.errors import ConfigError, HarnessError, InputError, RunFailed

if TYPE_CHECKING:
    from harness.analysis import tables
    from harness.analysis.check import CheckResult
    from harness.analysis.cost import RunCost
    from harness.analysis.significance import Cell, Column

P = ParamSpec("P")
T = TypeVar("T")

__all__ = [
    "Comparison",
    "FieldSummary",
    "MetaEvalResult",
    "PairwiseResult",
    "Run",
    "RunResult",
    "check",
    "compare",
    "load",
    "meta_eval",
    "pairwise",
    "run",
    "score",
]


# ---- results -------------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSummary:
    """One metric field of a run as metrics.json holds it: the mean over the documents scored,
    its 95% bootstrap CI, how many documents were scored (`n`) and not (`missing`)."""

    key: str  # "<metric>/<field>", as in scores.jsonl
    mean: float | None
    ci95: tuple[float, float] | None
    n: int
    missing: int
    higher_is_better: bool | None  # None: a descriptive field
    headline: bool

    @classmethod
    def from_json(cls, key: str, meta: dict[str, Any]) -> FieldSummary:
        ci = meta.get("ci95")
        return cls(
            key,
            _number(meta.get("mean")),
            (float(ci[0]), float(ci[1])) if isinstance(ci, (list, tuple)) and None not in ci else None,
            int(meta.get("n") or 0),
            int(meta.get("missing") or 0),
            meta.get("higher_is_better"),
            bool(meta.get("headline")),
        )


@dataclass
class Run:
    """One run folder: where it is, how it ended and its aggregates. `documents()` reads the
    per-document scores on first use (scores.jsonl, checked as `harness compare` checks it)."""

    folder: Path
    label: str
    status: str  # "done", or "failed"/"interrupted" (then `error` says why)
    error: str | None
    fields: dict[str, FieldSummary]
    info: dict[str, Any] = field(repr=False)  # run.json
    _documents: dict[str, dict[str, Any]] | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        headline = {k: round(f.mean, 4) for k, f in self.fields.items() if f.headline and f.mean is not None}
        why = f", error={self.error!r}" if self.error else ""
        return f"Run(label={self.label!r}, status={self.status!r}{why}, folder='{self.folder}', headline={headline})"

    @property
    def ok(self) -> bool:
        return self.status == "done" and bool(self.fields)

    def mean(self, key: str) -> float | None:
        return self.field(key).mean

    def field(self, key: str) -> FieldSummary:
        """The field `key`, or a ConfigError naming the run's fields."""
        if key not in self.fields:
            from harness.registry import suggest

            known = list(self.fields)
            raise ConfigError(f"{self.folder}: no field '{key}'.{suggest(key, known)} Fields: {', '.join(known)}")
        return self.fields[key]

    def documents(self) -> dict[str, dict[str, Any]]:
        """doc_id -> that document's row of scores.jsonl (every field's value, None when not
        computable, and the metrics' details), in the run's order."""
        if self._documents is None:
            from harness.analysis.runs import load_run, unfinished_reason

            why = unfinished_reason(self.folder)
            if why:
                raise InputError(f"{self.folder}: not a finished run ({why}); it has no scores to read")
            self._documents = load_run(self.folder).scores
        return self._documents

    def check(self, requires: Sequence[str], max_failures: int = 0, allow_missing: bool = False) -> CheckResult:
        """`harness check` on this run: see `check`."""
        return check(self.folder, requires, max_failures, allow_missing)


@dataclass
class RunResult:
    """The run folders a call made (or read), in order; `result["lead"]` finds one by label."""

    runs: list[Run]
    root: Path | None = None  # the sweep folder (or the timestamp folder of a single run)

    @property
    def folders(self) -> list[Path]:
        return [r.folder for r in self.runs]

    @property
    def failed(self) -> list[Run]:
        return [r for r in self.runs if not r.ok]

    @property
    def run(self) -> Run:
        """The one run (a ConfigError when there are several: pick one by label)."""
        if len(self.runs) != 1:
            raise ConfigError(f"{len(self.runs)} runs, not one; pick one: {', '.join(r.label for r in self.runs)}")
        return self.runs[0]

    def __getitem__(self, label: str) -> Run:
        for r in self.runs:
            if r.label == label:
                return r
        from harness.registry import suggest

        labels = [r.label for r in self.runs]
        raise KeyError(f"no run labelled {label!r}.{suggest(label, labels)} Labels: {', '.join(labels)}")

    def __iter__(self) -> Iterator[Run]:
        return iter(self.runs)

    def __len__(self) -> int:
        return len(self.runs)


@dataclass
class Comparison:
    """`harness compare`'s result: the table as printed, every analysed column (means, CIs,
    significance letters or marks, the paired tests), the gate's verdicts and the files written."""

    labels: list[str]
    folders: list[Path]
    documents: int  # documents compared (those all runs share)
    table: str  # the Markdown table `harness compare` prints
    columns: dict[str, Column]  # "<metric>/<field>" -> its cells (one per run) and tests
    gate: list[dict[str, Any]]  # one verdict per --fail-if-worse run and metric ("failed", "reason", ...)
    unfinished: list[str]  # runs of a sweep folder that did not finish ("<folder> (<why>)")
    files: list[Path]  # written with `out`
    analysis: tables.Comparison = field(repr=False)  # what the table, CSV, JSON and LaTeX are made from

    @property
    def passed(self) -> bool:
        """No --fail-if-worse gate failed (True without gates)."""
        return not any(g["failed"] for g in self.gate)

    def cell(self, label: str, key: str) -> Cell:
        """One run's mean, CI, rank and significance letter in one column."""
        column = self._column(key)
        found = column.cell(label)
        if found is None:
            from harness.registry import suggest

            raise ConfigError(
                f"no run labelled {label!r}.{suggest(label, self.labels)} Labels: {', '.join(self.labels)}"
            )
        return found

    def cost(self, label: str) -> RunCost | None:
        """One run's tokens, requests, latency p50/p95/p99, throughput and cost per 1,000 summaries
        (`per_1000`, None with `why_no_cost`); None for a run without generations."""
        if label not in self.labels:
            from harness.registry import suggest

            raise ConfigError(
                f"no run labelled {label!r}.{suggest(label, self.labels)} Labels: {', '.join(self.labels)}"
            )
        return self.analysis.cost_of(self.labels.index(label))

    def best(self, key: str) -> list[str]:
        """The labels shown bold in `key`'s column: the best mean in the field's direction."""
        return [c.label for c in self._column(key).cells if c.best]

    def _column(self, key: str) -> Column:
        if key not in self.columns:
            from harness.registry import suggest

            known = list(self.columns)
            raise ConfigError(f"no column '{key}'.{suggest(key, known)} Columns: {', '.join(known)}")
        return self.columns[key]


@dataclass
class MetaEvalResult:
    """`harness meta-eval`'s result: `payload` is meta_eval.json (protocol, results, best,
    comparisons), `table` what the command prints, `files` what was written with `out`."""

    payload: dict[str, Any] = field(repr=False)
    table: str = field(repr=False)
    files: list[Path]

    def correlation(
        self, field: str, human: str, level: str = "summary", statistic: str = "kendall"
    ) -> tuple[float | None, tuple[float, float] | None]:
        """(value, 95% CI) of one statistic (pearson, spearman, kendall, ...) at one level
        (summary, system, global); None where it is undefined or was not resampled."""
        try:
            stat = self.payload["results"][field][human][level][statistic]
        except KeyError as e:
            raise ConfigError(
                f"no {statistic} for field '{field}', human '{human}', level '{level}' ({e} unknown); "
                f"fields: {', '.join(self.payload['results'])}"
            ) from None
        ci = stat.get("ci95")
        return stat.get("value"), (ci[0], ci[1]) if ci else None


@dataclass
class PairwiseResult:
    """`harness pairwise`'s result: `payload` is pairwise.json (ranking, win matrix, biases, the
    judge's usage), `table` what the command prints, `files` what was written with `out`."""

    payload: dict[str, Any] = field(repr=False)
    table: str = field(repr=False)
    files: list[Path]

    @property
    def ranking(self) -> list[str]:
        """The runs' labels, strongest first (Bradley-Terry strength)."""
        return [row["label"] for row in self.payload["ranking"]]

    @property
    def missing(self) -> int:
        """Verdicts left out because a judge request failed (asked again by the next call)."""
        return int(self.payload["counts"]["failed"])


# ---- functions -----------------------------------------------------------------------------


def _surface(function: Callable[P, T]) -> Callable[P, T]:
    """What the command line does around a command, for an API call: stdout and stderr redacted
    while it runs (progress, Hydra's messages, a sweep's table), and the message of an error it
    raises redacted too (harness/redaction.py: no secret in any output)."""

    @functools.wraps(function)
    def call(*args: P.args, **kwargs: P.kwargs) -> T:
        from harness.redaction import redact, redacted_streams

        try:
            with redacted_streams():
                return function(*args, **kwargs)
        except HarnessError as e:
            e.args = tuple(redact(a) if isinstance(a, str) else a for a in e.args)
            raise

    return call


@_surface
def run(
    overrides: Sequence[str] | str | None = None, config_dir: str | Path | None = None, *, raise_on_failure: bool = True
) -> RunResult:
    """`harness run OVERRIDES...` in this process: one run, or a sweep (the default demo
    experiment, or `-m` among the overrides); returns every run folder it made.

    A refused command line or config raises ConfigError (nothing was run); a run that started and
    failed raises RunFailed naming its folder, unless `raise_on_failure=False` (then its `Run` has
    status "failed" and the reason in `error`). The runs print their progress as `harness run` does.

        >>> api.run(["model=lead", "metrics=[rouge,format]", "results_dir=/tmp/r"]).run.mean("format/compliant")
        1.0
    """
    import shlex

    from harness.run.command import launch

    argv = shlex.split(overrides) if isinstance(overrides, str) else list(overrides or [])  # "model=lead seed=1"
    if config_dir is not None:
        argv = ["--config-dir", str(config_dir), *argv]
    done: list[Path] = []
    with _hydra_in_process():
        session = launch(argv, on_run_done=done.append)
    if session.hydra_exit not in (0, None):
        raise (RunFailed if session.jobs else ConfigError)(
            f"harness run {' '.join(argv)}: Hydra refused the command line or a config (its message is above, on stderr)"
        )
    roots = [*session.sweep_dirs, *session.roots.values()]
    folders = _run_folders([*done, *map(Path, session.failures)], roots)
    if not folders and not session.rejected:
        raise ConfigError(f"harness run {' '.join(argv)}: no run was started (--help, --cfg or --info only run Hydra)")
    result = RunResult([read_run(f) for f in folders], session.sweep_dirs[0] if session.sweep_dirs else _root(roots))
    if raise_on_failure and session.failures:  # the command's order: failed runs (exit 1), then refused ones (2)
        raise RunFailed(f"{len(session.failures)} run(s) failed: {', '.join(session.failures)}")
    if session.rejected:
        raise ConfigError("; ".join(session.rejected))
    if session.table_error:
        raise (RunFailed if session.table_exit == 1 else InputError)(session.table_error)
    return result


@_surface
def score(
    run_dir: str | Path,
    metrics: Sequence[str] | None = None,
    *,
    config_dir: str | Path | Sequence[str | Path] = (),
    rescore_changed_data: bool = False,
) -> RunResult:
    """`harness score RUN_DIR [--metrics ...]`: score a finished run's saved generations again
    (all of its metrics, or only `metrics`, keeping the others); no model is called. A dataset that
    changed since the run raises DataChanged unless `rescore_changed_data`."""
    from harness.config.search import require_config_dirs
    from harness.run.rescore import scored_folder

    dirs = [str(config_dir)] if isinstance(config_dir, (str, Path)) else [str(d) for d in config_dir]
    require_config_dirs(dirs)
    with _root_logger_restored():  # scored_folder logs to the run's run.log
        with scored_folder(Path(run_dir), list(metrics) if metrics else None, rescore_changed_data, dirs) as folder:
            record = read_run(folder)  # the folder still held: no other re-score is half-way through it
    return RunResult([record], folder.parent)


@_surface
def load(*paths: str | Path) -> RunResult:
    """The run folders under `paths` (run folders or sweep folders), finished or not, in order."""
    from harness.run.folder import RUN

    folders: list[Path] = []
    for path in map(Path, paths):
        if not path.is_dir():
            raise InputError(f"{path}: not a folder")
        found = _run_folders([], [path])
        if not found:
            raise InputError(f"{path}: no run folders (with {RUN}) under it")
        folders += [f for f in found if f not in folders]
    return RunResult([read_run(f) for f in folders], Path(paths[0]) if len(paths) == 1 else None)


@_surface
def compare(
    paths: Sequence[str | Path] | str | Path,
    *,
    fields: Sequence[str] | None = None,
    show_all: bool = False,
    baseline: str | None = None,
    samples: int = 10_000,
    alpha: float = 0.05,
    family: str = "metric",
    common_docs: bool = False,
    allow_different_prompts: bool = False,
    fail_if_worse: Sequence[str] = (),
    out: str | Path | None = None,
    plots: bool = True,
    force: bool = False,
    cost: bool = False,
) -> Comparison:
    """`harness compare PATHS...` with the same options (`fields` is --fields, `show_all` --all,
    `cost` --cost; each run's tokens, latency and cost per 1,000 summaries: `Comparison.cost`):
    the finished runs under `paths`, compared on the documents they share. Nothing is written
    unless `out` names a folder (then the tables and plots go there, as `harness compare --out`).
    A failed `fail_if_worse` gate is `passed == False`, not an error."""
    from harness.analysis import compare as library
    from harness.analysis.runs import scan
    from harness.analysis.significance import Settings

    named = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    options = library.CompareOptions(  # every argument checked before any work, as the command
        fields,
        show_all,
        Settings.checked(samples, alpha, baseline, family),
        common_docs,
        allow_different_prompts,
        fail_if_worse,
        cost,
    )
    if out is not None:
        library.check_out_dir(Path(out))  # before any work, as the command
    runs, unfinished = scan(named)
    result = library.compare_runs(runs, options, unfinished)
    written = (
        library.write_outputs(Path(out), runs, result.comparison, result.text, result.gate_results, plots, force)
        if out is not None
        else []
    )
    analysis = result.comparison
    return Comparison(
        list(analysis.labels),
        [Path(p) for p in analysis.run_dirs],
        analysis.docs,
        result.text,
        {c.key: c for c in analysis.columns},
        list(result.gate_results),
        list(unfinished),
        list(written),
        analysis,
    )


@_surface
def check(
    run_dir: str | Path, requires: Sequence[str], max_failures: int = 0, allow_missing: bool = False
) -> CheckResult:
    """`harness check RUN --require ...`: every requirement (`support/score>=0.9`,
    `format/compliant==1`) on every document of a finished run. `result.passed` when at most
    `max_failures` documents fail; `result.failures` lists (doc_id, field, value, requirement).
    An unknown field raises ConfigError naming the run's fields."""
    from harness.analysis.check import check as library_check

    if isinstance(requires, str):  # one requirement, not its characters
        requires = [requires]
    return library_check(run_dir, requires, max_failures, allow_missing)


@_surface
def meta_eval(
    data: str | Path,
    human: str | Sequence[str],
    metrics: Sequence[str] = ("rouge",),
    *,
    out: str | Path | None = None,
    force: bool = False,
    **options: Any,
) -> MetaEvalResult:
    """`harness meta-eval --data DATA --human HUMAN --metrics ...`: score each (document, system)
    summary of `data` with `metrics` and correlate them with the human scores. Every other option
    of the command is a keyword with `-` as `_`: `against="source"`, `fields=["rouge/*"]`,
    `where=["system_id=M0"]`, `compare=[("rouge/rouge1", "rouge/rouge2")]`, `bootstrap=1000`,
    `seed=0`, `workers=1`, `strict=True`, `config_dir=[...]`, `set=["rouge.use_stemmer=false"]`,
    `doc_id_field="id"`, ... Nothing is written unless `out` names a folder.

        >>> r = api.meta_eval("judged.jsonl", "expert_scores.consistency", ["rouge"], bootstrap=0)
        >>> r.correlation("rouge/rouge1", "expert_scores.consistency", "system", "kendall")
        (0.6..., None)
    """

    from harness.analysis.meta_eval import output
    from harness.cli import meta_eval as command
    from harness.fileio import write_numbered_set

    # The command's own parser reads the options: the same defaults, types and choices.
    args = _parse(
        command.build_parser(), _meta_eval_argv(data, human, metrics, {**options, **({"out": out} if out else {})})
    )
    payload, files = command.evaluate(args, Path(out) if out is not None else None)  # the command's own steps
    written: list[Path] = []
    if out is not None:
        _, written = write_numbered_set(
            Path(out), "meta_eval", lambda stem: {stem + end: text for end, text in files.items()}, force
        )
    return MetaEvalResult(payload, output.to_table(payload), list(written))


@_surface
def pairwise(
    paths: str | Path | Sequence[str | Path],
    judge: str | None = None,
    *,
    set: Sequence[str] = (),
    config_dir: Sequence[str] = (),
    cache_dir: str | Path | None = None,
    pairs_per_doc: int | None = None,
    max_docs: int | None = None,
    seed: int = 0,
    samples: int = 1000,
    baseline: str | None = None,
    common_docs: bool = False,
    allow_different_prompts: bool = False,
    out: str | Path | None = None,
    force: bool = False,
) -> PairwiseResult:
    """`harness pairwise DIR... --judge NAME`: the runs' summaries judged two at a time in both
    orders, ranked by Bradley-Terry strength. `judge` is a judge config (`harness list judges`;
    default: the judge the runs recorded), `set` its overrides (`["judge.base_url=..."]`). Nothing
    is written unless `out` names a folder. A failed judge request is not an error: its pairs are
    left out and counted in `missing` (the next call asks them again; answers given are cached).

        >>> r = api.pairwise("results/sweep", "openai-compatible", set=["judge.base_url=http://127.0.0.1:8000/v1"])
        >>> r.ranking
        ['mine', 'lead']
    """
    from harness.analysis.pairwise import output
    from harness.analysis.pairwise.compute import Settings
    from harness.cli.pairwise import judge_runs

    named = [Path(paths)] if isinstance(paths, (str, Path)) else [Path(p) for p in paths]
    if isinstance(set, str):  # one override, not its characters
        set = [set]
    settings = Settings(pairs_per_doc, max_docs, seed, samples, baseline, common_docs, allow_different_prompts)
    folder = Path(out) if out is not None else None
    result = judge_runs(named, settings, judge, set, config_dir, cache_dir, folder)
    written = output.write(result, folder, force) if folder is not None else []
    return PairwiseResult(output.to_json(result), output.table(result), list(written))


# ---- helpers -------------------------------------------------------------------------------


def read_run(folder: Path) -> Run:
    """A run folder's run.json and (when it finished) metrics.json as a `Run`, through the run
    folder's readers (harness/run/record.py)."""
    from harness.run.folder import METRICS, RUN
    from harness.run.record import MetricsFile, read_info, read_metrics

    info = read_info(folder / RUN)
    metrics = read_metrics(folder / METRICS) if (folder / METRICS).is_file() else MetricsFile()
    return Run(
        folder,
        info.label or folder.name,
        info.status or "done",  # a run.json from before statuses counts as finished
        info.error,
        {k: FieldSummary.from_json(k, v) for k, v in metrics.field_json().items()},
        info.to_json(),
    )


def _run_folders(named: Sequence[Path], roots: Sequence[Path]) -> list[Path]:
    """`named` run folders and those under `roots`, each once, sweeps in job order (0_lead, 1_...)."""
    from harness.run.folder import RUN

    found = {p.resolve(): p for p in named}
    for root in roots:
        if root.is_dir():
            for p in root.rglob(RUN):
                found.setdefault(p.parent.resolve(), p.parent)

    def order(p: Path) -> tuple[str, int, str]:
        head = p.name.partition("_")[0]
        return (str(p.parent), int(head) if head.isdigit() else 10**9, p.name)

    return sorted(found.values(), key=order)


def _root(roots: Sequence[Path]) -> Path | None:
    return roots[0] if len(roots) == 1 else None


@contextlib.contextmanager
def _hydra_in_process() -> Iterator[None]:
    """What `hydra.main` changes in the process is put back after the call: Hydra's global
    instance (cleared before and after, so calls follow one another), sys.argv (which `launch`
    sets for Hydra's parser) and the root logger (Hydra points it at the run's run.log)."""
    from hydra.core.global_hydra import GlobalHydra

    argv = sys.argv[:]
    GlobalHydra.instance().clear()
    try:
        with _root_logger_restored():
            yield
    finally:
        GlobalHydra.instance().clear()
        sys.argv[:] = argv


@contextlib.contextmanager
def _root_logger_restored() -> Iterator[None]:
    """Every logger's handlers, level and propagation as they were: a run or a re-score adds a
    handler that writes to its run.log, and Hydra points its own loggers at the streams of the
    moment (which may be gone after the call), none of which may receive what the caller logs next.
    Hydra configures logging with dictConfig, which closes every handler the process has (a test
    runner's capture, a notebook's): those are kept open meanwhile."""
    loggers = [
        logging.getLogger(),
        *(lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)),
    ]
    saved = {lg: (lg.handlers[:], lg.level, lg.propagate, lg.disabled) for lg in loggers}
    kept = {h for handlers, *_ in saved.values() for h in handlers}
    for handler in kept:
        handler.close = _keep_open  # type: ignore[method-assign]
    try:
        yield
    finally:
        for handler in kept:
            del handler.close
        now = [
            logging.getLogger(),
            *(lg for lg in logging.Logger.manager.loggerDict.values() if isinstance(lg, logging.Logger)),
        ]
        for logger in now:
            handlers, level, propagate, disabled = saved.get(logger, ([], logging.NOTSET, True, False))
            for handler in logger.handlers[:]:
                if handler not in handlers:
                    logger.removeHandler(handler)
                    handler.close()
            logger.handlers[:] = handlers
            logger.setLevel(level)
            logger.propagate, logger.disabled = propagate, disabled


def _keep_open() -> None:
    """A handler's `close` while Hydra reconfigures logging: nothing."""


def _meta_eval_argv(data: str | Path, human: str | Sequence[str], metrics: Sequence[str], options: dict) -> list[str]:
    """Keyword options as `harness meta-eval` arguments (a list or tuple repeats the flag where
    the command's flag is repeatable, else gives it several values)."""
    humans = [human] if isinstance(human, str) else list(human)
    argv = ["--data", str(data), *(a for h in humans for a in ("--human", h))]
    argv += ["--metrics", *(metrics if not isinstance(metrics, str) else [metrics])]
    repeated = {"where", "set", "config_dir"}
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        if isinstance(value, bool):
            argv += [flag] if value else []
        elif key == "compare":
            for a, b in value:
                argv += [flag, str(a), str(b)]
        elif key in repeated:
            for item in [value] if isinstance(value, (str, Path)) else value:
                argv += [flag, str(item)]
        elif isinstance(value, (list, tuple)):
            argv += [flag, *map(str, value)]
        elif value is not None:
            argv += [flag, str(value)]
    return argv


def _parse(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """argparse's errors as a ConfigError (it would print and exit)."""
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr):
            return parser.parse_args(argv)
    except SystemExit:
        message = stderr.getvalue().strip().splitlines()
        raise ConfigError(message[-1] if message else f"invalid options: {' '.join(argv)}") from None


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)
