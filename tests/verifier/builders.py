"""Evidence built by hand: one deployment whose every check passes, to break one fact at a time.

``world()`` is a deployment of one function (``hello``) using one declared layer
(``shared``), both signed by the pinned profile version in their own jobs, with one published
version of the current build behind an alias, trust from a lock entry that agrees with the
outputs, and source provenance that matches. Keyword arguments replace one piece; the maps a
proof looks things up in (``jobs``, ``profiles``, ``signed_objects``) follow the replaced piece
unless they are given too, so breaking the job breaks it everywhere, as in AWS.
"""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from verifier.checks.findings import Finding, Reason
from verifier.checks.judge import (
    judge,
    nothing_found_anywhere,
    region_findings,
    subjects,
    unreachable_findings,
)
from verifier.checks.registry import Context, Mode, Subject
from verifier.checks.scope import Scope
from verifier.contract.lock import LOCK_FILE_NAME, Declarations, StackLock
from verifier.contract.manifest import (
    LAMBDA_SIGNING_PLATFORM,
    FunctionManifest,
    LayerManifest,
    Manifest,
    environment_digest,
)
from verifier.contract.targets import Policy, Trust, VerificationTarget
from verifier.evidence.model import (
    LATEST,
    AliasEvidence,
    BucketVersioningEvidence,
    CodePath,
    Collected,
    CscAttachment,
    CscEvidence,
    Evidence,
    FunctionEvidence,
    LayerRef,
    LayerVersionEvidence,
    Missing,
    ObjectVersionEvidence,
    ProfileEvidence,
    ProvenanceEvidence,
    SignedObjectEvidence,
    SigningJobEvidence,
    Store,
    Unavailable,
)

STACK = "signed-lambda"
REGION = "us-east-1"
ACCOUNT = "123456789012"
OTHER_ACCOUNT = "999999999999"
BUCKET = "my-bucket"
PROFILE_NAME = "signed_lambda"
PROFILE_VERSION = "AbCdEf1234"
PROFILE_VERSION_ARN = (
    f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/{PROFILE_NAME}/{PROFILE_VERSION}"
)
#: The same profile's previous version (a rotation window pins both).
PREVIOUS_PROFILE_VERSION = "OldVer0001"
PREVIOUS_PROFILE_VERSION_ARN = (
    f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/{PROFILE_NAME}/{PREVIOUS_PROFILE_VERSION}"
)
INTRUDER_PROFILE_NAME = "intruder"
OTHER_PROFILE_VERSION_ARN = (
    f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-profiles/{INTRUDER_PROFILE_NAME}/ZzZzZz9999"
)
CSC_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-0123456789abcdefg"
OTHER_CSC_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:code-signing-config:csc-99999999999999999"

FUNCTION_KEY = "hello"
FUNCTION_NAME = "signed-lambda-hello"
FUNCTION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{FUNCTION_NAME}"
HANDLER = "handler.handler"
RUNTIME = "python3.12"
ARCHITECTURES = ("x86_64",)
JOB_ID = "1f2e3d4c-5b6a-4798-8a9b-0c1d2e3f4a5b"
JOB_ARN = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-jobs/{JOB_ID}"
UNSIGNED_KEY = "unsigned/hello/abc.zip"
UNSIGNED_VERSION = "unsignedversion1"
SIGNED_KEY = f"signed/hello/{JOB_ID}.zip"
SIGNED_VERSION = "signedversion1"
SOURCE_DIR = "functions/hello"
PACKAGE = b"PK\x03\x04 signed package bytes"
PACKAGE_SHA256 = base64.b64encode(hashlib.sha256(PACKAGE).digest()).decode()
#: The unsigned zip the job read; its SHA-256 (hex) is also what the checkout rebuilds to.
UNSIGNED_PACKAGE = b"PK unsigned hello"
SOURCE_SHA256_HEX = hashlib.sha256(UNSIGNED_PACKAGE).hexdigest()
TAMPERED_SHA256 = base64.b64encode(hashlib.sha256(b"evil").digest()).decode()

