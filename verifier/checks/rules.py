"""Every check, in proof order. Pure functions from evidence to verdicts; no AWS here.

Registration order is report order (and the SARIF rules' order). The proof, link by link:

  0. trust: the stack's outputs (state) agree with the reviewed lock file;
  1. the function exists, its code is settled, and it has the expected (fleet: a) CSC;
  2. the CSC enforces the expected policy and allows only pinned profile versions;
  3. the expected signing job succeeded, signed by the pinned profile version on the Lambda
     platform, from the expected unsigned object version, into the expected signed object;
  4. this checkout's source rebuilds to exactly the bytes that job signed (``--source``);
  5. nothing was revoked or expired since (AWS's revocation semantics, per profile version);
  6. the signed object is intact in a versioned bucket;
  7. ``$LATEST`` was deployed through validation from that job and runs exactly its signed
     object (the fleet: every code path runs its own job's signed object, ``code.signed``);
  8. every code path has exactly the declared handler, runtime, architectures, environment, file
     systems (none) and layers, each layer proven like the function;
  9. every published version is the current build (or, where the function publishes or allows
     it, this function's own earlier build), and every alias routes only to proven versions.

Links 3, 5 and 7 read one :class:`~verifier.checks.proof.Proof` per artifact: each link is judged
once, in :mod:`verifier.checks.proof`.
"""

from __future__ import annotations

from collections.abc import Sequence

from verifier.checks.environment import explain, is_code_loading
from verifier.checks.findings import Reason, Severity, Status, worst
from verifier.checks.proof import Link, LinkResult, Proof
from verifier.checks.registry import (
    ALL_MODES,
    DECLARED,
    TARGETED,
    Context,
    Mode,
    NotEvaluated,
    Subject,
    Verdict,
    function_check,
    need,
    path_check,
    region_check,
    verdict,
)
from verifier.contract.arns import account_of, job_id_of
from verifier.contract.lock import declaration_differences
from verifier.contract.manifest import LAMBDA_SIGNING_PLATFORM, environment_digest
from verifier.contract.targets import Policy, VerificationTarget
from verifier.evidence.model import (
    LATEST,
    BucketVersioningEvidence,
    CodePath,
    CscAttachment,
    CscEvidence,
    FunctionEvidence,
    LayerVersionEvidence,
    Missing,
    SignedObjectEvidence,
    SigningJobEvidence,
    Unavailable,
    absence,
)
from verifier.package.archive import describe_difference

# --- shared helpers -----------------------------------------------------------------------


def latest(subject: Subject) -> CodePath:
    path = subject.function.latest
    return need(path, "the function", subject.function.arn)


def function_resource(subject: Subject) -> str:
    return subject.function.arn


def path_resource(subject: Subject, path: CodePath) -> str:
    return subject.function.arn if path.version == LATEST else path.arn


def job_resource(target: VerificationTarget) -> str:
    return f"signing-job/{target.job_id}"


def pinned(ctx: Context) -> str:
    arns = sorted(ctx.trust.profile_version_arns)
    return ", ".join(arns) if arns else "no trusted profile versions"


def expected_proof(subject: Subject) -> Proof:
    """The proof of the expected job's signature and object, with ``$LATEST``'s code."""
    target = subject.expected()
    path = subject.function.latest
    job_proof = subject.prover.job(target.job_id)
    if isinstance(path, CodePath):
        return subject.prover.artifact(target.job_id, path.code_sha256)
    return job_proof


def link_verdict(
    proof: Proof, link: Link, expected: str, resource: str, *, actual: str | None = None
) -> Verdict:
    """One link of a proof as a verdict; a link the proof could not reach is not evaluated."""
    found = proof.get(link)
    if found is None:
        stopped = proof.problems()
        why = stopped[0].detail if stopped else "it was not reached"
        raise NotEvaluated(f"{proof.what}: {why}", resource)
    return Verdict(found.status, expected, actual or found.detail, resource, found.reason)


def proof_verdict(proof: Proof, expected: str, resource: str, ok: str = "proven") -> Verdict:
    return Verdict(proof.status, expected, proof.summary(ok), resource, proof.reason)


def aliases_routing_to(function: FunctionEvidence, version: str) -> list[str]:
    aliases = function.aliases
    if not isinstance(aliases, tuple):
        return []
    names = []
    for alias in aliases:
        for routed, weight in alias.routes:
            if routed == version:
                names.append(alias.name if weight is None else f"{alias.name} ({weight:.0%})")
    return names


# --- 0. trust ---------------------------------------------------------------------------


@function_check(
    "lock.anchor",
    "The stack's outputs agree with the reviewed lock file (the trust anchor)",
    Severity.CRITICAL,
    "If the change of trust is intended, run `make lock`, review the diff of "
    "signed-lambda.lock.json and commit it; otherwise find who changed the stack's state.",
    modes=TARGETED,
)
def lock_anchor(subject: Subject, ctx: Context) -> Verdict:
    target = subject.expected()
    trust = ctx.trust
    resource = trust.origin
    if not trust.anchored:
        return verdict(
            Status.WARN,
            "expectations pinned by a reviewed lock file",
            "--no-lock: every expectation came from the stack's outputs (Terraform state) alone",
            resource,
            Reason.NO_LOCK,
        )
    lock = trust.lock
    if lock is None:
        return verdict(
            Status.PASS,
            "trusted profile versions given explicitly",
            f"trusts {pinned(ctx)}",
            resource,
        )
    mismatches = []
    if target.region != lock.region:
        mismatches.append(f"region: outputs {target.region}, lock {lock.region}")
    declared_arns = (target.csc_arn, target.declared.function_arn if target.declared else None)
    accounts = {account_of(arn) for arn in declared_arns if arn}
    for account in sorted(a for a in accounts if a):
        if account != lock.account_id:
            mismatches.append(f"account: outputs {account}, lock {lock.account_id}")
    live = subject.function.latest
    if isinstance(live, CodePath):
        live_account = account_of(live.arn)  # where the credentials actually looked
        if live_account is not None and live_account != lock.account_id:
            mismatches.append(
                f"account: the live function's {live_account}, lock {lock.account_id}"
            )
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
    declared = target.stack_declarations
    if declared is not None and lock.declarations is not None:
        mismatches.extend(declaration_differences(declared, lock.declarations, function=target.key))
    expected = f"the outputs agree with {trust.origin}"
    if mismatches:
        return verdict(Status.FAIL, expected, "; ".join(mismatches), resource, Reason.LOCK_MISMATCH)
    if declared is not None and lock.declarations is None:
        return verdict(
            Status.WARN,
            f"{expected}, with every function's and layer's declaration pinned",
            "the lock predates pinned declarations: handler, runtime, environment, layers, "
            "earlier-version policy and the rest come from the stack's outputs (Terraform "
            "state) alone; run `make lock`, review the diff and commit it",
            resource,
            Reason.DECLARATIONS_UNPINNED,
        )
    return verdict(Status.PASS, expected, f"agree; trusts {pinned(ctx)}", resource)


