"""Every check in every mode it runs in: a passing and a non-passing case, from evidence built
by hand (verifier.checks.rules).

``builders.world(mode)`` passes every check registered for ``mode``; each case below breaks
exactly one fact of it. The covered (check, mode) pairs are asserted to be the registry's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import timedelta

import pytest

from tests.verifier import builders as b
from tests.verifier.builders import World
from verifier.checks import rules
from verifier.checks.environment import CODE_LOADING_ENVIRONMENT
from verifier.checks.findings import Finding, Reason, Severity, Status
from verifier.checks.judge import evaluate, region_findings
from verifier.checks.registry import (
    REGISTRY,
    Check,
    Mode,
    NotEvaluated,
    Verdict,
    checks_for,
)
from verifier.contract.lock import Declarations
from verifier.contract.manifest import AliasManifest, environment_digest
from verifier.contract.targets import Policy, Trust
from verifier.evidence.model import (
    LATEST,
    AliasEvidence,
    BucketVersioningEvidence,
    Missing,
    ProvenanceEvidence,
    RevocationEvidence,
    RevocationStatusEvidence,
    Unavailable,
)

MANIFEST, FLAGS, FLEET = Mode.MANIFEST, Mode.FLAGS, Mode.FLEET
ALL = (MANIFEST, FLAGS, FLEET)
TARGETED = (MANIFEST, FLAGS)
EFS_ACCESS_POINT = (
    f"arn:aws:elasticfilesystem:{b.REGION}:{b.ACCOUNT}:access-point/fsap-0123456789abcdef0"
)


def run(check_id: str, w: World) -> list[Finding]:
    """The check's findings when the whole registry runs over the world (both stages)."""
    return [f for f in w.findings() if f.check_id == check_id]


def one(check_id: str, w: World, code_path: str | None = None) -> Finding:
    """The single finding of a check (for one code path, if given)."""
    found = [f for f in run(check_id, w) if code_path is None or f.code_path == code_path]
    assert len(found) == 1, found
    return found[0]


def statuses(check_id: str, w: World) -> set[Status]:
    return {finding.status for finding in run(check_id, w)}


def actual(check_id: str, w: World) -> str:
    return " | ".join(finding.actual for finding in run(check_id, w))


def by_path(check_id: str, w: World) -> dict[str | None, Status]:
    return {f.code_path: f.status for f in run(check_id, w)}


def lock_changed(mode: Mode, **changes: object) -> World:
    """The lock pins something other than the outputs (flags: other than the flags)."""
    trust = b.trust(b.lock_entry(**changes))
    chosen = b.target(trust=trust) if mode is MANIFEST else b.flags_target(trust=trust)
    return b.world(mode, target=chosen)


def outputs_declare(**changes: object) -> World:
    """The stack's outputs (state) declare ``hello`` otherwise than the lock pins it; the
    function's declaration, as every later check reads it, follows the outputs."""
    function = b.function_manifest(**changes)
    declared = Declarations.of(b.manifest(functions=(function,)))
    return b.world(MANIFEST, target=b.target(declared=function, stack_declarations=declared))


def pinning_previous(mode: Mode, **changes: object) -> World:
    """A rotation window: the lock pins the previous and the current profile version."""
    arns = (b.PROFILE_VERSION_ARN, b.PREVIOUS_PROFILE_VERSION_ARN)
    trust = b.trust(b.lock_entry(signing_profile_version_arns=arns))
    if mode is FLEET:
        return b.world(mode, context=b.context(mode=mode, trust=trust), **changes)
    chosen = b.target(trust=trust) if mode is MANIFEST else b.flags_target(trust=trust)
    return b.world(mode, target=chosen, **changes)


def signed_by_previous_version(mode: Mode, **changes: object) -> World:
    """The expected job was signed by the profile's previous (still pinned) version, while the
    name's current version is another: its revocation is that version's own status."""
    return pinning_previous(mode, job=b.job(profile_version=b.PREVIOUS_PROFILE_VERSION), **changes)


def other_bytes_uploaded(mode: Mode = MANIFEST) -> World:
    return b.world(
        mode,
        signed_object=b.signed_object(
            versions=(
                b.signed_version(version_id="evil", last_modified=b.NOW - timedelta(days=1)),
                b.signed_version(is_latest=False),
            ),
            sha256_by_version={b.SIGNED_VERSION: b.PACKAGE_SHA256, "evil": b.TAMPERED_SHA256},
        ),
    )


def earlier_version_published(
    mode: Mode, *, allow: bool, version: dict[str, object] | None = None, **earlier_job: object
) -> World:
    """Version 1 runs the current build, version 2 an earlier one; ``canary`` sends 10% to 2."""
    jobs = {
        b.JOB_ID: b.job(),
        b.LAYER_JOB_ID: b.layer_job(),
        b.EARLIER_JOB_ID: b.earlier_job(**earlier_job),
    }
    changes: dict[str, object] = {}
    if mode is MANIFEST:
        changes["target"] = b.target(declared=b.function_manifest(allow_earlier_versions=allow))
    return b.world(
        mode,
        earlier=True,
        jobs=jobs,
        versions=(b.code_path("1"), b.earlier_version("2", **(version or {}))),
        aliases=(
            AliasEvidence("live", "1"),
            AliasEvidence("canary", "1", additional_weights=(("2", 0.1),)),
        ),
        **changes,
    )


def alias_declared_world(
    *aliases: AliasEvidence, canary_percent: int | None = None, **pieces: object
) -> World:
    """Version 1 runs the current build, version 2 an earlier one (the function publishes);
    the stack declares the alias ``live``."""
    declared = b.function_manifest(
        publish=True, alias=AliasManifest("live", canary_percent=canary_percent)
    )
    pieces.setdefault("aliases", aliases)
    return b.world(
        MANIFEST,
        earlier=True,
        versions=(b.code_path("1"), b.earlier_version("2")),
        target=b.target(declared=declared),
        **pieces,
    )


def listing_failed(mode: Mode) -> World:
    w = b.world(mode)
    failed = (Unavailable("ListFunctions", "ThrottlingException: slow down", "Throttling"),)
    return replace(w, evidence=replace(w.evidence, listing_errors=failed))


def empty_region(mode: Mode) -> World:
    w = b.world(mode)
    return replace(w, evidence=replace(w.evidence, functions=()))


def denied(operation: str) -> Unavailable:
    return Unavailable(operation, "AccessDeniedException: no", "AccessDeniedException")


# --- the registry -----------------------------------------------------------------------------

#: Every (check, mode) pair the registry declares.
REGISTERED = {(c.id, mode) for c in REGISTRY.values() for mode in c.modes}
#: Checks the fleet evaluates over a whole account-region, not per function.
REGION_CHECKS = {c.id for c in REGISTRY.values() if c.scope == "region"}


@pytest.mark.parametrize("check_id", sorted(REGISTRY))
def test_every_check_has_id_title_severity_remediation_and_modes(check_id: str) -> None:
    registered = REGISTRY[check_id]
    assert registered.id == check_id
    assert registered.title.strip()
    assert isinstance(registered.severity, Severity)
    assert len(registered.remediation.strip()) > 20
    assert registered.modes and registered.modes <= set(Mode)
    if check_id in REGION_CHECKS:
        assert registered.scope == "region" and registered.evaluate is None
    else:
        assert registered.scope in ("function", "path") and callable(registered.evaluate)


@pytest.mark.parametrize("mode", list(Mode))
def test_the_builders_world_passes_every_check_of_its_mode(mode: Mode) -> None:
    findings = b.world(mode).findings()
    expected = {c.id for c in checks_for(mode)} - REGION_CHECKS
    assert {f.check_id for f in findings} == expected
    assert [f for f in findings if f.status is not Status.PASS] == []


@pytest.mark.parametrize(
    ("check_id", "mode"),
    sorted((c, m) for c, m in REGISTERED if c not in REGION_CHECKS),
    ids=lambda value: str(value),
)
def test_every_check_passes_on_good_evidence(check_id: str, mode: Mode) -> None:
    findings = run(check_id, b.world(mode))
    assert findings, "a check gives at least one verdict"
    function = b.FUNCTION_KEY if mode is MANIFEST else b.FUNCTION_NAME
    for finding in findings:
        assert finding.status is Status.PASS, finding
        assert finding.reason is Reason.PROVEN
        assert finding.function == function
        assert (finding.account, finding.region) == (b.ACCOUNT, b.REGION)
        assert finding.severity is REGISTRY[check_id].severity
        assert finding.resource and finding.expected and finding.actual
    if REGISTRY[check_id].scope == "path":
        # Per code path: $LATEST and the published version, each tagged.
        assert {f.code_path for f in findings} == {LATEST, "1"}