LAYER_KEY = "shared"
LAYER_NAME = "shared"
LAYER_VERSION_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:layer:{LAYER_NAME}:1"
LAYER_JOB_ID = "2a3b4c5d-6e7f-4a8b-9c0d-1e2f3a4b5c6d"
LAYER_JOB_ARN = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-jobs/{LAYER_JOB_ID}"
LAYER_UNSIGNED_KEY = "unsigned/shared/def.zip"
LAYER_UNSIGNED_VERSION = "unsignedlayer1"
LAYER_SIGNED_KEY = f"signed/shared/{LAYER_JOB_ID}.zip"
LAYER_SIGNED_VERSION = "signedlayer1"
LAYER_SOURCE_DIR = "layers/shared"
LAYER_PACKAGE = b"PK\x03\x04 signed layer bytes"
LAYER_SHA256 = base64.b64encode(hashlib.sha256(LAYER_PACKAGE).digest()).decode()
LAYER_UNSIGNED_PACKAGE = b"PK unsigned shared"
LAYER_SOURCE_SHA256_HEX = hashlib.sha256(LAYER_UNSIGNED_PACKAGE).hexdigest()

#: An earlier build of ``hello``, signed by the pinned profile in its own job.
EARLIER_JOB_ID = "3c4d5e6f-7a8b-4c9d-8e0f-2a3b4c5d6e7f"
EARLIER_JOB_ARN = f"arn:aws:signer:{REGION}:{ACCOUNT}:/signing-jobs/{EARLIER_JOB_ID}"
EARLIER_SIGNED_KEY = f"signed/hello/{EARLIER_JOB_ID}.zip"
EARLIER_SIGNED_VERSION = "signedearlier1"
EARLIER_PACKAGE = b"PK\x03\x04 an earlier signed build"
EARLIER_SHA256 = base64.b64encode(hashlib.sha256(EARLIER_PACKAGE).digest()).decode()

#: The declared environment (set on every code path as declared).
ENVIRONMENT = (("LOG_LEVEL", "debug"),)

NOW = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
#: The checkout ``--source`` names (the builders' provenance is what it rebuilds to).
CHECKOUT = Path("/checkout")
COMPLETED_AT = NOW - timedelta(days=10)
EARLIER_COMPLETED_AT = NOW - timedelta(days=40)


def context(**changes: Any) -> Context:
    return replace(Context(now=NOW, trust=trust(), expiry_warning_days=30), **changes)


# --- the contract and the trust anchor ----------------------------------------------------


def layer_manifest(**changes: Any) -> LayerManifest:
    base = LayerManifest(
        key=LAYER_KEY,
        layer_name=LAYER_NAME,
        layer_version_arn=LAYER_VERSION_ARN,
        signing_job_id=LAYER_JOB_ID,
        unsigned_key=LAYER_UNSIGNED_KEY,
        unsigned_version=LAYER_UNSIGNED_VERSION,
        signed_bucket=BUCKET,
        signed_key=LAYER_SIGNED_KEY,
        source_dir=LAYER_SOURCE_DIR,
        package_sha256=LAYER_SOURCE_SHA256_HEX,
    )
    return replace(base, **changes)


def function_manifest(**changes: Any) -> FunctionManifest:
    base = FunctionManifest(
        key=FUNCTION_KEY,
        function_name=FUNCTION_NAME,
        function_arn=FUNCTION_ARN,
        handler=HANDLER,
        runtime=RUNTIME,
        architectures=ARCHITECTURES,
        layers=(LAYER_KEY,),
        environment=tuple((name, environment_digest(value)) for name, value in ENVIRONMENT),
        allow_earlier_versions=False,
        signing_job_id=JOB_ID,
        unsigned_key=UNSIGNED_KEY,
        unsigned_version=UNSIGNED_VERSION,
        signed_bucket=BUCKET,
        signed_key=SIGNED_KEY,
        source_dir=SOURCE_DIR,
        package_sha256=SOURCE_SHA256_HEX,
    )
    return replace(base, **changes)


def manifest(**changes: Any) -> Manifest:
    base = Manifest(
        region=REGION,
        bucket=BUCKET,
        signing_profile_name=PROFILE_NAME,
        signing_profile_version_arn=PROFILE_VERSION_ARN,
        code_signing_config_arn=CSC_ARN,
        expected_policy="Enforce",
        functions=(function_manifest(),),
        layers=(layer_manifest(),),
    )
    return replace(base, **changes)