# --- 1. the function --------------------------------------------------------------------


@function_check(
    "function.exists",
    "The function exists",
    Severity.CRITICAL,
    "Deploy the stack (cdktf deploy) or fix the function name in the outputs file or --function.",
    modes=TARGETED,
)
def function_exists(subject: Subject, ctx: Context) -> Verdict:
    target = subject.expected()
    expected = f"function {target.function_name}"
    if isinstance(subject.function.latest, Missing):
        return verdict(
            Status.FAIL, expected, "does not exist", target.function_name, Reason.FUNCTION_MISSING
        )
    path = latest(subject)
    return verdict(Status.PASS, expected, path.arn, path.arn)


@function_check(
    "function.state",
    "The function's code is settled: State Active and the last update Successful",
    Severity.HIGH,
    "Wait for the update to finish, or inspect LastUpdateStatusReason/StateReason and redeploy; "
    "until then the code that runs is not what CodeSha256 says.",
    modes=TARGETED,
)
def function_state(subject: Subject, ctx: Context) -> Verdict:
    path = latest(subject)
    resource = function_resource(subject)
    update = path.last_update_status
    if update is None or path.state is None:
        raise NotEvaluated("GetFunction reports no State/LastUpdateStatus", resource)
    if update != "Successful":
        reason = f" ({path.last_update_status_reason})" if path.last_update_status_reason else ""
        raise NotEvaluated(
            f"LastUpdateStatus is {update}{reason}: the running code is unknown until the "
            "update settles",
            resource,
        )
    actual = path.state if not path.state_reason else f"{path.state} ({path.state_reason})"
    expected = "Active, last update Successful"
    if path.state == "Active":
        return verdict(Status.PASS, expected, actual, resource)
    if path.state == "Inactive":
        # An idle function is reclaimed; its code does not change and returns on invoke.
        return verdict(Status.WARN, expected, actual, resource, Reason.INACTIVE)
    raise NotEvaluated(f"State is {actual}: the running code is unknown", resource)


@function_check(
    "function.csc",
    "The function's code signing config is the expected one (fleet: one is attached)",
    Severity.CRITICAL,
    "Attach the expected code signing config (aws_lambda_function.code_signing_config_arn, or "
    "PutFunctionCodeSigningConfig) that allows only trusted profile versions, and redeploy "
    "from signed code.",
    modes=ALL_MODES,
)
def function_csc(subject: Subject, ctx: Context) -> Verdict:
    resource = function_resource(subject)
    if subject.function.csc is None:
        latest(subject)  # not collected because the function could not be read: say that
    attached = need(subject.function.csc, "the function's code signing config", resource).arn
    actual = attached or "no code signing config attached"
    if subject.target is None:
        if attached is None:
            return verdict(Status.FAIL, "a code signing config", actual, resource, Reason.NO_CSC)
        return verdict(Status.PASS, "a code signing config", actual, resource)
    expected = subject.target.csc_arn
    if attached == expected:
        return verdict(Status.PASS, expected, actual, resource)
    reason = Reason.NO_CSC if attached is None else Reason.OTHER_CSC
    return verdict(Status.FAIL, expected, actual, resource, reason)


# --- 2. the CSC -------------------------------------------------------------------------


def _judged_csc(subject: Subject, expected: str) -> CscEvidence | list[Verdict]:
    """The CSC this function is held to: the expected one (verify), or the attached one (the
    fleet). Instead of it: no verdict when none is attached or that could not be told (the
    fleet's function.csc says so), or a failure when it does not exist."""
    if subject.target is not None:
        arn = subject.target.csc_arn
    else:
        attached = subject.function.csc
        if not isinstance(attached, CscAttachment) or attached.arn is None:
            return []
        arn = attached.arn
    found = subject.store.cscs.get(arn)
    if isinstance(found, Missing):
        return [
            verdict(
                Status.FAIL,
                expected,
                "the code signing config does not exist",
                arn,
                Reason.CSC_MISSING,
            )
        ]
    return need(found, f"code signing config {arn}", arn)


@function_check(
    "csc.policy",
    "The CSC enforces signatures (untrusted-artifact policy Enforce; Warn is reported)",
    Severity.HIGH,
    "Set the CSC's UntrustedArtifactOnDeployment (policies.untrusted_artifact_on_deployment) to "
    "Enforce and apply: under Warn, Lambda deploys unsigned or untrusted code and only logs it.",
    modes=ALL_MODES,
)
def csc_policy(subject: Subject, ctx: Context) -> Sequence[Verdict]:
    policy = subject.target.expected_policy if subject.target is not None else ctx.fleet_policy
    expected = policy.value
    csc = _judged_csc(subject, expected)
    if isinstance(csc, list):
        return csc
    if csc.policy == expected == Policy.WARN.value:
        return [
            verdict(
                Status.WARN,
                expected,
                "Warn, as configured: unsigned or untrusted code would deploy",
                csc.arn,
                Reason.POLICY_WARN,
            )
        ]
    if csc.policy == expected:
        return [verdict(Status.PASS, expected, csc.policy, csc.arn)]
    if policy is Policy.WARN and csc.policy == Policy.ENFORCE.value:
        # Stricter than expected: drift, but not a weakness.
        return [
            verdict(
                Status.WARN,
                expected,
                f"{csc.policy} (stricter than expected)",
                csc.arn,
                Reason.POLICY_STRICTER,
            )
        ]
    return [verdict(Status.FAIL, expected, csc.policy, csc.arn, Reason.POLICY_WARN)]


