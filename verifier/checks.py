"""Judge: pure functions from evidence to findings. No AWS here.

Each check has a stable id, a title, a severity and a remediation beside it, and returns a
:class:`Verdict` for one target. A check whose evidence is missing or could not be collected
raises :class:`NotEvaluated` and becomes an ERROR finding — never a pass.

The checks follow the proof, in order:
  1. the function exists, is Active, and has the expected CSC attached;
  2. the CSC enforces the expected policy and trusts the expected profile version;
  3. the signing job succeeded, with the expected profile (its current version) and platform,
     from the expected unsigned object version, into the expected signed object;
  4. nothing was revoked or expired since;
  5. the signed object is intact in a versioned bucket and was not overwritten;
  6. the function was deployed through signature validation from that job and profile, and its
     CodeSha256 equals base64(SHA-256) of the signed object's bytes — the running code IS the
     signed object;
  7. layers, published versions and aliases carry code signed by an allowed profile.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TypeVar

from verifier.model import (
    LAMBDA_SIGNING_PLATFORM,
    BucketVersioningEvidence,
    CscEvidence,
    Finding,
    FunctionCscEvidence,
    FunctionEvidence,
    Missing,
    Policy,
    ProfileEvidence,
    PublishedEvidence,
    Severity,
    SignedObjectEvidence,
    SigningJobEvidence,
    Status,
    TargetEvidence,
    Unavailable,
)

T = TypeVar("T")

#: S3 LastModified has one-second resolution; allow for it when comparing with completedAt.
CLOCK_TOLERANCE = timedelta(seconds=2)


@dataclass(frozen=True)
class Context:
    now: datetime
    expiry_warning_days: int = 30


@dataclass(frozen=True)
class Verdict:
    status: Status
    expected: str
    actual: str
    resource: str


class NotEvaluated(Exception):
    """The check could not run: its evidence is missing or could not be collected."""

    def __init__(self, reason: str, resource: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.resource = resource


Evaluate = Callable[[TargetEvidence, Context], Verdict]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    severity: Severity
    remediation: str
    evaluate: Evaluate


REGISTRY: dict[str, Check] = {}


def check(
    check_id: str, title: str, severity: Severity, remediation: str
) -> Callable[[Evaluate], Evaluate]:
    def register(evaluate: Evaluate) -> Evaluate:
        if check_id in REGISTRY:
            raise ValueError(f"duplicate check id {check_id}")
        REGISTRY[check_id] = Check(check_id, title, severity, remediation, evaluate)
        return evaluate

    return register


# --- helpers ----------------------------------------------------------------------------


def _need(value: T | Missing | Unavailable | None, label: str) -> T:
    if value is None:
        raise NotEvaluated(f"{label} was not collected (a prerequisite is missing)")
    if isinstance(value, Missing):
        raise NotEvaluated(f"{value.what} {value.identifier} does not exist")
    if isinstance(value, Unavailable):
        raise NotEvaluated(f"{label} could not be collected: {value.operation}: {value.reason}")
    return value


def _function_resource(ev: TargetEvidence) -> str:
    if isinstance(ev.function, FunctionEvidence):
        return ev.function.arn
    return ev.target.function_name


def _job_resource(ev: TargetEvidence) -> str:
    return f"signing-job/{ev.target.job_id}"


def _profile_name(ev: TargetEvidence) -> str | None:
    if ev.target.profile_name:
        return ev.target.profile_name
    if isinstance(ev.job, SigningJobEvidence):
        return ev.job.profile_name
    return None


def _profile_resource(ev: TargetEvidence) -> str:
    return f"signing-profile/{_profile_name(ev) or '?'}"


def _expected_profile_version_arn(ev: TargetEvidence) -> str:
    """From the manifest; in flag mode, the profile's current version."""
    if ev.target.profile_version_arn:
        return ev.target.profile_version_arn
    profile = _need(ev.profile, "signing profile")
    if not profile.profile_version_arn:
        raise NotEvaluated("the signing profile reports no profileVersionArn")
    return profile.profile_version_arn


