"""Import directions (ARCHITECTURE.md "Layers"): a module may use its own layer's packages and
lower layers, never a higher one; no two packages use each other, and no two modules of one package
do (directly or round a cycle).

A use is any way code reaches a module:
- an import statement, at the top, inside a function or under `if TYPE_CHECKING:` (a type-only
  import still ties the two modules together, so it counts for cycles too);
- a string naming a harness module: an `importlib.import_module("harness.x")` / `__import__(...)`
  argument, an f-string or `+` with a literal `harness.x.` prefix, a constant a loop imports later;
  docstrings aside. `harness.x:Name` and `harness.x.Name` name the module `harness.x`;
- the registry's entries (`harness/registry.py`: "harness.metrics.rouge:Rouge"): the one place a
  lower layer names a higher one. Its rule: an entry (or contract) names the inputs layer or lower,
  the classes a config chooses by key; callers load them when they need them, so the entries are
  not dependencies of the registry for cycles, but `METRICS.get(key)` in a module is a use of the
  packages METRICS's entries name;
- a `_target_` in conf/ (data, composed for `harness run`): under `hydra:` (callbacks, launchers)
  Hydra instantiates it in the command's process, started by the cli layer, so it may name the cli
  layer or lower; anywhere else (a model's backend, a metric class) the inputs layer loads it
  through the registry, so the inputs layer or lower. A `_target_` must name a module that exists.

foundation < config, text < data, models, judge, metrics < run < analysis < cli < api
"""

from __future__ import annotations

import ast
import functools
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

PACKAGE = Path(__file__).resolve().parent.parent / "harness"

# Each layer and its packages ("harness.x": the package harness/x/ or the module harness/x.py).
LAYERS: list[tuple[str, set[str]]] = [
    (
        "foundation",
        {
            "harness",
            "harness.errors",
            "harness.registry",
            "harness.fileio",
            "harness.redaction",
            "harness.records",
            "harness.hf",
            "harness.stats",
        },
    ),
    ("config", {"harness.config", "harness.text"}),
    ("inputs", {"harness.data", "harness.models", "harness.judge", "harness.metrics"}),
    ("run", {"harness.run"}),
    ("analysis", {"harness.analysis"}),
    ("cli", {"harness.cli"}),
    ("api", {"harness.api", "harness.testing"}),
]

REGISTRY = "harness.registry"  # its strings may name up to this layer, and are no edges of a cycle
REGISTRY_CEILING = "inputs"
HYDRA_CEILING = "cli"  # a conf `_target_` under `hydra:` (instantiated by Hydra in the command's process)
CONF_CEILING = "inputs"  # any other conf `_target_` (loaded through the registry by the inputs layer)

# Uses that break the rules and are waiting for a move, each with its reason. An entry that no
# longer matches a use fails the test, so the list only shrinks.
KEYS_FROM_CLASSES = (
    "the config layer reads a registered class's options, fields or generation settings to check and list config "
    "keys before a run; to go, those checks move up to the inputs layer or the option schemas down to config"
)
KNOWN: dict[tuple[str, str], str] = {
    ("harness.config.catalog", "harness.metrics"): KEYS_FROM_CLASSES,
    ("harness.config.generation_keys", "harness.models"): KEYS_FROM_CLASSES,
    ("harness.config.groups", "harness.metrics"): KEYS_FROM_CLASSES,
    ("harness.config.groups", "harness.models"): KEYS_FROM_CLASSES,
    ("harness.config.listing", "harness.metrics"): KEYS_FROM_CLASSES,
}


@dataclass(frozen=True)
class Import:
    module: str  # the using module, dotted (a conf file: its path)
    target: str  # the used module, dotted
    where: str  # path:line
    how: str = "imports"  # "imports", "names" (a string), "targets" (a conf `_target_`)

    def __str__(self) -> str:
        return f"{self.where}: {self.module} {self.how} {self.target}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted: str, root: Path) -> bool:
    relative = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    return (root / relative).with_suffix(".py").is_file() or (root / relative / "__init__.py").is_file()


