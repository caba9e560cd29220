"""The on-disk hash cache (verifier.collect.cache): object versions are immutable, so entries
never expire; anything that does not parse or names another object is ignored."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path

import pytest

from verifier.collect.cache import CACHE_VERSION, HashCache, default_cache_dir

SHA = base64.b64encode(hashlib.sha256(b"signed").digest()).decode()


def test_round_trip_ignores_corrupt_and_null_versions(tmp_path: Path) -> None:
    cache = HashCache(tmp_path)
    assert cache.get("b", "k", "v1") is None and cache.misses == 1
    cache.put("b", "k", "v1", SHA)
    assert cache.get("b", "k", "v1") == SHA and cache.hits == 1
    cache.put("b", "k", "null", SHA)
    assert cache.get("b", "k", "null") is None  # an unversioned object can change
    cache.path_for("b", "k", "v1").write_text(json.dumps({"bucket": "b", "sha256": "nope"}))
    assert cache.get("b", "k", "v1") is None and cache.corrupt == 1
    assert HashCache(None).get("b", "k", "v1") is None


@pytest.mark.parametrize(
    "entry",
    [
        "{not json",
        json.dumps(["a list"]),
        json.dumps({"bucket": "b", "key": "other", "version_id": "v1", "sha256": SHA}),
        json.dumps({"bucket": "b", "key": "k", "version_id": "v2", "sha256": SHA}),
        json.dumps({"bucket": "b", "key": "k", "version_id": "v1", "sha256": "c2hvcnQ="}),
    ],
    ids=["not-json", "not-an-object", "another-key", "another-version", "not-a-sha256"],
)
def test_an_entry_that_is_not_this_objects_hash_is_ignored(tmp_path: Path, entry: str) -> None:
    cache = HashCache(tmp_path)
    cache.put("b", "k", "v1", SHA)
    cache.path_for("b", "k", "v1").write_text(entry)
    assert cache.get("b", "k", "v1") is None
    assert cache.corrupt == 1
    cache.put("b", "k", "v1", SHA)  # rewritten after the object is hashed again
    assert cache.get("b", "k", "v1") == SHA


def test_knows_key_before_the_versions_are_listed(tmp_path: Path) -> None:
    cache = HashCache(tmp_path)
    assert not cache.knows_key("b", "k")
    cache.put("b", "k", "v1", SHA)
    assert cache.knows_key("b", "k") and not cache.knows_key("b", "other")
    assert cache.key_directory("b", "k").parts[-3] == f"v{CACHE_VERSION}"
    assert not HashCache(None).knows_key("b", "k")


def test_writes_leave_no_temporary_file_and_an_unwritable_cache_is_no_error(
    tmp_path: Path,
) -> None:
    cache = HashCache(tmp_path)
    cache.put("b", "k", "v1", SHA)
    assert [p.name for p in cache.key_directory("b", "k").iterdir()] == [
        cache.path_for("b", "k", "v1").name
    ]
    blocked = tmp_path / "file"
    blocked.write_text("not a directory")
    HashCache(blocked).put("b", "k", "v1", SHA)  # costs a re-hash next time, nothing else


def test_the_default_directory_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert default_cache_dir() == tmp_path / "signed-lambda"
    monkeypatch.delenv("XDG_CACHE_HOME")
    assert default_cache_dir() == Path.home() / ".cache" / "signed-lambda"
