"""The evidence both collectors fill: one model for every code path, however it was read.

Everything is a frozen dataclass. An item that could not be collected is its own type
(:class:`Unavailable`, with the operation and reason) and one that does not exist is
:class:`Missing`; neither is ever dropped or mistaken for a pass. The targeted collector (a
stack's manifest, or flags) and the fleet collector (bulk listings) produce the same
:class:`Evidence`: functions with their code paths, and one :class:`Store` of what those paths
reference (jobs, profiles, signed objects, layer versions, code signing configs), each read once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TypeVar, Union

LATEST = "$LATEST"
#: ``PackageType`` of a container-image function (outside Lambda code signing).
IMAGE = "Image"


@dataclass(frozen=True)
class Unavailable:
    """Evidence that could not be collected (an API error after retries, or a response that
    lacks a field AWS documents)."""

    operation: str
    reason: str
    error_code: str | None = None


@dataclass(frozen=True)
class Missing:
    """The resource was looked up and does not exist."""

    what: str
    identifier: str


T = TypeVar("T")
#: A piece of evidence, or why it is absent.
Collected = Union[T, Missing, Unavailable]  # noqa: UP007  (a generic alias needs Union on 3.11)


def absence(value: Missing | Unavailable) -> str:
    """Why a piece of evidence is absent, in words."""
    if isinstance(value, Missing):
        return f"{value.what} {value.identifier} does not exist"
    return f"{value.operation}: {value.reason}"


# --- Signer -------------------------------------------------------------------------------


@dataclass(frozen=True)
class RevocationEvidence:
    reason: str | None
    revoked_at: datetime | None
    revoked_by: str | None = None


@dataclass(frozen=True)
class SigningJobEvidence:
    job_id: str
    status: str
    status_reason: str | None
    profile_name: str
    profile_version: str
    platform_id: str
    source_bucket: str | None
    source_key: str | None
    source_version: str | None
    signed_bucket: str | None
    signed_key: str | None
    created_at: datetime | None
    completed_at: datetime | None
    signature_expires_at: datetime | None
    revocation: RevocationEvidence | None
    #: The job's ARN where the response or the code path names it (signer:<region>:<account>).
    job_arn: str | None = None
    #: Whether the listing said the job is revoked (ListSigningJobs has the flag, not the record).
    listed_revoked: bool = False

    @property
    def signed_at(self) -> datetime | None:
        """When the signature was made: the job's completion (its creation if not reported).

        The later of the two is used, so a revocation effective between them counts against it.
        """
        return self.completed_at or self.created_at


@dataclass(frozen=True)
class ProfileEvidence:
    """``GetSigningProfile(name)``: the name's *current* version and that version's own record.

    Its status and revocation record speak for ``profile_version`` only; a job signed by
    another version of the name is judged by that version's revocation status
    (:class:`RevocationStatusEvidence`), never by this record.
    """

    name: str
    status: str
    profile_version: str | None
    profile_version_arn: str | None
    revocation_effective_from: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class RevocationStatusEvidence:
    """Signer's ``GetRevocationStatus`` for one profile version and job, asked twice: at the
    signature's time (revoked then: the signature is invalid) and now (revoked since: it
    stays valid, but the version signs nothing new)."""

    profile_version_arn: str
    job_arn: str
    revoked_at_signature: frozenset[str]
    revoked_now: frozenset[str]


# --- Lambda -------------------------------------------------------------------------------


@dataclass(frozen=True)
class CscEvidence:
    arn: str
    policy: str
    allowed_publishers: tuple[str, ...]


@dataclass(frozen=True)
class CscAttachment:
    """Which code signing config a function has (``arn`` None: none is attached)."""

    arn: str | None


@dataclass(frozen=True)
class LayerRef:
    """A layer as a function configuration lists it."""

    arn: str
    signing_profile_version_arn: str | None = None
    signing_job_arn: str | None = None


@dataclass(frozen=True)
class LayerVersionEvidence:
    """``GetLayerVersion``: the layer version's own code hash and signing ARNs."""

    arn: str
    code_sha256: str
    signing_job_arn: str | None
    signing_profile_version_arn: str | None


