"""What a rendering may show besides the findings, and where SARIF results point."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Location:
    """A file (repository-relative where possible) and a 1-based line."""

    uri: str
    line: int = 1


@dataclass(frozen=True)
class RenderOptions:
    #: A rich table (text on a terminal).
    tty: bool = False
    #: Every check, passes included (text).
    verbose: bool = False
    #: The audit's forecast of signatures expiring inside the window (text), and the window.
    expiring: tuple[Any, ...] = ()
    warning_days: int | None = None
    #: SARIF: where each function is declared (by function key), else ``default_location``.
    locations: Mapping[str, Location] = field(default_factory=dict)
    default_location: Location | None = None
    #: ASFF: the Security Hub Region of the product ARN (None: each finding's own Region), and
    #: the findings' time (None: now).
    security_hub_region: str | None = None
    now: datetime | None = None


def _functions_span(text: str) -> tuple[int, int] | None:
    """Offsets of the config's top-level ``"functions": [...]`` array (strings respected)."""
    match = re.search(r'"functions"\s*:\s*\[', text)
    if match is None:
        return None
    depth, index, in_string = 0, match.end() - 1, False
    while index < len(text):
        char = text[index]
        if in_string:
            if char == "\\":
                index += 1
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
        elif char in "]}":
            depth -= 1
            if depth == 0:
                return match.end(), index
        index += 1
    return None


def config_locations(path: Path, uri: str) -> dict[str, Location]:
    """The line of each function entry's ``"key"`` in a stack config file (empty when the file
    cannot be read or is not a config: a SARIF location is a convenience, never an error)."""
    try:
        text = path.read_text(encoding="utf-8-sig")
        data = json.loads(text)
    except (OSError, UnicodeDecodeError, ValueError, RecursionError):
        return {}
    functions = data.get("functions") if isinstance(data, dict) else None
    span = _functions_span(text)
    if not isinstance(functions, list) or span is None:
        return {}
    found = {}
    for entry in functions:
        key = entry.get("key") if isinstance(entry, dict) else None
        if not isinstance(key, str):
            continue
        match = re.compile(r'"key"\s*:\s*' + re.escape(json.dumps(key))).search(
            text, span[0], span[1]
        )
        if match:
            found[key] = Location(uri, text.count("\n", 0, match.start()) + 1)
    return found


def lock_location(path: Path, uri: str, stack: str | None) -> Location:
    """The lock file, at its stack entry's line when it can be found."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return Location(uri)
    if stack:
        match = re.search(re.escape(json.dumps(stack)) + r"\s*:\s*\{", text)
        if match:
            return Location(uri, text.count("\n", 0, match.start()) + 1)
    return Location(uri)