def imports_of(path: Path, root: Path) -> Iterator[Import]:
    """Every harness module `path` imports (at the top or inside a function) or names in a string."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    shown = path.relative_to(root.parent)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        where = f"{shown}:{getattr(node, 'lineno', 0)}"
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] == root.name:
                    yield Import(module, alias.name, where)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                source = ".".join(base + ([node.module] if node.module else []))
            else:
                source = node.module or ""
            if source.split(".")[0] != root.name:
                continue
            for alias in node.names:  # `from harness import stats` imports the module harness.stats
                candidate = f"{source}.{alias.name}"
                yield Import(module, candidate if is_module(candidate, root) else source, where)
        elif isinstance(node, ast.Call) and (found := relative_import(node)):  # import_module("..x", __package__)
            name, anchor = found
            dots = len(name) - len(name.lstrip("."))
            base = (anchor or package).split(".")
            dotted = ".".join(base[: len(base) - dots + 1] + [name.lstrip(".")]).rstrip(".")
            target = named_module(dotted, True, root)
            if target:
                yield Import(module, target, where, "names")
    yield from lookups_of(tree, module, shown, root)
    docstrings = {id(n.value) for n in ast.walk(tree) if isinstance(n, ast.Expr)}  # bare strings: prose
    for node in ast.walk(tree):
        if id(node) in docstrings or not isinstance(node, (ast.Constant, ast.JoinedStr, ast.BinOp)):
            continue
        literal = literal_prefix(node)
        target = named_module(*literal, root) if literal else None
        if target:
            yield Import(module, target, f"{shown}:{node.lineno}", "names")


@functools.cache
def registries(root: Path) -> dict[str, set[str]]:
    """Each registry of harness/registry.py (`METRICS = Registry(...)`) -> the packages its entries name."""
    found: dict[str, set[str]] = {}
    for node in ast.parse((root / "registry.py").read_text(encoding="utf-8")).body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and len(node.value.args) > 1:
            call, entries = node.value, node.value.args[1]
            if isinstance(call.func, ast.Name) and call.func.id == "Registry" and isinstance(entries, ast.Dict):
                named = (named_module(v.value, True, root) for v in entries.values if isinstance(v, ast.Constant))
                found.update({t.id: {unit(m) for m in named if m} for t in node.targets if isinstance(t, ast.Name)})
    return found


def lookups_of(tree: ast.Module, module: str, shown: Path, root: Path) -> Iterator[Import]:
    """`METRICS.get(key)` (or `registry.METRICS.get`) loads an entry: the module uses the packages
    the registry's entries name."""
    kinds = registries(root)
    for node in ast.walk(tree):
        func = node.func if isinstance(node, ast.Call) else None
        if not (isinstance(func, ast.Attribute) and func.attr == "get"):
            continue
        owner = func.value
        name = owner.id if isinstance(owner, ast.Name) else owner.attr if isinstance(owner, ast.Attribute) else ""
        for target in sorted(kinds.get(name, ())):
            yield Import(module, target, f"{shown}:{node.lineno}", f"looks up {name}, loading")


def relative_import(call: ast.Call) -> tuple[str, str | None] | None:
    """`import_module(".x", package)`: the relative name and the package when it is a literal
    (None: `__package__` or a variable, taken as the module's own package)."""
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
    if name != "import_module" or not call.args:
        return None
    first = call.args[0]
    if not (isinstance(first, ast.Constant) and isinstance(first.value, str) and first.value.startswith(".")):
        return None
    rest = [*call.args[1:], *(k.value for k in call.keywords if k.arg == "package")]
    anchor = rest[0] if rest else None
    return first.value, anchor.value if isinstance(anchor, ast.Constant) and isinstance(anchor.value, str) else None


def literal_prefix(node: ast.expr) -> tuple[str, bool] | None:
    """The text a string expression starts with, and whether that is all of it: a constant, an
    f-string's leading text, the left of a `+` (two literals joined)."""
    if isinstance(node, ast.Constant):
        return (node.value, True) if isinstance(node.value, str) else None
    if isinstance(node, ast.JoinedStr) and node.values:
        first = literal_prefix(node.values[0])
        return (first[0], False) if first else None
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left = literal_prefix(node.left)
        if left and left[1]:
            right = literal_prefix(node.right)
            return (left[0] + right[0], right[1]) if right else (left[0], False)
        return left
    return None


NAME = re.compile(r"[A-Za-z_]\w*(\.[A-Za-z_]\w*)*")


def named_module(text: str, whole: bool, root: Path) -> str | None:
    """The harness module a string names (`harness.x`, `harness.x:Name`, `harness.x.Name`; when
    only the start is literal, as far as it goes), else None: the longest existing module prefix."""
    text = text.strip()
    if whole:
        dotted, _, attr = text.partition(":")
        if not NAME.fullmatch(dotted) or (attr and not NAME.fullmatch(attr)):
            return None
    else:
        dotted = text.split(":")[0]
        match = NAME.match(dotted)
        if not match:
            return None
        dotted = match.group(0)
    parts = dotted.split(".")
    if parts[0] != root.name or len(parts) < 2:
        return None
    found = next((".".join(parts[:n]) for n in range(len(parts), 1, -1) if is_module(".".join(parts[:n]), root)), None)
    return found  # None for `harness.conf`, a resolver's or entry-point group's name: no module of the package


