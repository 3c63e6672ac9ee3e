"""Every shell command README.md and docs/*.md show is checked, so the docs cannot rot.

Conventions for whoever writes the docs:
- Shell blocks are fenced ```bash, ```sh or ```console. In bash/sh blocks every line that is not
  blank or a comment is a command (a trailing backslash joins the next line); in console blocks
  the lines starting with `$ ` are commands and the others their output. With `output shown` in
  its comment, every output line shown (but `...` and blank lines) must be a line the command
  prints (stdout or stderr; `<timestamp>` as below), so a table in the docs is today's table.
- A `harness ...` command runs in a temporary folder, offline, after the page's earlier commands,
  and must exit 0, or N when its comment says `exits N`.
- `results/NAME/<timestamp>` stands for the newest folder under results/NAME that an earlier
  command of the page made.
- A fenced block (yaml, json, ...) whose first line is `# PATH` (`# my_conf/model/my-bart.yaml`)
  is written to PATH in that folder before the page's commands run, so a command using it runs
  against the file shown.
- A command needing what a test machine lacks (a server, a GPU, a hub download, an API key, a
  cluster, your own data) says so in its comment: `# needs: WHAT`. It is checked without running:
  `harness run` through the start-up check every run makes (`harness.run.preflight.check_overrides`:
  every job of a sweep composed by Hydra, checked against the schemas and the backends' options,
  without loading a model, reading data or sending a request), any other `harness` command through
  its argument parser (option names, types, choices, required arguments).
- Any other command (pip, pytest, a server) must say `# needs:` too: no line of a shell block
  is left unchecked without saying so.

The default loop checks every command (dry, fast); the slow test runs the pages' commands.
"""

from __future__ import annotations

import argparse
import os
import re
import shlex
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
SHELL = ("bash", "sh", "console")
FENCE = re.compile(r"^(`{3,})\s*([\w+-]*)")
EXITS = re.compile(r"(?:^|[\s;(])exits (\d+)\b")
NEEDS = re.compile(r"(?:^|[\s;(])needs: ")
FILE_HEADER = re.compile(r"^#\s+([\w./-]+\.[A-Za-z]+)\s*(?:\s.*)?$")
HIDDEN = re.compile(r"^\s*(?:\$ )?harness ")
TIMESTAMP = re.compile(r"results/([\w.-]+)/<timestamp>")


@dataclass(frozen=True)
class Command:
    page: str
    line: int  # 1-based, where the command starts
    text: str  # the command with continuation lines joined, comment included
    argv: list[str]
    comment: str
    shown: tuple[str, ...] = ()  # the output lines a console block shows after it

    @property
    def is_harness(self) -> bool:
        return bool(self.argv) and self.argv[0] == "harness"

    @property
    def dry(self) -> bool:
        return bool(NEEDS.search(self.comment))

    @property
    def expected_exit(self) -> int:
        found = EXITS.search(self.comment)
        return int(found.group(1)) if found else 0

    def __str__(self) -> str:
        return f"{self.page}:{self.line}: {self.text}"


@dataclass(frozen=True)
class Page:
    name: str
    commands: list[Command]
    files: dict[str, str]  # path in the example folder -> content
    hidden: list[str]  # `harness` lines in blocks that are not shell blocks: never checked, so refused


def split_comment(line: str) -> tuple[str, str]:
    """The command and its trailing comment (`#` outside quotes, after a space)."""
    quote = None
    for i, char in enumerate(line):
        if quote:
            quote = None if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "#" and (i == 0 or line[i - 1].isspace()):
            return line[:i].rstrip(), line[i + 1 :].strip()
    return line.rstrip(), ""


def read_page(path: Path, root: Path = ROOT) -> Page:
    name = str(path.relative_to(root))
    commands: list[Command] = []
    files: dict[str, str] = {}
    hidden: list[str] = []
    lines = path.read_text(encoding="utf-8").splitlines()
    i = 0
    while i < len(lines):
        opened = FENCE.match(lines[i])
        if not opened:
            i += 1
            continue
        fence, language = opened.group(1), opened.group(2)
        start = i + 1
        end = start
        while end < len(lines) and not lines[end].startswith(fence):
            end += 1
        body = lines[start:end]
        if language in SHELL:
            commands += block_commands(name, start, body, console=language == "console")
        else:
            if body and (header := FILE_HEADER.match(body[0])):
                files[header.group(1)] = "\n".join(body[1:]) + "\n"
            hidden += [f"{name}:{start + n + 1}: {line}" for n, line in enumerate(body) if HIDDEN.match(line)]
        i = end + 1
    return Page(name, commands, files, hidden)