def test_the_fleets_region_checks_pass_where_there_is_nothing_to_doubt() -> None:
    """fleet.listed reports only a listing that failed; fleet.scope passes an empty Region
    (most of an account's Regions are empty; a run that found no function anywhere is
    nothing_found_anywhere's error, the world's case below)."""
    complete = b.world(FLEET).findings()
    assert [f for f in complete if f.check_id in REGION_CHECKS] == []
    w = empty_region(FLEET)
    (scope,), _ = region_findings(w.evidence, w.context, None, judged=0, listed=0)
    assert (scope.check_id, scope.status, scope.reason) == (
        "fleet.scope",
        Status.PASS,
        Reason.EMPTY_REGION,
    )


# --- one non-passing case (at least) per check and mode --------------------------------------


@dataclass(frozen=True)
class Case:
    check_id: str
    name: str
    modes: tuple[Mode, ...]
    world: Callable[[Mode], World]
    statuses: frozenset[Status]
    reason: Reason
    #: Words the findings' actual values must name.
    words: tuple[str, ...] = ()


def case(
    check_id: str,
    name: str,
    modes: tuple[Mode, ...],
    world: Callable[[Mode], World],
    statuses: set[Status],
    reason: Reason,
    *words: str,
) -> Case:
    return Case(check_id, name, modes, world, frozenset(statuses), reason, words)


