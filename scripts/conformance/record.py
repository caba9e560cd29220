"""The JSON record, its summary on stderr, and the exit code."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .items import ITEMS, Item

SCHEMA_VERSION = 1


def result_of(items: Sequence[Item], error: str | None) -> str:
    if error is not None:
        return "error"
    if not items:
        return "error"
    if all(item.holds is True for item in items):
        return "held"
    return "not_held"


def exit_code_of(result: str, cleanup_failures: Sequence[str], interrupted: bool) -> int:
    if interrupted:
        return 130
    code = {"held": 0, "not_held": 1}.get(result, 3)
    if cleanup_failures and code in (0, 1):
        return 3
    return code


def document(
    run: Mapping[str, Any],
    items: Sequence[Item],
    error: str | None,
    cleanup: Mapping[str, Any],
) -> dict[str, Any]:
    result = result_of(items, error)
    return {
        "schema_version": SCHEMA_VERSION,
        "result": result,
        "error": error,
        "run": dict(run),
        "summary": {
            "held": sum(item.holds is True for item in items),
            "not_held": sum(item.holds is False for item in items),
            "not_observed": sum(item.holds is None for item in items),
            "expected_items": len(ITEMS),
        },
        "items": {item.id: item.to_dict() for item in items},
        "cleanup": dict(cleanup),
    }


def write_atomically(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def summary_lines(doc: Mapping[str, Any]) -> list[str]:
    marks = {True: "held", False: "NOT HELD", None: "not observed"}
    lines = [f"  {item_id}: {marks[item['holds']]}" for item_id, item in doc["items"].items()]
    for item_id, item in doc["items"].items():
        if item["reason"]:
            lines.append(f"    ({item_id}: {item['reason']})")
    return lines


def redact_account(account_id: str) -> str:
    return "*" * max(0, len(account_id) - 4) + account_id[-4:]


def assumptions_table() -> str:
    """The README's table, from the registry (so the two cannot drift apart)."""
    rows = ["| What the verifier assumes | Conformance item | Relied on by |", "|---|---|---|"]
    rows += [f"| {spec.assumption} | `{spec.id}` | {spec.used_by} |" for spec in ITEMS]
    return "\n".join(rows) + "\n"
