"""One redaction layer: secrets kept out of every output of the process.

A secret is a value registered with `add` (the key an `api_key_env` variable holds, a credential
interpolated into the config, the password of a URL; harness/config/env_names.py `config_secrets`
finds them) or a credential recognised by its form in a URL (`scheme://user:password@`,
`?api-key=...`). Every sink goes through `redact`:
- files: harness/fileio.py (run.json, config.yaml, scores, the cache, tables, the HTML report);
- Hydra's own files: harness/run/hydra_files.py rewrites them as soon as Hydra has written them;
- logs: a log-record factory (message and traceback), whatever handler writes them;
- stdout and stderr: `redacted_streams` in the command line (tracebacks and Hydra's messages too).
Names (run folders, labels) are refused instead, by harness/run/pipeline.py `refuse_secret_names`.
"""

from __future__ import annotations

import json
import logging
import re
import sys
import threading
import urllib.parse
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

MARK = "REDACTED"  # a plain word: valid unquoted in YAML, JSON strings, URLs, HTML and Markdown
MIN_CHARS = 6  # a shorter value is not searched for in text: it would blank ordinary words

# Credentials by form, wherever they appear: the userinfo of a URL, and query parameters whose
# name says they carry a credential (Azure's api-key, Google's key, X-Api-Key, token=, sig= of
# signed URLs, client_secret, ...), in any case.
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^\s/?#@'\"<>]+@")
_QUERY = re.compile(r"[?&;#]([A-Za-z0-9_.-]+)=")
_QUERY_VALUE = re.compile(r"[^&#\s'\"<>]+")
# A name's words (split on - _ . and case changes) that mark a credential; "apikey" and
# "accesstoken" are the run-together spellings. Whole words only: monkey, author, keyboard are not.
CREDENTIAL_WORDS = frozenset(
    "key apikey token accesstoken secret password passwd pwd auth authorization signature sig credential".split()
)
_WORD = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])")


def is_credential_name(name: str) -> bool:
    """True for a parameter name that says it carries a credential (X-Api-Key, apiKey,
    subscription-key, client_secret, sig), whatever its case; plural words count too."""
    for word in _WORD.findall(name):
        word = word.lower()
        if word in CREDENTIAL_WORDS or (word.endswith("s") and word[:-1] in CREDENTIAL_WORDS):
            return True
    return False


def _blank_query(text: str) -> str:
    """Every credential-named parameter's value blanked; a value is not consumed otherwise, so
    `?a=1;key=...` still finds the key."""
    out, done = [], 0
    for match in _QUERY.finditer(text):
        value = _QUERY_VALUE.match(text, match.end())
        if value is None or match.end() < done or not is_credential_name(match.group(1)):
            continue
        out += [text[done : match.end()], MARK]
        done = value.end()
    return "".join(out) + text[done:]


_lock = threading.Lock()
_values: set[str] = set()
_pattern: re.Pattern[str] | None = None


def spellings(value: str) -> set[str]:
    """The forms a value takes in an output: as is (without stray whitespace or line endings),
    escaped inside JSON or a Python repr, percent-encoded in a URL (bytes that are not UTF-8, held
    as surrogates, as their %XX)."""
    core = value.strip()
    forms = {core, json.dumps(core, ensure_ascii=False)[1:-1], json.dumps(core)[1:-1], repr(core)[1:-1]}
    forms |= {urllib.parse.quote(core, safe="", errors="surrogateescape"), urllib.parse.unquote(core)}
    return {f for f in forms if len(f) >= MIN_CHARS}


def add(values: Iterable[str]) -> None:
    """Register secret values for the rest of the process (and start redacting log records)."""
    global _pattern
    new = {form for value in values if isinstance(value, str) for form in spellings(value)} - _values
    if not new:
        return
    with _lock:
        _values.update(new)
        ordered = sorted(_values, key=len, reverse=True)  # the longest spelling first
        _pattern = re.compile("|".join(map(re.escape, ordered)))
    _install_log_factory()


def known() -> frozenset[str]:
    return frozenset(_values)


def contains_secret(text: str) -> bool:
    """True when `text` holds a registered secret or a credential recognised by its form."""
    return redact(text) != text


def redact(text: str) -> str:
    if _pattern is not None:
        text = _pattern.sub(MARK, text)
    if "://" in text:
        text = _USERINFO.sub(rf"\1{MARK}@", text)
    if "=" in text:
        text = _blank_query(text)
    return text


def url_credentials(url: str) -> list[str]:
    """The user, password and credential query values of a URL (what `redact` blanks)."""
    try:
        parts = urllib.parse.urlsplit(url.strip())
    except ValueError:
        return []
    found = [v for v in (parts.username, parts.password) if v]
    for name, value in urllib.parse.parse_qsl(f"{parts.query}&{parts.fragment}", keep_blank_values=False):
        if is_credential_name(name):
            found.append(value)
    return found


# ---- logs -------------------------------------------------------------------------------------

_factory_installed = False


def _install_log_factory() -> None:
    """Every log record, from any logger (Hydra's, MLflow's, a plugin's), is redacted when it is
    made: its message and its traceback, before any handler formats it."""
    global _factory_installed
    with _lock:
        if _factory_installed:
            return
        _factory_installed = True
        previous = logging.getLogRecordFactory()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact_record(previous(*args, **kwargs))

    logging.setLogRecordFactory(factory)


def redact_record(record: logging.LogRecord) -> logging.LogRecord:
    try:
        message = record.getMessage()
    except Exception:  # a malformed call: logging reports it itself
        return record
    clean = redact(message)
    if clean != message:
        record.msg, record.args = clean, None
    if record.exc_info and not record.exc_text:
        record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    return record


# ---- stdout and stderr ------------------------------------------------------------------------


class RedactingStream:
    """A text stream that redacts what is written to it and passes everything else through."""

    def __init__(self, stream: Any):
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(redact(text))
        return len(text)

    def writelines(self, lines: Iterable[str]) -> None:
        for line in lines:
            self.write(line)

    def close(self) -> None:
        """Flushed, never closed: the stream belongs to the process (or to a caller of the API,
        e.g. a test runner's capture), not to the command that wrapped it."""
        self._stream.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


@contextmanager
def redacted_streams() -> Iterator[None]:
    """sys.stdout and sys.stderr redacted inside the block (a command's whole life): prints,
    tracebacks, Hydra's and tqdm's output alike. The streams are restored after."""
    _install_log_factory()  # URL credentials in log records, even before any secret is known
    saved = sys.stdout, sys.stderr
    sys.stdout, sys.stderr = RedactingStream(sys.stdout), RedactingStream(sys.stderr)
    try:
        yield
    finally:
        sys.stdout, sys.stderr = saved