FAIL, WARN, ERROR, PASS = {Status.FAIL}, {Status.WARN}, {Status.ERROR}, Status.PASS
CASES: list[Case] = [
    # 0. trust
    case(
        "lock.anchor",
        "lock pins another CSC",
        TARGETED,
        lambda m: lock_changed(m, code_signing_config_arn=b.OTHER_CSC_ARN),
        FAIL,
        Reason.LOCK_MISMATCH,
        f"CSC: outputs {b.CSC_ARN}, lock {b.OTHER_CSC_ARN}",
    ),
    case(
        "lock.anchor",
        "outputs declare an environment variable the lock does not",
        (MANIFEST,),
        lambda m: outputs_declare(
            environment=(
                *b.function_manifest().environment,
                ("BASH_ENV", environment_digest("/tmp/x")),
            )
        ),
        FAIL,
        Reason.LOCK_MISMATCH,
        f"{b.FUNCTION_KEY}.environment: outputs declare BASH_ENV, the lock does not",
    ),
    case(
        "lock.anchor",
        "outputs allow earlier versions, the lock does not",
        (MANIFEST,),
        lambda m: outputs_declare(allow_earlier_versions=True),
        FAIL,
        Reason.LOCK_MISMATCH,
        f"{b.FUNCTION_KEY}.allow_earlier_versions: outputs true, lock false",
    ),
    case(
        "lock.anchor",
        "a lock written before declarations were pinned",
        (MANIFEST,),
        lambda m: lock_changed(m, declarations=None),
        WARN,
        Reason.DECLARATIONS_UNPINNED,
        "make lock",
        "Terraform state",
    ),
    case(
        "lock.anchor",
        "--no-lock",
        (MANIFEST,),
        lambda m: b.world(
            m,
            target=b.target(
                trust=Trust(frozenset({b.PROFILE_VERSION_ARN}), "outputs", anchored=False)
            ),
        ),
        WARN,
        Reason.NO_LOCK,
        "--no-lock",
        "Terraform state",
    ),
    # 1. the function
    case(
        "function.exists",
        "missing",
        TARGETED,
        lambda m: b.world(m, latest=Missing("function", b.FUNCTION_NAME)),
        FAIL,
        Reason.FUNCTION_MISSING,
        "does not exist",
    ),
    case(
        "function.state",
        "Inactive",
        TARGETED,
        lambda m: b.world(m, latest=b.latest(state="Inactive", state_reason="idle")),
        WARN,
        Reason.INACTIVE,
        "Inactive (idle)",
    ),
    case(
        "function.state",
        "update in progress",
        TARGETED,
        lambda m: b.world(m, latest=b.latest(last_update_status="InProgress")),
        ERROR,
        Reason.UNREADABLE,
        "LastUpdateStatus is InProgress",
    ),
    case(
        "function.csc",
        "another CSC",
        TARGETED,
        lambda m: b.world(m, csc_attachment=b.OTHER_CSC_ARN),
        FAIL,
        Reason.OTHER_CSC,
        b.OTHER_CSC_ARN,
    ),
    case(
        "function.csc",
        "no CSC",
        ALL,
        lambda m: b.world(m, csc_attachment=None),
        FAIL,
        Reason.NO_CSC,
        "no code signing config attached",
    ),
    case(
        "function.csc",
        "attachment unreadable",
        ALL,
        lambda m: b.world(m, csc_attachment=denied("ListFunctionsByCodeSigningConfig")),
        ERROR,
        Reason.UNREADABLE,
        "ListFunctionsByCodeSigningConfig: AccessDeniedException",
    ),
    # 2. the CSC
    case(
        "csc.policy",
        "Warn where Enforce is expected",
        ALL,
        lambda m: b.world(m, csc=b.csc(policy="Warn")),
        FAIL,
        Reason.POLICY_WARN,
        "Warn",
    ),
    case(
        "csc.policy",
        "CSC missing",
        ALL,
        lambda m: b.world(m, csc=Missing("code signing config", b.CSC_ARN)),
        FAIL,
        Reason.CSC_MISSING,
        "does not exist",
    ),
    case(
        "csc.publishers",
        "an extra unpinned publisher",
        ALL,
        lambda m: b.world(
            m, csc=b.csc(allowed_publishers=(b.PROFILE_VERSION_ARN, b.OTHER_PROFILE_VERSION_ARN))
        ),
        FAIL,
        Reason.UNTRUSTED_PUBLISHER,
        f"also allows unpinned: {b.OTHER_PROFILE_VERSION_ARN}",
    ),
    case(
        "csc.publishers",
        "the stack's current profile version not allowed",
        (MANIFEST,),
        lambda m: pinning_previous(
            m, csc=b.csc(allowed_publishers=(b.PREVIOUS_PROFILE_VERSION_ARN,))
        ),
        FAIL,
        Reason.PUBLISHER_NOT_ALLOWED,
        b.PREVIOUS_PROFILE_VERSION_ARN,
    ),
    case(
        "csc.publishers",
        "no publishers",
        ALL,
        lambda m: b.world(m, csc=b.csc(allowed_publishers=())),
        FAIL,
        Reason.PUBLISHER_NOT_ALLOWED,
        "no allowed publishers",
    ),
    # 3. the expected job
    case(
        "job.succeeded",
        "failed",
        TARGETED,
        lambda m: b.world(m, job=b.job(status="Failed", status_reason="bad zip")),
        FAIL,
        Reason.JOB_FAILED,
        "Failed (bad zip)",
    ),
    case(
        "job.succeeded",
        "missing",
        TARGETED,
        lambda m: b.world(m, job=Missing("signing job", b.JOB_ID)),
        FAIL,
        Reason.JOB_MISSING,
        "does not exist",
    ),
    case(
        "job.profile",
        "another profile",
        TARGETED,
        lambda m: b.world(m, job=b.job(profile_name=b.INTRUDER_PROFILE_NAME)),
        FAIL,
        Reason.UNPINNED_PROFILE,
        "profile intruder",
    ),
    case(
        "job.profile",
        "a pinned but not the current version",
        (MANIFEST,),
        signed_by_previous_version,
        FAIL,
        Reason.NOT_CURRENT_PROFILE,
        b.PREVIOUS_PROFILE_VERSION,
    ),
    case(
        "job.platform",
        "another platform",
        TARGETED,
        lambda m: b.world(m, job=b.job(platform_id="Notation-OCI-SHA384-ECDSA")),
        FAIL,
        Reason.WRONG_PLATFORM,
        "Notation-OCI-SHA384-ECDSA",
    ),
    case(
        "job.platform",
        "the manifest names another platform",
        (MANIFEST,),
        lambda m: b.world(m, target=b.target(platform_id="Notation-OCI-SHA384-ECDSA")),
        FAIL,
        Reason.WRONG_PLATFORM,
        "manifest expects Notation-OCI-SHA384-ECDSA",
    ),
    case(
        "job.source",
        "another object version",
        (MANIFEST,),
        lambda m: b.world(m, job=b.job(source_version="v2")),
        FAIL,
        Reason.OTHER_SOURCE,
        "versionId=v2",
    ),
    case(
        "job.source",
        "unpinned source",
        (FLAGS,),
        lambda m: b.world(m, job=b.job(source_version=None)),
        FAIL,
        Reason.OTHER_SOURCE,
        "versionId=None",
    ),
    case(
        "job.destination",
        "another signed key",
        (MANIFEST,),
        lambda m: b.world(m, job=b.job(signed_key="signed/x.zip")),
        FAIL,
        Reason.OTHER_DESTINATION,
        "signed/x.zip",
    ),
    case(
        "job.destination",
        "no signed object",
        (FLAGS,),
        lambda m: b.world(m, job=b.job(signed_key=None)),
        FAIL,
        Reason.OTHER_DESTINATION,
        "reports no signed object",
    ),
    # 4. provenance
    case(
        "source.provenance",
        "the function's source changed",
        (MANIFEST,),
        lambda m: b.world(m, provenance=b.provenance(built_sha256="0" * 64)),
        {Status.FAIL, Status.PASS},
        Reason.SOURCE_CHANGED,
        "function hello was changed and not deployed",
    ),
    case(
        "source.provenance",
        "a source file changed, the dependencies not rebuilt here",
        (MANIFEST,),
        lambda m: b.world(
            m,
            provenance=b.provenance(
                built_sha256=None,
                differing_entries=("requirements.txt",),
                not_rebuilt="no file of purelib==9.9 on the package index",
            ),
        ),
        {Status.FAIL, Status.PASS},
        Reason.SOURCE_CHANGED,
        "1 file differ: requirements.txt; its dependencies were not rebuilt here (no file of",
    ),
    case(
        "source.provenance",
        "no --source",
        (MANIFEST,),
        lambda m: b.world(m, provenance=None),
        WARN,
        Reason.SOURCE_UNCHECKED,
        "no --source checkout given",
    ),
    # 5. revocation and expiry
    case(
        "job.not_revoked",
        "revoked",
        TARGETED,
        lambda m: b.world(
            m, job=b.job(revocation=RevocationEvidence("key leaked", b.NOW - timedelta(days=1)))
        ),
        FAIL,
        Reason.JOB_REVOKED,
        "key leaked",
    ),
    case(
        "profile.revocation",
        "revoked before the signature",
        TARGETED,
        lambda m: b.world(
            m,
            profile=b.profile(
                status="Revoked", revocation_effective_from=b.COMPLETED_AT - timedelta(days=1)
            ),
        ),
        FAIL,
        Reason.PROFILE_REVOKED,
        "so it is invalid",
    ),
    case(
        "profile.revocation",
        "Canceled",
        TARGETED,
        lambda m: b.world(m, profile=b.profile(status="Canceled")),
        WARN,
        Reason.PROFILE_CANCELED,
        "Canceled",
        "stay valid",
    ),
    case(
        "profile.revocation",
        "another version's revocation status not collected",
        TARGETED,
        signed_by_previous_version,
        ERROR,
        Reason.UNREADABLE,
        "could not be established",
    ),
    case(
        "signature.not_expired",
        "expired",
        TARGETED,
        lambda m: b.world(m, job=b.job(signature_expires_at=b.NOW - timedelta(seconds=1))),
        FAIL,
        Reason.EXPIRED,
        "expired",
    ),
    case(
        "signature.not_expired",
        "inside the warning window",
        TARGETED,
        lambda m: b.world(m, job=b.job(signature_expires_at=b.NOW + timedelta(days=10))),
        WARN,
        Reason.EXPIRES_SOON,
        "in 10 days",
    ),
    # 6. the signed object
    case(
        "bucket.versioning",
        "suspended",
        TARGETED,
        lambda m: b.world(m, bucket_versioning=BucketVersioningEvidence(b.BUCKET, "Suspended")),
        FAIL,
        Reason.VERSIONING_OFF,
        "Suspended",
    ),
    case(
        "bucket.versioning",
        "never enabled",
        TARGETED,
        lambda m: b.world(m, bucket_versioning=BucketVersioningEvidence(b.BUCKET, None)),
        FAIL,
        Reason.VERSIONING_OFF,
        "never enabled",
    ),
    case(
        "bucket.versioning",
        "missing",
        TARGETED,
        lambda m: b.world(m, bucket_versioning=Missing("bucket", b.BUCKET)),
        FAIL,
        Reason.BUCKET_MISSING,
        "does not exist",
    ),
    case(
        "object.exists",
        "missing",
        TARGETED,
        lambda m: b.world(m, signed_object=Missing("signed object", b.SIGNED_KEY)),
        FAIL,
        Reason.OBJECT_MISSING,
        "does not exist",
    ),
    case(
        "object.exists",
        "deleted",
        TARGETED,
        lambda m: b.world(
            m,
            signed_object=b.signed_object(
                versions=(
                    b.signed_version(version_id="dm", is_latest=True, is_delete_marker=True),
                    b.signed_version(is_latest=False),
                )
            ),
        ),
        FAIL,
        Reason.OBJECT_DELETED,
        "delete marker",
    ),
    case(
        "object.not_overwritten",
        "other bytes uploaded to the signed key",
        TARGETED,
        other_bytes_uploaded,
        FAIL,
        Reason.OVERWRITTEN,
        f"evil hold other bytes than the signed version {b.SIGNED_VERSION}",
    ),
    case(
        "object.not_overwritten",
        "identical re-upload",
        TARGETED,
        lambda m: b.world(
            m,
            signed_object=b.signed_object(
                versions=(
                    b.signed_version(version_id="again", last_modified=b.NOW - timedelta(days=1)),
                    b.signed_version(is_latest=False),
                ),
                sha256_by_version={b.SIGNED_VERSION: b.PACKAGE_SHA256, "again": b.PACKAGE_SHA256},
            ),
        ),
        WARN,
        Reason.REUPLOADED,
        "1 later version(s) with the signed bytes (again)",
    ),
    case(
        "object.not_overwritten",
        "a later version beyond the byte bound",
        TARGETED,
        lambda m: b.world(
            m,
            signed_object=b.signed_object(
                versions=(
                    b.signed_version(version_id="later", last_modified=b.NOW),
                    b.signed_version(is_latest=False),
                ),
                unread_versions=("later",),
                unread_reason="beyond the 1024 MiB read for the key's history",
            ),
        ),
        ERROR,
        Reason.UNREADABLE,
        "1 later version(s) of",
        "were not read (beyond the 1024 MiB read for the key's history)",
        "unknown: later",
    ),
    case(
        "object.not_overwritten",
        "the oldest version written outside the job's run",
        TARGETED,
        lambda m: b.world(
            m,
            signed_object=b.signed_object(
                versions=(b.signed_version(last_modified=b.COMPLETED_AT + timedelta(hours=1)),)
            ),
        ),
        FAIL,
        Reason.NOT_WRITTEN_BY_JOB,
        "not while the job ran",
    ),
    # 7. the running code is the signed object
    case(
        "function.signing_job",
        "another job",
        TARGETED,
        lambda m: b.world(m, latest=b.latest(signing_job_arn=b.EARLIER_JOB_ARN)),
        FAIL,
        Reason.OTHER_JOB,
        b.EARLIER_JOB_ARN,
    ),
    case(
        "function.signing_job",
        "deployed without validation",
        TARGETED,
        lambda m: b.world(m, latest=b.latest(signing_job_arn=None)),
        FAIL,
        Reason.NOT_VALIDATED,
        "no SigningJobArn",
    ),
    case(
        "function.signing_profile",
        "another profile",
        TARGETED,
        lambda m: b.world(
            m, latest=b.latest(signing_profile_version_arn=b.OTHER_PROFILE_VERSION_ARN)
        ),
        FAIL,
        Reason.UNPINNED_PROFILE,
        b.OTHER_PROFILE_VERSION_ARN,
    ),
    case(
        "function.signing_profile",
        "none",
        TARGETED,
        lambda m: b.world(m, latest=b.latest(signing_profile_version_arn=None)),
        FAIL,
        Reason.NOT_VALIDATED,
        "no SigningProfileVersionArn",
    ),
    case(
        "function.code_sha256",
        "code swapped",
        TARGETED,
        lambda m: b.world(m, latest=b.latest(code_sha256=b.TAMPERED_SHA256)),
        FAIL,
        Reason.CODE_MISMATCH,
        b.TAMPERED_SHA256,
    ),
    case(
        "code.signed",
        "code swapped",
        (FLEET,),
        lambda m: b.world(m, latest=b.latest(code_sha256=b.TAMPERED_SHA256)),
        {Status.FAIL, Status.PASS},
        Reason.CODE_MISMATCH,
        f"$LATEST: {b.FUNCTION_NAME}:$LATEST: CodeSha256 {b.TAMPERED_SHA256} is not the SHA-256",
    ),
    case(
        "code.signed",
        "deployed without validation",
        (FLEET,),
        lambda m: b.world(m, versions=(b.code_path("1", signing_job_arn=None),)),
        {Status.FAIL, Status.PASS},
        Reason.NOT_VALIDATED,
        "1: signed-lambda-hello:1: no SigningJobArn",
    ),
    case(
        "code.signed",
        "a container image",
        (FLEET,),
        lambda m: b.world(m, latest=b.latest(package_type="Image"), versions=()),
        FAIL,
        Reason.CONTAINER_IMAGE,
        "a container image",
        "Notation",
    ),
    case(
        "code.signed",
        "a container image, allowed",
        (FLEET,),
        lambda m: b.world(
            m,
            latest=b.latest(package_type="Image"),
            versions=(),
            context=b.context(mode=m, allow_container_images=True),
        ),
        WARN,
        Reason.CONTAINER_IMAGE,
        "a container image",
    ),
    # 8. what else decides which code runs
    case(
        "function.configuration",
        "another handler in a published version",
        (MANIFEST,),
        lambda m: b.world(m, versions=(b.code_path("1", handler="evil.handler"),)),
        {Status.FAIL, Status.PASS},
        Reason.CONFIG_MISMATCH,
        f"handler evil.handler (declared {b.HANDLER})",
    ),
    case(
        "function.environment",
        "an undeclared variable",
        (MANIFEST,),
        lambda m: b.world(m, latest=b.latest(environment=(*b.ENVIRONMENT, ("TABLE", "t1")))),
        {Status.FAIL, Status.PASS},
        Reason.ENV_UNDECLARED,
        "TABLE (not declared)",
    ),
    case(
        "function.environment",
        "an exec wrapper in a published version",
        ALL,
        lambda m: b.world(
            m,
            versions=(
                b.code_path(
                    "1", environment=(*b.ENVIRONMENT, ("AWS_LAMBDA_EXEC_WRAPPER", "/opt/w"))
                ),
            ),
        ),
        {Status.FAIL, Status.PASS},
        Reason.ENV_CODE_LOADING,
        "AWS_LAMBDA_EXEC_WRAPPER",
        "makes the runtime load code",
    ),
    case(
        "function.file_systems",
        "an EFS access point mounted",
        TARGETED,
        lambda m: b.world(m, latest=b.latest(file_systems=(EFS_ACCESS_POINT,))),
        {Status.FAIL, Status.PASS},
        Reason.FILE_SYSTEM,
        f"mounts {EFS_ACCESS_POINT}",
    ),
    case(
        "function.file_systems",
        "an EFS access point mounted (the fleet warns)",
        (FLEET,),
        lambda m: b.world(m, latest=b.latest(file_systems=(EFS_ACCESS_POINT,))),
        {Status.WARN, Status.PASS},
        Reason.FILE_SYSTEM,
        f"mounts {EFS_ACCESS_POINT}",
    ),
    case(
        "layers.declared",
        "an undeclared layer",
        (MANIFEST,),
        lambda m: b.world(
            m,
            latest=b.latest(
                layers=(b.layer_ref(), b.layer_ref(arn=f"{b.LAYER_VERSION_ARN[:-2]}:evil:1"))
            ),
        ),
        {Status.FAIL, Status.PASS},
        Reason.LAYERS_MISMATCH,
        f"undeclared: {b.LAYER_VERSION_ARN[:-2]}:evil:1",
    ),
    case(
        "layers.declared",
        "the declared layer removed",
        (MANIFEST,),
        lambda m: b.world(m, latest=b.latest(layers=())),
        {Status.FAIL, Status.PASS},
        Reason.LAYERS_MISMATCH,
        "no layers",
    ),
    case(
        "layers.signed",
        "the layer's code is not its signed object",
        ALL,
        lambda m: b.world(
            m, layer_versions={b.LAYER_VERSION_ARN: b.layer_version(code_sha256="x")}
        ),
        FAIL,
        Reason.CODE_MISMATCH,
        f"is not the SHA-256 of signing job {b.LAYER_JOB_ID}'s signed object ({b.LAYER_SHA256})",
    ),
    # 9. every other code path
    case(
        "versions.signed",
        "an earlier build (not allowed)",
        TARGETED,
        lambda m: earlier_version_published(m, allow=False),
        {Status.PASS, Status.FAIL},
        Reason.NOT_CURRENT_BUILD,
        "signed, but not the current build",
        "(earlier versions are not allowed)",
    ),
    case(
        "aliases.signed",
        "weighted routing to an earlier build (not allowed)",
        TARGETED,
        lambda m: earlier_version_published(m, allow=False),
        {Status.PASS, Status.FAIL},
        Reason.ALIAS_UNPROVEN,
        "2 (10%): fail",
    ),
    case(
        "aliases.signed",
        "weighted routing to a version running other bytes",
        (FLEET,),
        lambda m: earlier_version_published(
            m, allow=True, version={"code_sha256": b.TAMPERED_SHA256}
        ),
        {Status.PASS, Status.FAIL},
        Reason.ALIAS_UNPROVEN,
        "alias canary routes to 1: pass; 2 (10%): fail",
    ),
    case(
        "alias.declared",
        "the declared alias rolled back to an earlier build",
        (MANIFEST,),
        lambda m: alias_declared_world(AliasEvidence("live", "2")),
        FAIL,
        Reason.ALIAS_NOT_DECLARED,
        "alias live routes to 2; the current build is 1",
    ),
    # the fleet as a whole
    case(
        "fleet.access",
        "an organization's account whose role cannot be assumed",
        (FLEET,),
        lambda m: replace(
            b.world(m), unreachable=(Reason.ROLE_NOT_ASSUMED, "cannot assume r: AccessDenied: no")
        ),
        ERROR,
        Reason.ROLE_NOT_ASSUMED,
        "not evaluated: cannot assume r: AccessDenied: no",
    ),
    case(
        "fleet.listed",
        "a listing failed",
        (FLEET,),
        listing_failed,
        ERROR,
        Reason.LISTING_FAILED,
        "ListFunctions failed: ThrottlingException",
    ),
    case(
        "fleet.scope",
        "no functions in the only Region",
        (FLEET,),
        empty_region,
        ERROR,
        Reason.NOTHING_FOUND,
        f"no Lambda functions found in {b.REGION}",
    ),
]


