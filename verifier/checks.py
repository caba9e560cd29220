"""Judge: pure functions from evidence to findings. No AWS here.

Each check has a stable id, a title, a severity and a remediation beside it, and returns one
:class:`Verdict` (or several: one per code path or layer) for a target. A check whose evidence
is missing or could not be collected raises :class:`NotEvaluated` and becomes an ERROR finding,
never a pass. Checks that need the stack's declaration (``needs_declaration``) are not run in
flag mode, which has none.

The proof, link by link (the order of the registry):
  0. trust: the stack's outputs (state) agree with the reviewed lock file, which pins the
     account, region, profile versions, CSC and policy;
  1. the function exists, its code is settled (State, LastUpdateStatus), and it has the
     expected CSC;
  2. the CSC enforces the expected policy and allows only pinned profile versions;
  3. the current signing job succeeded, signed by a pinned profile version on the Lambda
     platform, from the expected unsigned object version, into the expected signed object;
  4. this checkout's source rebuilds to exactly the bytes that job signed (``--source``);
  5. nothing was revoked or expired since (AWS's revocation semantics);
  6. the signed object is intact in a versioned bucket;
  7. ``$LATEST`` was deployed through signature validation from that job, and its CodeSha256
     equals base64(SHA-256) of the signed object: the running code IS the signed object;
  8. with the declared handler, runtime, architectures, no undeclared code-loading
     environment, and exactly the declared layers, each proven like the function;
  9. every published version runs the current build (or, where allowed, an earlier build
     proven on its own), and every alias routes only to proven versions.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol, TypeVar

from verifier.contract.arns import account_of, job_id_of
from verifier.contract.manifest import CODE_LOADING_ENVIRONMENT, LAMBDA_SIGNING_PLATFORM
from verifier.model import (
    BucketVersioningEvidence,
    CodePath,
    Collected,
    CscEvidence,
    Finding,
    FunctionCscEvidence,
    FunctionEvidence,
    LayerVersionEvidence,
    Missing,
    Policy,
    ProfileEvidence,
    PublishedEvidence,
    Severity,
    SignedObjectEvidence,
    SigningJobEvidence,
    Status,
    TargetEvidence,
    Trust,
    Unavailable,
)
from verifier.package.archive import describe_difference

T = TypeVar("T")

#: S3 LastModified has one-second resolution; allow for it when comparing with completedAt.
CLOCK_TOLERANCE = timedelta(seconds=2)
LATEST = "$LATEST"


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


Evaluate = Callable[[TargetEvidence, Context], "Verdict | Sequence[Verdict]"]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    severity: Severity
    remediation: str
    evaluate: Evaluate
    #: Needs the stack's declaration (manifest mode); not run from flags.
    needs_declaration: bool = False

    def applies_to(self, ev: TargetEvidence) -> bool:
        return ev.target.declared is not None or not self.needs_declaration


REGISTRY: dict[str, Check] = {}


def check(
    check_id: str,
    title: str,
    severity: Severity,
    remediation: str,
    *,
    needs_declaration: bool = False,
) -> Callable[[Evaluate], Evaluate]:
    def register(evaluate: Evaluate) -> Evaluate:
        if check_id in REGISTRY:
            raise ValueError(f"duplicate check id {check_id}")
        REGISTRY[check_id] = Check(
            check_id, title, severity, remediation, evaluate, needs_declaration
        )
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


def _warn(expected: str, actual: str, resource: str) -> Verdict:
    return Verdict(Status.WARN, expected, actual, resource)


def _judge(ok: bool, expected: str, actual: str, resource: str) -> Verdict:
    return Verdict(Status.PASS if ok else Status.FAIL, expected, actual, resource)


def _pinned(ev: TargetEvidence) -> str:
    arns = sorted(ev.target.trust.profile_version_arns)
    return ", ".join(arns) if arns else "no trusted profile versions"


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment else "an unknown time"


# --- proving one signed artifact (function code, a version, a layer) on its own -----------


@dataclass
class Proof:
    """What is wrong (fail), doubtful (warn) or unknown (error) about one signed artifact."""

    problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)

    def extend(self, other: Proof) -> None:
        self.problems += other.problems
        self.warnings += other.warnings
        self.unknown += other.unknown

    @property
    def status(self) -> Status:
        if self.problems:
            return Status.FAIL
        if self.unknown:
            return Status.ERROR
        if self.warnings:
            return Status.WARN
        return Status.PASS

    def summary(self, ok: str) -> str:
        parts = self.problems + self.unknown + self.warnings
        return "; ".join(parts) if parts else ok


def revocation_finding(
    job: SigningJobEvidence, profile: ProfileEvidence
) -> tuple[Status, str] | None:
    """AWS's semantics for a profile's state, applied to one job's signature.

    A revoked profile invalidates signatures made at or after ``revocationEffectiveFrom``
    (earlier ones stay valid: warn); a Canceled profile signs nothing new, but its signatures
    stay valid (warn). None: the profile is Active.
    """
    if profile.status == "Revoked" or profile.revocation_effective_from is not None:
        effective = profile.revocation_effective_from
        signed_at = job.signed_at
        if effective is None or signed_at is None or signed_at >= effective:
            return (
                Status.FAIL,
                f"profile {profile.name} revoked effective {_when(effective)}; the signature was "
                f"made {_when(signed_at)}, so it is invalid",
            )
        return (
            Status.WARN,
            f"profile {profile.name} revoked effective {_when(effective)}, after the signature "
            f"was made ({_when(signed_at)}); it stays valid, but the profile signs nothing new",
        )
    if profile.status == "Canceled":
        return (
            Status.WARN,
            f"profile {profile.name} is Canceled: its signatures stay valid, but it signs "
            "nothing new (rotate to a new profile)",
        )
    if profile.status != "Active":
        return (Status.FAIL, f"profile {profile.name} is {profile.status}")
    return None


class SignatureEvidence(Protocol):
    """What proving a signature needs: the jobs, profiles, signed objects and layer versions
    collected (by job id, profile name, (bucket, key), layer version ARN). TargetEvidence for
    ``verify``; the fleet's evidence for ``audit``."""

    @property
    def jobs(self) -> Mapping[str, Collected[SigningJobEvidence]]: ...

    @property
    def profiles(self) -> Mapping[str, Collected[ProfileEvidence]]: ...

    @property
    def signed_objects(self) -> Mapping[tuple[str, str], Collected[SignedObjectEvidence]]: ...

    @property
    def layer_versions(self) -> Mapping[str, Collected[LayerVersionEvidence]]: ...