def _object_resource(ev: TargetEvidence) -> str:
    if isinstance(ev.signed_object, SignedObjectEvidence):
        return f"s3://{ev.signed_object.bucket}/{ev.signed_object.key}"
    if isinstance(ev.job, SigningJobEvidence) and ev.job.signed_bucket:
        return f"s3://{ev.job.signed_bucket}/{ev.job.signed_key}"
    return f"s3://{ev.target.signed_bucket}/{ev.target.signed_key}"


def _pass(expected: str, actual: str, resource: str) -> Verdict:
    return Verdict(Status.PASS, expected, actual, resource)


def _fail(expected: str, actual: str, resource: str) -> Verdict:
    return Verdict(Status.FAIL, expected, actual, resource)


def _judge(ok: bool, expected: str, actual: str, resource: str) -> Verdict:
    return Verdict(Status.PASS if ok else Status.FAIL, expected, actual, resource)


def _job_id_of(job_arn: str) -> str:
    # arn:aws:signer:{region}:{account}:/signing-jobs/{jobId}
    return job_arn.rsplit("/", 1)[-1]


def signed_version(obj: SignedObjectEvidence) -> str | None:
    """The version Signer wrote: the oldest non-deleted version of the job's own key."""
    written = [v for v in obj.versions if not v.is_delete_marker]
    return written[-1].version_id if written else None


def matching_versions(obj: SignedObjectEvidence, code_sha256: str) -> list[str]:
    return [vid for vid, digest in obj.sha256_by_version.items() if digest == code_sha256]


def _allowed(ev: TargetEvidence) -> tuple[str, ...]:
    csc = ev.csc
    if isinstance(csc, Missing):
        raise NotEvaluated(f"code signing config {csc.identifier} does not exist", csc.identifier)
    return _need(csc, "code signing config").allowed_publishers


# --- 1. the function --------------------------------------------------------------------


@check(
    "function.exists",
    "The function exists",
    Severity.CRITICAL,
    "Deploy the stack (cdktf deploy) or fix the function name in the outputs file or --function.",
)
def function_exists(ev: TargetEvidence, ctx: Context) -> Verdict:
    expected = f"function {ev.target.function_name}"
    if isinstance(ev.function, Missing):
        return _fail(expected, "does not exist", ev.target.function_name)
    function = _need(ev.function, "function")
    return _pass(expected, function.arn, function.arn)


