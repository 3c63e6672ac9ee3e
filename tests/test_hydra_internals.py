"""What harness/config/hydra_internals.py relies on in Hydra's private API, pinned: after a Hydra
upgrade a failure here names the behaviour that changed, before it shows up as a stranger error
of `harness run` or `harness list`."""

from __future__ import annotations

from pathlib import Path

import hydra
import pytest
from hydra.core.global_hydra import GlobalHydra
from omegaconf import DictConfig

from harness.config import hydra_internals, yaml_files
from harness.config.groups import register_schemas
from harness.config.search import CONFIG_PACKAGE, TASK_NAME

CHANGED = f"Hydra {hydra.__version__} changed what harness/config/hydra_internals.py relies on: "


@pytest.fixture
def clean_hydra():
    GlobalHydra.instance().clear()
    register_schemas()  # the schema nodes the shipped configs start from
    yield
    GlobalHydra.instance().clear()


def test_hydra_mains_parser_reads_the_command_line():
    args = hydra_internals.parse_args(["--config-dir", "mine", "-m", "--config-name", "other", "model=lead", "x=1"])
    got = (args.config_dir, args.multirun, args.config_name, args.config_path, args.overrides)
    assert got == ("mine", True, "other", None, ["model=lead", "x=1"]), CHANGED + f"hydra.main's parser gives {got}"


def test_hydra_mains_options_and_their_values():
    """options_first (harness/config/search.py) moves these before the overrides, with their values."""
    options = hydra_internals.options()
    takes_value = {"--config-dir", "-cd", "--config-path", "-cp", "--config-name", "-cn", "--cfg", "-c"}
    flags = {"-m", "--multirun", "--resolve", "--run", "-r", "--help", "-h", "--hydra-help"}
    missing = (takes_value | flags | {"--info", "-i"}) - set(options)
    assert not missing, CHANGED + f"hydra.main's parser lost the options {sorted(missing)}"
    wrong = sorted(name for name in takes_value if options[name].nargs is not None)
    assert not wrong, CHANGED + f"these options no longer take one value: {wrong}"
    assert options["--info"].nargs == "?" and "config" in options["--info"].choices, (
        CHANGED + "--info no longer takes an optional section (all, config, defaults, ...)"
    )


def test_the_search_path_is_built_as_hydra_main_builds_it(clean_hydra, tmp_path):
    built = hydra_internals.create_hydra(TASK_NAME, f"pkg://{CONFIG_PACKAGE}", str(tmp_path))
    assert GlobalHydra.instance().hydra is built, CHANGED + "create_main_hydra2 no longer sets the global instance"
    entries = [(e.provider, e.full_path()) for e in GlobalHydra.instance().config_loader().get_sources()]
    expected = [
        ("hydra", "pkg://hydra.conf"),
        ("main", f"pkg://{CONFIG_PACKAGE}"),
        ("command-line", f"file://{tmp_path}"),
        ("schema", "structured://"),
    ]
    core = [entry for entry in entries if entry[0] in {"hydra", "main", "command-line", "schema"}]
    assert core == expected, CHANGED + f"the search path is {entries}"


def test_compose_reads_overrides_as_from_a_shell(clean_hydra, tmp_path):
    from hydra.errors import HydraException

    built = hydra_internals.create_hydra(TASK_NAME, f"pkg://{CONFIG_PACKAGE}", None)
    cfg = hydra_internals.compose(built, "config", ["model=centrality", "seed=3"])
    assert isinstance(cfg, DictConfig) and cfg.seed == 3 and "hydra" in cfg, CHANGED + "compose_config's result"
    assert cfg.hydra.runtime.choices.model == "centrality", CHANGED + "the choices in the composed hydra node"
    with pytest.raises(HydraException) as caught:  # a sweep in a run: the advice quotes for a shell
        hydra_internals.compose(built, "config", ["seed=1,2"])
    assert "key=\\'value1,value2\\'" in str(caught.value), CHANGED + f"the advice is now {caught.value}"


def test_file_search_path_entries_are_read_through_our_source(clean_hydra, tmp_path: Path):
    from hydra._internal.sources_registry import SourcesRegistry

    yaml_files.install()
    source = SourcesRegistry.instance().resolve("file")
    assert source is yaml_files._checked_source(), CHANGED + f"the `file` scheme resolves to {source}"
    assert issubclass(source, hydra_internals.FileConfigSource), CHANGED + "FileConfigSource moved"
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "broken.yaml").write_text("backend: lead\nbackend: lead\n", encoding="utf-8")
    built = hydra_internals.create_hydra(TASK_NAME, f"pkg://{CONFIG_PACKAGE}", str(tmp_path))
    with pytest.raises(Exception, match="broken.yaml") as caught:  # our check runs before Hydra reads the file
        hydra_internals.compose(built, "config", ["model=broken"])
    assert "HydraException" not in type(caught.value).__name__, CHANGED + f"our source was bypassed: {caught.value}"


def test_only_the_adapter_uses_hydras_private_api():
    import ast

    package = Path(hydra_internals.__file__).resolve().parent.parent
    users = []
    for path in sorted(package.rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.Import, ast.ImportFrom)):
                continue
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else [a.name for a in node.names]
            if any(name.startswith("hydra._internal") for name in names):
                users.append(f"{path.relative_to(package.parent)}:{node.lineno}")
    users = [u for u in users if not u.startswith("harness/config/hydra_internals.py:")]
    assert not users, (
        f"Hydra's private API outside harness/config/hydra_internals.py: {users}; add what you need there, pinned here"
    )