@function_check(
    "csc.publishers",
    "The CSC allows only pinned profile versions (verify: including the stack's current one)",
    Severity.CRITICAL,
    "Set the CSC's allowed publishers (allowed_publishers.signing_profile_version_arns) to the "
    "pinned profile version(s) and apply; any other publisher can sign code this function "
    "accepts.",
    modes=ALL_MODES,
)
def csc_publishers(subject: Subject, ctx: Context) -> Sequence[Verdict]:
    expected = f"a subset of the pinned {pinned(ctx)}"
    current = subject.target.profile_version_arn if subject.target is not None else None
    if current:
        expected += f", including {current}"
    csc = _judged_csc(subject, expected)
    if isinstance(csc, list):
        return csc
    actual = ", ".join(csc.allowed_publishers) or "no allowed publishers"
    extra = [a for a in csc.allowed_publishers if not ctx.trust.trusts_arn(a)]
    if extra:
        return [
            verdict(
                Status.FAIL,
                expected,
                f"also allows unpinned: {', '.join(extra)}",
                csc.arn,
                Reason.UNTRUSTED_PUBLISHER,
            )
        ]
    if (current and current not in csc.allowed_publishers) or not csc.allowed_publishers:
        return [verdict(Status.FAIL, expected, actual, csc.arn, Reason.PUBLISHER_NOT_ALLOWED)]
    return [verdict(Status.PASS, expected, actual, csc.arn)]


# --- 3. the expected signing job (verify) ---------------------------------------------------


@function_check(
    "job.succeeded",
    "The signing job exists and succeeded",
    Severity.HIGH,
    "Re-run the signing job (cdktf deploy re-signs when the code changes) and check its "
    "statusReason.",
    modes=TARGETED,
)
def job_succeeded(subject: Subject, ctx: Context) -> Verdict:
    target = subject.expected()
    proof = expected_proof(subject)
    result = proof.get(Link.JOB)
    assert result is not None  # the job link is always judged
    actual = "the signing job does not exist" if result.reason is Reason.JOB_MISSING else None
    if result.reason is Reason.UNREADABLE:
        raise NotEvaluated(f"{proof.what} {result.detail}", job_resource(target))
    return link_verdict(
        proof, Link.JOB, "Succeeded", job_resource(target), actual=actual or _job_status(proof)
    )


def _job_status(proof: Proof) -> str:
    job = proof.job
    if job is None:
        return "unknown"
    return job.status if not job.status_reason else f"{job.status} ({job.status_reason})"


@function_check(
    "job.profile",
    "The job was signed by a pinned profile version (the stack's current one)",
    Severity.CRITICAL,
    "Re-sign with the pinned profile and redeploy; if the profile was rotated on purpose, "
    "update the lock (make lock) and commit it.",
    modes=TARGETED,
)
def job_profile(subject: Subject, ctx: Context) -> Verdict:
    target = subject.expected()
    proof = expected_proof(subject)
    found = link_verdict(proof, Link.PROFILE, "", job_resource(target))
    job = need(proof.job, "signing job")
    actual = f"profile {job.profile_name} version {job.profile_version}"
    current = target.profile_version_arn
    if current is None:
        return Verdict(
            found.status,
            f"a pinned profile version ({pinned(ctx)})",
            actual,
            found.resource,
            found.reason,
        )
    expected = f"{current} (pinned)"
    if found.status is not Status.PASS:
        return Verdict(found.status, expected, actual, found.resource, found.reason)
    if not current.endswith(f"/{job.profile_name}/{job.profile_version}"):
        return verdict(Status.FAIL, expected, actual, found.resource, Reason.NOT_CURRENT_PROFILE)
    return verdict(Status.PASS, expected, actual, found.resource)


@function_check(
    "job.platform",
    f"The job's platform is {LAMBDA_SIGNING_PLATFORM}",
    Severity.HIGH,
    f"Sign with a profile on the {LAMBDA_SIGNING_PLATFORM} platform.",
    modes=TARGETED,
)
def job_platform(subject: Subject, ctx: Context) -> Verdict:
    target = subject.expected()
    proof = expected_proof(subject)
    found = link_verdict(proof, Link.PLATFORM, LAMBDA_SIGNING_PLATFORM, job_resource(target))
    job = need(proof.job, "signing job")
    if target.platform_id != LAMBDA_SIGNING_PLATFORM:
        return verdict(
            Status.FAIL,
            LAMBDA_SIGNING_PLATFORM,
            f"{job.platform_id} (manifest expects {target.platform_id})",
            found.resource,
            Reason.WRONG_PLATFORM,
        )
    return Verdict(found.status, found.expected, job.platform_id, found.resource, found.reason)


def _source_uri(bucket: str | None, key: str | None, version: str | None) -> str:
    return f"s3://{bucket}/{key}?versionId={version}"


@function_check(
    "job.source",
    "The job signed the expected unsigned object version",
    Severity.HIGH,
    "Sign the exact unsigned object version the stack uploaded (source bucket, key and version).",
    modes=TARGETED,
)
def job_source(subject: Subject, ctx: Context) -> Verdict:
    target = subject.expected()
    job = need(expected_proof(subject).job, "signing job", job_resource(target))
    actual = _source_uri(job.source_bucket, job.source_key, job.source_version)
    if target.unsigned_key is None:
        # Flag mode: nothing to compare against, but the source must be pinned.
        if job.source_version:
            return verdict(Status.PASS, "a pinned object version", actual, job_resource(target))
        return verdict(
            Status.FAIL,
            "a pinned object version",
            actual,
            job_resource(target),
            Reason.OTHER_SOURCE,
        )
    expected = _source_uri(target.bucket, target.unsigned_key, target.unsigned_version)
    if actual == expected:
        return verdict(Status.PASS, expected, actual, job_resource(target))
    return verdict(Status.FAIL, expected, actual, job_resource(target), Reason.OTHER_SOURCE)


@function_check(
    "job.destination",
    "The job wrote the expected signed object",
    Severity.MEDIUM,
    "Redeploy so the outputs file and the function name the job's signed object.",
    modes=TARGETED,
)
def job_destination(subject: Subject, ctx: Context) -> Verdict:
    target = subject.expected()
    job = need(expected_proof(subject).job, "signing job", job_resource(target))
    has_object = bool(job.signed_bucket and job.signed_key)
    actual = (
        f"s3://{job.signed_bucket}/{job.signed_key}"
        if has_object
        else "the job reports no signed object"
    )
    expected = (
        f"s3://{target.signed_bucket}/{target.signed_key}"
        if target.signed_key
        else "a signed object"
    )
    ok = actual == expected if target.signed_key else has_object
    if ok:
        return verdict(Status.PASS, expected, actual, job_resource(target))
    return verdict(Status.FAIL, expected, actual, job_resource(target), Reason.OTHER_DESTINATION)


# --- 4. provenance from source ----------------------------------------------------------


