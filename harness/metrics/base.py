"""The metric interface: examples and parsed summaries in, one row of fields per example out."""

from __future__ import annotations

import dataclasses
import inspect
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from harness.config.schema import NoOptions, parse
from harness.errors import ConfigError
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


# What `requires` may name: what an example can carry (checked against the dataset at start-up).
REQUIREMENTS = frozenset({"references", "facts"})

# How a faithfulness field decides (a metric's `method`, recorded per field in metrics.json and
# shown under a comparison), so a reader knows what a number can and cannot see.
METHODS = {
    "lexical": "word overlap; rewards copying the source's wording, misses paraphrase and reversals",
    "nli": "an entailment (NLI) model",
    "llm-judge": "an LLM judge's verdict",
}


class Metric:
    """Base class. Subclasses set `name`, `fields` (field -> one-line meaning), optionally
    `lower_is_better`, `requires` and an `Options` dataclass, and implement `score`.
    `check_metric_class` holds every metric class to this when it is loaded, built-in or plugin.

    `requires` names what an example must carry ("references", "facts"); a metric whose
    requirement the whole dataset lacks is reported as skipped with that reason, never dropped
    silently. A metric that cannot run at all (missing weights, missing package) raises
    MetricUnavailable from its constructor, at start-up.
    """

    name: str  # the registry key on the class; on an instance, the config name its keys use
    fields: ClassVar[dict[str, str]]
    lower_is_better: ClassVar[frozenset[str]] = frozenset()
    no_direction: ClassVar[frozenset[str]] = frozenset()  # descriptive fields (e.g. density)
    headline: ClassVar[tuple[str, ...]] = ()  # fields `harness compare` shows by default (none named: all)
    # field -> (low, high) its values lie in (None: unbounded on that side); metrics.json records it,
    # so a hand-edited scores.jsonl with a value outside is caught. Fields without one are unbounded.
    ranges: ClassVar[dict[str, tuple[float | None, float | None]]] = {}
    requires: frozenset[str] = frozenset()  # an instance may narrow it (ROUGE against the source)
    # How its faithfulness fields decide, one of METHODS ("" for fields that do not judge
    # faithfulness); an instance whose options change it overrides `field_method`.
    method: ClassVar[str] = ""
    Options: ClassVar[type] = NoOptions

    def __init__(self, options: Any = None):
        self.options = options if options is not None else self.Options()
        # Why this metric skips every run it is in (e.g. a judge-based metric with no judge
        # chosen); None: it runs. Reported beside the metrics whose requirement data lacks.
        self.unavailable: str | None = None

    @classmethod
    def from_config(cls, config: dict[str, Any] | None, where: str = "", name: str | None = None) -> Metric:
        """`name` is the metric's config name (`rouge_nostem`); result keys are `<name>/<field>`,
        so two configs of one metric class sit side by side in one run."""
        metric = cls(cls.parse_options(config, where or f"metrics.{name or cls.name}"))
        if name:
            metric.name = name
        return metric

    @classmethod
    def parse_options(cls, config: dict[str, Any] | None, where: str) -> object:
        """The Options from a config (keys, types, ranges), without building the metric: also
        what a run checks before any work. A metric may refuse a retired key here with advice."""
        return parse(cls.Options, config, where)

    @property
    def family(self) -> str:
        """The registry key of the metric's class (`rouge` for `rouge_nostem`)."""
        return type(self).name

    def keys(self) -> list[str]:
        return [f"{self.name}/{f}" for f in self.fields]

    @classmethod
    def higher_is_better(cls, field: str) -> bool | None:
        """The field's direction, from the class's declaration (also read by `harness compare`)."""
        if field in cls.no_direction:
            return None
        return field not in cls.lower_is_better

    def field_method(self, field: str) -> str:
        """How `field` decides (a METHODS key, or "")."""
        return type(self).method

    def signature(self) -> str:
        """A sacrebleu-style signature recording the variant (options and version)."""
        from harness import __version__

        parts = [f"{k}:{v}" for k, v in sorted(self.signature_options().items()) if not k.startswith("_")]
        return "|".join([self.family, *parts, f"harness:{__version__}"])

    def signature_options(self) -> dict[str, Any]:
        """The options as the signature shows them (a judge-based metric shows its judge's
        identity and prompt versions instead of the judge's whole config)."""
        if dataclasses.is_dataclass(self.options) and not isinstance(self.options, type):
            return dataclasses.asdict(self.options)
        return {}

    def judge_record(self) -> dict[str, Any] | None:
        """A judge-based metric: its judge and what it was asked (run.json `judge`); else None."""
        return None

    def score(self, examples: Sequence[Example], summaries: Sequence[Summary]) -> list[Scored]:
        raise NotImplementedError


