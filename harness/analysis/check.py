"""`harness check RUN --require FIELD<op>VALUE ...`: per-document requirements on a finished run.

Where `harness compare --fail-if-worse` gates on a mean, this gates on every document: each
requirement (`support/score>=0.9`, `format/compliant==1`) is evaluated on each document's value
in scores.jsonl, read through the one checked reader of score files (harness/run/scores.py, via
runs.py's `load_run`). A value that could not be computed (null or NaN) fails the requirement
unless `allow_missing`: a check for CI must not pass because a metric said nothing. The run
passes when at most `max_failures` documents fail any requirement. The command line is
harness/cli/check.py; the pytest helper harness/testing.py and `harness.api.check` call `check`.
"""

from __future__ import annotations

import math
import operator
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.analysis.runs import load_run, unfinished_reason
from harness.errors import ConfigError, InputError
from harness.registry import suggest
from harness.run.folder import RUN
from harness.text.visible import visible

# two-character operators first: `>=` must not read as `>` and `=1`
OPERATORS: dict[str, Callable[[float, float], bool]] = {
    ">=": operator.ge,
    "<=": operator.le,
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    "<": operator.lt,
}
_SPEC = re.compile(r"^\s*(?P<field>[^<>=!\s]+)\s*(?P<op>>=|<=|==|!=|>|<)\s*(?P<value>\S+)\s*$")
SHOWN = 50  # failures printed by default (all of them go to --json)


@dataclass(frozen=True)
class Requirement:
    """One `FIELD<op>VALUE`, e.g. `support/score>=0.9`; FIELD as in scores.jsonl (`<metric>/<field>`)."""

    field: str
    op: str
    threshold: float

    @classmethod
    def parse(cls, spec: str) -> Requirement:
        match = _SPEC.match(spec)
        if not match:
            raise ConfigError(
                f"--require {spec!r}: expected FIELD<op>VALUE with op one of {' '.join(OPERATORS)}, "
                "e.g. 'support/score>=0.9'"
            )
        try:
            threshold = float(match["value"])
        except ValueError:
            threshold = math.nan
        if not math.isfinite(threshold):
            raise ConfigError(f"--require {spec!r}: {match['value']!r} is not a finite number")
        return cls(match["field"], match["op"], threshold)

    def holds(self, value: float) -> bool:
        return OPERATORS[self.op](value, self.threshold)

    def __str__(self) -> str:
        return f"{self.field}{self.op}{_number(self.threshold)}"


@dataclass(frozen=True)
class Failure:
    """A document's value that breaks a requirement (value None: not computable)."""

    doc_id: str
    field: str
    value: float | None
    requirement: Requirement

    def shown_value(self) -> str:
        """The value in 4 significant digits, or all of them when the rounded value would pass
        (0.89996 shown as 0.9 next to `>=0.9` would read as a pass)."""
        if self.value is None:
            return "not computable"
        short = f"{self.value:.4g}"
        return short if not self.requirement.holds(float(short)) else repr(self.value)