@function_check(
    "source.provenance",
    "This checkout's source rebuilds to exactly the package the signing job signed",
    Severity.HIGH,
    "Deploy this commit (make deploy) so the signed build is this source, or check out the "
    "commit that was deployed; run with --source DIR to check.",
    modes=DECLARED,
)
def source_provenance(subject: Subject, ctx: Context) -> Sequence[Verdict]:
    target = subject.expected()
    resource = function_resource(subject)
    items = subject.store.provenance.get(target.key)
    if target.source_root is None or items is None:
        return [
            verdict(
                Status.WARN,
                "the signed package rebuilt from source (--source DIR)",
                "not checked: no --source checkout given",
                resource,
                Reason.SOURCE_UNCHECKED,
            )
        ]
    verdicts = []
    for item in items:
        if isinstance(item, Missing | Unavailable):
            verdicts.append(
                verdict(
                    Status.ERROR,
                    "the check to run",
                    f"not evaluated: {absence(item)}",
                    resource,
                    Reason.UNREADABLE,
                )
            )
            continue
        expected = (
            f"{item.source_dir} builds sha256:{item.built_sha256}"
            if item.built_sha256 is not None
            else f"{item.source_dir} builds the signed package"
        )
        actual = f"the signing job signed sha256:{item.signed_source_sha256}"
        where = f"{item.source_dir} ({item.what})"
        same = item.built_sha256 == item.signed_source_sha256
        if not same:
            actual += f": {item.what} was changed and not deployed (or signed from elsewhere)"
            if item.differing_entries is not None:
                actual += "; " + describe_difference(
                    item.differing_entries, item.more_differing_entries
                )
        if item.not_rebuilt:
            actual += f"; its dependencies were not rebuilt here ({item.not_rebuilt})"
        actual += "".join(f"; {problem}" for problem in item.contradictions)
        if same and not item.contradictions:
            verdicts.append(verdict(Status.PASS, expected, actual, where))
        else:
            verdicts.append(verdict(Status.FAIL, expected, actual, where, Reason.SOURCE_CHANGED))
    return verdicts


# --- 5. revocation and expiry -----------------------------------------------------------


@function_check(
    "job.not_revoked",
    "The job's signature is not revoked",
    Severity.CRITICAL,
    "Revoked code must not run: sign a new package with a trusted profile and redeploy.",
    modes=TARGETED,
)
def job_not_revoked(subject: Subject, ctx: Context) -> Verdict:
    target = subject.expected()
    return link_verdict(
        expected_proof(subject), Link.JOB_REVOCATION, "not revoked", job_resource(target)
    )


@function_check(
    "profile.revocation",
    "The signing profile version has not revoked this signature (Canceled or later "
    "revocation: warn)",
    Severity.CRITICAL,
    "A revoked profile version invalidates signatures made at or after its effective time: "
    "create a new profile, re-sign, pin it in the lock, update the CSC and redeploy.",
    modes=TARGETED,
)
def profile_revocation(subject: Subject, ctx: Context) -> Verdict:
    proof = expected_proof(subject)
    job = need(proof.job, "signing job")
    resource = (
        f"arn:aws:signer:{subject.region}:{subject.account or ''}:/signing-profiles/"
        f"{job.profile_name}/{job.profile_version}"
        if subject.account
        else f"signing-profile/{job.profile_name}/{job.profile_version}"
    )
    found = link_verdict(proof, Link.PROFILE_REVOCATION, "not revoked", resource)
    if found.status is Status.ERROR:
        raise NotEvaluated(found.actual, resource)
    return found


@function_check(
    "signature.not_expired",
    "The signature has not expired (warns inside the warning window)",
    Severity.HIGH,
    "Re-sign the package before the signature expires and redeploy; Lambda rejects expired "
    "code on the next deploy under Enforce.",
    modes=TARGETED,
)
def signature_not_expired(subject: Subject, ctx: Context) -> Verdict:
    target = subject.expected()
    found = link_verdict(
        expected_proof(subject),
        Link.EXPIRY,
        f"valid for more than {ctx.expiry_warning_days} days",
        job_resource(target),
    )
    if found.status is Status.ERROR:
        raise NotEvaluated(found.actual, found.resource)
    return found


# --- 6. the signed object ---------------------------------------------------------------


def _signed_location(subject: Subject) -> tuple[str, str] | None:
    """Where the expected job wrote its signed object (else where the manifest says)."""
    target = subject.expected()
    job = subject.store.jobs.get(target.job_id)
    if isinstance(job, SigningJobEvidence) and job.signed_bucket and job.signed_key:
        return job.signed_bucket, job.signed_key
    if target.signed_bucket and target.signed_key:
        return target.signed_bucket, target.signed_key
    return None


def _signed_object(subject: Subject) -> tuple[str, SignedObjectEvidence | Missing]:
    location = _signed_location(subject)
    if location is None:
        raise NotEvaluated("the signing job names no signed object")
    resource = f"s3://{location[0]}/{location[1]}"
    found = subject.store.signed_objects.get(location)
    if isinstance(found, Missing):
        return resource, found
    return resource, need(found, "signed object", resource)


@function_check(
    "bucket.versioning",
    "The signed object's bucket has versioning Enabled",
    Severity.HIGH,
    "Enable versioning on the bucket (aws_s3_bucket_versioning status Enabled).",
    modes=TARGETED,
)
def bucket_versioning(subject: Subject, ctx: Context) -> Verdict:
    location = _signed_location(subject)
    if location is None:
        raise NotEvaluated("the signing job names no signed object")
    resource = f"s3://{location[0]}"
    found = subject.store.bucket_versioning.get(location[0])
    if isinstance(found, Missing):
        return verdict(
            Status.FAIL, "Enabled", "the bucket does not exist", resource, Reason.BUCKET_MISSING
        )
    versioning: BucketVersioningEvidence = need(found, "bucket versioning", resource)
    actual = versioning.status or "never enabled"
    if versioning.status == "Enabled":
        return verdict(Status.PASS, "Enabled", actual, resource)
    return verdict(Status.FAIL, "Enabled", actual, resource, Reason.VERSIONING_OFF)


@function_check(
    "object.exists",
    "The signed object exists",
    Severity.HIGH,
    "Re-run the signing job; restore the signed object version if it was deleted.",
    modes=TARGETED,
)
def object_exists(subject: Subject, ctx: Context) -> Verdict:
    resource, found = _signed_object(subject)
    if isinstance(found, Missing):
        return verdict(Status.FAIL, "exists", "does not exist", resource, Reason.OBJECT_MISSING)
    newest = found.latest
    if newest is None or newest.is_delete_marker:
        return verdict(
            Status.FAIL,
            "exists",
            "deleted (the latest version is a delete marker)",
            resource,
            Reason.OBJECT_DELETED,
        )
    return verdict(Status.PASS, "exists", f"version {newest.version_id}", resource)