def prove_signature(
    ev: SignatureEvidence,
    trust: Trust,
    ctx: Context,
    job_arn: str | None,
    code_sha256: str | None,
    what: str,
) -> Proof:
    """Prove one artifact on its own: deployed through validation from a job that succeeded,
    signed by a pinned profile version on the Lambda platform, not revoked (job or profile),
    not expired, and whose code hash is its signed object's."""
    proof = Proof()
    if not job_arn:
        proof.problems.append(f"{what} has no SigningJobArn (deployed without validation)")
        return proof
    job_id = job_id_of(job_arn)
    job = ev.jobs.get(job_id)
    if isinstance(job, Missing):
        proof.problems.append(f"{what}: signing job {job_id} does not exist")
        return proof
    if not isinstance(job, SigningJobEvidence):
        reason = job.reason if isinstance(job, Unavailable) else "not collected"
        proof.unknown.append(f"{what}: signing job {job_id} could not be read ({reason})")
        return proof
    if job.status != "Succeeded":
        proof.problems.append(f"{what}: signing job {job_id} is {job.status}")
    if not trust.trusts(job.profile_name, job.profile_version):
        proof.problems.append(
            f"{what}: signed by profile {job.profile_name} version {job.profile_version}, "
            "which is not pinned"
        )
    if job.platform_id != LAMBDA_SIGNING_PLATFORM:
        proof.problems.append(f"{what}: signed on platform {job.platform_id}")
    if job.revocation is not None:
        proof.problems.append(
            f"{what}: the signature of job {job_id} was revoked at "
            f"{_when(job.revocation.revoked_at)} ({job.revocation.reason or 'no reason'})"
        )
    profile = ev.profiles.get(job.profile_name)
    if isinstance(profile, ProfileEvidence):
        found = revocation_finding(job, profile)
        if found is not None:
            (proof.problems if found[0] is Status.FAIL else proof.warnings).append(
                f"{what}: {found[1]}"
            )
    else:
        proof.unknown.append(f"{what}: profile {job.profile_name} could not be read")
    if job.signature_expires_at is None:
        proof.unknown.append(f"{what}: job {job_id} reports no signatureExpiresAt")
    elif job.signature_expires_at <= ctx.now:
        proof.problems.append(
            f"{what}: the signature expired {job.signature_expires_at.isoformat()}"
        )
    elif job.signature_expires_at - ctx.now <= timedelta(days=ctx.expiry_warning_days):
        proof.warnings.append(
            f"{what}: the signature expires {job.signature_expires_at.isoformat()}"
        )
    if code_sha256 is None:
        proof.unknown.append(f"{what}: no CodeSha256 reported")
        return proof
    obj = ev.signed_objects.get((job.signed_bucket or "", job.signed_key or ""))
    if isinstance(obj, SignedObjectEvidence) and obj.signed_sha256 is not None:
        if code_sha256 != obj.signed_sha256:
            proof.problems.append(
                f"{what}: CodeSha256 {code_sha256} is not the SHA-256 of job {job_id}'s signed "
                f"object ({obj.signed_sha256})"
            )
    elif isinstance(obj, Missing):
        proof.problems.append(f"{what}: job {job_id}'s signed object does not exist")
    else:
        proof.unknown.append(f"{what}: job {job_id}'s signed object could not be hashed")
    return proof