def conf_targets(conf: Path, root: Path) -> Iterator[tuple[Import, str]]:
    """Each conf `_target_` naming a harness module, with the layer it may reach (a missing module:
    target `?`)."""
    for path in sorted(conf.rglob("*.yaml")):
        shown = path.relative_to(conf.parent)
        lines = path.read_text(encoding="utf-8").splitlines()
        for key_path, value in targets_in(yaml.safe_load(path.read_text(encoding="utf-8"))):
            if not isinstance(value, str) or value.split(".")[0] != root.name:
                continue
            line = next((i + 1 for i, text in enumerate(lines) if "_target_" in text and value in text), 0)
            under_hydra = path.relative_to(conf).parts[0] == "hydra" or key_path[:1] == ["hydra"]
            module = value.partition(":")[0] if ":" in value else value.rpartition(".")[0]  # module.Class
            target = module if is_module(module, root) else f"{value} (no such module)"
            yield (
                Import(str(shown), target, f"{shown}:{line}", "targets"),
                (HYDRA_CEILING if under_hydra else CONF_CEILING),
            )


def targets_in(node: object, key_path: list[str] | None = None) -> Iterator[tuple[list[str], object]]:
    key_path = key_path or []
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "_target_":
                yield key_path, value
            else:
                yield from targets_in(value, [*key_path, str(key)])
    elif isinstance(node, list):
        for item in node:
            yield from targets_in(item, key_path)


def unit(dotted: str) -> str:
    """The package a module belongs to: harness.run.merge -> harness.run; harness.errors -> itself."""
    return ".".join(dotted.split(".")[:2])


def layer_of(dotted: str) -> int | None:
    return next((i for i, (_, units) in enumerate(LAYERS) if unit(dotted) in units), None)


def layer_index(name: str) -> int:
    return next(i for i, (layer, _) in enumerate(LAYERS) if layer == name)


def all_imports(root: Path) -> list[Import]:
    return [imp for path in sorted(root.rglob("*.py")) for imp in imports_of(path, root)]


def violations(root: Path, known: dict[tuple[str, str], str]) -> list[str]:
    """What breaks the layers, one line each naming the file, line and use. conf/ sits beside the
    package (`root`)."""
    problems = []
    modules = sorted({module_name(p, root) for p in root.rglob("*.py")})
    problems += [
        f"{m}: package {unit(m)} is in no layer (add it to LAYERS and ARCHITECTURE.md)"
        for m in modules
        if layer_of(m) is None
    ]
    imports = all_imports(root)
    edges: dict[str, dict[str, Import]] = {}  # package -> package
    module_edges: dict[str, dict[str, Import]] = {}  # module -> module of the same package
    for imp in imports:
        if (imp.module, imp.target) in known:
            continue
        source, target = layer_of(imp.module), layer_of(imp.target)
        if source is None or target is None:
            continue
        registry_entry = imp.module == REGISTRY and imp.how == "names"
        ceiling = layer_index(REGISTRY_CEILING) if registry_entry else source
        if target > ceiling:
            rule = f"the registry's entries may not name layer {LAYERS[target][0]}" if registry_entry else ""
            problems.append(f"{imp}: {rule or f'layer {LAYERS[source][0]} may not import layer {LAYERS[target][0]}'}")
        elif registry_entry:
            continue
        elif unit(imp.module) != unit(imp.target):
            edges.setdefault(unit(imp.module), {}).setdefault(unit(imp.target), imp)
        elif imp.module != imp.target:
            module_edges.setdefault(imp.module, {}).setdefault(imp.target, imp)
    problems += [f"packages import each other round a cycle: {cycle}" for cycle in cycles(edges)]
    problems += [f"modules of a package import each other round a cycle: {cycle}" for cycle in cycles(module_edges)]
    conf = root.parent / "conf"
    conf_uses = list(conf_targets(conf, root)) if conf.is_dir() else []
    for imp, ceiling_name in conf_uses:
        target = layer_of(imp.target) if is_module(imp.target, root) else None
        if target is None:
            problems.append(f"{imp}: a conf `_target_` must name an existing module")
        elif target > layer_index(ceiling_name) and (imp.module, imp.target) not in known:
            problems.append(
                f"{imp}: this conf `_target_` may name layer {ceiling_name} or lower, not {LAYERS[target][0]}"
            )
    present = {(imp.module, imp.target) for imp in imports} | {(imp.module, imp.target) for imp, _ in conf_uses}
    problems += [
        f"KNOWN lists {a} -> {b}, which no longer exists: remove the entry" for a, b in known if (a, b) not in present
    ]
    return problems