def manifest_output(**changes: Any) -> dict[str, Any]:
    """The ``manifest`` output as the stack writes it (JSON), with top-level keys replaced."""
    document = manifest().to_output()
    document.update(changes)
    return document


def lock_entry(**changes: Any) -> StackLock:
    """The lock entry ``make lock`` writes for ``manifest()``."""
    base = StackLock(
        stack=STACK,
        account_id=ACCOUNT,
        region=REGION,
        signing_profile_name=PROFILE_NAME,
        signing_profile_version_arns=(PROFILE_VERSION_ARN,),
        code_signing_config_arn=CSC_ARN,
        policy="Enforce",
        declarations=Declarations.of(manifest()),
    )
    return replace(base, **changes)


def trust(lock: StackLock | None = None, **changes: Any) -> Trust:
    """Trust from a lock entry, as ``resolve_trust`` builds it."""
    entry = lock or lock_entry()
    base = Trust(
        profile_version_arns=frozenset(entry.signing_profile_version_arns),
        origin=f"{LOCK_FILE_NAME} (stack {entry.stack})",
        lock=entry,
    )
    return replace(base, **changes)


def target(**changes: Any) -> VerificationTarget:
    """What ``targets_from_manifest`` makes of ``manifest()`` with ``trust()``."""
    base = VerificationTarget(
        key=FUNCTION_KEY,
        function_name=FUNCTION_NAME,
        job_id=JOB_ID,
        csc_arn=CSC_ARN,
        expected_policy=Policy.ENFORCE,
        outputs_policy=Policy.ENFORCE,
        region=REGION,
        trust=trust(),
        profile_name=PROFILE_NAME,
        profile_version_arn=PROFILE_VERSION_ARN,
        platform_id=LAMBDA_SIGNING_PLATFORM,
        bucket=BUCKET,
        unsigned_key=UNSIGNED_KEY,
        unsigned_version=UNSIGNED_VERSION,
        signed_bucket=BUCKET,
        signed_key=SIGNED_KEY,
        declared=function_manifest(),
        declared_layers=(layer_manifest(),),
        stack_declarations=Declarations.of(manifest()),
        stack=STACK,
        source_root=CHECKOUT,
        source="cdktf-outputs.json",
    )
    return replace(base, **changes)


def flags_target(**changes: Any) -> VerificationTarget:
    """What --function/--job-id/--csc-arn with --trusted-profile-version-arn give: no
    declaration, no profile or object expectations."""
    base = VerificationTarget(
        key=FUNCTION_NAME,
        function_name=FUNCTION_NAME,
        job_id=JOB_ID,
        csc_arn=CSC_ARN,
        expected_policy=Policy.ENFORCE,
        region=REGION,
        trust=Trust(frozenset({PROFILE_VERSION_ARN}), origin="--trusted-profile-version-arn"),
    )
    return replace(base, **changes)


# --- evidence -------------------------------------------------------------------------------


def job(**changes: Any) -> SigningJobEvidence:
    base = SigningJobEvidence(
        job_id=JOB_ID,
        status="Succeeded",
        status_reason=None,
        profile_name=PROFILE_NAME,
        profile_version=PROFILE_VERSION,
        platform_id=LAMBDA_SIGNING_PLATFORM,
        source_bucket=BUCKET,
        source_key=UNSIGNED_KEY,
        source_version=UNSIGNED_VERSION,
        signed_bucket=BUCKET,
        signed_key=SIGNED_KEY,
        created_at=COMPLETED_AT - timedelta(seconds=5),
        completed_at=COMPLETED_AT,
        signature_expires_at=NOW + timedelta(days=365),
        revocation=None,
    )
    return replace(base, **changes)


def layer_job(**changes: Any) -> SigningJobEvidence:
    base = job(
        job_id=LAYER_JOB_ID,
        source_key=LAYER_UNSIGNED_KEY,
        source_version=LAYER_UNSIGNED_VERSION,
        signed_key=LAYER_SIGNED_KEY,
    )
    return replace(base, **changes)


