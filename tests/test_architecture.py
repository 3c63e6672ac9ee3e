"""Import directions (ARCHITECTURE.md "Layers"): a module may import its own layer's packages and
lower layers, never a higher one, and no two packages may import each other (directly or round
a cycle). Every import counts, also those inside functions.

foundation < config, text < data, models, judge, metrics < run < analysis < cli < api
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

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

# Imports that go the wrong way and are waiting for a move, each with its reason. An entry that
# no longer matches an import fails the test, so the list only shrinks.
KNOWN: dict[tuple[str, str], str] = {}


@dataclass(frozen=True)
class Import:
    module: str  # the importing module, dotted
    target: str  # the imported module, dotted
    where: str  # path:line

    def __str__(self) -> str:
        return f"{self.where}: {self.module} imports {self.target}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(dotted: str, root: Path) -> bool:
    relative = Path(*dotted.split(".")[1:]) if "." in dotted else Path()
    return (root / relative).with_suffix(".py").is_file() or (root / relative / "__init__.py").is_file()


def imports_of(path: Path, root: Path) -> Iterator[Import]:
    """Every harness module `path` imports (at the top or inside a function)."""
    module = module_name(path, root)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    shown = path.relative_to(root.parent)
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if not isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        where = f"{shown}:{node.lineno}"
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


def unit(dotted: str) -> str:
    """The package a module belongs to: harness.run.merge -> harness.run; harness.errors -> itself."""
    return ".".join(dotted.split(".")[:2])


def layer_of(dotted: str) -> int | None:
    return next((i for i, (_, units) in enumerate(LAYERS) if unit(dotted) in units), None)


def all_imports(root: Path) -> list[Import]:
    return [imp for path in sorted(root.rglob("*.py")) for imp in imports_of(path, root)]


def violations(root: Path, known: dict[tuple[str, str], str]) -> list[str]:
    """What breaks the layers, one line each naming the file, line and import."""
    problems = []
    modules = sorted({module_name(p, root) for p in root.rglob("*.py")})
    problems += [
        f"{m}: package {unit(m)} is in no layer (add it to LAYERS and ARCHITECTURE.md)"
        for m in modules
        if layer_of(m) is None
    ]
    imports = all_imports(root)
    edges: dict[str, dict[str, Import]] = {}
    for imp in imports:
        if (imp.module, imp.target) in known:
            continue
        source, target = layer_of(imp.module), layer_of(imp.target)
        if source is None or target is None:
            continue
        if target > source:
            problems.append(f"{imp}: layer {LAYERS[source][0]} may not import layer {LAYERS[target][0]}")
        elif unit(imp.module) != unit(imp.target):
            edges.setdefault(unit(imp.module), {}).setdefault(unit(imp.target), imp)
    problems += [f"packages import each other round a cycle: {cycle}" for cycle in cycles(edges)]
    present = {(imp.module, imp.target) for imp in imports}
    problems += [
        f"KNOWN lists {a} -> {b}, which no longer exists: remove the entry" for a, b in known if (a, b) not in present
    ]
    return problems


def cycles(edges: dict[str, dict[str, Import]]) -> list[str]:
    """Each cycle of the package graph once, with the import that closes every step."""
    found: list[str] = []
    seen: set[frozenset[str]] = set()

    def visit(path: list[str]) -> None:
        for target in edges.get(path[-1], {}):
            if target == path[0]:
                if frozenset(path) not in seen:
                    seen.add(frozenset(path))
                    steps = [edges[a][b] for a, b in zip(path, path[1:] + path[:1])]
                    found.append(" -> ".join([*path, path[0]]) + " (" + "; ".join(map(str, steps)) + ")")
            elif target not in path and target > path[0]:  # each cycle from its smallest package
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


def plant(tmp_path: Path, files: dict[str, str]) -> Path:
    """A copy of the package with `files` (relative path -> text) added or replaced."""
    import shutil

    root = tmp_path / "harness"
    shutil.copytree(PACKAGE, root, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "resources"))
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    return root


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
    ],
)
def test_a_planted_violation_fails_naming_the_import(tmp_path, files, expected):
    problems = violations(plant(tmp_path, files), KNOWN)
    assert any(p.startswith(expected) for p in problems), "\n".join(problems)


def test_a_stale_known_entry_fails():
    stale = {**KNOWN, ("harness.text.bullets", "harness.cli.main"): "gone"}
    assert (
        "KNOWN lists harness.text.bullets -> harness.cli.main, which no longer exists: remove the entry"
        in violations(PACKAGE, stale)
    )
