"""Attack suite, the judge: a new user's typos in judge settings and a hostile judge, through the
real CLI. A mistake is refused at start-up (exit 2, the setting named with a close match,
nothing written)."""

from __future__ import annotations

import pytest
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


# ---- the judge cache: what decides an answer keys it; how it is sent does not ----


def test_the_judge_cache_is_reused_across_transport_settings_and_never_across_what_decides_answers(tmp_path):
    from openai_server import FakeOpenAI

    from harness.judge.client import Judge

    mine = tmp_path / "claim.txt"
    mine.write_text("[user]\nDoc: {document}\nClaim: {claim}\n", encoding="utf-8")

    def asked(server, **more) -> int:
        """How many requests this judge config sent for one fixed question (0: the cache answered)."""
        config = {"backend": "openai_chat", "model_id": "judge-1", "base_url": server.url, "max_retries": 0}
        config = {**config, "generation": {"temperature": 0.0}, "prompts": {"claim": str(mine)}, **more}
        judge = Judge(config, cache_dir=str(tmp_path / "cache"))
        before = server.answered
        [generation] = judge.ask([judge.request("claim", "d1", "src", document="The sky is blue.", claim="Blue.")])
        assert generation.error is None
        return server.answered - before

    with FakeOpenAI() as server:
        assert asked(server) == 1
        assert asked(server) == 0
        assert asked(server, max_concurrency=2, timeout_s=7, max_retries=3, label="other name") == 0
        assert asked(server, generation={"temperature": 0.7}) == 1
        assert asked(server, model_id="judge-2") == 1
        mine.write_text("[user]\nDocument: {document}\nClaim: {claim}\n", encoding="utf-8")  # the file edited
        assert asked(server) == 1
        assert asked(server, max_concurrency=5) == 0


def test_a_huge_prompt_file_is_refused_from_its_size_without_being_read(tmp_path):
    from harness.errors import ConfigError
    from harness.judge.prompts import load_prompt

    huge = tmp_path / "factcheck.txt"
    with open(huge, "wb") as f:  # sparse: 300 MB that take no disk, read would take the memory
        f.truncate(300_000_000)
    with pytest.raises(ConfigError, match=r"judge.prompts.factcheck .*300,000,000 bytes"):
        load_prompt("factcheck", str(huge))