@dataclass(frozen=True)
class CodePath:
    """One configuration that can run code: ``$LATEST`` or a published version.

    Read from GetFunction, ListVersionsByFunction or ListFunctions(FunctionVersion=ALL): the
    same fields, parsed by the same strict parser (:func:`verifier.evidence.parse.code_path`).
    ``state``/``last_update_status`` are None where the response does not carry them
    (ListFunctions does not: the fleet cannot judge them).
    """

    function_name: str
    version: str
    arn: str
    code_sha256: str
    signing_job_arn: str | None
    signing_profile_version_arn: str | None
    handler: str | None
    runtime: str | None
    architectures: tuple[str, ...]
    #: Every variable with its value (values are compared, never reported: they can be secrets).
    environment: tuple[tuple[str, str], ...]
    layers: tuple[LayerRef, ...]
    package_type: str
    #: ``FileSystemConfigs[].Arn``: EFS access points mounted into the function (code can be
    #: loaded from them).
    file_systems: tuple[str, ...] = ()
    state: str | None = None
    state_reason: str | None = None
    last_update_status: str | None = None
    last_update_status_reason: str | None = None

    @property
    def layer_arns(self) -> tuple[str, ...]:
        return tuple(layer.arn for layer in self.layers)

    @property
    def is_image(self) -> bool:
        return self.package_type == IMAGE


@dataclass(frozen=True)
class AliasEvidence:
    name: str
    function_version: str
    #: version -> weight of the traffic routed to it besides ``function_version``.
    additional_weights: tuple[tuple[str, float], ...] = ()

    @property
    def routes(self) -> tuple[tuple[str, float | None], ...]:
        """Every version this alias sends traffic to, with its weight (None: the rest)."""
        return ((self.function_version, None), *self.additional_weights)


@dataclass(frozen=True)
class FunctionEvidence:
    """One function: its code paths, its code signing config, and (when listed) its aliases.

    ``latest`` and ``versions`` are separate because they are read by separate calls in
    verify (GetFunction, ListVersionsByFunction); the fleet fills both from one listing.
    """

    name: str
    #: The unqualified function ARN (or the name, when the function could not be read).
    arn: str
    region: str
    latest: Collected[CodePath]
    #: Published versions in ascending order; None: not collected (a prerequisite failed).
    versions: Collected[tuple[CodePath, ...]] | None
    #: The attached CSC; None: not collected (a prerequisite failed).
    csc: Collected[CscAttachment] | None
    #: None: not listed (the fleet lists aliases only where a code path fails).
    aliases: Collected[tuple[AliasEvidence, ...]] | None = None
    account: str | None = None

    @property
    def paths(self) -> tuple[CodePath, ...]:
        """Every code path that could be read: ``$LATEST`` first, then versions ascending."""
        found = [self.latest] if isinstance(self.latest, CodePath) else []
        if isinstance(self.versions, tuple):
            found += list(self.versions)
        return tuple(found)

    def path(self, version: str) -> CodePath | None:
        return next((p for p in self.paths if p.version == version), None)

    @property
    def is_image(self) -> bool:
        return any(path.is_image for path in self.paths)


# --- S3 -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class BucketVersioningEvidence:
    bucket: str
    #: "Enabled", "Suspended" or None (never enabled).
    status: str | None


@dataclass(frozen=True)
class ObjectVersionEvidence:
    version_id: str
    last_modified: datetime | None
    is_latest: bool
    is_delete_marker: bool = False
    size: int | None = None