@dataclass(frozen=True)
class CheckResult:
    """Every failure of every requirement on one run; `passed` when at most `max_failures`
    documents fail (a document failing two requirements counts once)."""

    run_dir: Path
    label: str
    documents: int
    requirements: tuple[Requirement, ...]
    failures: tuple[Failure, ...]
    max_failures: int = 0
    allow_missing: bool = False

    @property
    def failing_documents(self) -> list[str]:
        """The failing documents' ids, in the run's order, each once."""
        return list(dict.fromkeys(f.doc_id for f in self.failures))

    @property
    def passed(self) -> bool:
        return len(self.failing_documents) <= self.max_failures

    def summary(self) -> str:
        """One line: how many documents failed, of how many, against what was allowed."""
        failing = len(self.failing_documents)
        verdict = "passed" if self.passed else "FAILED"
        return (
            f"{verdict}: {failing} of {self.documents} documents of {visible(self.label)} ({visible(str(self.run_dir))}) "
            f"fail {'a requirement of ' if len(self.requirements) > 1 else ''}{', '.join(map(str, self.requirements))} "
            f"(at most {self.max_failures} allowed"
            + ("; not computable values pass" if self.allow_missing else "; not computable values fail")
            + ")"
        )

    def lines(self, limit: int | None = SHOWN) -> list[str]:
        """The failures as aligned text columns, escaped for a terminal (labels and doc_ids are data);
        at most `limit` rows (None: all), then how many more."""
        shown = self.failures if limit is None else self.failures[:limit]
        rows = [("doc_id", "field", "value", "requirement")] + [
            (visible(f.doc_id), visible(f.field), f.shown_value(), str(f.requirement)) for f in shown
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(3)]
        out = ["  ".join(cell.ljust(w) for cell, w in zip(row[:3], widths)) + "  " + row[3] for row in rows]
        if len(shown) < len(self.failures):
            out.append(f"... and {len(self.failures) - len(shown)} more failures")
        return out if shown else []

    def to_json(self) -> dict[str, Any]:
        return {
            "tool": "harness check",
            "run": str(self.run_dir),
            "label": self.label,
            "documents": self.documents,
            "requirements": [str(r) for r in self.requirements],
            "allow_missing": self.allow_missing,
            "max_failures": self.max_failures,
            "failing_documents": len(self.failing_documents),
            "passed": self.passed,
            "failures": [
                {"doc_id": f.doc_id, "field": f.field, "value": f.value, "requirement": str(f.requirement)}
                for f in self.failures
            ],
        }


def check(
    run_dir: str | Path,
    requirements: Sequence[str | Requirement],
    max_failures: int = 0,
    allow_missing: bool = False,
) -> CheckResult:
    """Evaluate every requirement on every document of the finished run in `run_dir`.

    An unknown field is a ConfigError naming the run's fields (with a close match); an unfinished
    or damaged run an InputError; failing documents are the result, not an error.
    """
    parsed = tuple(r if isinstance(r, Requirement) else Requirement.parse(r) for r in requirements)
    if not parsed:
        raise ConfigError("no requirement given (--require FIELD<op>VALUE, e.g. 'support/score>=0.9')")
    if max_failures < 0:
        raise ConfigError(f"--max-failures must be at least 0, not {max_failures}")
    folder = run_folder(Path(run_dir))
    run = load_run(folder)
    known = list(run.fields)
    for requirement in parsed:
        if requirement.field not in run.fields:
            raise ConfigError(
                f"--require {str(requirement)!r}: {folder} has no field '{requirement.field}'."
                f"{suggest(requirement.field, known)} Fields: {', '.join(known)}"
            )
    failures = []
    for doc_id in run.doc_ids:
        row = run.scores.get(doc_id, {})
        for requirement in parsed:
            value = _finite_or_none(row.get(requirement.field))
            if value is None and allow_missing:
                continue
            if value is None or not requirement.holds(value):
                failures.append(Failure(doc_id, requirement.field, value, requirement))
    return CheckResult(folder, run.label, len(run.doc_ids), parsed, tuple(failures), max_failures, allow_missing)


def run_folder(path: Path) -> Path:
    """`path` itself must be a finished run folder; a folder of runs (a sweep) names them."""
    if not path.is_dir():
        raise InputError(f"{path}: not a folder")
    if not (path / RUN).is_file():
        inside = sorted(str(p.parent) for p in path.rglob(RUN))
        if inside:
            more = f" and {len(inside) - 5} more" if len(inside) > 5 else ""
            raise InputError(f"{path}: a folder of runs; check one run folder: {', '.join(inside[:5])}{more}")
        raise InputError(f"{path}: not a run folder (no {RUN})")
    why = unfinished_reason(path)
    if why:
        raise InputError(f"{path}: not a finished run ({why}); only finished runs can be checked")
    return path


def _finite_or_none(value: Any) -> float | None:
    """A score as a number, or None when it could not be computed (null, NaN)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return float(value)


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else repr(value)
