"""Strict reading of JSON inputs: every problem is one :class:`InputError` naming the key."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

from verifier.errors import InputError


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


class Reader:
    """Typed access into parsed JSON that names ``origin: dotted.path`` in every error."""

    def __init__(self, origin: str) -> None:
        self.origin = origin

    def fail(self, path: str, problem: str, todo: str | None = None) -> InputError:
        return InputError(f"{self.origin}: {path} {problem}", todo)

    @staticmethod
    def join(path: str, key: str) -> str:
        return f"{path}.{key}" if path else key

    def mapping(self, value: Any, path: str) -> Mapping[str, Any]:
        if not isinstance(value, Mapping):
            raise self.fail(path, f"must be an object, not {json_type(value)}")
        return value

    def get(self, parent: Mapping[str, Any], key: str, path: str) -> Any:
        if key not in parent or parent[key] is None:
            raise self.fail(self.join(path, key), "is missing")
        return parent[key]

    def string(self, parent: Mapping[str, Any], key: str, path: str) -> str:
        value = self.get(parent, key, path)
        full = self.join(path, key)
        if not isinstance(value, str):
            raise self.fail(full, f"must be a string, not {json_type(value)}")
        if not value.strip():
            raise self.fail(full, "is empty")
        return value

    def optional_string(self, parent: Mapping[str, Any], key: str, path: str) -> str | None:
        if parent.get(key) is None:
            return None
        return self.string(parent, key, path)

    def obj(self, parent: Mapping[str, Any], key: str, path: str) -> Mapping[str, Any]:
        return self.mapping(self.get(parent, key, path), self.join(path, key))

    def strings(self, parent: Mapping[str, Any], key: str, path: str) -> tuple[str, ...]:
        value = self.get(parent, key, path)
        full = self.join(path, key)
        if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
            raise self.fail(full, f"must be an array of strings, not {json_type(value)}")
        return tuple(value)

    def boolean(self, parent: Mapping[str, Any], key: str, path: str) -> bool:
        value = self.get(parent, key, path)
        # Terraform may render booleans in outputs as "true"/"false".
        if isinstance(value, str) and value in ("true", "false"):
            return value == "true"
        if not isinstance(value, bool):
            raise self.fail(self.join(path, key), f"must be true or false, not {json_type(value)}")
        return value

    def integer(self, parent: Mapping[str, Any], key: str, path: str) -> int:
        raw = self.get(parent, key, path)
        # Terraform may render numbers as strings in outputs: "2" is accepted, "two" is not.
        if isinstance(raw, int) and not isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().isdigit():
            return int(raw.strip())
        raise self.fail(self.join(path, key), f"must be a number, not {json_type(raw)}")

    def pattern(
        self, parent: Mapping[str, Any], key: str, path: str, regex: re.Pattern[str], form: str
    ) -> str:
        value = self.string(parent, key, path)
        if not regex.match(value):
            raise self.fail(self.join(path, key), f"is not {form} ({value!r})")
        return value


#: Input documents (outputs, lock, config) larger than this are refused: a stack's outputs are
#: kilobytes, and a reader must not be made to hold an arbitrary file in memory.
MAX_DOCUMENT_BYTES = 10 * 1024 * 1024
#: Arrays and objects nested deeper than this are refused (a manifest needs 6 levels).
MAX_NESTING = 64


def _nesting(text: str) -> int:
    """The deepest array/object nesting of a JSON text (strings skipped), without parsing it."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > MAX_NESTING:
                    return deepest
        elif char in "]}":
            depth -= 1
    return deepest


def _unique_keys(origin: str, pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """An object whose keys are all different: with a key given twice, a reviewer may read
    one value while every JSON reader uses the other."""
    found: dict[str, Any] = {}
    for key, value in pairs:
        if key in found:
            raise InputError(f"{origin}: the key {key!r} is given twice in one object")
        found[key] = value
    return found


def parse_json_text(raw: bytes, origin: str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Any:
    """A JSON document from bytes: UTF-8 (a byte order mark is accepted), at most
    ``max_bytes`` (:data:`MAX_DOCUMENT_BYTES`), nested at most :data:`MAX_NESTING` deep;
    anything else is one :class:`InputError` naming ``origin``."""
    if len(raw) > max_bytes:
        raise InputError(
            f"{origin}: is {len(raw):,} bytes, over the {max_bytes // 2**20} MB an "
            "input document may have",
            "pass the right file",
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise InputError(
            f"{origin}: is not UTF-8 (byte {error.start}: {raw[error.start : error.start + 1]!r})",
            "save it as UTF-8",
        ) from None
    if _nesting(text) > MAX_NESTING:
        raise InputError(f"{origin}: nests arrays or objects deeper than {MAX_NESTING} levels")
    try:
        document = json.loads(text, object_pairs_hook=partial(_unique_keys, origin))
    except InputError:
        raise
    except json.JSONDecodeError as error:
        raise InputError(
            f"{origin}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    except (RecursionError, ValueError) as error:  # e.g. an integer of 5,000 digits
        raise InputError(f"{origin}: not a JSON document this verifier reads ({error})") from None
    try:
        # "\ud800" is valid JSON but not text: every later use (a request, a report) would fail.
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError as error:
        surrogate = error.object[error.start : error.end]
        raise InputError(
            f"{origin}: holds a string that is not text (a lone UTF-16 surrogate, {surrogate!r})"
        ) from None
    return document


def read_bytes(
    path: Path,
    what: str,
    *,
    missing: str | None = None,
    max_bytes: int = MAX_DOCUMENT_BYTES,
) -> bytes:
    """A file's bytes, at most ``max_bytes`` + 1 read; a missing file, a directory or an
    unreadable file is one InputError line (``missing``: the text for a missing file)."""
    try:
        with path.open("rb") as stream:
            raw = stream.read(max_bytes + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: {missing or what + ' not found'}", "check the path") from None
    except IsADirectoryError:
        raise InputError(f"{path}: {what} is a directory, expected a JSON file") from None
    except OSError as error:
        raise InputError(f"{path}: cannot read {what}: {error.strerror or error}") from None
    return raw


def read_json(path: Path, what: str, *, max_bytes: int = MAX_DOCUMENT_BYTES) -> Any:
    """Parse a JSON file, or raise a one-line InputError naming it."""
    raw = read_bytes(path, what, max_bytes=max_bytes)
    return parse_json_text(raw, str(path), max_bytes=max_bytes)
