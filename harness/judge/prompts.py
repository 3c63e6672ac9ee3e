"""Versioned prompt files: the shipped ones in harness/judge/prompts/<task>.txt, or a user's
file named by `judge.prompts.<task>=FILE`.

A file is comment lines (`#`, not sent), then a `[system]` section and a `[user]` section. The
user section names its inputs as `{placeholder}`s; they are filled by plain replacement, so
braces in an article or a summary are never read as more placeholders. A prompt's version is
its task and a hash of its text: editing a prompt changes the signature of every metric that
uses it, so runs judged with different prompts are never compared as if they were the same.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from harness.config.judge import PROMPT_TASKS
from harness.errors import ConfigError

# task -> placeholders its user section must contain
TASKS: dict[str, tuple[str, ...]] = {
    "factcheck": ("{article}", "{summary}"),  # every bullet: verdict, error category, evidence (FineSurE)
    "claim": ("{document}", "{claim}"),  # one claim against one chunk: Yes/No, read from logprobs (MiniCheck)
    "keyfacts": ("{article}",),  # the article's key facts (FineSurE key-fact extraction)
    "align": ("{facts}", "{summary}"),  # which bullets state each key fact (FineSurE alignment)
    "pairwise": ("{article}", "{summary_a}", "{summary_b}"),  # A, B or tie (MT-Bench pairwise, both orders)
}
assert tuple(TASKS) == PROMPT_TASKS, "harness/config/judge.py PROMPT_TASKS lists these tasks"
# FineSurE's error categories (Song et al., ACL 2024), as the factcheck prompt names them; the
# judge's verdicts and a team's own annotations use the same words.
CATEGORIES = (
    "out-of-context",
    "entity",
    "predicate",
    "circumstantial",
    "grammatical",
    "coreference",
    "linking",
    "other",
)
_SECTION = re.compile(r"^\[(system|user)\]\s*$", re.MULTILINE)
MAX_PROMPT_CHARS = 100_000


@dataclass(frozen=True)
class Prompt:
    task: str
    system: str
    user: str
    origin: str  # "shipped" or the user's file
    version: str  # "<task>@<hash of the text>"

    def render(self, **inputs: str) -> str:
        text = self.user
        # One pass over the template: an input's own text is never searched for placeholders.
        pattern = re.compile("|".join(re.escape("{" + k + "}") for k in inputs))
        return pattern.sub(lambda m: inputs[m.group(0)[1:-1]], text)


def numbered(lines: Sequence[str]) -> str:
    """A numbered list as the prompts show one: "[1] text" per line (a line's own breaks joined)."""
    return "\n".join(f"[{i}] {' '.join(line.split())}" for i, line in enumerate(lines, 1))


def parse_prompt(task: str, text: str, origin: str) -> Prompt:
    where = f"judge.prompts.{task}" + ("" if origin == "shipped" else f" ({origin})")
    if len(text) > MAX_PROMPT_CHARS:
        raise ConfigError(f"{where}: the prompt file is longer than {MAX_PROMPT_CHARS:,} characters.")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    parts = _SECTION.split(body)
    sections = dict(zip(parts[1::2], (p.strip() for p in parts[2::2])))
    if "user" not in sections or not sections["user"]:
        raise ConfigError(f"{where}: needs a [user] section (and optionally a [system] section before it).")
    missing = [p for p in TASKS[task] if p not in sections["user"]]
    if missing:
        raise ConfigError(f"{where}: the [user] section must contain {', '.join(missing)}.")
    digest = hashlib.sha256(f"{sections.get('system', '')}\0{sections['user']}".encode()).hexdigest()[:10]
    return Prompt(task, sections.get("system", ""), sections["user"], origin, f"{task}@{digest}")


def load_prompt(task: str, replacement: str | None = None) -> Prompt:
    """The prompt of `task`: the user's file when given, else the shipped one."""
    if task not in TASKS:
        raise ConfigError(f"judge.prompts: unknown task '{task}'; tasks: {', '.join(TASKS)}.")
    if replacement is None:
        text = (resources.files("harness.judge") / "prompts" / f"{task}.txt").read_text(encoding="utf-8")
        return parse_prompt(task, text, "shipped")
    path = Path(replacement)
    if not path.is_file():
        raise ConfigError(f"judge.prompts.{task}: no such file: {replacement}")
    size = path.stat().st_size
    if size > 4 * MAX_PROMPT_CHARS:  # UTF-8 takes at most 4 bytes a character: too long unread
        raise ConfigError(
            f"judge.prompts.{task} ({replacement}): the prompt file is {size:,} bytes; a prompt is at most "
            f"{MAX_PROMPT_CHARS:,} characters."
        )
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as e:
        raise ConfigError(f"judge.prompts.{task}: cannot read {replacement}: {e}") from None
    return parse_prompt(task, text, str(path))