@pytest.mark.parametrize(
    ("mode", "item"),
    [
        pytest.param(mode, item, id=f"{item.check_id}-{mode.value}-{item.name}")
        for item in CASES
        for mode in item.modes
    ],
)
def test_check_does_not_pass(mode: Mode, item: Case) -> None:
    findings = run(item.check_id, item.world(mode))
    assert {f.status for f in findings} == item.statuses, findings
    assert {f.reason for f in findings if f.status is not Status.PASS} == {item.reason}
    found = " | ".join(f.actual for f in findings)
    for word in item.words:
        assert word in found
    for finding in findings:
        assert finding.expected and finding.actual and finding.resource
        assert finding.severity is REGISTRY[item.check_id].severity
        assert (finding.account, finding.region) == (b.ACCOUNT, b.REGION)


def test_every_check_has_a_non_passing_case_in_every_mode_it_runs_in() -> None:
    covered = {(item.check_id, mode) for item in CASES for mode in item.modes}
    assert covered == REGISTERED


# --- 0. the trust anchor ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"region": "eu-west-1"}, f"region: outputs {b.REGION}, lock eu-west-1"),
        ({"account_id": b.OTHER_ACCOUNT}, f"account: outputs {b.ACCOUNT}, lock {b.OTHER_ACCOUNT}"),
        (
            {"signing_profile_name": "other_profile"},
            f"signing profile: outputs {b.PROFILE_NAME}, lock other_profile",
        ),
        (
            {"signing_profile_version_arns": (b.PREVIOUS_PROFILE_VERSION_ARN,)},
            f"profile version: outputs {b.PROFILE_VERSION_ARN}, lock "
            f"{b.PREVIOUS_PROFILE_VERSION_ARN}",
        ),
        (
            {"code_signing_config_arn": b.OTHER_CSC_ARN},
            f"CSC: outputs {b.CSC_ARN}, lock {b.OTHER_CSC_ARN}",
        ),
        ({"policy": "Warn"}, "policy: outputs Enforce, lock Warn"),
    ],
    ids=["region", "account", "profile", "profile-version", "csc", "policy"],
)
def test_lock_disagreeing_with_the_outputs_fails_naming_both_values(
    change: dict[str, object], named: str
) -> None:
    finding = one("lock.anchor", lock_changed(MANIFEST, **change))
    assert finding.status is Status.FAIL
    assert named in finding.actual
    assert b.LOCK_FILE_NAME in finding.resource


def test_lock_pinning_a_previous_version_too_passes() -> None:
    w = pinning_previous(MANIFEST)
    assert one("lock.anchor", w).status is Status.PASS
    assert {f.status for f in w.findings()} == {Status.PASS}


def test_explicit_trusted_arns_pass_the_anchor() -> None:
    trust = Trust(frozenset({b.PROFILE_VERSION_ARN}), "--trusted-profile-version-arn")
    finding = one("lock.anchor", b.world(target=b.target(trust=trust)))
    assert finding.status is Status.PASS
    assert b.PROFILE_VERSION_ARN in finding.actual


def test_account_from_the_function_arn_is_compared_too() -> None:
    other = f"arn:aws:lambda:{b.REGION}:{b.OTHER_ACCOUNT}:function:{b.FUNCTION_NAME}"
    w = b.world(target=b.target(declared=b.function_manifest(function_arn=other)))
    finding = one("lock.anchor", w)
    assert finding.status is Status.FAIL
    assert f"account: outputs {b.OTHER_ACCOUNT}, lock {b.ACCOUNT}" in finding.actual


def test_account_of_the_live_function_is_compared_too() -> None:
    """Where the credentials actually looked: a function in another account than the lock's."""
    other = f"arn:aws:lambda:{b.REGION}:{b.OTHER_ACCOUNT}:function:{b.FUNCTION_NAME}"
    finding = one("lock.anchor", b.world(latest=b.latest(arn=other)))
    assert finding.status is Status.FAIL
    assert f"{b.OTHER_ACCOUNT}, lock {b.ACCOUNT}" in finding.actual


