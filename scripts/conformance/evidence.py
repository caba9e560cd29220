"""What one run observed: built by :mod:`.recipe` from AWS, by hand in unit tests."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

#: Our packages are a few hundred bytes; a signed object far larger is not ours to load.
MAX_INSPECTED_OBJECT = 16 * 1024 * 1024


@dataclass(frozen=True)
class SignedPackage:
    """One package through Signer: the unsigned object, the job, the signed object."""

    role: str  # "function" or "layer"
    unsigned_bytes: bytes
    destination_prefix: str
    job_id: str
    describe_job: Mapping[str, Any]
    list_job_entry: Mapping[str, Any] | None
    list_pages_read: int
    signed_bucket: str
    signed_key: str
    signed_version_id: str | None
    signed_last_modified: datetime | None
    signed_key_versions: int
    signed_sha256: str
    signed_bytes: bytes | None


@dataclass(frozen=True)
class Evidence:
    function: SignedPackage
    layer: SignedPackage
    profile_version_arn: str
    layer_version_arn: str
    latest_configuration: Mapping[str, Any]
    published_configuration: Mapping[str, Any]
    published_listing: Mapping[str, Any] | None
    layer_version: Mapping[str, Any]
    #: PutSigningProfile again on a name that exists: {"active": outcome, "canceled": outcome},
    #: each outcome as :meth:`conformance.recipe.Run.put_again` records it.
    profile_put_again: Mapping[str, Mapping[str, Any]]
