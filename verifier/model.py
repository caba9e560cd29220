"""Facts the verifier works with: what to verify, the evidence collected, and the findings.

Everything is a frozen dataclass. An item that could not be collected is its own type
(:class:`Unavailable`, with the operation and reason) and one that does not exist is
:class:`Missing`; neither is ever dropped or mistaken for a pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from pathlib import Path
from typing import TypeVar, Union

from verifier.contract.arns import profile_version_of
from verifier.contract.lock import StackLock
from verifier.contract.manifest import LAMBDA_SIGNING_PLATFORM, FunctionManifest, LayerManifest


class Policy(StrEnum):
    """``CodeSigningPolicies.UntrustedArtifactOnDeployment``."""

    ENFORCE = "Enforce"
    WARN = "Warn"


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


# --- what to verify ---------------------------------------------------------------------


@dataclass(frozen=True)
class Trust:
    """The profile versions whose signatures are trusted, and where that trust comes from.

    From the reviewed lock file (``lock`` set), from ``--trusted-profile-version-arn`` flags, or
    (``--no-lock``) from the stack's outputs alone, which is reported as a warning: Terraform
    state is not a trust root.
    """

    profile_version_arns: frozenset[str]
    #: "signed-lambda.lock.json (stack signed-lambda)", "--trusted-profile-version-arn", ...
    origin: str
    lock: StackLock | None = None
    #: False with --no-lock: the expectations came from state alone.
    anchored: bool = True

    def trusts(self, profile_name: str, profile_version: str) -> bool:
        return any(
            profile_version_of(arn) == (profile_name, profile_version)
            for arn in self.profile_version_arns
        )

    def trusts_arn(self, arn: str | None) -> bool:
        return arn is not None and arn in self.profile_version_arns


@dataclass(frozen=True)
class VerificationTarget:
    """One function and what it is expected to be.

    From a manifest (``declared`` set) every expectation is there; from explicit flags only the
    function, the job, the CSC and the trust are, and checks that need a declaration are not run.
    """

    key: str
    function_name: str
    job_id: str
    csc_arn: str
    #: The policy the CSC must have: --expect-policy, else the lock's, else the outputs'.
    expected_policy: Policy
    region: str
    trust: Trust
    #: The policy the stack's outputs declare (compared with the lock); None from flags.
    outputs_policy: Policy | None = None
    profile_name: str | None = None
    profile_version_arn: str | None = None
    platform_id: str = LAMBDA_SIGNING_PLATFORM
    bucket: str | None = None
    unsigned_key: str | None = None
    unsigned_version: str | None = None
    signed_bucket: str | None = None
    signed_key: str | None = None
    #: The stack's manifest entry for this function and the layers it declares (manifest mode).
    declared: FunctionManifest | None = None
    declared_layers: tuple[LayerManifest, ...] = ()
    stack: str | None = None
    #: A checkout to rebuild packages from (``--source``): provenance from source.
    source_root: Path | None = None
    #: Where the expectation came from (an outputs file path, or "command line").
    source: str = "command line"


@dataclass(frozen=True)
class Options:
    expiry_warning_days: int = 30


# --- evidence ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Unavailable:
    """Evidence that could not be collected (an API error after retries)."""

    operation: str
    reason: str
    error_code: str | None = None


@dataclass(frozen=True)
class Missing:
    """The resource was looked up and does not exist."""

    what: str
    identifier: str


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

    @property
    def signed_at(self) -> datetime | None:
        """When the signature was made: the job's completion (its creation if not reported).

        The later of the two is used, so a revocation effective between them counts against it.
        """
        return self.completed_at or self.created_at


@dataclass(frozen=True)
class ProfileEvidence:
    name: str
    status: str
    profile_version: str | None
    profile_version_arn: str | None
    revocation_effective_from: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(frozen=True)
class CscEvidence:
    arn: str
    policy: str
    allowed_publishers: tuple[str, ...]


@dataclass(frozen=True)
class LayerRef:
    """A layer as a function configuration lists it."""

    arn: str
    signing_profile_version_arn: str | None = None
    signing_job_arn: str | None = None


@dataclass(frozen=True)
class LayerVersionEvidence:
    """``GetLayerVersionByArn``: the layer version's own code hash and signing ARNs."""

    arn: str
    code_sha256: str | None
    signing_job_arn: str | None
    signing_profile_version_arn: str | None


@dataclass(frozen=True)
class CodePath:
    """One configuration that can run code: ``$LATEST`` or a published version."""

    version: str
    arn: str
    code_sha256: str
    signing_job_arn: str | None
    signing_profile_version_arn: str | None
    handler: str | None = None
    runtime: str | None = None
    architectures: tuple[str, ...] = ()
    environment: tuple[tuple[str, str], ...] = ()
    layers: tuple[LayerRef, ...] = ()
    package_type: str | None = None
    state: str | None = None
    state_reason: str | None = None
    last_update_status: str | None = None
    last_update_status_reason: str | None = None


