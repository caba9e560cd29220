"""``signed-lambda repair``: put each failing function back on its signed build.

The only module of the verifier that changes AWS (the collector stays read-only; a test holds
both to that). After an out-of-band change Terraform may see nothing (code swapped outside it,
AWS provider >= 5.51), so ``make deploy`` says "No changes" while ``verify`` keeps failing.
Repair, in order:

1. runs the verifier (:func:`verifier.api.verify`) and stops when every check passes;
2. refuses, changing nothing, when the signed evidence itself is bad (revoked, expired,
   overwritten, missing, or not what the lock pins): a redeploy from it would deploy code that
   is not proven, and only a new signature helps (:data:`EVIDENCE_CHECKS`);
3. for each failing function: the pinned code signing config (the lock's policy and
   publishers, attached to the function), the declared configuration (handler, runtime,
   layers, environment, no file systems), then the code from the signed object's exact version
   (the one Signer wrote) with the declared architecture, each step waiting for Lambda;
4. runs the verifier again; the command exits with its code.

What repair does not change is named with what to do (:data:`LEFT_AS_IS`): published versions
and aliases (delete or repoint them), bucket versioning and the source (``make deploy``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from verifier.api import Plan, stderr, verify
from verifier.checks.findings import Finding, Reason, Report, Status
from verifier.collect.aws import AwsReader, client_config
from verifier.collect.targeted import Reads
from verifier.contract.manifest import FunctionManifest, environment_digest
from verifier.contract.targets import VerificationTarget
from verifier.errors import InputError, VerifierError
from verifier.evidence.model import SignedObjectEvidence
from verifier.exitcodes import ExitCode
from verifier.session import AwsSession

#: Failing (or unprovable) checks that mean the signed evidence itself is bad. Repair refuses:
#: redeploying from that evidence would deploy code that is not proven.
EVIDENCE_CHECKS = frozenset(
    {
        "lock.anchor",
        "job.succeeded",
        "job.platform",
        "job.profile",
        "job.source",
        "job.destination",
        "job.not_revoked",
        "profile.revocation",
        "signature.not_expired",
        "object.exists",
        "object.not_overwritten",
        "layers.signed",
    }
)
#: What repair puts back, by the check that fails.
REPAIRED_CHECKS = frozenset(
    {
        "function.csc",
        "csc.policy",
        "csc.publishers",
        "function.configuration",
        "function.environment",
        "function.file_systems",
        "layers.declared",
        "function.signing_job",
        "function.signing_profile",
        "function.code_sha256",
    }
)
#: Failing checks repair leaves as they are, and what to do instead.
LEFT_AS_IS: Mapping[str, str] = {
    "function.exists": "deploy the stack (make deploy)",
    "function.state": "wait for the function's update to finish, then run repair again",
    "versions.signed": "delete the published version (aws lambda delete-function --qualifier N) "
    "or point its aliases at a proven one",
    "aliases.signed": "point the alias at a proven version",
    "alias.declared": "make deploy (Terraform puts the alias back as declared; make promote "
    "ends a canary)",
    "bucket.versioning": "make deploy (Terraform sees versioning and enables it again)",
    "source.provenance": "make deploy (this checkout's source is not what was signed)",
}
#: The botocore waiter for a function's update to settle (LastUpdateStatus Successful).
_UPDATED = "function_updated_v2"


class RepairRefused(VerifierError):
    """The signed evidence is bad: nothing was changed (exit 1, like the failed check)."""

    exit_code = ExitCode.FAILED


@dataclass(frozen=True)
class Change:
    """One change repair made: ``subject`` is a function key, or the CSC."""

    subject: str
    what: str

    @property
    def line(self) -> str:
        return f"repaired {self.subject}: {self.what}"


@dataclass
class Outcome:
    #: The verifier's report before repair.
    before: Report
    #: The verifier's report after repair (``before`` when nothing needed repair).
    after: Report
    changes: list[Change] = field(default_factory=list)
    #: Failing checks repair left as they are: one line each, with what to do.
    left: list[str] = field(default_factory=list)


def _failing(report: Report) -> list[Finding]:
    return [f for f in report.findings if f.status in (Status.FAIL, Status.ERROR)]


def _refuse_bad_evidence(failing: Sequence[Finding]) -> None:
    bad = [f for f in failing if f.check_id in EVIDENCE_CHECKS]
    if not bad:
        return
    first = bad[0]
    named = ", ".join(sorted({f"{f.function}: {f.check_id}" for f in bad}))
    raise RepairRefused(
        f"refusing to repair: the signed evidence itself is bad ({named}; {first.actual})",
        "only a redeploy with a new signature helps (README, 'A way back'); nothing was changed",
    )


def _refuse_unpinned_declarations(findings: Sequence[Finding]) -> None:
    """Repair puts back what the outputs declare: only what the lock pins, never a
    declaration from Terraform state alone (a lock that predates pinned declarations)."""
    if any(
        f.check_id == "lock.anchor" and f.reason is Reason.DECLARATIONS_UNPINNED for f in findings
    ):
        raise RepairRefused(
            "refusing to repair: the lock does not pin the functions' declarations, so what "
            "repair would put back comes from Terraform state alone; nothing was changed",
            "run `make lock`, review the diff of the declarations and commit it, then repair",
        )


def declared_environment(
    declared: FunctionManifest, live: Mapping[str, str]
) -> tuple[dict[str, str], list[str]]:
    """The live environment without the variables the config does not declare, and the
    declared variables repair cannot put back: the manifest declares each value by its digest
    only, so a changed or missing one is left as it is for ``make deploy`` (Terraform sees the
    environment)."""
    digests = dict(declared.environment)
    kept = {name: value for name, value in live.items() if name in digests}
    unrestored = [
        name
        for name in sorted(digests)
        if name not in kept or environment_digest(kept[name]) != digests[name]
    ]
    return kept, unrestored


class Repairer:
    """The mutating calls, through one Lambda client of the session."""

    def __init__(self, session: AwsSession, plan: Plan, progress: Callable[[str], None]) -> None:
        self.plan = plan
        self.progress = progress
        self.lambda_ = session.client("lambda", region_name=plan.region, config=client_config())
        # Reads go through the verifier's read-only access layer.
        self.reader = Reads(AwsReader(session, region=plan.region))
        #: Declared variables whose value repair could not put back, by function key.
        self.unrestored: dict[str, list[str]] = {}
        self.changes: list[Change] = []

    def changed(self, subject: str, what: str) -> None:
        change = Change(subject, what)
        self.changes.append(change)
        self.progress(change.line)

    def wait(self, name: str) -> None:
        self.lambda_.get_waiter(_UPDATED).wait(
            FunctionName=name, WaiterConfig={"Delay": 1, "MaxAttempts": 300}
        )

    # 3a. The pinned CSC: its policy and publishers as the lock pins them (once per stack).
    def pinned_csc(self, target: VerificationTarget) -> None:
        csc = self.lambda_.get_code_signing_config(CodeSigningConfigArn=target.csc_arn)[
            "CodeSigningConfig"
        ]
        publishers = sorted(target.trust.profile_version_arns)
        policy = target.expected_policy.value
        live_publishers = sorted(csc["AllowedPublishers"]["SigningProfileVersionArns"])
        live_policy = csc["CodeSigningPolicies"]["UntrustedArtifactOnDeployment"]
        if (live_publishers, live_policy) == (publishers, policy):
            return
        self.lambda_.update_code_signing_config(
            CodeSigningConfigArn=target.csc_arn,
            AllowedPublishers={"SigningProfileVersionArns": publishers},
            CodeSigningPolicies={"UntrustedArtifactOnDeployment": policy},
        )
        if live_policy != policy:
            self.changed("code signing config", f"policy {live_policy} -> {policy}")
        if live_publishers != publishers:
            self.changed(
                "code signing config",
                f"allowed publishers {', '.join(live_publishers)} -> {', '.join(publishers)}",
            )

    def function(self, target: VerificationTarget) -> None:
        declared = target.declared
        if declared is None:  # plans from outputs always declare; flag mode is refused
            raise InputError("repair needs the stack's declaration: pass --outputs")
        name, key = target.function_name, target.key
        # 3b. The pinned CSC attached.
        attached = self.lambda_.get_function_code_signing_config(FunctionName=name)
        if attached.get("CodeSigningConfigArn") != target.csc_arn:
            self.lambda_.put_function_code_signing_config(
                CodeSigningConfigArn=target.csc_arn, FunctionName=name
            )
            self.changed(
                key,
                f"code signing config {attached.get('CodeSigningConfigArn') or 'none'} -> "
                f"{target.csc_arn}",
            )
        # 3c. The declared configuration.
        live = self.lambda_.get_function(FunctionName=name)["Configuration"]
        layer_arns = {layer.key: layer.layer_version_arn for layer in target.declared_layers}
        wanted_layers = [layer_arns[key_] for key_ in declared.layers]
        live_env = (live.get("Environment") or {}).get("Variables") or {}
        wanted_env, unrestored = declared_environment(declared, live_env)
        if unrestored:
            self.unrestored[key] = unrestored
        update: dict[str, Any] = {}
        if live.get("Handler") != declared.handler:
            update["Handler"] = declared.handler
        if live.get("Runtime") != declared.runtime:
            update["Runtime"] = declared.runtime
        if [layer["Arn"] for layer in live.get("Layers", [])] != wanted_layers:
            update["Layers"] = wanted_layers
        if live_env != wanted_env:
            update["Environment"] = {"Variables": wanted_env}
        if live.get("FileSystemConfigs"):
            update["FileSystemConfigs"] = []  # none is declared
        if update:
            self.lambda_.update_function_configuration(FunctionName=name, **update)
            self.changed(key, f"configuration: {', '.join(sorted(update))} as declared")
            self.wait(name)
        # 3d. The code: the signed object's exact version, the declared architecture.
        signed = self.reader.signed_object(target.signed_bucket or "", target.signed_key or "")
        if not isinstance(signed, SignedObjectEvidence) or signed.signed_sha256 is None:
            raise RepairRefused(
                f"refusing to repair {key}: its signed object "
                f"s3://{target.signed_bucket}/{target.signed_key} cannot be read",
                "only a redeploy with a new signature helps; the changes above were made",
            )
        architectures = list(declared.architectures)
        if (
            live.get("CodeSha256") == signed.signed_sha256
            and live.get("Architectures") == (architectures)
            and live.get("SigningJobArn", "").endswith(f"/{target.job_id}")
        ):
            return
        self.lambda_.update_function_code(
            FunctionName=name,
            S3Bucket=signed.bucket,
            S3Key=signed.key,
            S3ObjectVersion=signed.signed_version,
            Architectures=architectures,
        )
        self.changed(
            key,
            f"code {live.get('CodeSha256')} -> {signed.signed_sha256} "
            f"(s3://{signed.bucket}/{signed.key} version {signed.signed_version})",
        )
        self.wait(name)


def repair(plan: Plan, session: AwsSession, *, progress: Callable[[str], None] = stderr) -> Outcome:
    """Verify; refuse on bad evidence; put the failing functions back; verify again."""
    if plan.from_flags:
        raise InputError("repair needs the stack's declaration: pass --outputs")
    # 1. What fails now.
    before = verify(plan, session, progress=progress)
    failing = _failing(before)
    if not failing:
        return Outcome(before=before, after=before)
    # 2. Bad evidence, or a declaration the lock does not pin: change nothing.
    _refuse_bad_evidence(failing)
    _refuse_unpinned_declarations(before.findings)
    # 3. Put back what repair can.
    repairer = Repairer(session, plan, progress)
    keys = {f.function for f in failing if f.check_id in REPAIRED_CHECKS}
    targets = [t for t in plan.targets if t.key in keys]
    if targets:
        repairer.pinned_csc(targets[0])
    for target in targets:
        repairer.function(target)
    left = sorted(
        {
            f"not repaired {f.function}: {f.check_id}: {LEFT_AS_IS.get(f.check_id, f.remediation)}"
            for f in failing
            if f.check_id not in REPAIRED_CHECKS
        }
        | {
            f"not repaired {key}: function.environment: {', '.join(names)} declared by digest "
            "only, so its value cannot be put back: make deploy (Terraform sees the environment)"
            for key, names in repairer.unrestored.items()
        }
    )
    # 4. The proof again.
    after = verify(plan, session, progress=progress) if repairer.changes else before
    return Outcome(before=before, after=after, changes=repairer.changes, left=left)