def prove_layer(
    ev: SignatureEvidence, trust: Trust, ctx: Context, layer_arn: str, what: str
) -> Proof:
    layer = ev.layer_versions.get(layer_arn)
    if isinstance(layer, Missing):
        return Proof(problems=[f"{what}: layer version {layer_arn} does not exist"])
    if not isinstance(layer, LayerVersionEvidence):
        reason = layer.reason if isinstance(layer, Unavailable) else "not collected"
        return Proof(unknown=[f"{what}: layer version {layer_arn} could not be read ({reason})"])
    return prove_signature(ev, trust, ctx, layer.signing_job_arn, layer.code_sha256, what)


def _undeclared_code_loading(ev: TargetEvidence, path: CodePath) -> list[str]:
    declared = dict(ev.target.declared.code_loading_environment) if ev.target.declared else {}
    found = []
    for name, value in path.environment:
        if name not in CODE_LOADING_ENVIRONMENT:
            continue
        if name not in declared:
            found.append(f"{name}={value} (not declared)")
        elif declared[name] != value:
            found.append(f"{name}={value} (declared {declared[name]})")
    return found


def _config_differences(ev: TargetEvidence, path: CodePath) -> list[str]:
    declared = ev.target.declared
    if declared is None:
        return []
    differences = []
    if path.handler != declared.handler:
        differences.append(f"handler {path.handler} (declared {declared.handler})")
    if path.runtime != declared.runtime:
        differences.append(f"runtime {path.runtime} (declared {declared.runtime})")
    if tuple(path.architectures) != tuple(declared.architectures):
        differences.append(
            f"architectures {','.join(path.architectures) or 'none'} "
            f"(declared {','.join(declared.architectures)})"
        )
    return differences


def _declared_layer_arns(ev: TargetEvidence) -> tuple[str, ...]:
    return tuple(layer.layer_version_arn for layer in ev.target.declared_layers)


def _current_build(ev: TargetEvidence, path: CodePath) -> bool:
    """The current signed build, configured as declared: what every code path should run."""
    obj = ev.signed_object
    if not isinstance(obj, SignedObjectEvidence) or obj.signed_sha256 is None:
        return False
    same_code = (
        path.code_sha256 == obj.signed_sha256
        and path.signing_job_arn is not None
        and job_id_of(path.signing_job_arn) == ev.target.job_id
    )
    if not same_code or _undeclared_code_loading(ev, path) or _config_differences(ev, path):
        return False
    if ev.target.declared is not None:
        return tuple(layer.arn for layer in path.layers) == _declared_layer_arns(ev)
    function = ev.function
    return isinstance(function, FunctionEvidence) and path.layers == function.layers


def _aliases_routing_to(published: PublishedEvidence, version: str) -> list[str]:
    names = []
    for alias in published.aliases:
        for routed, weight in alias.routes:
            if routed == version:
                names.append(alias.name if weight is None else f"{alias.name} ({weight:.0%})")
    return names