def earlier_job(**changes: Any) -> SigningJobEvidence:
    base = job(
        job_id=EARLIER_JOB_ID,
        source_version="unsignedearlier1",
        signed_key=EARLIER_SIGNED_KEY,
        created_at=EARLIER_COMPLETED_AT - timedelta(seconds=5),
        completed_at=EARLIER_COMPLETED_AT,
    )
    return replace(base, **changes)


def profile(**changes: Any) -> ProfileEvidence:
    base = ProfileEvidence(
        name=PROFILE_NAME,
        status="Active",
        profile_version=PROFILE_VERSION,
        profile_version_arn=PROFILE_VERSION_ARN,
    )
    return replace(base, **changes)


def layer_ref(**changes: Any) -> LayerRef:
    base = LayerRef(
        arn=LAYER_VERSION_ARN,
        signing_profile_version_arn=PROFILE_VERSION_ARN,
        signing_job_arn=LAYER_JOB_ARN,
    )
    return replace(base, **changes)


def layer_version(**changes: Any) -> LayerVersionEvidence:
    base = LayerVersionEvidence(
        arn=LAYER_VERSION_ARN,
        code_sha256=LAYER_SHA256,
        signing_job_arn=LAYER_JOB_ARN,
        signing_profile_version_arn=PROFILE_VERSION_ARN,
    )
    return replace(base, **changes)


def latest(**changes: Any) -> CodePath:
    """``$LATEST`` of the current build, configured as declared."""
    base = CodePath(
        function_name=FUNCTION_NAME,
        version=LATEST,
        arn=FUNCTION_ARN,
        code_sha256=PACKAGE_SHA256,
        signing_job_arn=JOB_ARN,
        signing_profile_version_arn=PROFILE_VERSION_ARN,
        handler=HANDLER,
        runtime=RUNTIME,
        architectures=ARCHITECTURES,
        environment=ENVIRONMENT,
        layers=(layer_ref(),),
        package_type="Zip",
        state="Active",
        last_update_status="Successful",
    )
    return replace(base, **changes)


def code_path(version: str = "1", **changes: Any) -> CodePath:
    """A published version of the current build, configured as declared."""
    base = replace(
        latest(),
        version=version,
        arn=f"{FUNCTION_ARN}:{version}",
        state=None,
        last_update_status=None,
    )
    return replace(base, **changes)


def earlier_version(version: str = "1", **changes: Any) -> CodePath:
    """A published version running the earlier build (its own job and signed object)."""
    base = code_path(version, code_sha256=EARLIER_SHA256, signing_job_arn=EARLIER_JOB_ARN)
    return replace(base, **changes)


def csc(**changes: Any) -> CscEvidence:
    base = CscEvidence(arn=CSC_ARN, policy="Enforce", allowed_publishers=(PROFILE_VERSION_ARN,))
    return replace(base, **changes)


def signed_version(**changes: Any) -> ObjectVersionEvidence:
    base = ObjectVersionEvidence(
        version_id=SIGNED_VERSION,
        last_modified=COMPLETED_AT - timedelta(seconds=1),
        is_latest=True,
        size=len(PACKAGE),
    )
    return replace(base, **changes)


def signed_object(**changes: Any) -> SignedObjectEvidence:
    base = SignedObjectEvidence(
        bucket=BUCKET,
        key=SIGNED_KEY,
        versions=(signed_version(),),
        sha256_by_version={SIGNED_VERSION: PACKAGE_SHA256},
    )
    return replace(base, **changes)


def layer_signed_object(**changes: Any) -> SignedObjectEvidence:
    base = SignedObjectEvidence(
        bucket=BUCKET,
        key=LAYER_SIGNED_KEY,
        versions=(signed_version(version_id=LAYER_SIGNED_VERSION, size=len(LAYER_PACKAGE)),),
        sha256_by_version={LAYER_SIGNED_VERSION: LAYER_SHA256},
    )
    return replace(base, **changes)


def earlier_signed_object(**changes: Any) -> SignedObjectEvidence:
    base = SignedObjectEvidence(
        bucket=BUCKET,
        key=EARLIER_SIGNED_KEY,
        versions=(
            signed_version(
                version_id=EARLIER_SIGNED_VERSION,
                last_modified=EARLIER_COMPLETED_AT,
                size=len(EARLIER_PACKAGE),
            ),
        ),
        sha256_by_version={EARLIER_SIGNED_VERSION: EARLIER_SHA256},
    )
    return replace(base, **changes)