def block_commands(page: str, start: int, body: list[str], console: bool) -> list[Command]:
    found = []
    j = 0
    while j < len(body):
        raw = body[j]
        number = start + j + 1
        j += 1
        if console:
            if not raw.startswith("$ "):
                continue
            raw = raw[2:]
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        parts = []
        while raw.rstrip().endswith("\\") and j < len(body):
            parts.append(raw.rstrip()[:-1])
            raw = body[j]
            j += 1
        parts.append(raw)
        text = " ".join(part.strip() for part in parts)
        command, comment = split_comment(text)
        shown = []
        while console and j < len(body) and not body[j].startswith("$ "):
            shown.append(body[j])
            j += 1
        found.append(Command(page, number, text, shlex.split(command), comment, tuple(shown)))
    return found


ALL = {page.name: page for page in map(read_page, PAGES)}
COMMANDS = [command for page in ALL.values() for command in page.commands]


def test_the_pages_show_commands():
    # The parser must find what the pages show: the README's three jobs at least.
    readme = [c.argv[:2] for c in ALL["README.md"].commands if c.is_harness]
    for job in (["harness", "run"], ["harness", "compare"], ["harness", "report"]):
        assert job in readme, readme
    assert "my_conf/model/my-bart.yaml" in ALL["README.md"].files
    assert len([c for c in COMMANDS if c.is_harness]) >= 40, len(COMMANDS)


def test_the_conventions_read_a_page_as_written(tmp_path):
    page = tmp_path / "page.md"
    page.write_text(
        "```bash\n"
        "harness run model=lead \\\n"
        "    'metrics=[rouge]'   # one model; exits 1\n"
        "# a comment line\n"
        "harness check R --require 'a#b>=1'   # needs: a server\n"
        "pip install x\n"
        "```\n"
        "```console\n"
        "$ harness list   # exits 2\n"
        "harness list is output here, not a command\n"
        "```\n"
        "```yaml\n"
        "# my_conf/model/m.yaml\n"
        "backend: lead\n"
        "```\n",
        encoding="utf-8",
    )
    read = read_page(page, root=tmp_path)
    got = [(c.line, c.argv, c.expected_exit, c.dry) for c in read.commands]
    assert got == [
        (2, ["harness", "run", "model=lead", "metrics=[rouge]"], 1, False),
        (5, ["harness", "check", "R", "--require", "a#b>=1"], 0, True),
        (6, ["pip", "install", "x"], 0, False),
        (9, ["harness", "list"], 2, False),
    ]
    assert read.files == {"my_conf/model/m.yaml": "backend: lead\n"}
    assert read.hidden == []


def test_no_command_hides_in_a_block_that_is_not_checked():
    hidden = [line for page in ALL.values() for line in page.hidden]
    assert not hidden, "fence these as ```bash or ```console so they are checked:\n" + "\n".join(hidden)


@pytest.mark.parametrize("command", COMMANDS, ids=str)
def test_every_command_runs_here_or_says_what_it_needs(command):
    if not command.is_harness:
        assert command.dry, (
            f"{command}\n  not a harness command: say what it needs (`# needs: network`, `# needs: server`, ...)"
        )
    assert not (command.dry and EXITS.search(command.comment)), f"{command}\n  a dry-checked command has no exit code"


# ---- the dry check: every harness command, in the default loop --------------------------------


class Parsed(BaseException):  # not an Exception: the command's own handlers let it through
    pass


def parse_only(argv: list[str], monkeypatch: pytest.MonkeyPatch) -> int:
    """Run `harness ARGV` in-process up to its argument parser; 0 when the parser accepts it."""
    from harness.cli import main

    original = argparse.ArgumentParser.parse_args

    def parse_and_stop(self, args=None, namespace=None):
        original(self, args, namespace)
        raise Parsed

    monkeypatch.setattr(argparse.ArgumentParser, "parse_args", parse_and_stop)
    try:
        code = main.main(argv)
    except Parsed:
        return 0
    return code


def preflight(argv: list[str]) -> None:
    """What `harness run ARGV` checks before any work (harness.run.command.launch)."""
    from harness.config.search import options_first
    from harness.run.command import register_resolvers, with_default_experiment
    from harness.run.preflight import check_overrides

    register_resolvers()
    check_overrides(with_default_experiment(options_first(list(argv))))


def example_folder(page: Page, where: Path) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    for path, content in page.files.items():
        target = where / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(content, encoding="utf-8")
    return where


def dry_check(command: Command, monkeypatch: pytest.MonkeyPatch) -> None:
    argv = [TIMESTAMP.sub(r"results/\1/2026-01-01_00-00-00", arg) for arg in command.argv[1:]]
    if argv[0] == "run":
        preflight(argv[1:])
    else:
        code = parse_only(argv, monkeypatch)
        assert code == 0, f"{command}\n  the argument parser refused it (exit {code})"