@dataclass(frozen=True)
class SignedObjectEvidence:
    """A signing job's signed key: its version history, newest first, and version hashes.

    The version Signer wrote is the key's oldest (the key is the job's own, ``prefix + jobId +
    ".zip"``); later versions were written by someone else. ``sha256_by_version`` holds what
    was read; ``unread_versions`` the later versions not read (beyond the collector's byte
    bound, or only listed by the fleet), which a proof that needs them reports as unknown.
    """

    bucket: str
    key: str
    versions: tuple[ObjectVersionEvidence, ...]
    #: version id -> base64(SHA-256(bytes)), the format of Lambda's ``CodeSha256``.
    sha256_by_version: Mapping[str, str] = field(default_factory=dict)
    unread_versions: tuple[str, ...] = ()
    #: Why the unread versions were not read (e.g. "over the 1 GiB bound").
    unread_reason: str | None = None

    @property
    def latest(self) -> ObjectVersionEvidence | None:
        return next((v for v in self.versions if v.is_latest), None)

    @property
    def written(self) -> tuple[ObjectVersionEvidence, ...]:
        """Versions holding bytes (not delete markers), newest first."""
        return tuple(v for v in self.versions if not v.is_delete_marker)

    @property
    def signed(self) -> ObjectVersionEvidence | None:
        """The version Signer wrote: the oldest non-deleted version of the job's own key."""
        written = self.written
        return written[-1] if written else None

    @property
    def signed_version(self) -> str | None:
        signed = self.signed
        return signed.version_id if signed else None

    @property
    def signed_sha256(self) -> str | None:
        version = self.signed_version
        return self.sha256_by_version.get(version) if version else None

    @property
    def later(self) -> tuple[ObjectVersionEvidence, ...]:
        """Versions written after the signed one (re-uploads or overwrites), newest first."""
        return self.written[:-1]


@dataclass(frozen=True)
class ProvenanceEvidence:
    """A package rebuilt from the checkout, and the bytes its signing job actually signed."""

    what: str
    source_dir: str
    #: SHA-256 (hex) of the deterministic zip rebuilt from the checkout; None when its
    #: dependencies could not be installed here (``not_rebuilt`` says why) and only the
    #: source's own files were compared (and differ: else the evidence is Unavailable).
    built_sha256: str | None
    #: SHA-256 (hex) of the unsigned object version the signing job read.
    signed_source_sha256: str
    #: Entries whose bytes or mode differ between the two zips (at most 10, sorted), and how
    #: many more differ; None when the hashes match or the signed zip could not be read.
    differing_entries: tuple[str, ...] | None = None
    more_differing_entries: int = 0
    #: What the manifest declares about the build that the rebuild contradicts.
    contradictions: tuple[str, ...] = ()
    not_rebuilt: str = ""


# --- everything collected -------------------------------------------------------------------


@dataclass(frozen=True)
class Store:
    """What the code paths reference, each read once per run, by its identity."""

    #: by job id
    jobs: Mapping[str, Collected[SigningJobEvidence]] = field(default_factory=dict)
    #: by profile name: the name's current version and its record
    profiles: Mapping[str, Collected[ProfileEvidence]] = field(default_factory=dict)
    #: by (profile version ARN, job id): a non-current version's revocation status
    revocations: Mapping[tuple[str, str], Collected[RevocationStatusEvidence]] = field(
        default_factory=dict
    )
    #: by (bucket, key)
    signed_objects: Mapping[tuple[str, str], Collected[SignedObjectEvidence]] = field(
        default_factory=dict
    )
    #: by layer version ARN
    layer_versions: Mapping[str, Collected[LayerVersionEvidence]] = field(default_factory=dict)
    #: by CSC ARN
    cscs: Mapping[str, Collected[CscEvidence]] = field(default_factory=dict)
    #: by bucket name
    bucket_versioning: Mapping[str, Collected[BucketVersioningEvidence]] = field(
        default_factory=dict
    )
    #: by function key: the function's and its layers' packages rebuilt from a checkout
    provenance: Mapping[str, tuple[Collected[ProvenanceEvidence], ...]] = field(
        default_factory=dict
    )


@dataclass(frozen=True)
class Evidence:
    """One run's evidence for one account and region: the functions and what they reference."""

    region: str
    functions: tuple[FunctionEvidence, ...]
    store: Store
    account: str | None = None
    #: Listings that failed: the fleet may be incomplete (an ERROR finding each).
    listing_errors: tuple[Unavailable, ...] = ()
