"""The note under a comparison saying how its faithfulness fields decide ("support/*: lexical
(word overlap; rewards copying ...)"), from the method each column's metrics.json records."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from harness.analysis.significance import Column
from harness.metrics.base import METHODS


def method_notes(columns: Sequence[Column], code: Callable[[str], str] = str) -> list[str]:
    """One note naming, per method, the fields that use it ("support/*" when every column of
    that metric does; each name through `code`, e.g. a Markdown code span); none when no column
    records a method."""
    by_method: dict[str, list[str]] = {}
    for column in columns:
        if column.method:
            by_method.setdefault(column.method, []).append(column.key)
    parts = []
    for method, keys in by_method.items():
        named: list[str] = []
        for prefix in dict.fromkeys(k.split("/", 1)[0] for k in keys):
            of_metric = [c for c in columns if c.key.split("/", 1)[0] == prefix]
            if all(c.method == method for c in of_metric):
                named.append(f"{prefix}/*")
            else:
                named += [c.key for c in of_metric if c.method == method]
        what = METHODS.get(method)
        parts.append(f"{', '.join(map(code, named))}: {method}" + (f" ({what})" if what else ""))
    return ["Faithfulness method: " + "; ".join(parts) + "."] if parts else []
