"""One registry for backends, dataset loaders and metrics, built-in or plugged in.

A key is, in this order:
1. a registered name ("rouge", "hf_seq2seq"), mapped to "module:Class";
2. an entry point of an installed package (groups `harness.metrics`, `harness.backends`,
   `harness.datasets`): installed plugins register themselves, no config needed;
3. a class path: `mypkg.metrics.MyMetric` or `mypkg.metrics:MyMetric`.

Everything imports lazily, so an API-only run never imports torch. Every class is held to its
kind's contract when it is loaded (built-ins and plugins alike), so a broken plugin fails at
start-up naming what it lacks. Unknown keys fail with what was tried and a close-match suggestion.
"""

from __future__ import annotations

import difflib
import importlib
import traceback
from importlib import metadata
from typing import Any

from harness.errors import ConfigError, exit_called


def suggest(name: str, known: list[str]) -> str:
    """' Did you mean 'x'?' for a close match, else ''."""
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.6)
    return f" Did you mean '{close[0]}'?" if close else ""


def is_class_path(key: str) -> bool:
    """`pkg.mod.Class` or `pkg.mod:Class` (a registered name has neither '.' nor ':')."""
    return ":" in key or "." in key


class Registry:
    """`contract` is "module:function" (imported when first needed, so this module stays a
    foundation): called with (object, where) it raises ConfigError naming what is missing."""

    def __init__(self, kind: str, entries: dict[str, str], group: str, contract: str | None = None):
        self.kind = kind
        self.group = group  # entry-point group of installed plugins
        self.contract = contract
        self._entries = dict(entries)
        self._loaded: dict[str, Any] = {}

    def builtin_names(self) -> list[str]:
        return sorted(self._entries)

    def plugin_names(self) -> list[str]:
        """Names installed packages register under this kind's entry-point group."""
        return sorted({ep.name for ep in self._entry_points()} - set(self._entries))

    def names(self) -> list[str]:
        """Every name a config can use: registered ones and installed plugins' entry points."""
        return sorted({*self._entries, *self.plugin_names()})

    def register(self, name: str, target: str) -> None:
        self._entries[name] = target
        self._loaded.pop(name, None)

    def _entry_points(self) -> list[metadata.EntryPoint]:
        return list(metadata.entry_points(group=self.group))

    def get(self, key: str, where: str = "") -> Any:
        """The object `key` names, checked against the contract. `where` (the config file or key
        the name came from) starts every error message."""
        key = str(key).strip()
        if key in self._loaded:
            return self._loaded[key]
        prefix = f"{where}: " if where else ""
        if key in self._entries:
            obj = import_target(self._entries[key], f"{prefix}{self.kind} '{key}'")
        else:
            ep = next((e for e in self._entry_points() if e.name == key), None)
            if ep is not None:
                obj = import_target(
                    f"{ep.module}:{ep.attr}", f"{prefix}{self.kind} '{key}' (entry point in group {self.group})"
                )
            elif is_class_path(key):
                obj = import_target(key, f"{prefix}{self.kind} class '{key}'")
            else:
                known = self.names()
                raise ConfigError(
                    f"{prefix}unknown {self.kind} '{key}': not a registered name, not an entry point in group "
                    f"'{self.group}', and not a class path (mypkg.module.Class). Available: {', '.join(known)}."
                    + suggest(key, known)
                )
        if self.contract:
            check = import_target(self.contract, "contract")
            check(obj, f"{prefix}{self.kind} '{key}'")
        self._loaded[key] = obj
        return obj


def import_target(target: str, what: str) -> Any:
    """`module:attr` or `module.attr` -> the object; ConfigError saying what was tried.

    A module that is missing is told apart from one that fails while importing: then the error
    carries the user's own traceback (their file and line), not importlib's."""
    target = target.strip()
    if ":" in target:
        module_name, _, attr = target.partition(":")
    else:
        module_name, _, attr = target.rpartition(".")
    if not module_name or not attr:
        raise ConfigError(f"{what}: '{target}' is not a class path; expected mypkg.module.Class or mypkg.module:Class")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and (module_name == e.name or module_name.startswith(e.name + ".")):
            raise ConfigError(
                f"{what}: cannot import module '{module_name}' (no module named '{e.name}'). "
                "Is the package installed, or its folder on PYTHONPATH?"
            ) from None
        raise ConfigError(f"{what}: importing '{module_name}' failed:\n{user_traceback(e)}") from e
    except Exception as e:
        raise ConfigError(f"{what}: importing '{module_name}' failed:\n{user_traceback(e)}") from e
    except SystemExit as e:  # a module must not end the command while being imported
        raise ConfigError(f"{what}: importing '{module_name}' {exit_called(e)}:\n{user_traceback(e)}") from None
    obj: Any = module
    for part in attr.split("."):
        if not hasattr(obj, part):
            public = [n for n in dir(module) if not n.startswith("_")]
            raise ConfigError(
                f"{what}: module '{module_name}' ({getattr(module, '__file__', '?')}) has no attribute '{attr}'."
                + suggest(attr, public)
            )
        obj = getattr(obj, part)
    return obj


def user_traceback(error: BaseException) -> str:
    """The traceback of an import error, without the frames of importlib and of this module."""
    frames = [
        f
        for f in traceback.extract_tb(error.__traceback__)
        if "importlib" not in f.filename and not f.filename.endswith("harness/registry.py")
    ]
    lines = traceback.format_list(frames) + traceback.format_exception_only(type(error), error)
    return "".join(lines).rstrip()


def check_callable(obj: Any, where: str) -> None:
    """The dataset-loader contract: `loader(config, problems) -> (records, origin)`."""
    if not callable(obj):
        raise ConfigError(f"{where}: a dataset loader must be a function loader(config, problems); got {obj!r}")


BACKENDS = Registry(
    "backend",
    {
        "lead": "harness.models.extractive:Lead",
        "centrality": "harness.models.extractive:Centrality",
        "precomputed": "harness.models.precomputed:Precomputed",
        "hf_seq2seq": "harness.models.hf_seq2seq:HFSeq2Seq",
        "hf_causal": "harness.models.hf_causal:HFCausal",
        "openai_chat": "harness.models.openai_compat:OpenAIChat",
        "openai_completions": "harness.models.openai_compat:OpenAICompletions",
    },
    group="harness.backends",
    contract="harness.models.base:check_backend_class",
)

DATASET_LOADERS = Registry(
    "dataset loader",
    {
        "local": "harness.data:load_local",
        "hub": "harness.data:load_hub",
    },
    group="harness.datasets",
    contract="harness.registry:check_callable",
)

METRICS = Registry(
    "metric",
    {
        "rouge": "harness.metrics.rouge:Rouge",
        "format": "harness.metrics.format:BulletFormat",
        "extractive": "harness.metrics.extractive:Extractiveness",
        "support": "harness.metrics.support:Support",
        "support_nli": "harness.metrics.support_nli:SupportNLI",
        "support_judge": "harness.metrics.support_judge:SupportJudge",
        "facts": "harness.metrics.facts:Facts",
        "bertscore": "harness.metrics.bertscore:BERTScore",
    },
    group="harness.metrics",
    contract="harness.metrics.base:check_metric_class",
)
