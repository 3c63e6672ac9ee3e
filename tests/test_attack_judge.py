"""Attack suite, the judge: a new user's typos in judge settings and a hostile judge, through the
real CLI. A mistake is refused at start-up (exit 2, the setting named with a close match,
nothing written)."""

from __future__ import annotations

import test_attack_inputs_config
from conftest import run_cli
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


def test_a_misspelt_judge_option_in_meta_eval_is_named_before_the_server_is_asked(tmp):
    # model_id: auto asks the server for its model list: a typo'd base_url must be named first,
    # not reported as the default address being unreachable.
    data = tmp / "in" / "agg"
    data.mkdir()
    (data / "x.jsonl").write_text("{}\n")
    argv = ["meta-eval", "--benchmark", "aggrefact", "--data", str(data), "--metrics", "support_judge"]
    argv += ["--judge", "openai-compatible", "--set", "judge.bas_url=http://127.0.0.1:9/v1", "--out", str(tmp / "out")]
    proc = run_cli(*argv, cwd=tmp, check=False, timeout=180)
    assert_config_error(tmp, proc, "bas_url", "Did you mean 'base_url'")
    assert "127.0.0.1:8000" not in proc.stderr