def cycles(edges: dict[str, dict[str, Import]]) -> list[str]:
    """Each cycle of the graph once, with the use that closes every step."""
    found: list[str] = []
    seen: set[frozenset[str]] = set()

    def visit(path: list[str]) -> None:
        for target in edges.get(path[-1], {}):
            if target == path[0]:
                if frozenset(path) not in seen:
                    seen.add(frozenset(path))
                    steps = [edges[a][b] for a, b in zip(path, path[1:] + path[:1])]
                    found.append(" -> ".join([*path, path[0]]) + " (" + "; ".join(map(str, steps)) + ")")
            elif target not in path and target > path[0]:  # each cycle from its smallest member
                visit([*path, target])

    for start in sorted(edges):
        visit([start])
    return found


def test_every_import_goes_down_the_layers():
    problems = violations(PACKAGE, KNOWN)
    assert not problems, "\n".join(problems)


def test_function_level_imports_are_seen():
    """harness/cli/run.py imports run.command at the top; harness/cli/hydra_callbacks.py inside methods."""
    found = {(i.module, i.target) for i in all_imports(PACKAGE)}
    assert ("harness.cli.hydra_callbacks", "harness.run.command") in found
    assert ("harness.cli.run", "harness.run.command") in found


def test_dynamic_imports_and_conf_targets_are_seen():
    """harness/cli/main.py imports each command by an f-string; hydra_callbacks.py imports a constant's
    modules in a loop; the registry names its classes; conf/config.yaml names the sweep callback."""
    found = {(i.module, i.target, i.how) for i in all_imports(PACKAGE)}
    assert ("harness.cli.main", "harness.cli", "names") in found
    assert ("harness.cli.hydra_callbacks", "harness.metrics.fast_rouge", "names") in found
    assert ("harness.registry", "harness.metrics.rouge", "names") in found
    targets = {(i.module, i.target) for i, _ in conf_targets(PACKAGE.parent / "conf", PACKAGE)}
    assert ("conf/config.yaml", "harness.cli.hydra_callbacks") in targets


def plant(tmp_path: Path, files: dict[str, str]) -> Path:
    """A copy of the package and of conf/ beside it with `files` (path relative to the package, or
    `conf/...`, -> text) added or replaced."""
    import shutil

    root = tmp_path / "harness"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "resources"))
    shutil.copytree(PACKAGE.parent / "conf", tmp_path / "conf", ignore=shutil.ignore_patterns("__pycache__"))
    for name, text in files.items():
        (tmp_path if name.startswith("conf/") else root).joinpath(name).write_text(text, encoding="utf-8")
    return root


REGISTRY_TEXT = (PACKAGE / "registry.py").read_text(encoding="utf-8")
UPWARD_ENTRY = 'PLANTED = Registry("planted", {"x": "harness.run.pipeline:generate"}, group="harness.planted")\n'