def _version_proof(ev: TargetEvidence, ctx: Context, path: CodePath) -> Proof:
    """An earlier build in a published version, proven on its own (code and layers)."""
    what = f"version {path.version}"
    trust = ev.target.trust
    proof = prove_signature(ev, trust, ctx, path.signing_job_arn, path.code_sha256, what)
    for layer in path.layers:
        proof.extend(prove_layer(ev, trust, ctx, layer.arn, f"{what} layer {layer.arn}"))
    for found in _undeclared_code_loading(ev, path):
        proof.problems.append(f"{what}: code-loading environment {found}")
    return proof


def judge_versions(ev: TargetEvidence, ctx: Context) -> dict[str, tuple[Status, str]]:
    """Each published version's status: the current build passes; an earlier build proven on
    its own warns where the function allows earlier versions; anything else fails."""
    published: PublishedEvidence = _need(ev.published, "published versions")
    allow_earlier = ev.target.declared is not None and ev.target.declared.allow_earlier_versions
    results: dict[str, tuple[Status, str]] = {}
    for path in published.versions:
        if _current_build(ev, path):
            results[path.version] = (Status.PASS, "the current signed build")
            continue
        proof = _version_proof(ev, ctx, path)
        differences = _config_differences(ev, path)
        if not allow_earlier:
            reasons = proof.problems + proof.unknown or ["signed, but not the current build"]
            results[path.version] = (
                Status.FAIL,
                "; ".join(reasons + differences) + " (earlier versions are not allowed)",
            )
        elif proof.status is Status.PASS or proof.status is Status.WARN:
            results[path.version] = (
                Status.WARN,
                "an earlier signed build, proven on its own"
                + "".join(f"; {item}" for item in proof.warnings + differences),
            )
        else:
            results[path.version] = (proof.status, proof.summary(""))
    return results


# --- 0. trust ---------------------------------------------------------------------------


@check(
    "lock.anchor",
    "The stack's outputs agree with the reviewed lock file (the trust anchor)",
    Severity.CRITICAL,
    "If the change of trust is intended, run `make lock`, review the diff of "
    "signed-lambda.lock.json and commit it; otherwise find who changed the stack's state.",
)
def lock_anchor(ev: TargetEvidence, ctx: Context) -> Verdict:
    target = ev.target
    trust = target.trust
    resource = trust.origin
    if not trust.anchored:
        return _warn(
            "expectations pinned by a reviewed lock file",
            "--no-lock: every expectation came from the stack's outputs (Terraform state) alone",
            resource,
        )
    lock = trust.lock
    if lock is None:
        return _pass("trusted profile versions given explicitly", f"trusts {_pinned(ev)}", resource)
    mismatches = []
    if target.region != lock.region:
        mismatches.append(f"region: outputs {target.region}, lock {lock.region}")
    accounts = {
        account_of(arn)
        for arn in (target.csc_arn, target.declared.function_arn if target.declared else None)
        if arn
    }
    accounts.discard(None)
    for account in sorted(a for a in accounts if a):
        if account != lock.account_id:
            mismatches.append(f"account: outputs {account}, lock {lock.account_id}")
    if isinstance(ev.function, FunctionEvidence):
        live = account_of(ev.function.arn)  # where the credentials actually looked
        if live is not None and live != lock.account_id:
            mismatches.append(f"account: the live function's {live}, lock {lock.account_id}")
    if target.profile_name is not None and target.profile_name != lock.signing_profile_name:
        mismatches.append(
            f"signing profile: outputs {target.profile_name}, lock {lock.signing_profile_name}"
        )
    if (
        target.profile_version_arn is not None
        and target.profile_version_arn not in lock.signing_profile_version_arns
    ):
        mismatches.append(
            f"profile version: outputs {target.profile_version_arn}, lock "
            f"{', '.join(lock.signing_profile_version_arns)}"
        )
    if target.csc_arn != lock.code_signing_config_arn:
        mismatches.append(f"CSC: outputs {target.csc_arn}, lock {lock.code_signing_config_arn}")
    if target.outputs_policy is not None and target.outputs_policy.value != lock.policy:
        mismatches.append(f"policy: outputs {target.outputs_policy.value}, lock {lock.policy}")
    expected = f"the outputs agree with {trust.origin}"
    if mismatches:
        return _fail(expected, "; ".join(mismatches), resource)
    return _pass(expected, f"agree; trusts {_pinned(ev)}", resource)


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
    "function.state",
    "The function's code is settled: State Active and the last update Successful",
    Severity.HIGH,
    "Wait for the update to finish, or inspect LastUpdateStatusReason/StateReason and redeploy; "
    "until then the code that runs is not what CodeSha256 says.",
)
def function_state(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    update = function.last_update_status or "Successful"
    if update != "Successful":
        reason = (
            f" ({function.last_update_status_reason})" if function.last_update_status_reason else ""
        )
        raise NotEvaluated(
            f"LastUpdateStatus is {update}{reason}: the running code is unknown until the "
            "update settles",
            function.arn,
        )
    state = function.state or "no state reported"
    actual = state if not function.state_reason else f"{state} ({function.state_reason})"
    if function.state == "Active":
        return _pass("Active, last update Successful", actual, function.arn)
    if function.state == "Inactive":
        # An idle function is reclaimed; its code does not change and returns on invoke.
        return _warn("Active, last update Successful", actual, function.arn)
    raise NotEvaluated(f"State is {actual}: the running code is unknown", function.arn)


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
    "The CSC enforces signatures (untrusted-artifact policy Enforce; Warn is reported)",
    Severity.HIGH,
    "Set the CSC's policies.untrusted_artifact_on_deployment to Enforce and apply: under Warn, "
    "Lambda deploys unsigned or untrusted code and only logs it.",
)
def csc_policy(ev: TargetEvidence, ctx: Context) -> Verdict:
    expected = ev.target.expected_policy.value
    if isinstance(ev.csc, Missing):
        return _fail(expected, "the code signing config does not exist", ev.target.csc_arn)
    csc: CscEvidence = _need(ev.csc, "code signing config")
    if csc.policy == expected == Policy.WARN.value:
        return _warn(
            expected, "Warn, as configured: unsigned or untrusted code would deploy", csc.arn
        )
    if csc.policy == expected:
        return _pass(expected, csc.policy, csc.arn)
    if ev.target.expected_policy is Policy.WARN and csc.policy == Policy.ENFORCE.value:
        # Stricter than expected: drift, but not a weakness.
        return _warn(expected, f"{csc.policy} (stricter than expected)", csc.arn)
    return _fail(expected, csc.policy, csc.arn)


