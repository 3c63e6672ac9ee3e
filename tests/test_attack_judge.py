"""Attack suite, the judge: a new user's typos in judge settings and a hostile judge, through the
real CLI. A mistake is refused at start-up (exit 2, the setting named with a close match,
nothing written)."""

from __future__ import annotations

import test_attack_inputs_config
from test_attack_inputs_config import assert_config_error, harness_run

tmp = test_attack_inputs_config.tmp  # a fresh folder; inputs go under in/


def prompt_file(tmp, text: str = "[user]\n{article}\n{summary}\n") -> str:
    path = tmp / "in" / "factcheck.txt"
    path.write_text(text, encoding="utf-8")
    return str(path)


def test_a_misspelt_prompt_task_is_refused_with_a_close_match(tmp):
    proc = harness_run(
        tmp, "model=lead", "metrics=[support_judge]", "judge=gpt-4o-mini", f"judge.prompts.factchek={prompt_file(tmp)}"
    )
    assert_config_error(tmp, proc, "factchek", "factcheck")
    assert "Did you mean 'factcheck'" in proc.stderr


def test_an_added_misspelt_prompt_task_is_refused_with_a_close_match(tmp):
    proc = harness_run(
        tmp,
        "model=lead",
        "metrics=[support_judge]",
        "judge=gpt-4o-mini",
        f"+judge.prompts.factchek={prompt_file(tmp)}",
        env={"OPENAI_API_KEY": "sk-attack-test"},
    )
    assert_config_error(tmp, proc, "factchek", "Did you mean 'factcheck'")