# Commands a page shows before this branch's code accepts them: the start of the error each one
# meets -> why. Such a command is an expected failure while it meets exactly that error; an entry
# no command meets any more fails test_pending_entries_are_still_met, so it cannot outlive its reason.
PENDING: dict[str, str] = {}  # error message start -> why a documented command is expected to fail for now


@pytest.mark.parametrize("command", [c for c in COMMANDS if c.is_harness], ids=str)
def test_every_harness_command_passes_its_start_up_check(command, tmp_path, monkeypatch):
    from harness.errors import ConfigError

    example_folder(ALL[command.page], tmp_path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.syspath_prepend(str(tmp_path))  # a plugin module the page shows, as `python -m` finds it
    # A key the command names must be set for the check; none is sent anywhere: nothing runs.
    for variable in ("OPENAI_API_KEY",):
        monkeypatch.setenv(variable, "not-a-key-nothing-is-sent")
    try:
        dry_check(command, monkeypatch)
    except ConfigError as e:
        reason = next((why for start, why in PENDING.items() if str(e).startswith(start)), None)
        if reason is None:
            raise
        pytest.xfail(reason)


def test_pending_entries_are_still_met(tmp_path, monkeypatch):
    from harness.errors import ConfigError

    met = set()
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("OPENAI_API_KEY", "not-a-key-nothing-is-sent")
    for command in COMMANDS:
        if command.is_harness and command.argv[1:2] == ["run"] and "judge" in command.text:
            try:
                dry_check(command, monkeypatch)
            except ConfigError as e:
                met |= {start for start in PENDING if str(e).startswith(start)}
    assert met == set(PENDING), f"no command meets these any more: remove them from PENDING: {set(PENDING) - met}"


# ---- the real thing: every page's commands run in order, offline (slow) -----------------------


def newest(folder: Path) -> str:
    found = sorted(p.name for p in folder.iterdir() if p.is_dir() and not p.name.startswith("."))
    assert found, f"nothing under {folder} for <timestamp>"
    return found[-1]


def run_page(page: Page, where: Path, opened: dict[tuple[str, ...], Path]) -> None:
    """Run the page's commands in order in `where`. A page opening with a command an earlier page
    opened with (and the same example files, when it names them), starts from a copy of the folder that command made
    (`opened`: command -> a copy of its results/), instead of running it again."""
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "PYTHONUNBUFFERED": "1"}
    harness = [sys.executable, "-m", "harness.cli"]
    runnable = [c for c in page.commands if c.is_harness and not c.dry]
    for number, command in enumerate(runnable):
        named = {k: v for k, v in page.files.items() if any(k.split("/")[0] in arg for arg in command.argv)}
        key = (*command.argv, str(command.expected_exit), *sorted(f"{k}\0{v}" for k, v in named.items()))
        if number == 0 and key in opened:
            shutil.copytree(opened[key], where / "results")
            continue
        argv = [
            TIMESTAMP.sub(lambda m: f"results/{m.group(1)}/{newest(where / 'results' / m.group(1))}", arg)
            for arg in command.argv[1:]
        ]
        proc = subprocess.run([*harness, *argv], cwd=where, env=env, capture_output=True, text=True, timeout=300)
        printed = {line.rstrip() for line in (proc.stdout + proc.stderr).splitlines()}
        if "output shown" in command.comment:
            for line in command.shown:
                line = TIMESTAMP.sub(lambda m: f"results/{m.group(1)}/{newest(where / 'results' / m.group(1))}", line)
                assert line.strip() in ("", "...") or line.rstrip() in printed, (
                    f"{command}\n  the docs show this line, the command did not print it:\n{line}\n"
                    f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
                )
        assert proc.returncode == command.expected_exit, (
            f"{command}\n  exit {proc.returncode}, the docs say {command.expected_exit}\n"
            f"stdout:\n{proc.stdout[-3000:]}\nstderr:\n{proc.stderr[-3000:]}"
        )
        if number == 0 and (where / "results").is_dir():
            opened[key] = shutil.copytree(where / "results", where.parent / f"opened-{len(opened)}")


RUNNABLE = [name for name, page in ALL.items() if any(c.is_harness and not c.dry for c in page.commands)]


@pytest.mark.slow
@pytest.mark.parametrize("name", RUNNABLE)
def test_every_page_runs_its_commands(name, tmp_path, opened_folders):
    run_page(ALL[name], example_folder(ALL[name], tmp_path / "page"), opened_folders)


@pytest.fixture(scope="module")
def opened_folders() -> dict[tuple[str, ...], Path]:
    return {}