@check(
    "csc.publishers",
    "The CSC allows only pinned profile versions, including the stack's current one",
    Severity.CRITICAL,
    "Set the CSC's allowed_publishers.signing_profile_version_arns to the pinned profile "
    "version(s) and apply; any other publisher can sign code this function accepts.",
)
def csc_publishers(ev: TargetEvidence, ctx: Context) -> Verdict:
    expected = f"a subset of the pinned {_pinned(ev)}"
    current = ev.target.profile_version_arn
    if current:
        expected += f", including {current}"
    if isinstance(ev.csc, Missing):
        return _fail(expected, "the code signing config does not exist", ev.target.csc_arn)
    csc: CscEvidence = _need(ev.csc, "code signing config")
    actual = ", ".join(csc.allowed_publishers) or "no allowed publishers"
    extra = [arn for arn in csc.allowed_publishers if not ev.target.trust.trusts_arn(arn)]
    if extra:
        return _fail(expected, f"also allows unpinned: {', '.join(extra)}", csc.arn)
    if current and current not in csc.allowed_publishers:
        return _fail(expected, actual, csc.arn)
    if not csc.allowed_publishers:
        return _fail(expected, actual, csc.arn)
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
    "The job was signed by a pinned profile version (the stack's current one)",
    Severity.CRITICAL,
    "Re-sign with the pinned profile and redeploy; if the profile was rotated on purpose, "
    "update the lock (make lock) and commit it.",
)
def job_profile(ev: TargetEvidence, ctx: Context) -> Verdict:
    job = _need(ev.job, "signing job")
    actual = f"profile {job.profile_name} version {job.profile_version}"
    expected = f"a pinned profile version ({_pinned(ev)})"
    ok = ev.target.trust.trusts(job.profile_name, job.profile_version)
    current = ev.target.profile_version_arn
    if current:
        expected = f"{current} (pinned)"
        ok = ok and current.endswith(f"/{job.profile_name}/{job.profile_version}")
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


# --- 4. provenance from source ----------------------------------------------------------