@function_check(
    "object.not_overwritten",
    "The signed key holds only the signed bytes, written by the job (identical re-uploads: warn)",
    Severity.HIGH,
    "Find who wrote the extra versions (CloudTrail), re-sign and redeploy; restrict s3:PutObject "
    "on the signed prefix to the signer (signed-lambda guardrails).",
    modes=TARGETED,
)
def object_not_overwritten(subject: Subject, ctx: Context) -> Verdict:
    resource, found = _signed_object(subject)
    obj = need(None if isinstance(found, Missing) else found, "signed object", resource)
    job = need(expected_proof(subject).job, "signing job", resource)
    expected = "one version, written by the job"
    written, _sha = subject.prover.signed_version(job, obj)
    if written.status is Status.FAIL:
        return Verdict(Status.FAIL, expected, written.detail, resource, written.reason)
    signed = obj.signed_version
    signed_sha = obj.signed_sha256
    if signed is None or signed_sha is None:
        raise NotEvaluated(f"the signed version of {obj.key} was not hashed", resource)
    later = obj.later
    if not later:
        return verdict(Status.PASS, expected, f"one version {signed}", resource)
    different = [
        v.version_id
        for v in later
        if v.version_id in obj.sha256_by_version
        and obj.sha256_by_version[v.version_id] != signed_sha
    ]
    if different:
        return verdict(
            Status.FAIL,
            expected,
            f"version(s) {', '.join(different)} hold other bytes than the signed version {signed}",
            resource,
            Reason.OVERWRITTEN,
        )
    unread = [v.version_id for v in later if v.version_id not in obj.sha256_by_version]
    if unread:
        why = f" ({obj.unread_reason})" if obj.unread_reason else ""
        raise NotEvaluated(
            f"{len(unread)} later version(s) of {obj.key} were not read{why}, so whether they "
            f"hold the signed bytes is unknown: {', '.join(unread[:5])}"
            + (f" and {len(unread) - 5} more" if len(unread) > 5 else ""),
            resource,
        )
    same = ", ".join(v.version_id for v in later)
    return verdict(
        Status.WARN,
        expected,
        f"{len(later)} later version(s) with the signed bytes ({same})",
        resource,
        Reason.REUPLOADED,
    )


# --- 7. the running code is the signed object -----------------------------------------------


@function_check(
    "function.signing_job",
    "The function's SigningJobArn is the expected job",
    Severity.HIGH,
    "Deploy the function from the job's signed object with the CSC attached so Lambda "
    "validates and records the signature.",
    modes=TARGETED,
)
def function_signing_job(subject: Subject, ctx: Context) -> Verdict:
    target = subject.expected()
    path = latest(subject)
    resource = function_resource(subject)
    expected = f"signing job {target.job_id}"
    if not path.signing_job_arn:
        return verdict(
            Status.FAIL,
            expected,
            "no SigningJobArn (deployed without signature validation)",
            resource,
            Reason.NOT_VALIDATED,
        )
    if job_id_of(path.signing_job_arn) == target.job_id:
        return verdict(Status.PASS, expected, path.signing_job_arn, resource)
    return verdict(Status.FAIL, expected, path.signing_job_arn, resource, Reason.OTHER_JOB)


@function_check(
    "function.signing_profile",
    "The function's SigningProfileVersionArn is a pinned profile version",
    Severity.HIGH,
    "Redeploy the function from code signed by a pinned profile version.",
    modes=TARGETED,
)
def function_signing_profile(subject: Subject, ctx: Context) -> Verdict:
    target = subject.expected()
    path = latest(subject)
    resource = function_resource(subject)
    expected = target.profile_version_arn or f"one of {pinned(ctx)}"
    arn = path.signing_profile_version_arn
    actual = arn or "no SigningProfileVersionArn"
    if arn is None:
        return verdict(Status.FAIL, expected, actual, resource, Reason.NOT_VALIDATED)
    if not ctx.trust.trusts_arn(arn):
        return verdict(Status.FAIL, expected, actual, resource, Reason.UNPINNED_PROFILE)
    if target.profile_version_arn is not None and arn != target.profile_version_arn:
        return verdict(Status.FAIL, expected, actual, resource, Reason.NOT_CURRENT_PROFILE)
    return verdict(Status.PASS, expected, actual, resource)


@function_check(
    "function.code_sha256",
    "The function's CodeSha256 equals the SHA-256 of the signed object",
    Severity.CRITICAL,
    "The function runs code that is not the signed object: redeploy from the signed object "
    "and investigate how the code was changed.",
    modes=TARGETED,
)
def function_code_sha256(subject: Subject, ctx: Context) -> Verdict:
    path = latest(subject)
    resource = function_resource(subject)
    proof = expected_proof(subject)
    found = proof.get(Link.CODE)
    if found is None:
        problems = proof.problems()
        stopped = proof.get(Link.OBJECT) or (problems[0] if problems else None)
        raise NotEvaluated(
            f"{proof.what}: {stopped.detail if stopped else 'no signed object'}", resource
        )
    expected = f"{proof.signed_sha256} (the job's signed object)"
    return Verdict(found.status, expected, path.code_sha256, resource, found.reason)


@path_check(
    "code.signed",
    "The code path runs its signing job's signed object, signed by a trusted, unrevoked, "
    "unexpired profile version",
    Severity.CRITICAL,
    "Redeploy the function (and publish a new version) from code signed by a trusted profile "
    "with the CSC attached; delete versions that cannot be proven and repoint their aliases. "
    "A container image is outside Lambda code signing: sign it with AWS Signer and Notation "
    "(notation-aws-signer), pin it by digest, or audit with --allow-container-images.",
    modes=frozenset({Mode.FLEET}),
)
def code_signed(path: CodePath, subject: Subject, ctx: Context) -> Verdict:
    resource = path_resource(subject, path)
    expected = f"{path.version}: trusted signature, CodeSha256 = signed object"
    if path.is_image:
        status = Status.WARN if ctx.allow_container_images else Status.FAIL
        return verdict(
            status,
            expected,
            f"{path.version}: a container image: Lambda code signing does not apply, so it "
            "cannot be proven (sign images with AWS Signer and Notation)",
            resource,
            Reason.CONTAINER_IMAGE,
        )
    proof = subject.prover.deployed(
        f"{subject.function.name}:{path.version}", path.signing_job_arn, path.code_sha256
    )
    routed = aliases_routing_to(subject.function, path.version)
    suffix = (
        f" [aliases: {', '.join(routed)}]" if routed and proof.status is not Status.PASS else ""
    )
    return Verdict(
        proof.status, expected, f"{path.version}: {proof.summary()}{suffix}", resource, proof.reason
    )


