"""Attack: a user's config file that would exhaust or confuse the loader (alias bombs, wrong
bytes, a list or a scalar or nothing at the top) is refused naming the file and line, exit 2,
before Hydra expands it; real Hydra composition over a real --config-dir."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import run_cli

from harness.config import yaml_files
from harness.config.search import HydraConfigs
from harness.errors import ConfigError


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    lines = ["backend: lead", "l0: &l0 [" + ", ".join(['"lol"'] * width) + "]"]
    for k in range(1, levels):
        lines.append(f"l{k}: &l{k} [" + ", ".join([f"*l{k - 1}"] * width) + "]")
    return "\n".join(lines) + "\n"


def write_model(root: Path, name: str, content: str | bytes) -> Path:
    path = root / "model" / f"{name}.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode())
    return path


def compose_model(root: Path, name: str) -> dict:
    with HydraConfigs.of(["--config-dir", str(root), f"model={name}"]) as configs:
        return configs.node("model", name)


@pytest.mark.parametrize(
    ("content", "needles"),
    [
        (alias_bomb(), [":6:", "expand to more than 10,000"]),
        ("- backend: lead\n", [":1:", "top level is a list"]),
        ("lead\n", [":1:", "single value"]),
        ("", ["empty"]),
        ("# only a comment\n", ["empty"]),
        ("backend: lead\n---\nbackend: lead\n", [":2:", "second YAML document"]),
        (b'backend: lead\nlabel: "caf\xe9"\n', [":2:", "not valid UTF-8", "0xe9"]),
        ("backend: lead\nlabel: [unclosed\n", ["not valid YAML", "flow sequence from line 2"]),
        ("backend: lead\nx: *nowhere\n", [":2:", "not valid YAML"]),
        ("backend: lead\nx: " + "[" * 100_000 + "]" * 100_000 + "\n", [":2:", "nested more than 100 levels"]),
    ],
    ids=[
        "alias-bomb",
        "list",
        "scalar",
        "empty",
        "comment-only",
        "two-documents",
        "latin-1",
        "unclosed",
        "bad-alias",
        "deep",
    ],
)
def test_bad_config_file_is_named_with_its_line(tmp_path: Path, content, needles) -> None:
    path = write_model(tmp_path, "bad", content)
    with pytest.raises(ConfigError) as caught:
        compose_model(tmp_path, "bad")
    message = str(caught.value)
    assert str(path) in message
    for needle in needles:
        assert needle in message, message


def test_alias_bomb_is_refused_without_expanding_it(tmp_path: Path) -> None:
    """A 9^12-value bomb: expanding it would never finish; counting its events takes no time."""
    write_model(tmp_path, "bomb", alias_bomb(levels=12))
    with pytest.raises(ConfigError, match="expand to more than"):
        compose_model(tmp_path, "bomb")


def test_aliases_of_modest_size_still_load(tmp_path: Path) -> None:
    """Anchors are legitimate YAML: a few shared values below the bound compose as usual."""
    write_model(tmp_path, "shared", "backend: lead\nbatch_size: &n 16\nlabel: x\nextra: &e [1, 2, 3]\n")
    node = compose_model(tmp_path, "shared")
    assert node["batch_size"] == 16
    bound = yaml_files.MAX_EXPANDED_NODES
    yaml_files.check_yaml_text(f"a: &a [{', '.join(['1'] * (bound // 4))}]\nb: [*a, *a, *a]\n", "x.yaml")
    with pytest.raises(ConfigError):
        yaml_files.check_yaml_text(f"a: &a [{', '.join(['1'] * (bound // 4))}]\nb: [*a, *a, *a, *a]\n", "x.yaml")


def test_metric_file_read_outside_hydra_is_checked_too(tmp_path: Path) -> None:
    """`harness score` and `meta-eval` read --config-dir metrics/NAME.yaml themselves."""
    from harness.metrics.loading import metric_entries

    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "bomb.yaml").write_text(alias_bomb().replace("backend: lead", "bomb: {metric: rouge}"))
    with pytest.raises(ConfigError, match=r"bomb\.yaml:6: its aliases"):
        metric_entries("bomb", [tmp_path])


def test_fifo_config_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "model" / "pipe.yaml"
    fifo.parent.mkdir()
    os.mkfifo(fifo)
    with pytest.raises(ConfigError, match="not a regular file"):
        yaml_files.check_yaml_file(str(fifo))


def test_alias_bomb_through_the_cli_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    conf = tmp_path / "conf"
    write_model(conf, "bomb", alias_bomb())
    proc = run_cli(
        "run", "--config-dir", str(conf), "model=bomb", f"results_dir={tmp_path / 'res'}", check=False, timeout=120
    )
    assert proc.returncode == 2, proc.stderr
    assert "bomb.yaml:6:" in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "res").exists() and not (tmp_path / "outputs").exists()