@check(
    "source.provenance",
    "This checkout's source rebuilds to exactly the package the signing job signed",
    Severity.HIGH,
    "Deploy this commit (make deploy) so the signed build is this source, or check out the "
    "commit that was deployed; run with --source DIR to check.",
    needs_declaration=True,
)
def source_provenance(ev: TargetEvidence, ctx: Context) -> Sequence[Verdict]:
    resource = _function_resource(ev)
    if ev.provenance is None:
        return [
            _warn(
                "the signed package rebuilt from source (--source DIR)",
                "not checked: no --source checkout given",
                resource,
            )
        ]
    verdicts = []
    for item in ev.provenance:
        try:
            found = _need(item, "source provenance")
        except NotEvaluated as reason:
            verdicts.append(
                Verdict(Status.ERROR, "the check to run", f"not evaluated: {reason}", resource)
            )
            continue
        expected = f"{found.source_dir} builds sha256:{found.built_sha256}"
        actual = f"the signing job signed sha256:{found.signed_source_sha256}"
        same = found.built_sha256 == found.signed_source_sha256
        if not same:
            actual += f": {found.what} was changed and not deployed (or signed from elsewhere)"
            if found.differing_entries is not None:
                actual += "; " + describe_difference(
                    found.differing_entries, found.more_differing_entries
                )
        actual += "".join(f"; {problem}" for problem in found.contradictions)
        verdicts.append(
            _judge(
                same and not found.contradictions,
                expected,
                actual,
                f"{found.source_dir} ({found.what})",
            )
        )
    return verdicts


# --- 5. revocation and expiry -----------------------------------------------------------


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
    return _fail(
        "not revoked",
        f"revoked at {_when(record.revoked_at)}: {record.reason or 'no reason'}",
        _job_resource(ev),
    )


@check(
    "profile.revocation",
    "The signing profile has not revoked this signature (Canceled or later revocation: warn)",
    Severity.CRITICAL,
    "A revoked profile invalidates signatures made at or after its effective time: create a new "
    "profile, re-sign, pin it in the lock, update the CSC and redeploy.",
)
def profile_revocation(ev: TargetEvidence, ctx: Context) -> Verdict:
    job = _need(ev.job, "signing job")
    resource = f"signing-profile/{job.profile_name}"
    if isinstance(ev.profile, Missing):
        return _fail("Active", "the signing profile does not exist", resource)
    profile: ProfileEvidence = _need(ev.profile, "signing profile")
    resource = profile.profile_version_arn or resource
    found = revocation_finding(job, profile)
    if found is None:
        return _pass("Active", profile.status, resource)
    return Verdict(found[0], "Active", found[1], resource)


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
        return _warn(expected, f"{actual} (in {left.days} days)", _job_resource(ev))
    return _pass(expected, f"{actual} (in {left.days} days)", _job_resource(ev))


# --- 6. the signed object ---------------------------------------------------------------


@check(
    "bucket.versioning",
    "The signed object's bucket has versioning Enabled",
    Severity.HIGH,
    "Enable versioning on the bucket (aws_s3_bucket_versioning status Enabled).",
)
def bucket_versioning(ev: TargetEvidence, ctx: Context) -> Verdict:
    bucket_resource = "/".join(_object_resource(ev).split("/", 3)[:3])
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
    "The signed key holds only the signed bytes (identical re-uploads: warn)",
    Severity.HIGH,
    "Find who wrote the extra versions (CloudTrail), re-sign and redeploy; restrict s3:PutObject "
    "on the signed prefix to the signer.",
)
def object_not_overwritten(ev: TargetEvidence, ctx: Context) -> Verdict:
    resource = _object_resource(ev)
    obj = _need(ev.signed_object, "signed object")
    signed = obj.signed_version
    signed_sha = obj.signed_sha256
    if signed is None or signed_sha is None:
        raise NotEvaluated(f"the signed version of {obj.key} was not hashed", resource)
    expected = "one version, written by the job"
    others = [v for v in obj.versions if v.version_id != signed and not v.is_delete_marker]
    if not others:
        return _pass(expected, f"one version {signed}", resource)
    different = [
        v.version_id for v in others if obj.sha256_by_version.get(v.version_id) != signed_sha
    ]
    if different:
        unhashed = [vid for vid in different if vid in obj.unhashed_versions]
        detail = f" ({len(unhashed)} not hashed)" if unhashed else ""
        return _fail(
            expected,
            f"version(s) {', '.join(different)} hold other bytes than the signed version "
            f"{signed}{detail}",
            resource,
        )
    same = ", ".join(v.version_id for v in others)
    return _warn(
        expected, f"{len(others)} later version(s) with the signed bytes ({same})", resource
    )


