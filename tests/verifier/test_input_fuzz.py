"""Every input reader against a few hundred malformed documents generated from valid ones:
each ends in one InputError line (exit 2 through the CLI, no traceback) — or, for a hash cache
entry, is ignored and rewritten. The documents are mutations of what the stack and ``lock``
write: truncated, bytes flipped, a key removed, a value of another type, deep nesting, huge
numbers, invalid UTF-8, and a byte order mark on an otherwise valid document (which is read)."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import random
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from stacks.config import ConfigError, load_config
from tests.verifier import builders as b
from verifier.cli import app
from verifier.collect.cache import HashCache
from verifier.contract import lock as lock_module
from verifier.contract.targets import load_outputs
from verifier.errors import InputError

runner = CliRunner()
CASES = 200
ODD_VALUES: list[Any] = [
    None,
    0,
    -1,
    10**400,
    1.5,
    True,
    "",
    " ",
    "x" * 5000,
    "\ud800",
    [],
    {},
    [1],
    {"a": 1},
]


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
    yield prefix
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _paths(value, (*prefix, index))


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    if not path:
        return value
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    parent[path[-1]] = value
    return document


def _remove(document: Any, path: tuple[Any, ...]) -> Any:
    parent = document
    for step in path[:-1]:
        parent = parent[step]
    if isinstance(parent, dict):
        del parent[path[-1]]
    else:
        parent.pop(path[-1])
    return document


def mutations(valid: Any, seed: int) -> Iterator[bytes]:
    """Malformed variants of ``valid``, reproducibly (one random generator per seed)."""
    rng = random.Random(seed)
    text = json.dumps(valid, indent=2)
    paths = [p for p in _paths(valid) if p]
    for index in range(CASES):
        kind = index % 8
        if kind == 0:
            yield text[: rng.randrange(1, len(text) - 1)].encode()
        elif kind == 1:
            raw = bytearray(text.encode())
            at = rng.randrange(len(raw))
            raw[at] = rng.choice(b'{}[]",:\\\x00\xff')
            yield bytes(raw)
        elif kind == 2:
            yield json.dumps(_remove(copy.deepcopy(valid), rng.choice(paths))).encode()
        elif kind == 3:
            document = _set(copy.deepcopy(valid), rng.choice(paths), rng.choice(ODD_VALUES))
            yield json.dumps(document).encode()
        elif kind == 4:
            depth = rng.choice([65, 1000, 100_000])
            yield ("[" * depth + "]" * depth).encode()
        elif kind == 5:
            yield text.encode()[:-2] + b"\xc3\x28" + text.encode()[-2:]
        elif kind == 6:
            yield rng.choice([b"", b"null", b"[]", b'"text"', b"42", b"{}", b"\xef\xbb\xbf"])
        else:
            document = _set(copy.deepcopy(valid), rng.choice(paths), {"nested": [valid]})
            yield json.dumps(document).encode()


def outputs_document() -> Any:
    return {b.STACK: {"manifest": b.manifest().to_output()}}


def lock_document() -> Any:
    return json.loads(lock_module.render((b.lock_entry(),)))


def classify(reader: Callable[[Path], object], path: Path, raw: bytes) -> str:
    path.write_bytes(raw)
    try:
        reader(path)
    except InputError as error:
        line = error.diagnostics()
        assert "\n" not in line and str(path) in line, line
        return "refused"
    return "read"


@pytest.mark.parametrize(
    ("name", "valid", "reader"),
    [
        ("outputs", outputs_document, lambda p: load_outputs(p, stack=None, region_flag=None)),
        ("lock", lock_document, lock_module.load),
    ],
)
def test_malformed_documents_are_one_input_error_each(
    tmp_path: Path, name: str, valid: Callable[[], Any], reader: Callable[[Path], object]
) -> None:
    path = tmp_path / f"{name}.json"
    outcomes = [classify(reader, path, raw) for raw in mutations(valid(), seed=len(name))]
    # A mutation may leave a valid document (an optional key removed): read, not refused.
    assert outcomes.count("refused") >= CASES * 0.8, outcomes.count("refused")
    assert classify(reader, path, b"\xef\xbb\xbf" + json.dumps(valid()).encode()) == "read"


def test_the_cli_turns_each_into_exit_2_and_one_line(tmp_path: Path) -> None:
    lock = tmp_path / "lock.json"
    lock.write_text(lock_module.render((b.lock_entry(),)))
    bad = tmp_path / "bad.json"
    checked = 0
    for raw in list(mutations(outputs_document(), seed=7))[:60]:
        bad.write_bytes(raw)
        try:
            load_outputs(bad, stack=None, region_flag=None)
            continue  # still a valid document: nothing to refuse
        except InputError:
            pass
        result = runner.invoke(app, ["verify", "--outputs", str(bad), "--lock", str(lock)])
        assert result.exit_code == 2, result.stderr
        assert "Traceback" not in result.stderr and result.stderr.count("\n") == 1, result.stderr
        checked += 1
    assert checked >= 45


def test_cache_entries_that_do_not_parse_are_ignored_and_rewritten(tmp_path: Path) -> None:
    cache = HashCache(tmp_path / "cache")
    sha = base64.b64encode(hashlib.sha256(b"x").digest()).decode()
    cache.put("bucket", "key", "v1", sha)
    entry = cache.path_for("bucket", "key", "v1")
    valid = json.loads(entry.read_text())
    for raw in mutations(valid, seed=3):
        entry.write_bytes(raw)
        found = cache.get("bucket", "key", "v1")
        assert found in (None, sha)  # a mutation that keeps the entry whole is still read
        cache.put("bucket", "key", "v1", sha)  # rewritten
        assert cache.get("bucket", "key", "v1") == sha
    assert cache.corrupt >= CASES * 0.8


def test_malformed_configs_are_config_errors_each(tmp_path: Path) -> None:
    """The stack's config (``make validate``, synth): every malformed document is a
    ConfigError (one line per problem, exit 2 through main.py), never another exception."""
    valid = json.loads((Path(__file__).parents[2] / "signed-lambda.json").read_text())
    path = tmp_path / "config.json"
    refused = 0
    for raw in mutations(valid, seed=11):
        path.write_bytes(raw)
        try:
            load_config({"SIGNED_LAMBDA_CONFIG": str(path)})
        except ConfigError as error:
            assert all("\n" not in problem.line for problem in error.errors), error
            refused += 1
    assert refused >= CASES * 0.8, refused
    path.write_bytes(b"\xef\xbb\xbf" + json.dumps(valid).encode())
    load_config({"SIGNED_LAMBDA_CONFIG": str(path)})