# --- 1. the function's state -----------------------------------------------------------------


@pytest.mark.parametrize("update", ["InProgress", "Failed"])
def test_unsettled_update_is_an_error_never_a_pass(update: str) -> None:
    w = b.world(latest=b.latest(last_update_status=update, last_update_status_reason="busy"))
    finding = one("function.state", w)
    assert finding.status is Status.ERROR
    assert f"LastUpdateStatus is {update} (busy)" in finding.actual
    assert finding.code_path == LATEST


@pytest.mark.parametrize("state", ["Pending", "Failed", None])
def test_unsettled_state_is_an_error(state: str | None) -> None:
    assert one("function.state", b.world(latest=b.latest(state=state))).status is Status.ERROR


def test_the_fleet_judges_any_attached_csc_by_its_own_record() -> None:
    """The fleet has no expected CSC: any attached one passes function.csc, and is then held
    to the fleet's policy and the trust; one that was not collected is an error."""
    w = b.world(FLEET, csc_attachment=b.OTHER_CSC_ARN)
    assert one("function.csc", w).status is Status.PASS
    assert statuses("csc.policy", w) == {Status.ERROR}
    assert statuses("csc.publishers", w) == {Status.ERROR}


# --- 2. the CSC ------------------------------------------------------------------------------


def test_enforce_where_warn_is_expected_warns() -> None:
    finding = one("csc.policy", b.world(target=b.target(expected_policy=Policy.WARN)))
    assert (finding.status, finding.reason) == (Status.WARN, Reason.POLICY_STRICTER)
    assert "stricter than expected" in finding.actual


def test_warn_as_expected_still_warns() -> None:
    w = b.world(target=b.target(expected_policy=Policy.WARN), csc=b.csc(policy="Warn"))
    finding = one("csc.policy", w)
    assert finding.status is Status.WARN
    assert "unsigned or untrusted code would deploy" in finding.actual


def test_the_fleet_policy_is_the_audits_expectation() -> None:
    w = b.world(
        FLEET, csc=b.csc(policy="Warn"), context=b.context(mode=FLEET, fleet_policy=Policy.WARN)
    )
    assert one("csc.policy", w).status is Status.WARN


@pytest.mark.parametrize("mode", list(Mode))
def test_rotation_window_publishers_pass(mode: Mode) -> None:
    arns = (b.PREVIOUS_PROFILE_VERSION_ARN, b.PROFILE_VERSION_ARN)
    w = pinning_previous(mode, csc=b.csc(allowed_publishers=arns))
    assert one("csc.publishers", w).status is Status.PASS


# --- 5. revocation and expiry: AWS's semantics -------------------------------------------------


@pytest.mark.parametrize(
    ("effective", "status"),
    [
        (b.COMPLETED_AT - timedelta(seconds=1), Status.FAIL),
        (b.COMPLETED_AT, Status.FAIL),  # at the signing time: invalid
        (b.COMPLETED_AT + timedelta(seconds=1), Status.WARN),
    ],
    ids=["before", "at", "after"],
)
def test_profile_revocation_effective_time_against_the_signing_time(
    effective: object, status: Status
) -> None:
    w = b.world(profile=b.profile(status="Revoked", revocation_effective_from=effective))
    assert one("profile.revocation", w).status is status
    # The layer was signed by the same profile version at the same time: judged the same way.
    assert statuses("layers.signed", w) == {status}


@pytest.mark.parametrize(
    ("effective", "status"),
    [(b.COMPLETED_AT - timedelta(days=1), Status.FAIL), (b.NOW, Status.WARN)],
    ids=["before-signing", "after-signing"],
)
def test_the_fleet_judges_revocation_the_same_way_in_code_signed(
    effective: object, status: Status
) -> None:
    w = b.world(FLEET, profile=b.profile(status="Revoked", revocation_effective_from=effective))
    assert statuses("code.signed", w) == {status}
    assert statuses("layers.signed", w) == {status}


def test_revoked_profile_without_an_effective_time_fails() -> None:
    w = b.world(profile=b.profile(status="Revoked"))
    assert one("profile.revocation", w).status is Status.FAIL


def test_missing_profile_fails() -> None:
    w = b.world(profile=Missing("signing profile", b.PROFILE_NAME))
    assert one("profile.revocation", w).status is Status.FAIL


def test_canceled_profile_warns_for_layers_too() -> None:
    w = b.world(profile=b.profile(status="Canceled"))
    assert one("profile.revocation", w).status is Status.WARN
    assert statuses("layers.signed", w) == {Status.WARN}


def test_revoked_layer_job_fails_the_layer_only() -> None:
    revoked = b.layer_job(revocation=RevocationEvidence("leaked", b.NOW - timedelta(days=1)))
    w = b.world(jobs={b.JOB_ID: b.job(), b.LAYER_JOB_ID: revoked})
    assert statuses("layers.signed", w) == {Status.FAIL}
    assert "was revoked" in actual("layers.signed", w)
    assert one("job.not_revoked", w).status is Status.PASS  # the function's own job is fine


def revocation_status(*, at_signature: bool, now: bool) -> RevocationStatusEvidence:
    revoked = frozenset({b.PREVIOUS_PROFILE_VERSION_ARN})
    return RevocationStatusEvidence(
        profile_version_arn=b.PREVIOUS_PROFILE_VERSION_ARN,
        job_arn=b.JOB_ARN,
        revoked_at_signature=revoked if at_signature else frozenset(),
        revoked_now=revoked if now else frozenset(),
    )


@pytest.mark.parametrize(
    ("at_signature", "now", "status", "reason"),
    [
        (False, False, Status.PASS, Reason.PROVEN),
        (False, True, Status.WARN, Reason.PROFILE_REVOKED_AFTER),
        (True, True, Status.FAIL, Reason.PROFILE_REVOKED),
    ],
    ids=["not-revoked", "revoked-after-signing", "revoked-before-signing"],
)
@pytest.mark.parametrize("mode", [MANIFEST, FLAGS])
def test_a_non_current_profile_version_is_judged_by_its_own_revocation_status(
    mode: Mode, at_signature: bool, now: bool, status: Status, reason: Reason
) -> None:
    """Never by the name's current version's record: here the current version is revoked
    (and would fail the job), yet the job's own version decides."""
    key = (b.PREVIOUS_PROFILE_VERSION_ARN, b.JOB_ID)
    w = signed_by_previous_version(
        mode,
        profile=b.profile(status="Revoked", revocation_effective_from=b.NOW - timedelta(days=400)),
        revocations={key: revocation_status(at_signature=at_signature, now=now)},
    )
    finding = one("profile.revocation", w)
    assert (finding.status, finding.reason) == (status, reason)
    assert finding.resource.endswith(f"/{b.PROFILE_NAME}/{b.PREVIOUS_PROFILE_VERSION}")


def test_the_current_versions_revocation_never_stands_in_for_another_version() -> None:
    """The current version is Active, the job's own version revoked before it signed: fail."""
    key = (b.PREVIOUS_PROFILE_VERSION_ARN, b.JOB_ID)
    w = signed_by_previous_version(
        MANIFEST, revocations={key: revocation_status(at_signature=True, now=True)}
    )
    assert one("profile.revocation", w).status is Status.FAIL


def test_unreadable_revocation_status_is_an_error() -> None:
    key = (b.PREVIOUS_PROFILE_VERSION_ARN, b.JOB_ID)
    w = signed_by_previous_version(MANIFEST, revocations={key: denied("GetRevocationStatus")})
    finding = one("profile.revocation", w)
    assert finding.status is Status.ERROR
    assert "GetRevocationStatus: AccessDeniedException" in finding.actual


def test_expiry_warning_window_is_configurable() -> None:
    w = b.world(
        job=b.job(signature_expires_at=b.NOW + timedelta(days=10)),
        context=b.context(expiry_warning_days=5),
    )
    assert one("signature.not_expired", w).status is Status.PASS


def test_missing_expiry_is_an_error_not_a_pass() -> None:
    w = b.world(job=b.job(signature_expires_at=None))
    assert one("signature.not_expired", w).status is Status.ERROR


# --- 6. the signed object --------------------------------------------------------------------


def test_an_unread_later_version_is_never_called_other_bytes() -> None:
    """Six identical re-uploads, only five hashed (the old false alarm): an ERROR naming the
    unread one, not a failure claiming the bytes differ."""
    later = [f"again{i}" for i in range(6)]
    w = b.world(
        signed_object=b.signed_object(
            versions=(
                *(
                    b.signed_version(version_id=v, is_latest=i == 0, last_modified=b.NOW)
                    for i, v in enumerate(later)
                ),
                b.signed_version(is_latest=False),
            ),
            sha256_by_version={
                b.SIGNED_VERSION: b.PACKAGE_SHA256,
                **{v: b.PACKAGE_SHA256 for v in later[:5]},
            },
            unread_versions=(later[5],),
        )
    )
    finding = one("object.not_overwritten", w)
    assert finding.status is Status.ERROR
    assert "other bytes" not in finding.actual
    assert later[5] in finding.actual and "were not read" in finding.actual


