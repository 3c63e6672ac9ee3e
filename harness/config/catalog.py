"""What can be configured, as table rows: the configs Hydra finds for each group and the
settings each schema takes. `harness list` prints them; `python -m harness.config.docs`
writes them into docs/reference.md. Both read the same rows, so neither can drift from the code.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from dataclasses import dataclass
from typing import Any

from harness.config.groups import backend_options, group_schemas, metric_options
from harness.config.schema import RunSettings
from harness.config.search import HydraConfigs
from harness.errors import HarnessError

_FIELD = re.compile(r"^\s+(\w+)\s*:[^=#]*(?:=[^#]*)?(?:#\s*(.*))?$")


@dataclass
class Setting:
    """One key of a schema: its name, type, default and the comment the code gives it."""

    key: str
    type: str
    default: str
    meaning: str


def field_comments(cls: type) -> dict[str, str]:
    """Each field's comment in the dataclass source: the trailing `# ...` of its line, else the
    comment lines right above it. Plugin options get documented the same way."""
    comments: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        try:
            lines = inspect.getsource(klass).splitlines()
        except (OSError, TypeError):
            continue
        above: list[str] = []
        for line in lines[1:]:
            stripped = line.strip()
            if stripped.startswith("#"):
                above.append(stripped.lstrip("# "))
                continue
            match = _FIELD.match(line)
            if match and not stripped.startswith(("def ", "@", "return")):
                comments[match.group(1)] = match.group(2) or " ".join(above)
            above = []
    return comments


def settings(cls: type, prefix: str = "") -> list[Setting]:
    """Every field of a dataclass (nested dataclass fields as `outer.inner`)."""
    comments = field_comments(cls)
    rows = []
    for f in dataclasses.fields(cls):
        if f.default is not dataclasses.MISSING:
            default: Any = f.default
        elif f.default_factory is not dataclasses.MISSING:
            default = f.default_factory()
        else:
            rows.append(Setting(prefix + f.name, type_name(f.type), "required", comments.get(f.name, "")))
            continue
        if dataclasses.is_dataclass(default):
            rows += settings(type(default), f"{prefix}{f.name}.")
            continue
        rows.append(Setting(prefix + f.name, type_name(f.type), show(default), comments.get(f.name, "")))
    return rows


MAX_DEFAULT_CHARS = 40  # longer defaults (a judge's prompt) are cut in tables


def show(value: Any) -> str:
    text = _show(value)
    return text if len(text) <= MAX_DEFAULT_CHARS else text[: MAX_DEFAULT_CHARS - 1] + "…"


def type_name(annotation: Any) -> str:
    """`int`, `str | None`: a class by its name (a module without `from __future__ import
    annotations` gives classes, not strings), anything else as written."""
    if isinstance(annotation, type):
        return annotation.__name__
    return str(annotation).replace("typing.", "")


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, str):
        return repr(value) if value == "" or value != value.strip() else value
    return str(value)


def run_settings() -> list[Setting]:
    return settings(RunSettings)


def group_settings(group: str) -> list[Setting]:
    """Keys of a group with one schema (dataset, prompt, tracking)."""
    return settings(group_schemas()[group])


def backend_settings(backend: str) -> list[Setting]:
    return settings(backend_options(backend))


def metric_settings(metric: str) -> list[Setting]:
    return settings(metric_options(metric))


# ---- configs found by Hydra -------------------------------------------------------------


@dataclass
class Entry:
    """One config of a group, summarised: its name, a short description, the keys it yields."""

    name: str
    summary: str
    fields: dict[str, str] = dataclasses.field(default_factory=dict)  # metrics: result key -> meaning


def entries(configs: HydraConfigs, group: str) -> list[Entry]:
    """Every config of `group` on the search path; one that cannot be read says why (a user
    file with an error must not hide the others)."""
    found = []
    for name in configs.choices(group):
        try:
            found += SUMMARIES[group](name, configs.node(group, name)) if group in SUMMARIES else [Entry(name, "")]
        except HarnessError as e:
            found.append(Entry(name, f"cannot be read ({e})"))
    return found


def model_entry(name: str, node: dict[str, Any]) -> list[Entry]:
    backend = str(node.get("backend") or node.get("_target_"))
    what = node.get("pretrained") or node.get("model_id") or ""
    return [Entry(name, f"{backend}: {what}" if what else backend)]


def dataset_entry(name: str, node: dict[str, Any]) -> list[Entry]:
    where = (
        node.get("hub_id")
        or node.get("path")
        or ("your file (dataset.path=FILE)" if node.get("loader") == "local" else "")
    )
    if isinstance(where, str) and where.startswith("${harness.data:"):
        where = "bundled " + where.removeprefix("${harness.data:").removesuffix("}")
    return [Entry(name, f"{node.get('loader')}: {where}" if where else str(node.get("loader")))]


def prompt_entry(name: str, node: dict[str, Any]) -> list[Entry]:
    return [Entry(name, f"{node.get('n_bullets')} bullets" + (", system message" if node.get("system") else ""))]


def metric_entry(config_name: str, node: dict[str, Any]) -> list[Entry]:
    """A metric config's entries with the fields each metric class emits, keyed by the entry's
    name (`rouge_nostem/rouge1`), as results are."""
    from harness.registry import METRICS

    found = []
    for name, options in node.items():
        key = str((options or {}).get("_target_") or (options or {}).get("metric", name))
        cls = METRICS.get(key)
        found.append(Entry(str(name), key, {f"{name}/{field}": meaning for field, meaning in cls.fields.items()}))
    return found


def experiment_entry(name: str, config: dict[str, Any]) -> list[Entry]:
    hydra = config.get("hydra") or {}
    choices = hydra.get("runtime", {}).get("choices", {})
    models = (hydra.get("sweeper", {}).get("params") or {}).get("model") or choices.get("model")
    return [Entry(name, f"models {models} on dataset {choices.get('dataset')}")]


SUMMARIES = {
    "model": model_entry,
    "judge": model_entry,
    "dataset": dataset_entry,
    "prompt": prompt_entry,
    "metrics": metric_entry,
    "experiment": experiment_entry,
}


def backend_names() -> list[str]:
    from harness.registry import BACKENDS

    return BACKENDS.names()
