"""Attack: prompt templates whose placeholders would exhaust memory or reach into objects
(`{source:>999999999}`, `{source.__class__}`, `{0}`): refused at the config check, naming the
prompt and the placeholder; the template is never formatted."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.config.schema import PromptConfig, parse
from harness.errors import ConfigError
from harness.run.command import register_resolvers
from harness.run.preflight import check_overrides


@pytest.mark.parametrize(
    ("template", "needle"),
    [
        ("Summarize: {source:>999999999}", "placeholder {source:>999999999} has a format spec"),
        ("{source:{n_bullets}}", "placeholder {source:{n_bullets}} has a format spec"),
        ("{n_bullets:099999999d} bullets: {source}", "placeholder {n_bullets:099999999d}"),
        ("{source!r}", "placeholder {source!r} has a format spec or conversion"),
        ("{source!s:^50}", "placeholder {source!s:^50}"),
        ("{source.__class__}", "unknown placeholder {source.__class__}"),
        ("{source[0]}", "unknown placeholder {source[0]}"),
        ("{0}", "unknown placeholder {0}"),
        ("{}", "unknown placeholder {}"),
        ("{source", "write {{ and }} for literal braces"),
        ("source}", "write {{ and }} for literal braces"),
    ],
)
def test_placeholder_with_a_spec_or_attribute_is_refused(template: str, needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse(PromptConfig, {"name": "p", "template": template}, "prompt")
    assert needle in str(caught.value), str(caught.value)
    assert "prompt 'p'" in str(caught.value)


def test_plain_placeholders_and_literal_braces_still_render() -> None:
    prompt = parse(PromptConfig, {"name": "p", "template": "{{json}} {n_bullets} bullets: {source}"}, "prompt")
    assert prompt.render("TEXT") == "{json} 3 bullets: TEXT"


def test_a_prompt_file_with_a_format_spec_is_refused_before_any_work(tmp_path: Path) -> None:
    register_resolvers()
    (tmp_path / "prompt").mkdir()
    (tmp_path / "prompt" / "wide.yaml").write_text("name: wide\ntemplate: 'Summarize {source:>999999999}'\n")
    with pytest.raises(ConfigError, match=r"prompt 'wide'.*\{source:>999999999\} has a format spec"):
        check_overrides(["--config-dir", str(tmp_path), "model=lead", "prompt=wide"])