@pytest.mark.parametrize(
    "files, expected",
    [
        (  # a lower layer importing a higher one, inside a function
            {"run/planted.py": "def table():\n    from harness.analysis.compare import compare_runs\n"},
            "harness/run/planted.py:2: harness.run.planted imports harness.analysis.compare: layer run may not import layer analysis",
        ),
        (  # a relative import
            {"text/planted.py": "from ..metrics import base\n"},
            "harness/text/planted.py:1: harness.text.planted imports harness.metrics.base: layer config may not import layer inputs",
        ),
        (  # `from harness import X` names the module X
            {"text/planted.py": "from harness import cli\n"},
            "harness/text/planted.py:1: harness.text.planted imports harness.cli: layer config may not import layer cli",
        ),
        (  # a new package must be given a layer
            {"planted.py": "x = 1\n"},
            "harness.planted: package harness.planted is in no layer",
        ),
        (  # two packages of one layer importing each other
            {
                "data_planted.py": "x = 1\n",
                "models/planted.py": "from harness.metrics import base\n",
                "metrics/planted.py": "import harness.models.base\n",
            },
            "packages import each other round a cycle: harness.metrics -> harness.models -> harness.metrics",
        ),
        (  # a module imported by name
            {"text/planted.py": "import importlib\n\nimportlib.import_module('harness.cli.main')\n"},
            "harness/text/planted.py:3: harness.text.planted names harness.cli.main: layer config may not import layer cli",
        ),
        (  # by __import__, inside a function
            {"metrics/planted.py": "def load():\n    return __import__('harness.run.pipeline')\n"},
            "harness/metrics/planted.py:2: harness.metrics.planted names harness.run.pipeline: layer inputs may not import layer run",
        ),
        (  # an f-string with a literal prefix
            {
                "run/planted.py": "from importlib import import_module\n\n\ndef command(name):\n    return import_module(f'harness.cli.{name}')\n"
            },
            "harness/run/planted.py:5: harness.run.planted names harness.cli: layer run may not import layer cli",
        ),
        (  # a relative name, against the module's own package
            {"text/planted.py": "import importlib\n\nimportlib.import_module('..cli.main', __package__)\n"},
            "harness/text/planted.py:3: harness.text.planted names harness.cli.main: layer config may not import layer cli",
        ),
        (  # a registry lookup loads the packages of its entries
            {"text/planted.py": "from harness.registry import BACKENDS\n\nBACKENDS.get('lead')\n"},
            "harness/text/planted.py:3: harness.text.planted looks up BACKENDS, loading harness.models: "
            "layer config may not import layer inputs",
        ),
        (  # two literals joined by +
            {
                "run/planted.py": "import importlib\n\nNAME = 'harness.analysis.' + 'compare'\nimportlib.import_module(NAME)\n"
            },
            "harness/run/planted.py:3: harness.run.planted names harness.analysis.compare: layer run may not import layer analysis",
        ),
        (  # a constant imported later, in a loop; `module:Name` names the module
            {"models/planted.py": "MODULES = ('harness.analysis.report:render',)\n"},
            "harness/models/planted.py:1: harness.models.planted names harness.analysis.report: layer inputs may not import layer analysis",
        ),
        (  # a registry entry above the inputs layer
            {"registry.py": REGISTRY_TEXT + UPWARD_ENTRY},
            f"harness/registry.py:{len(REGISTRY_TEXT.splitlines()) + 1}: harness.registry names harness.run.pipeline: "
            "the registry's entries may not name layer run",
        ),
        (  # a conf `_target_` (a model's class) above the inputs layer
            {"conf/model/planted.yaml": "label: planted\n_target_: harness.run.pipeline.Backend\n"},
            "conf/model/planted.yaml:2: conf/model/planted.yaml targets harness.run.pipeline: "
            "this conf `_target_` may name layer inputs or lower, not run",
        ),
        (  # a Hydra callback above the cli layer
            {"conf/experiment/planted.yaml": "hydra:\n  callbacks:\n    x:\n      _target_: harness.api.Callback\n"},
            "conf/experiment/planted.yaml:4: conf/experiment/planted.yaml targets harness.api: "
            "this conf `_target_` may name layer cli or lower, not api",
        ),
        (  # a conf `_target_` naming no module
            {"conf/metrics/planted.yaml": "_target_: harness.metrics.nosuch.Metric\n"},
            "conf/metrics/planted.yaml:1: conf/metrics/planted.yaml targets harness.metrics.nosuch.Metric (no such module)",
        ),
        (  # two modules of one package importing each other, one only for type checking
            {
                "metrics/planted_a.py": "from harness.metrics import planted_b\n",
                "metrics/planted_b.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from harness.metrics.planted_a import X\n",
            },
            "modules of a package import each other round a cycle: "
            "harness.metrics.planted_a -> harness.metrics.planted_b -> harness.metrics.planted_a",
        ),
    ],
)
def test_a_planted_violation_fails_naming_the_import(tmp_path, files, expected):
    problems = violations(plant(tmp_path, files), KNOWN)
    assert any(p.startswith(expected) for p in problems), "\n".join(problems)


def test_prose_is_no_import(tmp_path):
    """A docstring naming a module, and strings that only look like one (a resolver, `harness.conf`)."""
    text = '"""Called by harness.cli.main."""\n\nRESOLVER = "harness.new_run_root"\nPACKAGE = "harness.conf"\n'
    assert violations(plant(tmp_path, {"text/planted.py": text}), KNOWN) == []


def test_a_stale_known_entry_fails():
    stale = {**KNOWN, ("harness.text.bullets", "harness.cli.main"): "gone"}
    assert (
        "KNOWN lists harness.text.bullets -> harness.cli.main, which no longer exists: remove the entry"
        in violations(PACKAGE, stale)
    )
