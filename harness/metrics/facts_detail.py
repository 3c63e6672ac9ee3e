"""A document's key facts and their alignment to its bullets, as the `facts` metric records them
in scores.jsonl (`details.<metric name>`): `FactsDetail`, written by harness/metrics/facts.py
`Facts._row` (`to_json`) and read back by `FactsDetail.from_json`, the one reader of them
(the compare guard, harness/analysis/comparability.py; the report's and annotation page's facts,
harness/analysis/report.py, annotate.py).

The reader is lenient, as a report of a hand-edited file must still draw: a value of the wrong
type reads as absent (a fact that is not an object is left out), never an error; `harness compare`
checks the numbers themselves (harness/run/scores.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from harness.models.cache import stable_hash


def facts_hash(facts: Sequence[str]) -> str:
    """The fingerprint of one document's key facts (in order): runs compared on a document must share it."""
    return stable_hash(list(facts), 16)


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _number(value: Any) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


@dataclass(frozen=True)
class FactEntry:
    """One key fact; the rest is its alignment (None: not aligned, e.g. the judge's reply could
    not be read): its score, whether the summary states it, the evidence and the bullets (0-based)
    stating it."""

    fact: Any  # the fact's text as written (a string in every file the harness wrote)
    score: float | None = None
    stated: bool | None = None
    evidence: tuple[str, ...] | None = None
    bullets: tuple[int, ...] | None = None

    @classmethod
    def from_json(cls, entry: dict[str, Any]) -> FactEntry:
        evidence, bullets, stated = entry.get("evidence"), entry.get("bullets"), entry.get("stated")
        return cls(
            entry.get("fact"),
            _number(entry.get("score")),
            None if stated is None else bool(stated),
            tuple(e for e in evidence if isinstance(e, str)) if isinstance(evidence, list) else None,
            tuple(i for i in bullets if isinstance(i, int) and not isinstance(i, bool))
            if isinstance(bullets, list)
            else None,
        )

    def to_json(self) -> dict[str, Any]:
        aligned = {
            "score": self.score,
            "stated": self.stated,
            "evidence": None if self.evidence is None else list(self.evidence),
            "bullets": None if self.bullets is None else list(self.bullets),
        }
        return {"fact": self.fact, **{k: v for k, v in aligned.items() if v is not None}}


@dataclass(frozen=True)
class FactsDetail:
    """One document's `facts` details: how facts were matched (`method`), where they come from
    (`provenance`: "dataset" or the judge), the model-free `threshold` (None with a judge), the
    facts, which bullets state any fact, the facts' hash; `problem`: why the document has no
    values (then `reply`: the judge's reply that could not be read); `problems`: what was repaired
    or dropped in the judge's alignment."""

    method: str | None = None
    provenance: str | None = None
    threshold: float | None = None
    facts: tuple[FactEntry, ...] = ()
    bullet_has_fact: tuple[bool | None, ...] | None = None
    facts_hash: str | None = None
    problem: str | None = None
    reply: str | None = None
    problems: tuple[str, ...] = ()

    @classmethod
    def from_json(cls, detail: Any) -> FactsDetail | None:
        """A score row's `details[name]`; None when it is not an object (no facts recorded)."""
        if not isinstance(detail, dict):
            return None
        facts, has, problems = detail.get("facts"), detail.get("bullet_has_fact"), detail.get("problems")
        return cls(
            _str(detail.get("method")),
            _str(detail.get("provenance")),
            _number(detail.get("threshold")),
            tuple(FactEntry.from_json(f) for f in facts if isinstance(f, dict)) if isinstance(facts, list) else (),
            tuple(h if isinstance(h, bool) else None for h in has) if isinstance(has, list) else None,
            _str(detail.get("facts_hash")),
            _str(detail.get("problem")),
            _str(detail.get("reply")),
            tuple(p for p in problems if isinstance(p, str)) if isinstance(problems, list) else (),
        )

    def texts(self) -> tuple[str, ...]:
        """The facts' texts (a fact written as another JSON value: its str)."""
        return tuple(str(f.fact) for f in self.facts)

    def to_json(self) -> dict[str, Any]:
        """As scores.jsonl holds it; the keys absent when they do not apply (no alignment, no
        problem, no reply, nothing repaired), `threshold` and `facts_hash` always written."""
        out: dict[str, Any] = {"method": self.method, "provenance": self.provenance, "threshold": self.threshold}
        out["facts"] = [f.to_json() for f in self.facts]
        if self.bullet_has_fact is not None:
            out["bullet_has_fact"] = list(self.bullet_has_fact)
        out["facts_hash"] = self.facts_hash
        for key, value in (("problem", self.problem), ("reply", self.reply)):
            if value is not None:
                out[key] = value
        if self.problems:
            out["problems"] = list(self.problems)
        return out
