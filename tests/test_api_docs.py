"""docs/api.md is executed: its Python blocks run in order, in one namespace, in an empty folder;
a plain block right after a Python block is that block's expected output (the run folder's time
stamp written as <timestamp>). The page cannot drift from what the API does."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest
from isolated import in_fresh_process

PAGE = Path(__file__).resolve().parents[1] / "docs" / "api.md"
FENCE = re.compile(r"^```(\w*)\n(.*?)^```\n", re.M | re.S)
TIMESTAMP = re.compile(r"\d{4}-\d\d-\d\d_\d\d-\d\d-\d\d(_\d+)?")


def blocks(text: str) -> list[tuple[str, str, str | None]]:
    """(language, code, expected output or None) for every Python block of the page."""
    found = [(m[1], m[2], m.end(), m.start()) for m in FENCE.finditer(text)]
    out = []
    for i, (language, code, end, _) in enumerate(found):
        if language != "python":
            continue
        following = found[i + 1] if i + 1 < len(found) else None
        expected = following[1] if following and not following[0] and not text[end : following[3]].strip() else None
        out.append((language, code, expected))
    return out


def test_the_page_has_blocks_and_an_expected_output():
    found = blocks(PAGE.read_text(encoding="utf-8"))
    assert len(found) >= 8 and any(expected for _, _, expected in found)


@pytest.mark.slow
@in_fresh_process
def test_every_python_block_of_the_page_runs(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    namespace: dict = {"__name__": "api_docs"}
    for number, (_, code, expected) in enumerate(blocks(PAGE.read_text(encoding="utf-8")), 1):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            try:
                exec(compile(code, f"{PAGE.name} block {number}", "exec"), namespace)
            except Exception as e:
                raise AssertionError(f"docs/api.md block {number} failed:\n{code}") from e
        if expected is not None:
            shown = TIMESTAMP.sub("<timestamp>", printed.getvalue().replace(f"{tmp_path}/", ""))
            assert shown.splitlines()[-len(expected.splitlines()) :] == expected.splitlines(), (
                f"docs/api.md block {number} printed:\n{shown}"
            )
