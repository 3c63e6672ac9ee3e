"""What the judge-based metrics share: the run's judge (the `judge` config group, given to each
metric's `judge` option by its config file as `${oc.select:judge,null}`), its place in the
metric's signature, and its account in run.json."""

from __future__ import annotations

from typing import Any, ClassVar

from harness.judge.client import Judge
from harness.metrics.base import Metric

NO_JUDGE = (
    "needs a judge: choose one with judge=NAME (shipped: gpt-4o-mini, openai-compatible, ollama, hf-local; "
    "`harness list judges`), e.g. judge=openai-compatible judge.base_url=http://127.0.0.1:8000/v1"
)


class JudgedMetric(Metric):
    """Base class of metrics that ask the judge. Options have `judge` (the judge config or None)
    and `cache_dir`; `tasks` names the prompts the metric uses (their versions sign it)."""

    tasks: ClassVar[tuple[str, ...]] = ()
    needs_judge: ClassVar[bool] = True  # False: the metric also works without one (facts with dataset facts)
    # What the judge gives the metric in place of the data's (facts: it extracts key facts), so a
    # chosen judge lifts these `requires`, and a skip names the judge as the other way to get them.
    judge_provides: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, options: Any = None):
        super().__init__(options)
        where = f"metrics.{self.name}.judge"
        if self.options.judge is None and self.needs_judge:
            self.unavailable = NO_JUDGE  # skipped, with the reason, like a metric whose data is missing
        self.judge = Judge.optional(self.options.judge, where, self.options.cache_dir)
        if self.judge is not None:
            self.requires = frozenset(self.requires) - self.judge_provides
            for task in self.tasks:
                self.judge.prompt(task)  # a missing or broken prompt file fails at start-up

    def signature_options(self) -> dict[str, Any]:
        options = super().signature_options()
        options.pop("cache_dir", None)
        options["judge"] = None if self.judge is None else self.judge.signature(self.tasks)
        return options

    def judge_record(self) -> dict[str, Any] | None:
        return None if self.judge is None else self.judge.record()