# The collection attributes of a metric class: (attribute, accepted types, what it must be).
COLLECTIONS = (
    ("lower_is_better", (frozenset, set), "frozenset or set of field names"),
    ("no_direction", (frozenset, set), "frozenset or set of field names"),
    ("headline", (tuple, list), "tuple or list of field names"),
    ("requires", (frozenset, set), f"frozenset or set among {', '.join(sorted(REQUIREMENTS))}"),
)


def check_metric_class(cls: object, where: str) -> None:
    """The metric contract, checked when a class is loaded (built-in or plugin): ConfigError
    naming each thing the class lacks."""
    if not (isinstance(cls, type) and issubclass(cls, Metric)):
        raise ConfigError(f"{where}: {cls!r} is not a subclass of harness.metrics.base.Metric")
    problems = []
    name = getattr(cls, "name", None)
    if not isinstance(name, str) or not name or "/" in name:
        problems.append("a class attribute `name` (a non-empty string without '/', e.g. name = 'bullets')")
    fields = getattr(cls, "fields", None)
    if not isinstance(fields, dict) or not fields:
        problems.append("declared fields: `fields = {'field': 'one-line meaning', ...}` (at least one)")
        fields = {}
    elif not all(isinstance(k, str) and k and "/" not in k and isinstance(v, str) for k, v in fields.items()):
        problems.append("`fields` mapping each field name (a string without '/') to a one-line meaning")
    wrong_type = False
    for attr, kinds, what in COLLECTIONS:
        value = getattr(cls, attr, None)
        if not isinstance(value, kinds) or not all(isinstance(v, str) for v in value):
            problems.append(f"`{attr}` a {what}; got {value!r}")
            wrong_type = True
    if not wrong_type:
        for attr in ("lower_is_better", "no_direction", "headline"):
            undeclared = sorted(set(getattr(cls, attr, ())) - set(fields))
            if fields and undeclared:
                problems.append(f"`{attr}` naming declared fields only (not declared: {', '.join(undeclared)})")
        both = set(cls.lower_is_better) & set(cls.no_direction)
        if both:
            problems.append(
                f"one direction per field ({', '.join(sorted(both))} in both lower_is_better and no_direction)"
            )
        problems += range_problems(getattr(cls, "ranges", None), fields)
        unknown = sorted(set(cls.requires) - REQUIREMENTS)
        if unknown:
            problems.append(f"`requires` among {', '.join(sorted(REQUIREMENTS))} (not: {', '.join(unknown)})")
    if not isinstance(getattr(cls, "method", ""), str):
        problems.append(f"`method` a string (one of {', '.join(METHODS)}, or empty); got {cls.method!r}")
    if not dataclasses.is_dataclass(cls.Options):
        problems.append("an `Options` dataclass (@dataclass class Options: ...) for its config options")
    if cls.score is Metric.score:
        problems.append("a `score(self, examples, summaries)` method returning one Scored per example")
    elif not _accepts(cls.score, 3):
        problems.append("`score` taking (self, examples, summaries)")
    if problems:
        raise ConfigError(
            f"{where}: {cls.__module__}.{cls.__qualname__} breaks the metric contract; it needs " + "; ".join(problems)
        )


def range_problems(ranges: object, fields: Mapping[str, str]) -> list[str]:
    """What is wrong with a class's `ranges` (empty when nothing)."""
    if not isinstance(ranges, dict):
        return [f"`ranges` a dict of field -> (low, high); got {ranges!r}"]
    problems = []
    for name, bounds in ranges.items():
        if name not in fields:
            problems.append(f"`ranges` naming declared fields only (not declared: {name})")
            continue
        ok = isinstance(bounds, (tuple, list)) and len(bounds) == 2
        ok = ok and all(b is None or (isinstance(b, (int, float)) and not isinstance(b, bool)) for b in bounds)
        if not ok or (bounds[0] is not None and bounds[1] is not None and bounds[0] > bounds[1]):
            problems.append(
                f"`ranges` giving {name} a (low, high) pair with low <= high, None for unbounded; got {bounds!r}"
            )
    return problems


def _accepts(function: Callable[..., object], positional: int) -> bool:
    """Whether `function` can be called with this many positional arguments."""
    try:
        inspect.signature(function).bind(*([None] * positional))
    except (TypeError, ValueError):
        return False
    return True
