"""The metric interface: examples and parsed summaries in, one row of fields per example out."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from harness.config.schema import parse
from harness.records import Example, Summary


@dataclass
class Scored:
    """One example's scores: `values[field]` (None when not computable, with the reason in
    `not_applicable` when the field does not apply) and optional details (e.g. per-bullet
    scores and evidence) kept beside them in scores.jsonl."""

    values: dict[str, float | None]
    details: Any = None
    # field -> why its value is None for this example (e.g. a bullet check on a prose summary)
    not_applicable: dict[str, str] = dataclasses.field(default_factory=dict)


@dataclass
class NoOptions:
    pass


class Metric:
    """Base class. Subclasses set `name`, `fields` (field -> one-line meaning), optionally
    `lower_is_better`, `requires` and an `Options` dataclass, and implement `score`.

    `requires` names what an example must carry ("references", "facts"); a metric whose
    requirement the whole dataset lacks is reported as skipped with that reason, never dropped
    silently. A metric that cannot run at all (missing weights, missing package) raises
    MetricUnavailable from its constructor, at start-up.
    """

    name: str  # the registry key on the class; on an instance, the config name its keys use
    fields: ClassVar[dict[str, str]]
    lower_is_better: ClassVar[frozenset[str]] = frozenset()
    no_direction: ClassVar[frozenset[str]] = frozenset()  # descriptive fields (e.g. density)
    headline: ClassVar[tuple[str, ...]] = ()  # fields `harness compare` shows by default
    requires: frozenset[str] = frozenset()  # an instance may narrow it (ROUGE against the source)
    Options: ClassVar[type] = NoOptions

    def __init__(self, options: Any = None):
        self.options = options if options is not None else self.Options()

    @classmethod
    def from_config(cls, config: dict[str, Any] | None, where: str = "", name: str | None = None) -> Metric:
        """`name` is the metric's config name (`rouge_nostem`); result keys are `<name>/<field>`,
        so two configs of one metric class sit side by side in one run."""
        metric = cls(parse(cls.Options, config, where or f"metrics.{name or cls.name}"))
        if name:
            metric.name = name
        return metric

    @property
    def family(self) -> str:
        """The registry key of the metric's class (`rouge` for `rouge_nostem`)."""
        return type(self).name

    def keys(self) -> list[str]:
        return [f"{self.name}/{f}" for f in self.fields]

    def higher_is_better(self, field: str) -> bool | None:
        if field in self.no_direction:
            return None
        return field not in self.lower_is_better

    def signature(self) -> str:
        """A sacrebleu-style signature recording the variant (options and version)."""
        from harness import __version__

        opts = (
            dataclasses.asdict(self.options)
            if dataclasses.is_dataclass(self.options) and not isinstance(self.options, type)
            else {}
        )
        parts = [f"{k}:{v}" for k, v in sorted(opts.items()) if not k.startswith("_")]
        return "|".join([self.family, *parts, f"harness:{__version__}"])

    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        raise NotImplementedError