def test_other_bytes_are_a_failure_even_when_some_versions_are_unread() -> None:
    w = other_bytes_uploaded()
    obj = w.evidence.store.signed_objects[(b.BUCKET, b.SIGNED_KEY)]
    unread = b.signed_version(version_id="huge", is_latest=False, last_modified=b.NOW)
    assert not isinstance(obj, Missing | Unavailable)
    w = b.world(
        signed_object=replace(obj, versions=(unread, *obj.versions), unread_versions=("huge",))
    )
    assert one("object.not_overwritten", w).status is Status.FAIL


def test_code_matching_the_signed_version_after_an_overwrite_passes_the_code_check() -> None:
    w = other_bytes_uploaded()
    assert one("function.code_sha256", w).status is Status.PASS
    assert one("object.not_overwritten", w).status is Status.FAIL


def test_unhashed_signed_version_is_an_error() -> None:
    w = b.world(signed_object=b.signed_object(sha256_by_version={}))
    assert one("function.code_sha256", w).status is Status.ERROR
    assert one("object.not_overwritten", w).status is Status.ERROR


def test_job_arn_is_compared_by_job_id() -> None:
    other_partition = f"arn:aws-cn:signer:cn-north-1:{b.ACCOUNT}:/signing-jobs/{b.JOB_ID}"
    w = b.world(latest=b.latest(signing_job_arn=other_partition))
    assert one("function.signing_job", w).status is Status.PASS


# --- 8. configuration, environment, file systems, layers: per code path ----------------------


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"handler": "shared_util.handler"}, f"handler shared_util.handler (declared {b.HANDLER})"),
        ({"runtime": "python3.9"}, f"runtime python3.9 (declared {b.RUNTIME})"),
        ({"architectures": ("arm64",)}, "architectures arm64 (declared x86_64)"),
    ],
    ids=["handler", "runtime", "architectures"],
)
def test_configuration_differences_fail_on_the_code_path_that_has_them(
    change: dict[str, object], named: str
) -> None:
    on_latest = one("function.configuration", b.world(latest=b.latest(**change)), LATEST)
    assert on_latest.status is Status.FAIL
    assert named in on_latest.actual
    # A published version of that configuration fails on its own path, $LATEST passes.
    w = b.world(versions=(b.code_path("1", **change),))
    assert by_path("function.configuration", w) == {LATEST: Status.PASS, "1": Status.FAIL}
    assert one("function.configuration", w, "1").resource == f"{b.FUNCTION_ARN}:1"


@pytest.mark.parametrize("variable", sorted(CODE_LOADING_ENVIRONMENT))
def test_undeclared_code_loading_variable_fails_naming_it_never_its_value(variable: str) -> None:
    w = b.world(latest=b.latest(environment=(*b.ENVIRONMENT, (variable, "/tmp/secret-x"))))
    finding = one("function.environment", w, LATEST)
    assert (finding.status, finding.reason) == (Status.FAIL, Reason.ENV_CODE_LOADING)
    assert f"{variable} (not declared) (makes the runtime load code: " in finding.actual
    assert "secret-x" not in finding.actual + finding.expected


@pytest.mark.parametrize("variable", sorted(CODE_LOADING_ENVIRONMENT))
def test_declared_code_loading_variable_passes_with_its_value_only(variable: str) -> None:
    declared = b.function_manifest(
        environment=(
            ("LOG_LEVEL", environment_digest("debug")),
            (variable, environment_digest("/opt/lib")),
        )
    )
    environment = (("LOG_LEVEL", "debug"), (variable, "/opt/lib"))
    good = b.world(target=b.target(declared=declared), latest=b.latest(environment=environment))
    assert one("function.environment", good, LATEST).status is Status.PASS
    other = b.world(
        target=b.target(declared=declared),
        latest=b.latest(environment=(("LOG_LEVEL", "debug"), (variable, "/tmp/secret-x"))),
    )
    finding = one("function.environment", other, LATEST)
    assert finding.status is Status.FAIL
    assert f"{variable} (another value than declared)" in finding.actual
    assert "secret-x" not in finding.actual and "/opt/lib" not in finding.actual


@pytest.mark.parametrize("variable", sorted(CODE_LOADING_ENVIRONMENT))
def test_code_loading_variable_fails_without_a_declaration_unless_allowed(variable: str) -> None:
    environment = (("LOG_LEVEL", "debug"), (variable, "/tmp/secret-x"))
    for mode in (FLAGS, FLEET):
        finding = one(
            "function.environment", b.world(mode, latest=b.latest(environment=environment)), LATEST
        )
        assert (finding.status, finding.reason) == (Status.FAIL, Reason.ENV_CODE_LOADING)
        assert variable in finding.actual and "secret-x" not in finding.actual
    allowed = b.context(mode=FLEET, allowed_environment=frozenset({variable}))
    w = b.world(FLEET, latest=b.latest(environment=environment), context=allowed)
    finding = one("function.environment", w, LATEST)
    assert finding.status is Status.PASS
    assert finding.actual == f"allowed: {variable}"


def test_the_declaration_is_the_whole_environment() -> None:
    """Any variable the config does not declare fails in verify, code-loading or not; without
    a declaration (flags, the fleet) only code-loading ones do."""
    environment = (*b.ENVIRONMENT, ("TABLE", "t"), ("NODE_ENV", "production"))
    finding = one("function.environment", b.world(latest=b.latest(environment=environment)), LATEST)
    assert (finding.status, finding.reason) == (Status.FAIL, Reason.ENV_UNDECLARED)
    assert "NODE_ENV (not declared)" in finding.actual and "TABLE (not declared)" in finding.actual
    assert "production" not in finding.actual
    for mode in (FLAGS, FLEET):
        w = b.world(mode, latest=b.latest(environment=environment))
        assert one("function.environment", w, LATEST).status is Status.PASS


def test_a_declared_variable_that_is_not_set_fails() -> None:
    finding = one("function.environment", b.world(latest=b.latest(environment=())), LATEST)
    assert finding.status is Status.FAIL
    assert "LOG_LEVEL (declared but not set)" in finding.actual


@pytest.mark.parametrize("mode", list(Mode))
def test_a_variable_hidden_in_a_published_version_fails_that_version(mode: Mode) -> None:
    """$LATEST clean, the version behind an alias carrying BASH_ENV: that path fails, and the
    alias routing to it fails with it."""
    hidden = b.code_path("1", environment=(*b.ENVIRONMENT, ("BASH_ENV", "/tmp/x")))
    w = b.world(mode, versions=(hidden,))
    assert by_path("function.environment", w) == {LATEST: Status.PASS, "1": Status.FAIL}
    assert one("aliases.signed", w).status is Status.FAIL


def test_layer_order_is_part_of_the_declaration() -> None:
    second = b.layer_manifest(key="second", layer_version_arn=f"{b.LAYER_VERSION_ARN[:-2]}:b:1")
    w = b.world(
        target=b.target(declared_layers=(b.layer_manifest(), second)),
        latest=b.latest(layers=(b.layer_ref(arn=second.layer_version_arn), b.layer_ref())),
    )
    assert one("layers.declared", w, LATEST).status is Status.FAIL


@pytest.mark.parametrize(
    ("layer", "words"),
    [
        (Missing("layer version", b.LAYER_VERSION_ARN), "does not exist"),
        (b.layer_version(signing_job_arn=None), "no SigningJobArn"),
    ],
    ids=["missing", "unsigned"],
)
@pytest.mark.parametrize("mode", list(Mode))
def test_unproven_layer_fails(mode: Mode, layer: object, words: str) -> None:
    w = b.world(mode, layer_versions={b.LAYER_VERSION_ARN: layer})
    assert statuses("layers.signed", w) == {Status.FAIL}
    assert words in actual("layers.signed", w)


def test_layer_signed_by_an_unpinned_profile_fails() -> None:
    intruder = b.layer_job(profile_name=b.INTRUDER_PROFILE_NAME, profile_version="ZzZzZz9999")
    w = b.world(jobs={b.JOB_ID: b.job(), b.LAYER_JOB_ID: intruder})
    assert statuses("layers.signed", w) == {Status.FAIL}
    assert "which is not pinned" in actual("layers.signed", w)


def test_unreadable_layer_is_an_error() -> None:
    w = b.world(layer_versions={b.LAYER_VERSION_ARN: denied("GetLayerVersion")})
    assert statuses("layers.signed", w) == {Status.ERROR}


def test_no_layers_passes_and_says_so() -> None:
    w = b.world(target=b.target(declared_layers=()), latest=b.latest(layers=()), versions=())
    assert one("layers.declared", w).actual == "no layers"
    assert one("layers.signed", w).actual == "no layers"