def aliases(**changes: Any) -> tuple[AliasEvidence, ...]:
    return (replace(AliasEvidence(name="live", function_version="1"), **changes),)


def provenance(**changes: Any) -> tuple[ProvenanceEvidence, ...]:
    """The checkout rebuilds both packages to the bytes their jobs signed."""
    function_provenance = ProvenanceEvidence(
        what=f"function {FUNCTION_KEY}",
        source_dir=SOURCE_DIR,
        built_sha256=SOURCE_SHA256_HEX,
        signed_source_sha256=SOURCE_SHA256_HEX,
    )
    layer_provenance = ProvenanceEvidence(
        what=f"layer {LAYER_KEY}",
        source_dir=LAYER_SOURCE_DIR,
        built_sha256=LAYER_SOURCE_SHA256_HEX,
        signed_source_sha256=LAYER_SOURCE_SHA256_HEX,
    )
    return (replace(function_provenance, **changes), layer_provenance)


@dataclass(frozen=True)
class World:
    """One function's evidence, what it was expected to be, and the run's context."""

    evidence: Evidence
    targets: dict[str, VerificationTarget] | None
    context: Context
    #: Fleet: why the account-region could not be audited at all (an organization audit's
    #: ``fleet.access``), and what was refused; None: it was audited.
    unreachable: tuple[Reason, str] | None = None

    @property
    def function(self) -> FunctionEvidence:
        return self.evidence.functions[0]

    def subject(self) -> Subject:
        (found,) = [
            s
            for s in subjects(self.evidence, self.context, self.targets)
            if s.function.name == self.function.name
        ]
        return found

    def findings(self, scope: Scope | None = None) -> list[Finding]:
        """Every check of the world's mode, both stages; the fleet adds its Region checks
        (``fleet.listed``, ``fleet.scope``) as the audit does, or, for an account-region it
        could not enter, ``fleet.access`` alone."""
        if self.context.mode is Mode.FLEET and self.unreachable is not None:
            reason, what = self.unreachable
            account = self.evidence.account or ACCOUNT
            return unreachable_findings(account, self.evidence.region, self.context, reason, what)
        found = judge(self.evidence, self.context, self.targets, scope)
        if self.context.mode is not Mode.FLEET:
            return found
        judged = len({f.function for f in found})
        region, notes = region_findings(
            self.evidence, self.context, scope, judged=judged, listed=len(self.evidence.functions)
        )
        # The world is a whole run: the run-wide rule applies (an empty Region alone: an error).
        return nothing_found_anywhere(region + found, notes)[0]


PIECES = (
    "latest",
    "versions",
    "aliases",
    "csc_attachment",
    "csc",
    "job",
    "profile",
    "bucket_versioning",
    "signed_object",
    "provenance",
)
MAPS = ("jobs", "profiles", "revocations", "signed_objects", "layer_versions", "cscs")


