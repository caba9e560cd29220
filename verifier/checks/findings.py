"""What the checks produce: findings with a status, a severity and a reason code, and the report.

A reason is data (:class:`Reason`), so summaries count reasons and never search message text.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum, StrEnum

from verifier.contract.manifest import FunctionManifest, LayerManifest


class Status(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    WARN = "warn"
    ERROR = "error"


#: From best to worst: a proven failure outranks an unknown, which outranks a warning.
STATUS_ORDER = (Status.PASS, Status.WARN, Status.ERROR, Status.FAIL)


def worst(statuses: object) -> Status:
    """The worst of ``statuses`` (an iterable of Status); PASS when there are none."""
    return max(statuses, key=STATUS_ORDER.index, default=Status.PASS)  # type: ignore[call-overload,no-any-return]


class Severity(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


class Result(StrEnum):
    PASS = "pass"
    FAIL = "fail"
    ERROR = "error"


class Reason(Enum):
    """Why a verdict is what it is: a stable code (the value's first part) and a label."""

    def __init__(self, code: str, label: str) -> None:
        self.code = code
        self.label = label

    PROVEN = ("proven", "proven")
    # trust
    NO_LOCK = ("no_lock", "expectations from Terraform state alone (--no-lock)")
    LOCK_MISMATCH = ("lock_mismatch", "the stack's outputs disagree with the lock")
    DECLARATIONS_UNPINNED = (
        "declarations_unpinned",
        "the lock predates pinned declarations: they come from Terraform state alone",
    )
    # the function
    FUNCTION_MISSING = ("function_missing", "the function does not exist")
    NOT_SETTLED = ("not_settled", "an update is in progress or failed")
    INACTIVE = ("inactive", "the function is Inactive (idle)")
    # the code signing config
    NO_CSC = ("no_csc", "no code signing config")
    OTHER_CSC = ("other_csc", "another code signing config")
    CSC_MISSING = ("csc_missing", "the code signing config does not exist")
    POLICY_WARN = ("policy_warn", "policy Warn")
    POLICY_STRICTER = ("policy_stricter", "policy stricter than expected")
    UNTRUSTED_PUBLISHER = ("untrusted_publisher", "untrusted publisher allowed")
    PUBLISHER_NOT_ALLOWED = ("publisher_not_allowed", "the pinned profile version is not allowed")
    # the signature
    NOT_VALIDATED = ("not_validated", "deployed without signature validation")
    OTHER_JOB = ("other_job", "signed by another signing job")
    JOB_MISSING = ("job_missing", "the signing job does not exist")
    JOB_FAILED = ("job_failed", "the signing job did not succeed")
    UNPINNED_PROFILE = ("unpinned_profile", "signed by an untrusted profile version")
    NOT_CURRENT_PROFILE = ("not_current_profile", "not the stack's current profile version")
    WRONG_PLATFORM = ("wrong_platform", "not the Lambda signing platform")
    OTHER_SOURCE = ("other_source", "signed another unsigned object version")
    OTHER_DESTINATION = ("other_destination", "wrote another signed object")
    JOB_REVOKED = ("job_revoked", "signature revoked")
    PROFILE_REVOKED = ("profile_revoked", "profile version revoked")
    PROFILE_REVOKED_AFTER = ("profile_revoked_after", "profile version revoked after signing")
    PROFILE_CANCELED = ("profile_canceled", "profile canceled")
    PROFILE_NOT_ACTIVE = ("profile_not_active", "profile not active")
    EXPIRED = ("expired", "signature expired")
    EXPIRES_SOON = ("expires_soon", "signature expires soon")
    # the signed object
    VERSIONING_OFF = ("versioning_off", "bucket versioning not enabled")
    BUCKET_MISSING = ("bucket_missing", "the bucket does not exist")
    OBJECT_MISSING = ("object_missing", "the signed object does not exist")
    OBJECT_DELETED = ("object_deleted", "the signed object is deleted")
    NOT_WRITTEN_BY_JOB = ("not_written_by_job", "the signed version was not written by the job")
    OVERWRITTEN = ("overwritten", "the signed key was overwritten")
    REUPLOADED = ("reuploaded", "identical re-uploads of the signed key")
    CODE_MISMATCH = ("code_mismatch", "the code is not the signed object")
    # source
    SOURCE_CHANGED = ("source_changed", "the source rebuilds to other bytes")
    SOURCE_UNCHECKED = ("source_unchecked", "source not checked (no --source)")
    # what else decides which code runs
    CONFIG_MISMATCH = ("config_mismatch", "configuration differs from the declaration")
    ENV_UNDECLARED = ("env_undeclared", "environment differs from the declaration")
    ENV_CODE_LOADING = ("env_code_loading", "a code-loading environment variable")
    ENV_ALLOWED = ("env_allowed", "an allowed code-loading environment variable")
    FILE_SYSTEM = ("file_system", "a file system is mounted")
    LAYERS_MISMATCH = ("layers_mismatch", "layers differ from the declaration")
    LAYER_MISSING = ("layer_missing", "the layer version does not exist")
    # other code paths
    NOT_CURRENT_BUILD = ("not_current_build", "not the current build")
    EARLIER_BUILD = ("earlier_build", "an earlier build of this function")
    FOREIGN_BUILD = ("foreign_build", "not a build of this function")
    ALIAS_UNPROVEN = ("alias_unproven", "alias routes to unproven code")
    ALIAS_NOT_DECLARED = ("alias_not_declared", "the alias does not route as declared")
    CONTAINER_IMAGE = ("container_image", "container image (code signing does not apply)")
    # the run
    UNREADABLE = ("unreadable", "could not be read")
    LISTING_FAILED = ("listing_failed", "the fleet could not be listed completely")
    NOTHING_FOUND = ("nothing_found", "no functions found")
    EMPTY_REGION = ("empty_region", "no functions in this region")
    NOTHING_AFFECTED = ("nothing_affected", "nothing runs that code")
    # an organization's account-regions
    ROLE_NOT_ASSUMED = ("role_not_assumed", "the account's role could not be assumed")
    REGIONS_UNLISTED = ("regions_unlisted", "the account's Regions could not be listed")
    UNREACHABLE = ("unreachable", "the account-region could not be reached")


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
    reason: Reason = Reason.PROVEN
    account: str | None = None
    region: str | None = None
    #: The code path this finding is about ("$LATEST", "3"); None for a function-wide check.
    code_path: str | None = None


@dataclass(frozen=True)
class Report:
    findings: tuple[Finding, ...]
    #: Where the expectations came from (the outputs file, the lock, or "command line").
    source: str
    schema_version: int = 1
    #: One line each: what the run could not see that is not a finding (an empty Region).
    notes: tuple[str, ...] = ()
    #: The packages the manifest declares (functions' and layers'), with their dependencies;
    #: empty without a manifest (flags, the fleet).
    packages: tuple[FunctionManifest | LayerManifest, ...] = ()
    #: ``K/N``: one shard of an organization audit (``--shard``). Whether the run found any
    #: function at all is decided over every shard by ``report merge``, not by the shard.
    shard: str | None = None
    #: The account the run's credentials act in (the caller's; a single-account run's, from
    #: its functions' ARNs), when known: ``report merge`` tells reports apart by it.
    account: str | None = None

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