# --- 8. what else decides which code runs --------------------------------------------------


@path_check(
    "function.configuration",
    "The code path's handler, runtime and architectures are the declared ones",
    Severity.HIGH,
    "Redeploy the stack; a handler changed out of band can run code from a layer or another "
    "module instead of the signed entry point.",
    modes=DECLARED,
)
def function_configuration(path: CodePath, subject: Subject, ctx: Context) -> Verdict:
    declared = need(subject.expected().declared, "the declaration")
    expected = (
        f"handler {declared.handler}, runtime {declared.runtime}, "
        f"architectures {','.join(declared.architectures)}"
    )
    differences = configuration_differences(path, subject)
    resource = path_resource(subject, path)
    if differences:
        return verdict(
            Status.FAIL, expected, "; ".join(differences), resource, Reason.CONFIG_MISMATCH
        )
    return verdict(Status.PASS, expected, expected, resource)


def configuration_differences(path: CodePath, subject: Subject) -> list[str]:
    target = subject.target
    declared = target.declared if target is not None else None
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


def environment_differences(path: CodePath, subject: Subject) -> list[tuple[str, str]]:
    """(variable, what is wrong) against the declaration: names only, never values."""
    target = subject.target
    declared = dict(target.declared.environment) if target and target.declared else {}
    actual = dict(path.environment)
    found = []
    for name in sorted(set(actual) | set(declared)):
        if name not in declared:
            found.append((name, "not declared"))
        elif name not in actual:
            found.append((name, "declared but not set"))
        elif environment_digest(actual[name]) != declared[name]:
            found.append((name, "another value than declared"))
    return found


@path_check(
    "function.environment",
    "The code path's environment is exactly the declared one (fleet: no variable that makes "
    "the runtime load other code)",
    Severity.CRITICAL,
    "Remove the variable or declare it (with its value) in the function's config and redeploy: "
    "variables such as AWS_LAMBDA_EXEC_WRAPPER, BASH_ENV, NODE_OPTIONS, PYTHONPATH or LD_PRELOAD "
    "make the runtime run code that was never signed. In an audit, --allow-env NAME accepts a "
    "variable the team uses on purpose.",
    modes=ALL_MODES,
)
def function_environment(path: CodePath, subject: Subject, ctx: Context) -> Verdict:
    resource = path_resource(subject, path)
    declared = subject.target.declared if subject.target is not None else None
    if declared is not None:
        names = sorted(name for name, _ in declared.environment)
        expected = "exactly the declared variables: " + (", ".join(names) or "none")
        problems = environment_differences(path, subject)
        if not problems:
            return verdict(Status.PASS, expected, expected, resource)
        loading = any(is_code_loading(name) for name, _ in problems)
        actual = "; ".join(f"{name} ({what}){explain(name)}" for name, what in problems)
        reason = Reason.ENV_CODE_LOADING if loading else Reason.ENV_UNDECLARED
        return verdict(Status.FAIL, expected, actual, resource, reason)
    expected = "no variable that makes the runtime load code"
    if ctx.allowed_environment:
        expected += f" (allowed: {', '.join(sorted(ctx.allowed_environment))})"
    loading_names = [name for name, _ in path.environment if is_code_loading(name)]
    refused = [name for name in loading_names if name not in ctx.allowed_environment]
    allowed = [name for name in loading_names if name in ctx.allowed_environment]
    if refused:
        actual = "; ".join(f"{name}{explain(name)}" for name in refused)
        return verdict(Status.FAIL, expected, actual, resource, Reason.ENV_CODE_LOADING)
    if allowed:
        return verdict(Status.PASS, expected, f"allowed: {', '.join(allowed)}", resource)
    return verdict(Status.PASS, expected, "none", resource)


@path_check(
    "function.file_systems",
    "No file system is mounted that the config does not declare (code can be loaded from one)",
    Severity.HIGH,
    "Remove the FileSystemConfigs (an EFS access point is a place code can be loaded from "
    "outside the signed package), or deploy the function from a stack that declares it.",
    modes=ALL_MODES,
)
def function_file_systems(path: CodePath, subject: Subject, ctx: Context) -> Verdict:
    resource = path_resource(subject, path)
    expected = "no file systems (none declared)"
    if not path.file_systems:
        return verdict(Status.PASS, expected, "none", resource)
    status = Status.WARN if ctx.mode is Mode.FLEET else Status.FAIL
    return verdict(
        status,
        expected,
        f"mounts {', '.join(path.file_systems)}",
        resource,
        Reason.FILE_SYSTEM,
    )


def _layer_name(arn: str) -> str:
    """A layer version ARN without its version number."""
    return arn.rpartition(":")[0]


@path_check(
    "layers.declared",
    "The code path uses exactly the declared layer versions (an earlier build: the declared "
    "layers' own earlier versions)",
    Severity.HIGH,
    "Redeploy the stack to restore the declared layers; an added layer can replace modules "
    "the handler imports.",
    modes=DECLARED,
)
def layers_declared(path: CodePath, subject: Subject, ctx: Context) -> Verdict:
    target = subject.expected()
    resource = path_resource(subject, path)
    expected_arns = tuple(layer.layer_version_arn for layer in target.declared_layers)
    expected = ", ".join(expected_arns) or "no layers"
    actual = ", ".join(path.layer_arns) or "no layers"
    if path.layer_arns == expected_arns:
        return verdict(Status.PASS, expected, actual, resource)
    earlier = path.version != LATEST and not is_current_build(path, subject)
    same_layers = tuple(map(_layer_name, path.layer_arns)) == tuple(map(_layer_name, expected_arns))
    if earlier and same_layers and earlier_builds_allowed(target):
        foreign = [
            arn
            for arn, declared in zip(path.layer_arns, target.declared_layers, strict=True)
            if arn != declared.layer_version_arn and not _own_layer_build(arn, declared, subject)
        ]
        if not foreign:
            return verdict(
                Status.PASS,
                expected,
                f"earlier versions of the declared layers: {actual}",
                resource,
            )
        return verdict(
            Status.FAIL,
            expected,
            f"not builds of the declared layers: {', '.join(foreign)}",
            resource,
            Reason.FOREIGN_BUILD,
        )
    undeclared = [arn for arn in path.layer_arns if arn not in expected_arns]
    if undeclared:
        actual = f"undeclared: {', '.join(undeclared)} (has {actual})"
    return verdict(Status.FAIL, expected, actual, resource, Reason.LAYERS_MISMATCH)