def world(mode: Mode = Mode.MANIFEST, **changes: Any) -> World:
    """A deployment whose every check passes in ``mode``; keyword arguments replace one piece.

    Pieces: ``latest`` (a CodePath, or Missing/Unavailable), ``versions``, ``aliases``,
    ``csc_attachment`` (the attached CSC ARN or None), ``csc``, ``job``, ``profile``,
    ``bucket_versioning``, ``signed_object``, ``provenance``, plus ``target`` and ``context``.
    The maps a proof looks things up in (``jobs``, ``profiles``, ``signed_objects``,
    ``layer_versions``, ``cscs``, ``revocations``) follow the replaced piece unless given too,
    so breaking the job breaks it everywhere, as in AWS. ``earlier=True`` adds the earlier
    build's job and signed object (a published version may name it).
    """
    with_earlier = bool(changes.pop("earlier", False))
    default_target = {
        Mode.MANIFEST: target(),
        Mode.FLAGS: flags_target(),
        Mode.FLEET: None,
    }[mode]
    pieces: dict[str, Any] = {
        "latest": latest(),
        "versions": (code_path("1"),),
        "aliases": aliases(),
        "csc_attachment": CSC_ARN,
        "csc": csc(),
        "job": job(),
        "profile": profile(),
        "bucket_versioning": BucketVersioningEvidence(bucket=BUCKET, status="Enabled"),
        "signed_object": signed_object(),
        "provenance": provenance() if mode is Mode.MANIFEST else None,
        "target": default_target,
        "context": context(mode=mode),
    }
    maps = {key: changes.pop(key) for key in MAPS if key in changes}
    unknown = set(changes) - set(pieces)
    if unknown:
        raise TypeError(f"unknown pieces: {sorted(unknown)}")
    pieces.update(changes)
    jobs: dict[str, Collected[SigningJobEvidence]] = {
        JOB_ID: pieces["job"],
        LAYER_JOB_ID: layer_job(),
    }
    objects: dict[tuple[str, str], Collected[SignedObjectEvidence]] = {
        (BUCKET, SIGNED_KEY): pieces["signed_object"],
        (BUCKET, LAYER_SIGNED_KEY): layer_signed_object(),
    }
    if with_earlier:
        jobs[EARLIER_JOB_ID] = earlier_job()
        objects[(BUCKET, EARLIER_SIGNED_KEY)] = earlier_signed_object()
    attachment = pieces["csc_attachment"]
    if not isinstance(attachment, Missing | Unavailable | CscAttachment):
        attachment = CscAttachment(attachment)  # an ARN, or None: no CSC attached
    latest_path = pieces["latest"]
    function = FunctionEvidence(
        name=FUNCTION_NAME,
        arn=FUNCTION_ARN,
        region=REGION,
        latest=latest_path,
        versions=pieces["versions"],
        csc=attachment,
        aliases=pieces["aliases"],
        account=ACCOUNT,
    )
    store = Store(
        jobs=maps.get("jobs", jobs),
        profiles=maps.get("profiles", {PROFILE_NAME: pieces["profile"]}),
        revocations=maps.get("revocations", {}),
        signed_objects=maps.get("signed_objects", objects),
        layer_versions=maps.get("layer_versions", {LAYER_VERSION_ARN: layer_version()}),
        cscs=maps.get("cscs", {CSC_ARN: pieces["csc"]}),
        bucket_versioning={BUCKET: pieces["bucket_versioning"]},
        provenance=(
            {FUNCTION_KEY: pieces["provenance"]} if pieces["provenance"] is not None else {}
        ),
    )
    evidence = Evidence(region=REGION, functions=(function,), store=store, account=ACCOUNT)
    chosen = pieces["target"]
    targets = {FUNCTION_NAME: chosen} if chosen is not None else None
    ctx = pieces["context"]
    if chosen is not None and ctx.trust is not chosen.trust:
        ctx = replace(ctx, trust=chosen.trust)
    return World(evidence=evidence, targets=targets, context=ctx)


def flags_world(**changes: Any) -> World:
    """What a flag-mode run collects for a good deployment (no declaration, no provenance)."""
    return world(Mode.FLAGS, **changes)


def fleet_world(**changes: Any) -> World:
    """The same deployment as the fleet audit sees it (no expectation but the trust)."""
    return world(Mode.FLEET, **changes)


def describe_signing_job(job_evidence: SigningJobEvidence | None = None) -> dict[str, Any]:
    """``DescribeSigningJob``'s response for a job (boto3's shape, datetime timestamps)."""
    found = job_evidence or job()
    response: dict[str, Any] = {
        "jobId": found.job_id,
        "source": {
            "s3": {
                "bucketName": found.source_bucket,
                "key": found.source_key,
                "version": found.source_version,
            }
        },
        "platformId": found.platform_id,
        "profileName": found.profile_name,
        "profileVersion": found.profile_version,
        "createdAt": found.created_at,
        "completedAt": found.completed_at,
        "signatureExpiresAt": found.signature_expires_at,
        "status": found.status,
        "signedObject": {"s3": {"bucketName": found.signed_bucket, "key": found.signed_key}},
        "jobOwner": ACCOUNT,
        "jobInvoker": ACCOUNT,
    }
    return response