def test_flag_mode_proves_every_layer_a_published_version_uses() -> None:
    """No declaration to compare the version's layers with; each one must still be proven."""
    unsigned = f"{b.LAYER_VERSION_ARN[:-2]}:unsigned:1"
    version = b.code_path("1", layers=(b.layer_ref(), b.layer_ref(arn=unsigned)))
    w = b.flags_world(
        versions=(version,),
        layer_versions={
            b.LAYER_VERSION_ARN: b.layer_version(),
            unsigned: b.layer_version(arn=unsigned, signing_job_arn=None),
        },
    )
    verdicts = {f.resource: f.status for f in run("layers.signed", w)}
    assert verdicts == {b.LAYER_VERSION_ARN: Status.PASS, unsigned: Status.FAIL}
    assert one("aliases.signed", w).status is Status.FAIL


# --- 4. provenance ---------------------------------------------------------------------------


def test_layer_source_change_fails_naming_the_layer() -> None:
    changed = ProvenanceEvidence(
        what=f"layer {b.LAYER_KEY}",
        source_dir=b.LAYER_SOURCE_DIR,
        built_sha256="1" * 64,
        signed_source_sha256=b.LAYER_SOURCE_SHA256_HEX,
    )
    findings = run("source.provenance", b.world(provenance=(b.provenance()[0], changed)))
    assert [f.status for f in findings] == [Status.PASS, Status.FAIL]
    assert "layer shared was changed and not deployed" in findings[1].actual
    assert b.LAYER_SOURCE_DIR in findings[1].expected
    assert findings[1].resource == f"{b.LAYER_SOURCE_DIR} (layer {b.LAYER_KEY})"


def test_unreadable_provenance_is_an_error() -> None:
    w = b.world(provenance=(denied("GetObject"),))
    assert statuses("source.provenance", w) == {Status.ERROR}


# --- 9. every other code path ----------------------------------------------------------------


def version_verdicts(w: World) -> dict[str, Finding]:
    return {f.resource.rsplit(":", 1)[-1]: f for f in run("versions.signed", w)}


def alias_verdicts(w: World) -> dict[str, Finding]:
    return {f.resource.rsplit(":", 1)[-1]: f for f in run("aliases.signed", w)}


def test_current_build_in_a_version_passes_and_names_its_alias() -> None:
    finding = one("versions.signed", b.world())
    assert finding.status is Status.PASS
    assert finding.actual == "the current signed build [aliases: live]"
    assert finding.resource == f"{b.FUNCTION_ARN}:1"
    assert finding.code_path == "1"


@pytest.mark.parametrize("mode", [MANIFEST, FLAGS])
def test_earlier_build_fails_when_earlier_versions_are_not_allowed(mode: Mode) -> None:
    w = earlier_version_published(mode, allow=False)
    versions = version_verdicts(w)
    assert versions["1"].status is Status.PASS
    assert (versions["2"].status, versions["2"].reason) == (Status.FAIL, Reason.NOT_CURRENT_BUILD)
    assert "[aliases: canary (10%)]" in versions["2"].actual
    aliases = alias_verdicts(w)
    assert aliases["live"].status is Status.PASS
    assert aliases["canary"].status is Status.FAIL
    assert "1: pass" in aliases["canary"].actual
    assert "2 (10%): fail" in aliases["canary"].actual


def test_own_proven_earlier_build_warns_where_allowed() -> None:
    w = earlier_version_published(MANIFEST, allow=True)
    versions = version_verdicts(w)
    assert versions["1"].status is Status.PASS
    assert (versions["2"].status, versions["2"].reason) == (Status.WARN, Reason.EARLIER_BUILD)
    assert versions["2"].actual.startswith("an earlier signed build of this function, proven")
    aliases = alias_verdicts(w)
    assert (aliases["live"].status, aliases["canary"].status) == (Status.PASS, Status.WARN)


@pytest.mark.parametrize(
    "source",
    [
        {"source_key": "unsigned/audit/abc.zip"},  # another function's build
        {"source_key": "unsigned/hello/nested/abc.zip"},  # not directly under the prefix
        {"source_bucket": "other-bucket"},  # not the stack's bucket
    ],
    ids=["other-function", "nested-key", "other-bucket"],
)
def test_a_foreign_build_fails_even_where_earlier_versions_are_allowed(
    source: dict[str, object],
) -> None:
    """Signed by the pinned profile, proven on its own, but not a build of this function."""
    w = earlier_version_published(MANIFEST, allow=True, **source)
    finding = version_verdicts(w)["2"]
    assert (finding.status, finding.reason) == (Status.FAIL, Reason.FOREIGN_BUILD)
    assert "which is not a build of this function" in finding.actual
    assert f"s3://{b.BUCKET}/unsigned/hello/" in finding.actual
    assert alias_verdicts(w)["canary"].status is Status.FAIL


@pytest.mark.parametrize(
    ("earlier_job", "words"),
    [
        (
            {"profile_name": b.INTRUDER_PROFILE_NAME, "profile_version": "ZzZzZz9999"},
            "which is not pinned",
        ),
        ({"revocation": RevocationEvidence("drill", b.NOW - timedelta(days=1))}, "was revoked"),
        ({"signature_expires_at": b.NOW - timedelta(days=1)}, "the signature expired"),
        ({"status": "Failed"}, "is Failed"),
    ],
    ids=["unpinned-profile", "revoked", "expired", "failed-job"],
)
def test_unproven_earlier_build_fails_even_where_allowed(
    earlier_job: dict[str, object], words: str
) -> None:
    w = earlier_version_published(MANIFEST, allow=True, **earlier_job)
    versions = version_verdicts(w)
    assert versions["2"].status is Status.FAIL
    assert words in versions["2"].actual
    assert alias_verdicts(w)["canary"].status is Status.FAIL


def test_earlier_build_with_other_bytes_than_its_signed_object_fails_where_allowed() -> None:
    w = earlier_version_published(MANIFEST, allow=True, version={"code_sha256": b.TAMPERED_SHA256})
    assert version_verdicts(w)["2"].status is Status.FAIL


def test_earlier_build_keeps_the_declared_configuration_where_allowed() -> None:
    """An allowed earlier build is still held to the declared handler, runtime and
    environment: versions.signed fails with the reason, and so do the checks of its code path
    (the red team's changed handler)."""
    w = earlier_version_published(
        MANIFEST,
        allow=True,
        version={
            "handler": "evil.handler",
            "environment": (*b.ENVIRONMENT, ("AWS_LAMBDA_EXEC_WRAPPER", "/opt/secret-w")),
        },
    )
    version = version_verdicts(w)["2"]
    assert (version.status, version.reason) == (Status.FAIL, Reason.CONFIG_MISMATCH)
    assert version.actual.startswith("an earlier signed build of this function, but not as")
    assert "handler evil.handler (declared " in version.actual
    assert "AWS_LAMBDA_EXEC_WRAPPER (not declared)" in version.actual
    assert "secret-w" not in version.actual
    assert one("function.configuration", w, "2").status is Status.FAIL
    env = one("function.environment", w, "2")
    assert env.status is Status.FAIL and "AWS_LAMBDA_EXEC_WRAPPER" in env.actual
    assert "secret-w" not in env.actual
    assert alias_verdicts(w)["canary"].status is Status.FAIL


def test_earlier_layer_versions_are_allowed_only_as_the_declared_layers_own_builds() -> None:
    """An allowed earlier build may use an earlier version of a declared layer, if that
    version was built from the layer's own unsigned prefix; any other package fails."""
    earlier_layer = f"{b.LAYER_VERSION_ARN[:-2]}:0"
    earlier_layer_job_id = "4d5e6f7a-8b9c-4d0e-8f1a-2b3c4d5e6f7a"
    earlier_layer_job_arn = (
        f"arn:aws:signer:{b.REGION}:{b.ACCOUNT}:/signing-jobs/{earlier_layer_job_id}"
    )

    def with_layer_source(source_key: str) -> World:
        w = earlier_version_published(
            MANIFEST,
            allow=True,
            version={
                "layers": (b.layer_ref(arn=earlier_layer, signing_job_arn=earlier_layer_job_arn),)
            },
        )
        store = w.evidence.store
        jobs = {
            **store.jobs,
            earlier_layer_job_id: b.layer_job(job_id=earlier_layer_job_id, source_key=source_key),
        }
        layers = {
            **store.layer_versions,
            earlier_layer: b.layer_version(
                arn=earlier_layer, signing_job_arn=earlier_layer_job_arn
            ),
        }
        return replace(
            w, evidence=replace(w.evidence, store=replace(store, jobs=jobs, layer_versions=layers))
        )

    own = one("layers.declared", with_layer_source("unsigned/shared/old.zip"), "2")
    assert own.status is Status.PASS
    assert "earlier versions of the declared layers" in own.actual
    foreign = one("layers.declared", with_layer_source("unsigned/evil/old.zip"), "2")
    assert (foreign.status, foreign.reason) == (Status.FAIL, Reason.FOREIGN_BUILD)
    assert earlier_layer in foreign.actual