# --- 7. $LATEST runs the signed object --------------------------------------------------


@check(
    "function.signing_job",
    "The function's SigningJobArn is the expected job",
    Severity.HIGH,
    "Deploy the function from the job's signed object with the CSC attached so Lambda "
    "validates and records the signature.",
)
def function_signing_job(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    expected = f"signing job {ev.target.job_id}"
    if not function.signing_job_arn:
        return _fail(
            expected, "no SigningJobArn (deployed without signature validation)", function.arn
        )
    ok = job_id_of(function.signing_job_arn) == ev.target.job_id
    return _judge(ok, expected, function.signing_job_arn, function.arn)


@check(
    "function.signing_profile",
    "The function's SigningProfileVersionArn is a pinned profile version",
    Severity.HIGH,
    "Redeploy the function from code signed by a pinned profile version.",
)
def function_signing_profile(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    expected = ev.target.profile_version_arn or f"one of {_pinned(ev)}"
    actual = function.signing_profile_version_arn or "no SigningProfileVersionArn"
    ok = ev.target.trust.trusts_arn(function.signing_profile_version_arn) and (
        ev.target.profile_version_arn is None
        or function.signing_profile_version_arn == ev.target.profile_version_arn
    )
    return _judge(ok, expected, actual, function.arn)


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
    signed = obj.signed_version
    if signed is None or obj.signed_sha256 is None:
        raise NotEvaluated(f"the signed version of {obj.key} was not hashed", function.arn)
    expected = f"{obj.signed_sha256} (signed version {signed})"
    return _judge(
        function.code_sha256 == obj.signed_sha256, expected, function.code_sha256, function.arn
    )


# --- 8. what else decides which code runs ------------------------------------------------


@check(
    "function.configuration",
    "The function's handler, runtime and architectures are the declared ones",
    Severity.HIGH,
    "Redeploy the stack; a handler changed out of band can run code from a layer or another "
    "module instead of the signed entry point.",
    needs_declaration=True,
)
def function_configuration(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    declared = ev.target.declared
    assert declared is not None  # needs_declaration
    expected = (
        f"handler {declared.handler}, runtime {declared.runtime}, "
        f"architectures {','.join(declared.architectures)}"
    )
    differences = _config_differences(ev, function)
    actual = "; ".join(differences) if differences else expected
    return _judge(not differences, expected, actual, function.arn)


@check(
    "function.environment",
    "No undeclared environment variable makes the runtime load other code",
    Severity.CRITICAL,
    "Remove the variable (AWS_LAMBDA_EXEC_WRAPPER, NODE_OPTIONS, JAVA_TOOL_OPTIONS, PYTHONPATH, "
    "LD_PRELOAD, ...) or declare it in the function's config and redeploy.",
)
def function_environment(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    declared = dict(ev.target.declared.code_loading_environment) if ev.target.declared else {}
    expected = (
        "code-loading variables: " + ", ".join(f"{k}={v}" for k, v in sorted(declared.items()))
        if declared
        else "no code-loading variables"
    )
    found = _undeclared_code_loading(ev, function)
    actual = "; ".join(found) if found else expected
    return _judge(not found, expected, actual, function.arn)


@check(
    "layers.declared",
    "The function uses exactly the declared layer versions",
    Severity.HIGH,
    "Redeploy the stack to restore the declared layers; an added layer can replace modules "
    "the handler imports.",
    needs_declaration=True,
)
def layers_declared(ev: TargetEvidence, ctx: Context) -> Verdict:
    function = _need(ev.function, "function")
    expected_arns = _declared_layer_arns(ev)
    expected = ", ".join(expected_arns) or "no layers"
    actual = ", ".join(function.layer_arns) or "no layers"
    if function.layer_arns == expected_arns:
        return _pass(expected, actual, function.arn)
    undeclared = [arn for arn in function.layer_arns if arn not in expected_arns]
    if undeclared:
        actual = f"undeclared: {', '.join(undeclared)} (has {actual})"
    return _fail(expected, actual, function.arn)


@check(
    "layers.signed",
    "Every layer version is signed by a pinned profile and is its signed object",
    Severity.CRITICAL,
    "Publish the layer from an object signed by a pinned profile (cdktf deploy does) and "
    "redeploy; remove layers that cannot be proven.",
)
def layers_signed(ev: TargetEvidence, ctx: Context) -> Sequence[Verdict]:
    function = _need(ev.function, "function")
    expected = "signed by a pinned profile, unrevoked, unexpired, CodeSha256 = signed object"
    if not function.layers:
        return [_pass(expected, "no layers", function.arn)]
    verdicts = []
    for layer in function.layers:
        proof = prove_layer(ev, ev.target.trust, ctx, layer.arn, f"layer {layer.arn}")
        verdicts.append(Verdict(proof.status, expected, proof.summary("proven"), layer.arn))
    return verdicts


# --- 9. every other code path -----------------------------------------------------------


@check(
    "versions.signed",
    "Every published version runs the current signed build (earlier builds only where allowed "
    "and proven)",
    Severity.CRITICAL,
    "Delete published versions that are not the current build (or allow earlier versions in "
    "the function's config, each proven on its own), and repoint their aliases.",
)
def versions_signed(ev: TargetEvidence, ctx: Context) -> Sequence[Verdict]:
    function = _need(ev.function, "function")
    published: PublishedEvidence = _need(ev.published, "published versions")
    expected = "the current signed build"
    if not published.versions:
        return [_pass(expected, "no published versions", function.arn)]
    verdicts = []
    paths = {path.version: path for path in published.versions}
    for version, (status, detail) in judge_versions(ev, ctx).items():
        aliases = _aliases_routing_to(published, version)
        routed = f" [aliases: {', '.join(aliases)}]" if aliases else ""
        verdicts.append(Verdict(status, expected, detail + routed, paths[version].arn))
    return verdicts


@check(
    "aliases.signed",
    "Every alias routes traffic only to proven code (weighted routing included)",
    Severity.CRITICAL,
    "Point the alias and its additional version weights at versions that run the current "
    "signed build.",
)
def aliases_signed(ev: TargetEvidence, ctx: Context) -> Sequence[Verdict]:
    function = _need(ev.function, "function")
    published: PublishedEvidence = _need(ev.published, "aliases")
    expected = "routes only to proven versions"
    if not published.aliases:
        return [_pass(expected, "no aliases", function.arn)]
    versions = judge_versions(ev, ctx)
    verdicts = []
    for alias in published.aliases:
        worst = Status.PASS
        details = []
        for version, weight in alias.routes:
            share = "" if weight is None else f" ({weight:.0%})"
            if version == LATEST:
                details.append(f"{LATEST}{share}: checked as the function")
                continue
            status, detail = versions.get(version, (Status.FAIL, "no such version"))
            details.append(f"{version}{share}: {detail}")
            worst = max(worst, status, key=_SEVERITY_ORDER.index)
        verdicts.append(
            Verdict(worst, expected, "; ".join(details), f"{function.arn}:{alias.name}")
        )
    return verdicts


_SEVERITY_ORDER = [Status.PASS, Status.WARN, Status.ERROR, Status.FAIL]


# --- running them -----------------------------------------------------------------------


def evaluate(check_: Check, ev: TargetEvidence, ctx: Context) -> tuple[Finding, ...]:
    try:
        result = check_.evaluate(ev, ctx)
        verdicts = [result] if isinstance(result, Verdict) else list(result)
    except NotEvaluated as reason:
        verdicts = [
            Verdict(
                Status.ERROR,
                "the check to run",
                f"not evaluated: {reason.reason}",
                reason.resource or _function_resource(ev),
            )
        ]
    return tuple(
        Finding(
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
        for verdict in verdicts
    )


def selected_checks(ev: TargetEvidence) -> tuple[Check, ...]:
    """The checks that apply to a target. A missing function makes every other check moot:
    one ``function.exists`` failure says it all."""
    if isinstance(ev.function, Missing):
        return (REGISTRY["lock.anchor"], REGISTRY["function.exists"])
    return tuple(c for c in REGISTRY.values() if c.applies_to(ev))


def run_checks(evidence: Iterable[TargetEvidence], ctx: Context) -> tuple[Finding, ...]:
    return tuple(
        finding
        for ev in evidence
        for check_ in selected_checks(ev)
        for finding in evaluate(check_, ev, ctx)
    )
