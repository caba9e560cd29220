"""Facts the verifier works with: what to verify, the evidence collected, and the findings.

Everything is a frozen dataclass. An item that could not be collected is its own type
(:class:`Unavailable`, with the operation and reason) and one that does not exist is
:class:`Missing`; neither is ever dropped or mistaken for a pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TypeVar, Union

#: The only platform the stacks sign with (AWS Signer's Lambda platform).
LAMBDA_SIGNING_PLATFORM = "AWSLambda-SHA384-ECDSA"


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
class VerificationTarget:
    """One function and what it is expected to be. ``None`` means "take it from the job".

    From a manifest every field is set; from explicit flags only ``function_name``, ``job_id``,
    ``csc_arn`` and ``expected_policy`` are, and the profile comes from the job.
    """

    key: str
    function_name: str
    job_id: str
    csc_arn: str
    expected_policy: Policy
    region: str
    profile_name: str | None = None
    profile_version_arn: str | None = None
    platform_id: str = LAMBDA_SIGNING_PLATFORM
    bucket: str | None = None
    unsigned_key: str | None = None
    unsigned_version: str | None = None
    signed_bucket: str | None = None
    signed_key: str | None = None
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
class LayerEvidence:
    arn: str
    signing_profile_version_arn: str | None
    signing_job_arn: str | None


@dataclass(frozen=True)
class FunctionEvidence:
    name: str
    arn: str
    code_sha256: str
    signing_job_arn: str | None
    signing_profile_version_arn: str | None
    state: str | None
    state_reason: str | None
    package_type: str | None
    layers: tuple[LayerEvidence, ...] = ()


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


@dataclass(frozen=True)
class PublishedVersionEvidence:
    version: str
    code_sha256: str | None
    signing_profile_version_arn: str | None
    signing_job_arn: str | None


@dataclass(frozen=True)
class AliasEvidence:
    name: str
    function_version: str
    additional_versions: tuple[str, ...] = ()


@dataclass(frozen=True)
class PublishedEvidence:
    versions: tuple[PublishedVersionEvidence, ...]
    aliases: tuple[AliasEvidence, ...]


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
