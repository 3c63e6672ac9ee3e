"""Attack: absurd numbers. Every numeric option that sizes work (resamples, workers, limits,
concurrency, token limits, timeouts) is refused out of its range at the config check, with the
setting named; NaN and infinity are never a valid setting. Real Hydra composition (the check
`harness run` does before anything is written); CLI flags of compare and meta-eval too."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli

from harness.config.schema import KEY_RANGES
from harness.errors import ConfigError
from harness.run.command import register_resolvers
from harness.run.preflight import check_overrides

OPENAI = ["model=gpt-4o-mini", "model.api_key_env=null"]


@pytest.fixture(autouse=True)
def resolvers() -> None:
    register_resolvers()  # what `harness run` does before composing


@pytest.mark.parametrize(
    ("overrides", "needle"),
    [
        (["model=lead", "bootstrap_samples=2000000000"], "bootstrap_samples: must be at least 100 and at most"),
        (["model=lead", "workers=100000"], "workers: must be at least 1 and at most"),
        (["model=lead", "dataset.limit=1000000000000"], "limit: must be at least 1 and at most"),
        (["model=lead", "prompt.n_bullets=1000000"], "n_bullets: must be at least 1 and at most"),
        (["model=lead", "++model.batch_size=1000000000"], "batch_size: must be at least 1 and at most"),
        (["model=lead", "dataset.max_source_chars=100000000000"], "max_source_chars"),
        ([*OPENAI, "++model.max_concurrency=1000000"], "max_concurrency: must be at least 1 and at most"),
        ([*OPENAI, "++model.timeout_s=nan"], "timeout_s: must be a finite number"),
        ([*OPENAI, "++model.timeout_s=inf"], "timeout_s: must be a finite number"),
        ([*OPENAI, "++model.timeout_s=-1"], "timeout_s: must be above 0"),
        ([*OPENAI, "++model.timeout_s=0"], "timeout_s: must be above 0"),
        ([*OPENAI, "++model.backoff_max_s=-5"], "backoff_max_s: must be at least 0"),
        ([*OPENAI, "++model.backoff_base_s=nan"], "backoff_base_s: must be a finite number"),
        ([*OPENAI, "++model.max_retries=1000000"], "max_retries: must be at least 0 and at most"),
        ([*OPENAI, "++model.max_failures=-1"], "max_failures: must be at least 0"),
        (
            [*OPENAI, "++model.generation.max_tokens=1000000000"],
            "generation.max_tokens: must be at least 1 and at most",
        ),
        ([*OPENAI, "++model.generation.temperature=nan"], "generation.temperature: must be a finite number"),
        ([*OPENAI, "++model.generation.n=100000"], "generation.n: must be at least 1 and at most"),
        (
            ["model=flan-t5-base", "++model.generation.max_new_tokens=1000000000"],
            "generation.max_new_tokens: must be at least 1 and at most",
        ),
        (["model=flan-t5-base", "++model.generation.num_beams=100000"], "generation.num_beams"),
        (["model=centrality", "++model.damping=nan"], "damping: must be a finite number"),
    ],
)
def test_out_of_range_numbers_are_refused_naming_the_setting(overrides: list[str], needle: str) -> None:
    with pytest.raises(ConfigError) as caught:
        check_overrides(overrides)
    assert needle in str(caught.value), str(caught.value)


def test_the_largest_allowed_values_pass() -> None:
    """The bounds refuse absurd numbers, not big honest ones."""
    high = {key: bound[1] for key, bound in KEY_RANGES.items()}
    check_overrides(
        [
            *OPENAI,
            f"bootstrap_samples={high['bootstrap_samples']}",
            f"workers={high['workers']}",
            f"dataset.limit={high['limit']}",
            f"++model.max_concurrency={high['max_concurrency']}",
            f"++model.timeout_s={high['timeout_s']}",
            "++model.generation.max_tokens=100000",
        ]
    )


@pytest.mark.parametrize(
    ("args", "needle"),
    [
        (["compare", "{runs}", "--samples", "2000000000"], "--samples: must be at least 1 and at most"),
        (["report", "{runs}", "--samples", "2000000000"], "--samples: must be at least 1 and at most"),
        (["report", "{runs}", "--max-docs", "-3"], "--max-docs: must be at least 1"),
        (
            ["meta-eval", "--data", "{runs}/x.jsonl", "--human", "h", "--bootstrap", "2000000000"],
            "--bootstrap: must be at least 0 and at most",
        ),
        (["meta-eval", "--data", "{runs}/x.jsonl", "--human", "h", "--workers", "100000"], "--workers"),
    ],
    ids=["compare-samples", "report-samples", "report-max-docs", "meta-eval-bootstrap", "meta-eval-workers"],
)
def test_absurd_command_line_numbers_exit_2(tmp_path: Path, args: list[str], needle: str) -> None:
    proc = run_cli(*(a.replace("{runs}", str(tmp_path)) for a in args), cwd=tmp_path, check=False, timeout=120)
    assert proc.returncode == 2, proc.stderr
    assert needle in proc.stderr and "Traceback" not in proc.stderr
    assert list(tmp_path.iterdir()) == []