def _own_layer_build(arn: str, declared: object, subject: Subject) -> bool:
    found = subject.store.layer_versions.get(arn)
    if not isinstance(found, LayerVersionEvidence) or not found.signing_job_arn:
        return False
    job = subject.store.jobs.get(job_id_of(found.signing_job_arn))
    target = subject.expected()
    unsigned_key = getattr(declared, "unsigned_key", "")
    return isinstance(job, SigningJobEvidence) and _from_prefix(job, target.bucket, unsigned_key)


@path_check(
    "layers.signed",
    "Every layer version the code path uses is signed by a pinned profile and is its signed object",
    Severity.CRITICAL,
    "Publish the layer from an object signed by a trusted profile (cdktf deploy does), update "
    "the function to that layer version, and remove layers that cannot be proven.",
    modes=ALL_MODES,
)
def layers_signed(path: CodePath, subject: Subject, ctx: Context) -> Sequence[Verdict]:
    expected = "signed by a pinned profile, unrevoked, unexpired, CodeSha256 = signed object"
    if not path.layers:
        if ctx.mode is Mode.FLEET or path.version != LATEST:
            return []
        return [verdict(Status.PASS, expected, "no layers", path_resource(subject, path))]
    verdicts = []
    for layer in path.layers:
        proof = subject.prover.layer(layer.arn)
        actual = proof.summary("proven")
        if ctx.mode is Mode.FLEET:
            actual = f"used by {path.version}: {actual}"
        verdicts.append(Verdict(proof.status, expected, actual, layer.arn, proof.reason))
    return verdicts


# --- 9. every other code path -----------------------------------------------------------


def earlier_builds_allowed(target: VerificationTarget) -> bool:
    declared = target.declared
    return declared is not None and (declared.allow_earlier_versions or declared.publish)


def _from_prefix(job: SigningJobEvidence, bucket: str | None, unsigned_key: str) -> bool:
    """The job signed an object under the same unsigned prefix, in the stack's bucket: a build
    of the same function or layer (the stack's keys are ``<prefix><key>/<sha256>.zip``)."""
    prefix = unsigned_key.rpartition("/")[0] + "/"
    return (
        bucket is not None
        and job.source_bucket == bucket
        and bool(job.source_key)
        and str(job.source_key).startswith(prefix)
        and "/" not in str(job.source_key)[len(prefix) :]
    )


def is_current_build(path: CodePath, subject: Subject) -> bool:
    """The code path runs the current signed build (the expected job's signed object)."""
    target = subject.target
    if target is None or not path.signing_job_arn:
        return False
    if job_id_of(path.signing_job_arn) != target.job_id:
        return False
    code = subject.prover.artifact(target.job_id, path.code_sha256).get(Link.CODE)
    return code is not None and code.status is Status.PASS


@function_check(
    "versions.signed",
    "Every published version runs the current signed build (earlier builds only where the "
    "function publishes or allows them, and only its own, proven)",
    Severity.CRITICAL,
    "Delete published versions that are not the current build (or publish / allow earlier "
    "versions in the function's config: each must be this function's own signed build), and "
    "repoint their aliases.",
    modes=TARGETED,
)
def versions_signed(subject: Subject, ctx: Context) -> Sequence[Verdict]:
    target = subject.expected()
    resource = function_resource(subject)
    if subject.function.versions is None:
        latest(subject)  # not collected because the function could not be read: say that
    versions = need(subject.function.versions, "published versions", resource)
    expected = "the current signed build"
    if not versions:
        return [verdict(Status.PASS, expected, "no published versions", resource)]
    verdicts = []
    for path in versions:
        status, detail, reason = judge_version(path, subject, target)
        routed = aliases_routing_to(subject.function, path.version)
        suffix = f" [aliases: {', '.join(routed)}]" if routed else ""
        verdicts.append(Verdict(status, expected, detail + suffix, path.arn, reason))
    return verdicts


def judge_version(
    path: CodePath, subject: Subject, target: VerificationTarget
) -> tuple[Status, str, Reason]:
    what = f"version {path.version}"
    if is_current_build(path, subject):
        proof = subject.prover.named(subject.prover.artifact(target.job_id, path.code_sha256), what)
        if proof.status is Status.PASS:
            return Status.PASS, "the current signed build", Reason.PROVEN
        return proof.status, proof.summary(), proof.reason
    proof = subject.prover.deployed(what, path.signing_job_arn, path.code_sha256)
    if not earlier_builds_allowed(target):
        reasons = proof.summary("signed, but not the current build")
        return (
            Status.FAIL,
            f"{reasons} (earlier versions are not allowed)",
            Reason.NOT_CURRENT_BUILD,
        )
    if proof.status in (Status.FAIL, Status.ERROR):
        return proof.status, proof.summary(), proof.reason
    job = proof.job
    declared = target.declared
    own = (
        isinstance(job, SigningJobEvidence)
        and declared is not None
        and _from_prefix(job, target.bucket, declared.unsigned_key)
    )
    if not own:
        source = (
            _source_uri(job.source_bucket, job.source_key, job.source_version)
            if isinstance(job, SigningJobEvidence)
            else "unknown"
        )
        return (
            Status.FAIL,
            f"{what} was signed from {source}, which is not a build of this function "
            f"(its builds are under s3://{target.bucket}/"
            f"{declared.unsigned_key.rpartition('/')[0] if declared else '?'}/)",
            Reason.FOREIGN_BUILD,
        )
    changed = configuration_differences(path, subject) + [
        f"{name} ({what})" for name, what in environment_differences(path, subject)
    ]
    if changed:
        # Its own build, but not run as declared: the whole version fails, not only the
        # configuration and environment checks of its code path.
        return (
            Status.FAIL,
            f"an earlier signed build of this function, but not as declared: {'; '.join(changed)}",
            Reason.CONFIG_MISMATCH,
        )
    detail = "an earlier signed build of this function, proven on its own"
    problems = [result.detail for result in proof.problems()]
    if problems:
        detail += "; " + "; ".join(problems)
    return Status.WARN, detail, Reason.EARLIER_BUILD