@dataclass(frozen=True)
class FunctionEvidence(CodePath):
    """``GetFunction``'s configuration: ``$LATEST``."""

    name: str = ""

    @property
    def layer_arns(self) -> tuple[str, ...]:
        return tuple(layer.arn for layer in self.layers)


@dataclass(frozen=True)
class FunctionCscEvidence:
    """``GetFunctionCodeSigningConfig``: ``None`` when no CSC is attached."""

    csc_arn: str | None


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
    """The signed key's version history, newest first, and the hashes of its versions."""

    bucket: str
    key: str
    versions: tuple[ObjectVersionEvidence, ...]
    #: version id -> base64(SHA-256(bytes)), the format of Lambda's ``CodeSha256``.
    sha256_by_version: dict[str, str] = field(default_factory=dict)
    #: Versions that were not hashed (more than the collector's cap).
    unhashed_versions: tuple[str, ...] = ()

    @property
    def latest(self) -> ObjectVersionEvidence | None:
        return next((v for v in self.versions if v.is_latest), None)

    @property
    def signed_version(self) -> str | None:
        """The version Signer wrote: the oldest non-deleted version of the job's own key."""
        written = [v for v in self.versions if not v.is_delete_marker]
        return written[-1].version_id if written else None

    @property
    def signed_sha256(self) -> str | None:
        version = self.signed_version
        return self.sha256_by_version.get(version) if version else None


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
class PublishedEvidence:
    versions: tuple[CodePath, ...]
    aliases: tuple[AliasEvidence, ...]


@dataclass(frozen=True)
class ProvenanceEvidence:
    """A package rebuilt from the checkout, and the bytes its signing job actually signed."""

    what: str
    source_dir: str
    #: SHA-256 (hex) of the deterministic zip rebuilt from the checkout.
    built_sha256: str
    #: SHA-256 (hex) of the unsigned object version the signing job read.
    signed_source_sha256: str
    #: Entries whose bytes or mode differ between the two zips (at most 10, sorted), and how
    #: many more differ; None when the hashes match or the signed zip could not be read.
    differing_entries: tuple[str, ...] | None = None
    more_differing_entries: int = 0
    #: What the manifest declares about the build that the rebuild contradicts.
    contradictions: tuple[str, ...] = ()


T = TypeVar("T")
#: A piece of evidence, or why it is absent.
Collected = Union[T, Missing, Unavailable]  # noqa: UP007  (a generic alias needs Union on 3.11)


@dataclass(frozen=True)
class TargetEvidence:
    """Everything collected for one target. ``None``: not collected because a prerequisite
    (the function, the job) does not exist or could not be read."""

    target: VerificationTarget
    function: Collected[FunctionEvidence]
    function_csc: Collected[FunctionCscEvidence] | None
    csc: Collected[CscEvidence] | None
    job: Collected[SigningJobEvidence]
    profile: Collected[ProfileEvidence] | None
    bucket_versioning: Collected[BucketVersioningEvidence] | None
    signed_object: Collected[SignedObjectEvidence] | None
    published: Collected[PublishedEvidence] | None
    #: Every signing job any code path or layer names, by job id (the target's own included).
    jobs: Mapping[str, Collected[SigningJobEvidence]] = field(default_factory=dict)
    #: The profile of every such job, by profile name.
    profiles: Mapping[str, Collected[ProfileEvidence]] = field(default_factory=dict)
    #: The signed object of every such job, by (bucket, key).
    signed_objects: Mapping[tuple[str, str], Collected[SignedObjectEvidence]] = field(
        default_factory=dict
    )
    #: Every layer version any code path uses, by layer version ARN.
    layer_versions: Mapping[str, Collected[LayerVersionEvidence]] = field(default_factory=dict)
    #: Source provenance of the function's and its layers' packages; None without --source.
    provenance: tuple[Collected[ProvenanceEvidence], ...] | None = None


# --- findings and the report ------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    check_id: str
    title: str
    status: Status
    severity: Severity
    function: str
    resource: str
    expected: str
    actual: str
    remediation: str


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    #: Where the expectations came from (the outputs file, or "command line").
    source: str
    schema_version: int = 1
    #: The packages the manifest declares (functions' and layers'), with their dependencies;
    #: empty without a manifest.
    packages: tuple[FunctionManifest | LayerManifest, ...] = ()

    def count(self, status: Status) -> int:
        return sum(1 for f in self.findings if f.status is status)

    @property
    def result(self) -> Result:
        """A proven failure wins; then an unrun check; zero checks is an error, never a pass."""
        if self.count(Status.FAIL):
            return Result.FAIL
        if self.count(Status.ERROR) or not self.findings:
            return Result.ERROR
        return Result.PASS