@check(
    "function.active",
    "The function is Active",
    Severity.MEDIUM,
    "Inspect the function's StateReason; redeploy once the cause is fixed.",
)
def function_active(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    actual = function.state or "no state reported"
    if function.state_reason and function.state != "Active":
        actual = f"{actual} ({function.state_reason})"
    return _judge(function.state == "Active", "Active", actual, function.arn)


@check(
    "function.csc",
    "The function's code signing config is the expected one",
    Severity.CRITICAL,
    "Attach the expected CSC (aws_lambda_function.code_signing_config_arn) and redeploy.",
)
def function_csc(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    attached: FunctionCscEvidence = _need(ev.function_csc, "the function's code signing config")
    actual = attached.csc_arn or "no code signing config attached"
    return _judge(attached.csc_arn == ev.target.csc_arn, ev.target.csc_arn, actual, function.arn)


# --- 2. the CSC -------------------------------------------------------------------------


@check(
    "csc.policy",
    "The CSC's untrusted-artifact policy is as expected",
    Severity.HIGH,
    "Set the CSC's policies.untrusted_artifact_on_deployment to the expected value (Enforce "
    "by default) and apply.",
)
def csc_policy(ev: TargetEvidence, ctx: Context) -> Verdict:
    expected = ev.target.expected_policy.value
    if isinstance(ev.csc, Missing):
        return _fail(expected, "the code signing config does not exist", ev.target.csc_arn)
    csc: CscEvidence = _need(ev.csc, "code signing config")
    if csc.policy == expected:
        return _pass(expected, csc.policy, csc.arn)
    if ev.target.expected_policy is Policy.WARN and csc.policy == Policy.ENFORCE.value:
        # Stricter than expected: drift, but not a weakness.
        return Verdict(Status.WARN, expected, f"{csc.policy} (stricter than expected)", csc.arn)
    return _fail(expected, csc.policy, csc.arn)


@check(
    "csc.publishers",
    "The CSC's allowed publishers contain the profile version (extra publishers reported)",
    Severity.CRITICAL,
    "Set the CSC's allowed_publishers.signing_profile_version_arns to exactly the stack's "
    "signing profile version ARN and apply.",
)
def csc_publishers(ev: TargetEvidence, ctx: Context) -> Verdict:
    expected = _expected_profile_version_arn(ev)
    if isinstance(ev.csc, Missing):
        return _fail(expected, "the code signing config does not exist", ev.target.csc_arn)
    csc: CscEvidence = _need(ev.csc, "code signing config")
    actual = ", ".join(csc.allowed_publishers) or "no allowed publishers"
    if expected not in csc.allowed_publishers:
        return _fail(expected, actual, csc.arn)
    extra = [arn for arn in csc.allowed_publishers if arn != expected]
    if extra:
        return Verdict(Status.WARN, expected, f"also allows: {', '.join(extra)}", csc.arn)
    return _pass(expected, actual, csc.arn)


# --- 3. the signing job -----------------------------------------------------------------


@check(
    "job.succeeded",
    "The signing job exists and succeeded",
    Severity.HIGH,
    "Re-run the signing job (cdktf deploy re-signs when the code changes) and check its "
    "statusReason.",
)
def job_succeeded(ev: TargetEvidence, ctx: Context) -> Verdict:
    resource = _job_resource(ev)
    if isinstance(ev.job, Missing):
        return _fail("Succeeded", "the signing job does not exist", resource)
    job = _need(ev.job, "signing job")
    actual = job.status if not job.status_reason else f"{job.status} ({job.status_reason})"
    return _judge(job.status == "Succeeded", "Succeeded", actual, resource)


@check(
    "job.profile",
    "The job used the expected signing profile at its current version",
    Severity.HIGH,
    "Re-sign with the current version of the expected profile and redeploy the signed object.",
)
def job_profile(ev: TargetEvidence, ctx: Context) -> Verdict:
    job = _need(ev.job, "signing job")
    profile: ProfileEvidence = _need(ev.profile, "signing profile")
    name = ev.target.profile_name or job.profile_name
    versions = {profile.profile_version}
    if ev.target.profile_version_arn:
        versions.add(ev.target.profile_version_arn.rsplit("/", 1)[-1])
    current = " / ".join(sorted(v or "?" for v in versions))
    expected = f"profile {name} version {current}"
    actual = f"profile {job.profile_name} version {job.profile_version}"
    ok = job.profile_name == name and versions == {job.profile_version}
    return _judge(ok, expected, actual, _job_resource(ev))


@check(
    "job.platform",
    f"The job's platform is {LAMBDA_SIGNING_PLATFORM}",
    Severity.HIGH,
    f"Sign with a profile on the {LAMBDA_SIGNING_PLATFORM} platform.",
)
def job_platform(ev: TargetEvidence, ctx: Context) -> Verdict:
    job = _need(ev.job, "signing job")
    ok = job.platform_id == LAMBDA_SIGNING_PLATFORM == ev.target.platform_id
    actual = job.platform_id
    if ev.target.platform_id != LAMBDA_SIGNING_PLATFORM:
        actual = f"{actual} (manifest expects {ev.target.platform_id})"
    return _judge(ok, LAMBDA_SIGNING_PLATFORM, actual, _job_resource(ev))


@check(
    "job.source",
    "The job signed the expected unsigned object version",
    Severity.HIGH,
    "Sign the exact unsigned object version the stack uploaded (source bucket, key and version).",
)
def job_source(ev: TargetEvidence, ctx: Context) -> Verdict:
    job = _need(ev.job, "signing job")
    target = ev.target
    actual = f"s3://{job.source_bucket}/{job.source_key}?versionId={job.source_version}"
    if target.unsigned_key is None:
        # Command-line mode: nothing to compare against, but the source must be pinned.
        return _judge(
            bool(job.source_version),
            "a pinned object version (no expected source given)",
            actual,
            _job_resource(ev),
        )
    expected = f"s3://{target.bucket}/{target.unsigned_key}?versionId={target.unsigned_version}"
    ok = (job.source_bucket, job.source_key, job.source_version) == (
        target.bucket,
        target.unsigned_key,
        target.unsigned_version,
    )
    return _judge(ok, expected, actual, _job_resource(ev))


@check(
    "job.destination",
    "The job wrote the expected signed object",
    Severity.MEDIUM,
    "Redeploy so the outputs file and the function name the job's signed object.",
)
def job_destination(ev: TargetEvidence, ctx: Context) -> Verdict:
    job = _need(ev.job, "signing job")
    actual = (
        f"s3://{job.signed_bucket}/{job.signed_key}"
        if job.signed_bucket and job.signed_key
        else "the job reports no signed object"
    )
    if ev.target.signed_key is None:
        return _judge(
            bool(job.signed_bucket and job.signed_key),
            "a signed object",
            actual,
            _job_resource(ev),
        )
    expected = f"s3://{ev.target.signed_bucket}/{ev.target.signed_key}"
    return _judge(actual == expected, expected, actual, _job_resource(ev))


# --- 4. revocation and expiry -----------------------------------------------------------


@check(
    "job.not_revoked",
    "The job's signature is not revoked",
    Severity.CRITICAL,
    "Revoked code must not run: sign a new package with a trusted profile and redeploy.",
)
def job_not_revoked(ev: TargetEvidence, ctx: Context) -> Verdict:
    job = _need(ev.job, "signing job")
    record = job.revocation
    if record is None:
        return _pass("not revoked", "not revoked", _job_resource(ev))
    when = record.revoked_at.isoformat() if record.revoked_at else "unknown time"
    return _fail(
        "not revoked", f"revoked at {when}: {record.reason or 'no reason'}", _job_resource(ev)
    )


@check(
    "profile.active",
    "The signing profile is Active (not Canceled or Revoked)",
    Severity.CRITICAL,
    "Create a new signing profile, re-sign, update the CSC's allowed publishers and redeploy.",
)
def profile_active(ev: TargetEvidence, ctx: Context) -> Verdict:
    resource = _profile_resource(ev)
    if isinstance(ev.profile, Missing):
        return _fail("Active", "the signing profile does not exist", resource)
    profile = _need(ev.profile, "signing profile")
    actual = profile.status
    if profile.revocation_effective_from:
        actual += f" (revocation effective from {profile.revocation_effective_from.isoformat()})"
    return _judge(
        profile.status == "Active", "Active", actual, profile.profile_version_arn or resource
    )


@check(
    "signature.not_expired",
    "The signature has not expired (warns inside the warning window)",
    Severity.HIGH,
    "Re-sign the package before the signature expires and redeploy; Lambda rejects expired "
    "code on the next deploy under Enforce.",
)
def signature_not_expired(ev: TargetEvidence, ctx: Context) -> Verdict:
    job = _need(ev.job, "signing job")
    if job.signature_expires_at is None:
        raise NotEvaluated("the signing job reports no signatureExpiresAt")
    left = job.signature_expires_at - ctx.now
    expected = f"valid for more than {ctx.expiry_warning_days} days"
    actual = f"expires {job.signature_expires_at.isoformat()}"
    if left <= timedelta(0):
        return _fail(expected, f"expired {job.signature_expires_at.isoformat()}", _job_resource(ev))
    if left <= timedelta(days=ctx.expiry_warning_days):
        return Verdict(Status.WARN, expected, f"{actual} (in {left.days} days)", _job_resource(ev))
    return _pass(expected, f"{actual} (in {left.days} days)", _job_resource(ev))


# --- 5. the signed object ---------------------------------------------------------------


@check(
    "bucket.versioning",
    "The signed object's bucket has versioning Enabled",
    Severity.HIGH,
    "Enable versioning on the bucket (aws_s3_bucket_versioning status Enabled).",
)
def bucket_versioning(ev: TargetEvidence, ctx: Context) -> Verdict:
    resource = _object_resource(ev).split("/", 3)[:3]
    bucket_resource = "/".join(resource)
    if isinstance(ev.bucket_versioning, Missing):
        return _fail("Enabled", "the bucket does not exist", bucket_resource)
    versioning: BucketVersioningEvidence = _need(ev.bucket_versioning, "bucket versioning")
    return _judge(
        versioning.status == "Enabled",
        "Enabled",
        versioning.status or "never enabled",
        f"s3://{versioning.bucket}",
    )


@check(
    "object.exists",
    "The signed object exists",
    Severity.HIGH,
    "Re-run the signing job; restore the signed object version if it was deleted.",
)
def object_exists(ev: TargetEvidence, ctx: Context) -> Verdict:
    resource = _object_resource(ev)
    if isinstance(ev.signed_object, Missing):
        return _fail("exists", "does not exist", resource)
    obj = _need(ev.signed_object, "signed object")
    latest = obj.latest
    if latest is None or latest.is_delete_marker:
        return _fail("exists", "deleted (the latest version is a delete marker)", resource)
    return _pass("exists", f"version {latest.version_id}", resource)


@check(
    "object.not_overwritten",
    "The signed key was not overwritten after signing (and which version the code matches)",
    Severity.HIGH,
    "Find who wrote the extra versions (CloudTrail), re-sign and redeploy; restrict s3:PutObject "
    "on the signed prefix to the signer.",
)
def object_not_overwritten(ev: TargetEvidence, ctx: Context) -> Verdict:
    resource = _object_resource(ev)
    obj = _need(ev.signed_object, "signed object")
    job = _need(ev.job, "signing job")
    signed = signed_version(obj)
    match_note = ""
    if isinstance(ev.function, FunctionEvidence):
        matches = matching_versions(obj, ev.function.code_sha256)
        match_note = (
            f"; the function's code matches version {', '.join(matches)}"
            if matches
            else "; the function's code matches no version of the key"
        )
    expected = "one version, written by the job"
    problems = []
    if len(obj.versions) != 1:
        problems.append(f"{len(obj.versions)} versions (signed version {signed})")
    latest = obj.latest
    if (
        latest is not None
        and latest.last_modified is not None
        and job.completed_at is not None
        and latest.last_modified > job.completed_at + CLOCK_TOLERANCE
    ):
        problems.append(
            f"latest version {latest.version_id} written {latest.last_modified.isoformat()}, "
            f"after the job completed {job.completed_at.isoformat()}"
        )
    if problems:
        return _fail(expected, "; ".join(problems) + match_note, resource)
    return _pass(expected, f"one version {signed}{match_note}", resource)


# --- 6. the function runs the signed object ---------------------------------------------


@check(
    "function.signing_job",
    "The function's SigningJobArn is the expected job",
    Severity.HIGH,
    "Deploy the function from the job's signed object with the CSC attached so Lambda "
    "validates and records the signature.",
)
def function_signing_job(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    expected = f"arn:aws:signer:<region>:<account>:/signing-jobs/{ev.target.job_id}"
    if not function.signing_job_arn:
        return _fail(
            expected, "no SigningJobArn (deployed without signature validation)", function.arn
        )
    ok = _job_id_of(function.signing_job_arn) == ev.target.job_id
    return _judge(ok, expected, function.signing_job_arn, function.arn)


@check(
    "function.signing_profile",
    "The function's SigningProfileVersionArn is the expected profile version",
    Severity.HIGH,
    "Redeploy the function from code signed by the expected profile version.",
)
def function_signing_profile(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    expected = _expected_profile_version_arn(ev)
    actual = function.signing_profile_version_arn or "no SigningProfileVersionArn"
    return _judge(function.signing_profile_version_arn == expected, expected, actual, function.arn)


@check(
    "function.code_sha256",
    "The function's CodeSha256 equals the SHA-256 of the signed object",
    Severity.CRITICAL,
    "The function runs code that is not the signed object: redeploy from the signed object "
    "and investigate how the code was changed.",
)
def function_code_sha256(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    obj = _need(ev.signed_object, "signed object")
    signed = signed_version(obj)
    if signed is None or signed not in obj.sha256_by_version:
        raise NotEvaluated(f"the signed version of {obj.key} was not hashed", function.arn)
    expected = f"{obj.sha256_by_version[signed]} (signed version {signed})"
    return _judge(
        function.code_sha256 == obj.sha256_by_version[signed],
        expected,
        function.code_sha256,
        function.arn,
    )


# --- 7. layers, versions and aliases ----------------------------------------------------


@check(
    "function.layers",
    "Every layer is signed by an allowed profile",
    Severity.HIGH,
    "Publish the layers from code signed by an allowed profile, or remove them.",
)
def function_layers(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    if not function.layers:
        return _pass("layers signed by an allowed profile", "no layers", function.arn)
    allowed = _allowed(ev)
    bad = [
        f"{layer.arn} ({layer.signing_profile_version_arn or 'unsigned'})"
        for layer in function.layers
        if layer.signing_profile_version_arn not in allowed
    ]
    actual = (
        f"not allowed: {', '.join(bad)}" if bad else f"{len(function.layers)} layers, all allowed"
    )
    return _judge(not bad, "layers signed by an allowed profile", actual, function.arn)


@check(
    "versions.signed",
    "Every published version carries code signed by an allowed profile",
    Severity.HIGH,
    "Delete published versions whose code is not signed by an allowed profile.",
)
def versions_signed(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    published: PublishedEvidence = _need(ev.published, "published versions")
    expected = "every published version signed by an allowed profile"
    if not published.versions:
        return _pass(expected, "no published versions", function.arn)
    allowed = _allowed(ev)
    bad = [
        f"{v.version} ({v.signing_profile_version_arn or 'unsigned'})"
        for v in published.versions
        if v.signing_profile_version_arn not in allowed
    ]
    actual = (
        f"not allowed: {', '.join(bad)}"
        if bad
        else f"{len(published.versions)} versions, all allowed"
    )
    return _judge(not bad, expected, actual, function.arn)


@check(
    "aliases.signed",
    "Every alias points to a version signed by an allowed profile",
    Severity.HIGH,
    "Point the aliases (and their routing weights) at versions signed by an allowed profile.",
)
def aliases_signed(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    published: PublishedEvidence = _need(ev.published, "aliases")
    expected = "every alias on a version signed by an allowed profile"
    if not published.aliases:
        return _pass(expected, "no aliases", function.arn)
    allowed = _allowed(ev)
    signer_of = {v.version: v.signing_profile_version_arn for v in published.versions}
    signer_of["$LATEST"] = function.signing_profile_version_arn
    bad = []
    for alias in published.aliases:
        for version in (alias.function_version, *alias.additional_versions):
            if version not in signer_of:
                bad.append(f"{alias.name} -> {version} (no such version)")
            elif signer_of[version] not in allowed:
                bad.append(f"{alias.name} -> {version} ({signer_of[version] or 'unsigned'})")
    actual = (
        f"not allowed: {', '.join(bad)}"
        if bad
        else f"{len(published.aliases)} aliases, all allowed"
    )
    return _judge(not bad, expected, actual, function.arn)


# --- running them -----------------------------------------------------------------------


def evaluate(check_: Check, ev: TargetEvidence, ctx: Context) -> Finding:
    try:
        verdict = check_.evaluate(ev, ctx)
    except NotEvaluated as reason:
        verdict = Verdict(
            Status.ERROR,
            "the check to run",
            f"not evaluated: {reason.reason}",
            reason.resource or _function_resource(ev),
        )
    return Finding(
        check_id=check_.id,
        title=check_.title,
        status=verdict.status,
        severity=check_.severity,
        function=ev.target.key,
        resource=verdict.resource,
        expected=verdict.expected,
        actual=verdict.actual,
        remediation=check_.remediation,
    )


def run_checks(evidence: Iterable[TargetEvidence], ctx: Context) -> tuple[Finding, ...]:
    return tuple(evaluate(c, ev, ctx) for ev in evidence for c in REGISTRY.values())