def test_earlier_build_whose_job_was_not_collected_is_not_a_pass() -> None:
    w = earlier_version_published(MANIFEST, allow=True)
    store = w.evidence.store
    jobs = {k: v for k, v in store.jobs.items() if k != b.EARLIER_JOB_ID}
    w = replace(w, evidence=replace(w.evidence, store=replace(store, jobs=jobs)))
    assert version_verdicts(w)["2"].status is Status.ERROR


def test_unsigned_version_fails() -> None:
    unsigned = b.code_path("3", signing_job_arn=None, code_sha256=b.TAMPERED_SHA256)
    finding = one("versions.signed", b.world(versions=(unsigned,), aliases=()))
    assert finding.status is Status.FAIL
    assert "no SigningJobArn" in finding.actual


def test_alias_to_a_missing_version_fails() -> None:
    finding = one("aliases.signed", b.world(aliases=(AliasEvidence("live", "7"),)))
    assert finding.status is Status.FAIL
    assert "7: no such version" in finding.actual


def test_alias_on_latest_takes_latests_verdict() -> None:
    dev = (AliasEvidence("dev", LATEST),)
    assert one("aliases.signed", b.world(aliases=dev)).status is Status.PASS
    swapped = b.world(aliases=dev, latest=b.latest(code_sha256=b.TAMPERED_SHA256))
    finding = one("aliases.signed", swapped)
    assert finding.status is Status.FAIL
    assert "$LATEST: fail" in finding.actual


def test_no_versions_or_aliases_pass_and_say_so() -> None:
    w = b.world(versions=(), aliases=())
    assert one("versions.signed", w).actual == "no published versions"
    assert one("aliases.signed", w).actual == "no aliases"


def test_the_fleet_judges_only_aliases_routing_to_judged_code_paths() -> None:
    w = b.world(FLEET, aliases=(AliasEvidence("live", "1"), AliasEvidence("ghost", "7")))
    assert [f.resource for f in run("aliases.signed", w)] == [f"{b.FUNCTION_ARN}:live"]
    assert run("aliases.signed", b.world(FLEET, aliases=None)) == []  # not listed: not judged


# --- checks that cannot run are errors, never passes -----------------------------------------


def test_not_evaluated_becomes_one_error_finding() -> None:
    def cannot_run(subject: object, ctx: object) -> Verdict:
        raise NotEvaluated("the evidence is gone", "some-resource")

    probe = Check(
        "probe.check",
        "A probe",
        Severity.LOW,
        "Nothing to do here at all.",
        frozenset(Mode),
        "function",
        cannot_run,
    )
    w = b.world()
    (finding,) = evaluate(probe, w.subject(), w.context)
    assert (finding.status, finding.reason) == (Status.ERROR, Reason.UNREADABLE)
    assert finding.actual == "not evaluated: the evidence is gone"
    assert finding.resource == "some-resource"


def test_unavailable_evidence_never_passes_a_check() -> None:
    w = b.world(
        latest=denied("GetFunction"),
        versions=denied("ListVersionsByFunction"),
        aliases=denied("ListAliases"),
        csc_attachment=denied("GetFunctionCodeSigningConfig"),
        csc=denied("GetCodeSigningConfig"),
        job=denied("DescribeSigningJob"),
        profile=denied("GetSigningProfile"),
        bucket_versioning=denied("GetBucketVersioning"),
        signed_object=denied("ListObjectVersions/GetObject"),
        provenance=(denied("GetObject"),),
        layer_versions={},
    )
    findings = w.findings()
    by_status: dict[Status, set[str]] = {}
    for finding in findings:
        by_status.setdefault(finding.status, set()).add(finding.check_id)
    # Only the trust anchor, which compares inputs and needs no AWS evidence, can pass; the
    # per-path checks have no code path that could be read, and the function-wide ones say so.
    assert by_status.pop(Status.PASS) == {"lock.anchor"}
    function_checks = {c.id for c in checks_for(MANIFEST) if c.scope == "function"}
    assert by_status == {Status.ERROR: function_checks - {"lock.anchor"}}


def test_unavailable_function_names_the_failed_call() -> None:
    w = b.world(latest=denied("GetFunction"))
    # What the collector leaves out when the function cannot be read.
    unread = replace(w.function, versions=None, csc=None, aliases=None)
    w = replace(w, evidence=replace(w.evidence, functions=(unread,)))
    by_id = {f.check_id: f for f in w.findings()}
    # Also where the evidence was not collected because of it (one cause, one message).
    for check_id in (
        "function.exists",
        "function.state",
        "function.code_sha256",
        "function.csc",
        "versions.signed",
    ):
        assert by_id[check_id].status is Status.ERROR
        assert "GetFunction: AccessDeniedException" in by_id[check_id].actual
    assert by_id["job.succeeded"].status is Status.PASS


# --- which checks run ------------------------------------------------------------------------


def test_flag_mode_runs_the_checks_that_need_no_declaration() -> None:
    declared_only = {c.id for c in REGISTRY.values() if c.modes == {MANIFEST}}
    assert declared_only, "some checks need the stack's declaration"
    flag_ids = {f.check_id for f in b.flags_world().findings()}
    assert flag_ids == {c.id for c in checks_for(FLAGS)}
    assert not flag_ids & declared_only


def test_missing_function_yields_only_the_anchor_and_exists() -> None:
    w = b.world(latest=Missing("function", b.FUNCTION_NAME), versions=None, csc_attachment=None)
    assert [(f.check_id, f.status) for f in w.findings()] == [
        ("lock.anchor", Status.PASS),
        ("function.exists", Status.FAIL),
    ]


def test_an_image_function_in_the_fleet_is_judged_by_code_signed_alone() -> None:
    w = b.world(FLEET, latest=b.latest(package_type="Image"), versions=(), csc_attachment=None)
    assert {f.check_id for f in w.findings()} == {"code.signed"}


def test_every_target_is_judged() -> None:
    w = b.world()
    world_function = replace(w.function, name="signed-lambda-world")
    evidence = replace(w.evidence, functions=(w.function, world_function))
    targets = {
        b.FUNCTION_NAME: b.target(),
        "signed-lambda-world": b.target(key="world", function_name="signed-lambda-world"),
    }
    both = World(evidence, targets, w.context).findings()
    assert {f.function for f in both} == {b.FUNCTION_KEY, "world"}
    for key in (b.FUNCTION_KEY, "world"):
        assert {f.check_id for f in both if f.function == key} == {
            c.id for c in checks_for(MANIFEST)
        }


# --- the declared alias ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("aliases", "canary_percent", "status", "words"),
    [
        ((AliasEvidence("live", "1"),), None, Status.PASS, "routes to 1; the current build is 1"),
        ((AliasEvidence("live", "1"),), 10, Status.PASS, "routes to 1;"),  # promoted
        ((AliasEvidence("live", "2", (("1", 0.1),)),), 10, Status.PASS, "2; 1 (10%)"),
        ((AliasEvidence("live", "2"),), 10, Status.FAIL, "routes to 2;"),  # rolled back
        ((AliasEvidence("live", "2", (("1", 0.5),)),), 10, Status.FAIL, "1 (50%)"),
        ((AliasEvidence("live", "1", (("2", 0.1),)),), 10, Status.FAIL, "2 (10%)"),
        ((AliasEvidence("live", "2", (("1", 0.1),)),), None, Status.FAIL, "1 (10%)"),
        ((AliasEvidence("beta", "1"),), None, Status.FAIL, "no alias live (aliases: beta)"),
        ((), None, Status.FAIL, "no alias live (aliases: none)"),
    ],
    ids=[
        "on-current",
        "canary-promoted",
        "canary-running",
        "rolled-back",
        "canary-share-changed",
        "canary-reversed",
        "canary-not-declared",
        "renamed",
        "deleted",
    ],
)
def test_the_declared_alias_routes_exactly_as_declared(
    aliases: tuple[AliasEvidence, ...], canary_percent: int | None, status: Status, words: str
) -> None:
    finding = one("alias.declared", alias_declared_world(*aliases, canary_percent=canary_percent))
    assert finding.status is status, finding.actual
    assert words in finding.actual
    assert finding.resource == f"{b.FUNCTION_ARN}:live"


def test_no_declared_alias_passes_and_leaves_the_aliases_to_aliases_signed() -> None:
    finding = one("alias.declared", b.world())
    assert finding.status is Status.PASS
    assert finding.actual == "no alias declared (1 alias, judged by aliases.signed)"


def test_a_declared_alias_whose_aliases_could_not_be_listed_is_an_error() -> None:
    denied = Unavailable("ListAliases", "AccessDeniedException: no", "AccessDenied")
    assert one("alias.declared", alias_declared_world(aliases=denied)).status is Status.ERROR


def test_the_region_checks_are_the_fleet_wide_ones_and_have_no_function_evaluator() -> None:
    assert {rules.FLEET_ACCESS, rules.FLEET_LISTED, rules.FLEET_SCOPE} == REGION_CHECKS
    assert all(REGISTRY[check_id].evaluate is None for check_id in REGION_CHECKS)
