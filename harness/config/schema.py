"""Typed configs, validated at start-up before any work.

`parse(cls, mapping, where)` builds a dataclass from a plain mapping and rejects unknown keys
with a close-match suggestion, so a typo in a YAML file fails before a model is loaded.
"""

from __future__ import annotations

import dataclasses
import math
import types
import typing
import urllib.parse
from dataclasses import dataclass
from typing import Any, TypeVar

from harness.config.env_names import is_secret_key, secret_value_error
from harness.errors import ConfigError
from harness.registry import suggest

T = TypeVar("T")
MAX_LISTED_KEYS = 30  # longer lists (transformers' generation settings) only get the close match

# Ranges by key name, (lowest, highest, lowest excluded), for every config parsed here (run
# settings, dataset, prompt, model and metric options): one rule per meaning, wherever the key
# appears. A bootstrap needs enough resamples for its 2.5% tails to be more than the extreme
# values. The highest values are far above any honest setting: they stop a typo (an extra
# zero, 2e9 resamples) from sizing work that would never finish or fill the memory.
KEY_RANGES: dict[str, tuple[float | None, float | None, bool]] = {
    "batch_size": (1, 1_000_000, False),
    "workers": (1, 1024, False),
    "max_concurrency": (1, 1024, False),
    "limit": (1, 10**9, False),
    "n_bullets": (1, 100, False),
    "max_source_chars": (1, 100_000_000, False),
    "max_reply_chars": (1, 100_000_000, False),
    "max_input_tokens": (1, 10_000_000, False),
    "max_length": (1, 10_000_000, False),
    "bootstrap_samples": (100, 1_000_000, False),
    "seed": (0, 2**63 - 1, False),
    "timeout_s": (0, 86_400, True),
    "backoff_base_s": (0, 3600, False),
    "backoff_max_s": (0, 3600, False),
    "max_retries": (0, 100, False),
    "max_failures": (0, 10**9, False),
    "count": (1, 100_000, False),  # shard.count: more shares than this leaves nearly every share empty
    "damping": (0, 1, False),
    "threshold": (0, 1, False),
}
# The same for the numeric flags of the analysis commands (meta-eval's resamples are cluster
# count matrices, resamples x documents, so they are bounded lower).
FLAG_RANGES: dict[str, tuple[float | None, float | None, bool]] = {
    "--samples": (1, 1_000_000, False),
    "--bootstrap": (0, 100_000, False),
    "--workers": (1, 1024, False),
    "--max-docs": (1, 10**9, False),
    "--annotate-docs": (1, 10**9, False),
}


def check_flag(flag: str, value: Any) -> None:
    """A numeric command-line flag within its range in FLAG_RANGES (None: not given)."""
    if value is not None:
        check_range(flag, value, *FLAG_RANGES[flag])


