"""The two packages the run signs, and what a zip looks like before and after signing."""

from __future__ import annotations

import base64
import hashlib
import io
import zipfile
from collections.abc import Iterator, Sequence
from typing import Any

from localaws.world import package

FUNCTION_SOURCE = "def handler(event, context):\n    return 'signed-lambda conformance'\n"
LAYER_SOURCE = "MARKER = 'signed-lambda conformance layer'\n"


def function_package() -> bytes:
    """The builder's deterministic zip (fixed order, timestamps and permissions)."""
    return package({"index.py": FUNCTION_SOURCE})


def layer_package() -> bytes:
    return package({"python/conformance_layer.py": LAYER_SOURCE})


def code_sha256(chunks: Iterator[bytes] | Sequence[bytes]) -> str:
    """Lambda's CodeSha256 format: base64 of the raw SHA-256 digest."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


def _central_directory_offset(data: bytes) -> int | None:
    at = data.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(data):
        return None
    return int.from_bytes(data[at + 16 : at + 20], "little")


def signature_location(unsigned: bytes, signed: bytes) -> dict[str, Any]:
    """Where the signature went: new entries, the zip comment, or the entries themselves."""
    with zipfile.ZipFile(io.BytesIO(unsigned)) as before:
        before_infos = {info.filename: info for info in before.infolist()}
        before_data = {name: before.read(name) for name in before_infos}
        before_comment = before.comment
    try:
        after = zipfile.ZipFile(io.BytesIO(signed))
    except zipfile.BadZipFile as error:
        return {"signed_is_zip": False, "error": str(error)}
    with after:
        after_infos = {info.filename: info for info in after.infolist()}
        changed = []
        for name, info in before_infos.items():
            other = after_infos.get(name)
            if other is None:
                continue
            same = (
                after.read(name) == before_data[name]
                and other.CRC == info.CRC
                and other.compress_type == info.compress_type
                and other.date_time == info.date_time
                and other.external_attr == info.external_attr
            )
            if not same:
                changed.append(name)
        after_comment = after.comment
    records_end = _central_directory_offset(unsigned)
    return {
        "signed_is_zip": True,
        "added_entries": sorted(set(after_infos) - set(before_infos)),
        "removed_entries": sorted(set(before_infos) - set(after_infos)),
        "changed_entries": sorted(changed),
        "unsigned_entries_identical": not changed and set(before_infos) <= set(after_infos),
        # Stronger: the signed file starts with the unsigned file's local records, byte for byte.
        "unsigned_local_records_are_prefix": records_end is not None
        and signed[:records_end] == unsigned[:records_end],
        "unsigned_comment_length": len(before_comment),
        "signed_comment_length": len(after_comment),
        "unsigned_size": len(unsigned),
        "signed_size": len(signed),
    }
