"""On-disk cache of signed object hashes, keyed by bucket, key and version id.

An S3 object version is immutable, so its hash never goes stale: the cache needs no expiry and a
CI cache can share it between runs and accounts. The version id ``null`` (an unversioned bucket)
names whatever was written last, so it is never cached. An entry that does not parse, or names
another object, is ignored (and rewritten after the object is hashed again); entries are written
through a temporary file and renamed into place, so a reader never sees half of one.

Layout (``v2``): one directory per bucket and key, one file per version in it, so
:meth:`HashCache.knows_key` can tell, before the key's versions are listed, that some version of
it was hashed before (the collector then waits for the listing instead of reading the object's
latest version at once). ``v1`` entries (one flat file per version) are not read: a cache from
before costs one more cold run.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import os
import tempfile
from pathlib import Path

CACHE_VERSION = 2
MAX_ENTRY_BYTES = 4096


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/signed-lambda``, else ``~/.cache/signed-lambda``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "signed-lambda"


def _valid_sha256(value: object) -> bool:
    if not isinstance(value, str):
        return False
    try:
        return len(base64.b64decode(value, validate=True)) == 32
    except (binascii.Error, ValueError):
        return False


class HashCache:
    """base64(SHA-256) of object versions under ``directory`` (None: no cache)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.hits = 0
        self.misses = 0
        self.corrupt = 0

    def _key_directory(self, bucket: str, key: str) -> str:
        assert self.directory is not None
        digest = hashlib.sha256(f"{bucket}\0{key}".encode()).hexdigest()
        return os.path.join(self.directory, f"v{CACHE_VERSION}", digest[:2], digest)

    def key_directory(self, bucket: str, key: str) -> Path:
        return Path(self._key_directory(bucket, key))

    def _path_for(self, bucket: str, key: str, version_id: str) -> str:
        digest = hashlib.sha256(version_id.encode()).hexdigest()
        return os.path.join(self._key_directory(bucket, key), f"{digest}.json")

    def path_for(self, bucket: str, key: str, version_id: str) -> Path:
        return Path(self._path_for(bucket, key, version_id))

    def knows_key(self, bucket: str, key: str) -> bool:
        """Whether a hash of some version of the key was stored (a hint only: which version
        was signed comes from the listing, and its entry is read and checked as usual)."""
        return self.directory is not None and os.path.isdir(self._key_directory(bucket, key))

    def get(self, bucket: str, key: str, version_id: str) -> str | None:
        if self.directory is None or version_id == "null":
            return None
        path = self._path_for(bucket, key, version_id)
        try:
            with open(path, encoding="utf-8") as stream:
                # An entry is under 400 bytes: a larger file is not one (read no more of it).
                entry = json.loads(stream.read(MAX_ENTRY_BYTES + 1))
        except FileNotFoundError:
            self.misses += 1
            return None
        except (OSError, UnicodeDecodeError, ValueError, RecursionError):
            self.corrupt += 1
            return None
        if (
            not isinstance(entry, dict)
            or entry.get("bucket") != bucket
            or entry.get("key") != key
            or entry.get("version_id") != version_id
            or not _valid_sha256(entry.get("sha256"))
        ):
            self.corrupt += 1
            return None
        self.hits += 1
        return str(entry["sha256"])

    def put(self, bucket: str, key: str, version_id: str, sha256: str) -> None:
        """Store a hash; a cache that cannot be written only costs a re-hash next time."""
        if self.directory is None or version_id == "null":
            return
        path = self._path_for(bucket, key, version_id)
        directory, name = os.path.split(path)
        entry = {"bucket": bucket, "key": key, "version_id": version_id, "sha256": sha256}
        try:
            os.makedirs(directory, exist_ok=True)
            handle, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=directory)
            try:
                with os.fdopen(handle, "w", encoding="utf-8") as stream:
                    stream.write(json.dumps(entry))
                os.replace(temporary, path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise
        except OSError:
            pass