def parse(cls: type[T], data: dict[str, Any] | None, where: str) -> T:
    """Build dataclass `cls` from `data`; unknown or missing keys raise ConfigError naming `where`."""
    data = dict(data or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = [k for k in data if k not in fields]
    if unknown:
        raise unknown_key(where, unknown[0], list(fields))
    for name, value in data.items():
        if isinstance(value, str) and value and is_secret_key(name):
            raise ConfigError(secret_value_error(f"{where}.{name}"))
    hints = typing.get_type_hints(cls)
    values = {}
    for name, value in data.items():
        values[name] = _check_type(value, hints[name], f"{where}.{name}")
    missing = [
        n
        for n, f in fields.items()
        if n not in values and f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ConfigError(f"{where}: missing required key '{missing[0]}'.")
    for name, value in values.items():
        if name in KEY_RANGES and isinstance(value, (int, float)) and not isinstance(value, bool):
            check_range(f"{where}.{name}", value, *KEY_RANGES[name])
    try:
        return cls(**values)
    except FieldError as e:
        raise ConfigError(f"{where}{'.' if e.field else ''}{e.field}: {e.problem}") from None


class FieldError(ConfigError):
    """A dataclass's own check of a value (in `__post_init__`), relative to the node: `parse` names
    where the node is (`judge.price.per_hour`, `model 'x' price.per_hour`)."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"{field}: {problem}" if field else problem)
        self.field, self.problem = field, problem


def unknown_key(where: str, key: str, known: list[str]) -> ConfigError:
    """The one message for a key a schema lacks: the known keys (when few) and a close match.
    It names the key, never a value (which may be a secret)."""
    listed = f" Known keys: {', '.join(sorted(known))}." if len(known) <= MAX_LISTED_KEYS else ""
    return ConfigError(f"{where}: unknown key '{key}'.{listed}" + suggest(key, known))


def check_range(where: str, value: Any, low: float | None, high: float | None, low_excluded: bool = False) -> None:
    """A number within [low, high] (or (low, high] with `low_excluded`); else ConfigError."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise ConfigError(f"{where}: expected a number, got {value!r}.")
    check_finite(where, value)
    too_low = low is not None and (value <= low if low_excluded else value < low)
    if too_low or (high is not None and value > high):
        bounds = f"{'above' if low_excluded else 'at least'} {low}" if low is not None else ""
        if high is not None:
            bounds += (" and " if bounds else "") + f"at most {high}"
        raise ConfigError(f"{where}: must be {bounds}, got {value!r}.")


def check_finite(where: str, value: Any) -> None:
    """NaN and infinity are never a setting (NaN passes every comparison, so no range catches it)."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{where}: must be a finite number, got {value!r}.")


def _check_type(value: Any, hint: Any, where: str) -> Any:
    """Light type check with helpful messages; converts lists/dicts from OmegaConf containers."""
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _check_type(value, option, where)
            except ConfigError as e:
                errors.append(str(e))
        raise ConfigError(errors[0] if errors else f"{where}: invalid value {value!r}")
    if hint is Any:
        return value
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):  # a nested section, e.g. `shard: {count, index}`
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}.")
        return parse(hint, value, where)
    if origin is typing.Literal:
        if value not in typing.get_args(hint):
            choices = ", ".join(repr(c) for c in typing.get_args(hint))
            raise ConfigError(f"{where}: {value!r} is not one of {choices}.")
        return value
    if origin in (list, tuple):
        if not isinstance(value, (list, tuple)):
            raise ConfigError(f"{where}: expected a list, got {value!r}.")
        return list(value)
    if origin is dict or hint is dict:
        if not isinstance(value, dict):
            raise ConfigError(f"{where}: expected a mapping, got {value!r}.")
        return dict(value)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if hint is float and isinstance(value, float):
        check_finite(where, value)
    if hint in (int, float, str, bool) and not (
        isinstance(value, hint) and not (hint is int and isinstance(value, bool))
    ):
        raise ConfigError(f"{where}: expected {hint.__name__}, got {value!r}.")
    return value


@dataclass
class DatasetConfig:
    """Where examples come from and which fields hold what."""

    name: str  # shown in run.json and the tables
    loader: str = "local"  # key in DATASET_LOADERS
    path: str | None = None  # local file (jsonl/json/csv/parquet)
    format: str | None = None  # inferred from the file extension when None
    hub_id: str | None = None  # a Hugging Face hub dataset (loader: hub)
    hub_config: str | None = None  # its configuration name, e.g. 3.0.0
    split: str = "test"  # the hub split to read
    id_field: str | None = "id"  # None: the row number is the id
    source_field: str = "source"  # the article to summarize
    reference_field: str | None = "reference"  # a string, a list of bullets or of alternative references
    # How a list in reference_field is read: alternative references, or the bullets of one; auto:
    # from the first records (lists of single sentences: bullets), said on stderr and in run.json.
    reference_list: typing.Literal["auto", "alternatives", "bullets"] = "auto"
    # Split a string reference into bullets on this separator (e.g. "\n"), None keeps it whole.
    reference_separator: str | None = None
    facts_field: str | None = None  # optional list of atomic statements true in the source
    limit: int | None = None  # deterministic subset: the first N usable examples in file order
    max_source_chars: int = 200_000  # longer sources are skipped (reported), not truncated silently


@dataclass
class PromptConfig:
    """How a model is asked for bullets."""

    name: str  # shown in run.json; part of the generation cache key with the text
    n_bullets: int = 3  # bullets asked for ({n_bullets} in the template)
    system: str = ""  # system message for chat models ("" for none)
    template: str = "{source}"  # may use {source} and {n_bullets}; {{ and }} for literal braces

    PLACEHOLDERS: typing.ClassVar[tuple[str, ...]] = ("source", "n_bullets")

    def __post_init__(self) -> None:
        import string

        where = f"prompt '{self.name}' (prompt/{self.name}.yaml) template"
        try:
            fields = [(name, spec, conversion) for _, name, spec, conversion in string.Formatter().parse(self.template)]
        except ValueError as e:  # a lone '{' or '}'
            raise ConfigError(f"{where}: {e}; write {{{{ and }}}} for literal braces.") from None
        for name, spec, conversion in fields:
            if name is None:
                continue
            if spec or conversion:  # {source:>999999999} would pad each prompt to a billion characters
                written = "{" + name + (f"!{conversion}" if conversion else "") + (f":{spec}" if spec else "") + "}"
                raise ConfigError(
                    f"{where}: placeholder {written} has a format spec or conversion; write {{{name}}} alone "
                    "(the text is put in as it is)."
                )
            if name not in self.PLACEHOLDERS:
                raise ConfigError(
                    f"{where}: unknown placeholder {{{name}}}. Known: "
                    + ", ".join(f"{{{p}}}" for p in self.PLACEHOLDERS)
                    + "; write {{ and }} for literal braces."
                    + suggest(name, list(self.PLACEHOLDERS))
                )

    def render(self, source: str) -> str:
        return self.template.format(source=source, n_bullets=self.n_bullets)


@dataclass
class ShardConfig:
    """`shard.count=N shard.index=i`: the run takes the i-th of N fixed, disjoint shares of the
    documents (contiguous blocks of the dataset order); `harness merge` joins the shares."""

    count: int = 1  # shares the documents are split into
    index: int = 0  # the share this run takes, 0 .. count-1

    def __post_init__(self) -> None:
        check_range("shard.count", self.count, *KEY_RANGES["count"])
        check_range("shard.index", self.index, 0, self.count - 1)

    @property
    def active(self) -> bool:
        return self.count > 1


@dataclass
class RunSettings:
    """Top-level settings outside the groups."""

    results_dir: str = "results"  # output root: <results_dir>/<experiment_name>/<timestamp>/
    cache_dir: str | None = None  # generation cache (shipped config: <results_dir>/.cache)
    experiment_name: str = "default"  # folder under results_dir; experiments set it
    seed: int = 0  # bootstrap resampling seed
    strict: bool = False  # true: a bad input record is an error instead of a counted skip
    bootstrap_samples: int = 1000  # resamples for the 95% confidence intervals
    workers: int = 1  # processes for metrics that can use them
    max_reply_chars: int = 200_000  # longer replies are cut to this for parsing and scoring (recorded per row)
    run_label: str | None = None  # the row label (shipped config: model.label, else the model name)
    shard: ShardConfig = dataclasses.field(default_factory=ShardConfig)


TRACKERS = ("mlflow",)  # experiment trackers `tracking.backend` may name


@dataclass
class TrackingConfig:
    backend: str = "mlflow"
    tracking_uri: str | None = None  # None: sqlite:///<results_dir>/mlflow.db
    experiment: str | None = None  # None: the run's experiment_name
    run_name: str | None = None  # None: the run's label
    artifacts: bool = True  # upload the run folder

    def __post_init__(self) -> None:
        if self.backend not in TRACKERS:
            raise ConfigError(f"tracking.backend: unknown tracker {self.backend!r}; known: {', '.join(TRACKERS)}.")
        if self.tracking_uri and urllib.parse.urlsplit(self.tracking_uri).password:
            # config.yaml and run.json keep the URI: a password there would be written to disk.
            raise ConfigError(
                "tracking.tracking_uri: holds a password (user:password@host); the value is not shown. MLflow reads "
                "credentials from MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD (or MLFLOW_TRACKING_TOKEN): "
                "set those and give the URI without them."
            )


@dataclass
class NoOptions:
    """The options of a backend or metric that takes none."""