@function_check(
    "aliases.signed",
    "Every alias routes traffic only to proven code (weighted routing included)",
    Severity.CRITICAL,
    "Point the alias and its additional version weights at versions that run proven code.",
    modes=ALL_MODES,
)
def aliases_signed(subject: Subject, ctx: Context) -> Sequence[Verdict]:
    function = subject.function
    resource = function_resource(subject)
    aliases = function.aliases
    if aliases is None:
        return []  # the fleet lists aliases only where a code path fails
    if not isinstance(aliases, tuple):
        failing = [v for v, s in subject.path_statuses.items() if s is not Status.PASS]
        raise NotEvaluated(
            f"the aliases{' routing to ' + ', '.join(failing) if failing else ''} could not be "
            f"listed ({absence(aliases)})",
            resource,
        )
    expected = "routes only to proven versions"
    statuses = subject.path_statuses
    verdicts = []
    for alias in aliases:
        if ctx.mode is Mode.FLEET:
            routes = [(v, w) for v, w in alias.routes if v in statuses]
            if not routes:
                continue
        else:
            routes = list(alias.routes)
        details = []
        for version, weight in routes:
            share = "" if weight is None else f" ({weight:.0%})"
            status = statuses.get(version)
            if status is None:
                status = Status.FAIL if function.path(version) is None else Status.PASS
                label = "no such version" if status is Status.FAIL else "pass"
            else:
                label = status.value
            details.append((version, share, status, label))
        status = worst(s for _, _, s, _ in details)
        actual = f"alias {alias.name} routes to " + "; ".join(
            f"{version}{share}: {label}" for version, share, _, label in details
        )
        reason = Reason.PROVEN if status is Status.PASS else Reason.ALIAS_UNPROVEN
        verdicts.append(Verdict(status, expected, actual, f"{function.arn}:{alias.name}", reason))
    if not verdicts and ctx.mode is not Mode.FLEET:
        return [verdict(Status.PASS, expected, "no aliases", resource)]
    return verdicts


@function_check(
    "alias.declared",
    "The declared alias exists and routes to the current build (a declared canary: its share)",
    Severity.HIGH,
    "make deploy puts the alias back on the current build (make promote ends a canary); to run "
    "an earlier build, deploy it, so the declaration says so.",
    modes=DECLARED,
)
def alias_declared(subject: Subject, ctx: Context) -> Sequence[Verdict]:
    """Exactly as declared: a rollback of the alias to an earlier signed build (a downgrade),
    a canary share nobody declared, or a deleted alias fails, although each routes only to
    proven code (``aliases.signed``)."""
    declared = subject.expected().declared
    resource = function_resource(subject)
    if subject.function.aliases is None:
        latest(subject)  # not collected because the function could not be read: say that
    aliases = need(subject.function.aliases, "the aliases", resource)
    if declared is None or declared.alias is None:
        count = f"{len(aliases)} alias{'' if len(aliases) == 1 else 'es'}"
        return [
            verdict(
                Status.PASS,
                "no alias declared",
                f"no alias declared ({count}, judged by aliases.signed)",
                resource,
            )
        ]
    name, percent = declared.alias.name, declared.alias.canary_percent
    expected = f"alias {name} on the current build" + (
        f" (or {percent}% of its traffic while a canary runs)" if percent is not None else ""
    )
    versions = need(subject.function.versions, "published versions", resource)
    alias = next((alias for alias in aliases if alias.name == name), None)
    if alias is None:
        found = ", ".join(sorted(a.name for a in aliases)) or "none"
        return [
            Verdict(
                Status.FAIL,
                expected,
                f"no alias {name} (aliases: {found})",
                f"{subject.function.arn}:{name}",
                Reason.ALIAS_NOT_DECLARED,
            )
        ]
    current = sorted(
        (path.version for path in versions if is_current_build(path, subject)), key=_version_key
    )
    weights = dict(alias.additional_weights)
    promoted = alias.function_version in current and not weights
    canary = (
        percent is not None
        and alias.function_version not in current
        and len(weights) == 1
        and all(
            version in current and abs(weight * 100 - percent) < 0.01
            for version, weight in weights.items()
        )
    )
    routes = "; ".join(
        f"{version}{'' if weight is None else f' ({weight:.0%})'}"
        for version, weight in alias.routes
    )
    builds = ", ".join(current) if current else "no published version"
    actual = f"alias {name} routes to {routes}; the current build is {builds}"
    status = Status.PASS if promoted or canary else Status.FAIL
    reason = Reason.PROVEN if status is Status.PASS else Reason.ALIAS_NOT_DECLARED
    return [Verdict(status, expected, actual, f"{subject.function.arn}:{name}", reason)]


def _version_key(version: str) -> tuple[int, str]:
    return (int(version), "") if version.isdigit() else (0, version)


# --- the fleet as a whole -----------------------------------------------------------------

#: Checks about a whole account-region's listing, not one function (the judge evaluates them).
FLEET_ACCESS = region_check(
    "fleet.access",
    "The account and Region could be audited (role assumed, Region enabled, credentials valid)",
    Severity.HIGH,
    "Let the audit's principal assume the role (--role-name) in that account (its trust policy, "
    "and --external-id if it requires one), enable the Region for the account or leave it out "
    "(--region, --all-regions), then run it again.",
    modes=frozenset({Mode.FLEET}),
)
FLEET_LISTED = region_check(
    "fleet.listed",
    "The fleet was listed completely (functions, code signing configs)",
    Severity.HIGH,
    "Grant the audit role lambda:ListFunctions, lambda:ListCodeSigningConfigs and "
    "lambda:ListFunctionsByCodeSigningConfig, then run it again.",
    modes=frozenset({Mode.FLEET}),
)
FLEET_SCOPE = region_check(
    "fleet.scope",
    "The audit found the functions it was asked about",
    Severity.MEDIUM,
    "Check the Region (--region), the account (credentials) and --function-prefix.",
    modes=frozenset({Mode.FLEET}),
)


#: Checks whose verdicts are about ``$LATEST`` (tagged with it, so aliases routing to $LATEST
#: see them): the expected job's proof as $LATEST runs it.
LATEST_CHECKS = frozenset(
    {
        "function.state",
        "job.succeeded",
        "job.profile",
        "job.platform",
        "job.not_revoked",
        "profile.revocation",
        "signature.not_expired",
        "function.signing_job",
        "function.signing_profile",
        "function.code_sha256",
    }
)

__all__ = ["LATEST_CHECKS", "LinkResult", "is_current_build", "judge_version"]
