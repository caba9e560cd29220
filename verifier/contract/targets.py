"""What a run expects: the trust anchor, and one target per function with its declaration.

Read from the stack's outputs (``cdktf deploy --outputs-file``) and the lock file, or from flags.
Every malformed or incomplete input raises :class:`InputError` with one line naming the file
and the key (``cdktf-outputs.json: signed-lambda.manifest.functions.hello.signing_job_id is
missing``) or the flag. Tolerance is limited to harmless spellings Terraform produces
(``schema_version`` as ``"2"``); anything else that is missing or of the wrong type is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

from verifier.contract import lock as lock_module
from verifier.contract.arns import (
    CSC_ARN,
    CSC_ARN_FORMAT,
    PROFILE_VERSION_ARN,
    PROFILE_VERSION_ARN_FORMAT,
    profile_version_of,
)
from verifier.contract.lock import Declarations, StackLock
from verifier.contract.manifest import (
    LAMBDA_SIGNING_PLATFORM,
    OUTPUT_NAME,
    FunctionManifest,
    LayerManifest,
    Manifest,
)
from verifier.contract.manifest import parse as parse_manifest
from verifier.contract.reader import Reader, json_type, read_json
from verifier.errors import InputError


class Policy(StrEnum):
    """``CodeSigningPolicies.UntrustedArtifactOnDeployment``."""

    ENFORCE = "Enforce"
    WARN = "Warn"


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
    #: Every function's and layer's declaration in the stack's outputs (compared with the
    #: lock's by ``lock.anchor``); None from flags.
    stack_declarations: Declarations | None = None
    stack: str | None = None
    #: A checkout to rebuild packages from (``--source``): provenance from source.
    source_root: Path | None = None
    #: Where the expectation came from (an outputs file path, or "command line").
    source: str = "command line"


@dataclass(frozen=True)
class Options:
    expiry_warning_days: int = 30


# --- reading them ----------------------------------------------------------------------


def parse_policy(value: str, where: str) -> Policy:
    """``Enforce``/``Warn`` (any case, harmless tolerance) or an error naming ``where``."""
    for policy in Policy:
        if value.strip().lower() == policy.value.lower():
            return policy
    allowed = " or ".join(p.value for p in Policy)
    raise InputError(f"{where}: {value!r} is not a policy; expected {allowed}")


# --- the outputs file -------------------------------------------------------------------


@dataclass(frozen=True)
class OutputsSelection:
    manifest: Manifest
    stack: str
    origin: str


def select_stack(document: Any, origin: str, stack: str | None) -> tuple[str, Mapping[str, Any]]:
    """One stack's outputs from ``{stack: {output: value}}``."""
    if not isinstance(document, Mapping):
        raise InputError(
            f"{origin}: must be a JSON object of stacks (as written by cdktf deploy "
            f"--outputs-file), not {json_type(document)}"
        )
    if not document:
        raise InputError(f"{origin}: contains no stacks; was the stack deployed?")
    if stack is None:
        if len(document) > 1:
            names = ", ".join(sorted(document))
            raise InputError(f"{origin}: has several stacks ({names}); choose one with --stack")
        stack = next(iter(document))
    elif stack not in document:
        names = ", ".join(sorted(document))
        raise InputError(f"--stack {stack}: no such stack in {origin} (it has: {names})")
    return stack, Reader(origin).mapping(document[stack], stack)


def load_outputs(path: Path, *, stack: str | None, region_flag: str | None) -> OutputsSelection:
    """The manifest of one stack in a ``cdktf deploy --outputs-file`` file."""
    origin = str(path)
    stack, outputs = select_stack(read_json(path, "outputs file"), origin, stack)
    manifest = parse_manifest(
        Reader(origin).get(outputs, OUTPUT_NAME, stack), origin, f"{stack}.{OUTPUT_NAME}"
    )
    if region_flag is not None and region_flag != manifest.region:
        raise InputError(
            f"--region {region_flag}: wrong region, the stack in {origin} is deployed in "
            f"{manifest.region} ({stack}.{OUTPUT_NAME}.region)",
            f"drop --region or pass --region {manifest.region}",
        )
    return OutputsSelection(manifest=manifest, stack=stack, origin=origin)


def targets_from_manifest(
    selection: OutputsSelection,
    *,
    trust: Trust,
    expect_policy: Policy | None,
    source_root: Path | None,
) -> tuple[VerificationTarget, ...]:
    """One target per function. The CSC's expected policy: the flag, else the lock's, else
    the outputs' (the outputs' value is compared with the lock by ``lock.anchor``)."""
    manifest = selection.manifest
    where = f"{selection.origin}: {selection.stack}.{OUTPUT_NAME}.expected_policy"
    outputs_policy = parse_policy(manifest.expected_policy, where)
    policy = expect_policy or (Policy(trust.lock.policy) if trust.lock else outputs_policy)
    declarations = Declarations.of(manifest)
    return tuple(
        VerificationTarget(
            key=function.key,
            function_name=function.function_name,
            job_id=function.signing_job_id,
            csc_arn=manifest.code_signing_config_arn,
            expected_policy=policy,
            outputs_policy=outputs_policy,
            region=manifest.region,
            trust=trust,
            profile_name=manifest.signing_profile_name,
            profile_version_arn=manifest.signing_profile_version_arn,
            platform_id=manifest.platform_id,
            bucket=manifest.bucket,
            unsigned_key=function.unsigned_key,
            unsigned_version=function.unsigned_version,
            signed_bucket=function.signed_bucket,
            signed_key=function.signed_key,
            declared=function,
            declared_layers=tuple(
                layer for key in function.layers if (layer := manifest.layer(key)) is not None
            ),
            stack_declarations=declarations,
            stack=selection.stack,
            source_root=source_root,
            source=selection.origin,
        )
        for function in manifest.functions
    )


# --- trust ------------------------------------------------------------------------------


def resolve_trust(
    *,
    lock_path: Path,
    no_lock: bool,
    trusted_arns: list[str],
    stack: str | None,
    from_outputs: Manifest | None,
) -> Trust:
    """Where trust comes from: the lock (the default), explicit profile version ARNs, or, with
    ``--no-lock``, the stack's outputs alone, which the report flags with a warning."""
    for arn in trusted_arns:
        if not PROFILE_VERSION_ARN.match(arn):
            raise InputError(
                f"--trusted-profile-version-arn {arn}: not a signing profile version ARN",
                f"expected {PROFILE_VERSION_ARN_FORMAT}",
            )
    explicit_lock = str(lock_path) != lock_module.LOCK_FILE_NAME
    if no_lock and explicit_lock:
        raise InputError(f"--lock {lock_path} and --no-lock contradict each other; pass one")
    if trusted_arns and explicit_lock and not lock_path.exists():
        raise InputError(f"--lock {lock_path}: no lock file", lock_module.CREATE_HINT)
    if no_lock:
        if trusted_arns:
            return Trust(frozenset(trusted_arns), origin="--trusted-profile-version-arn")
        if from_outputs is None:
            raise InputError(
                "--no-lock with --function/--job-id/--csc-arn trusts nothing",
                "pass --trusted-profile-version-arn ARN (repeatable) or --lock PATH",
            )
        return Trust(
            frozenset({from_outputs.signing_profile_version_arn}),
            origin="the stack's outputs (--no-lock)",
            anchored=False,
        )
    if trusted_arns and not lock_path.exists():
        return Trust(frozenset(trusted_arns), origin="--trusted-profile-version-arn")
    if from_outputs is None and not trusted_arns and not lock_path.exists():
        raise InputError(
            f"{lock_path}: no lock file, and flag mode needs a trust anchor",
            "pass --trusted-profile-version-arn ARN (repeatable) or --lock PATH",
        )
    entry = lock_module.load(lock_path).for_stack(stack)
    origin = f"{lock_path} (stack {entry.stack})"
    if trusted_arns:
        origin += " and --trusted-profile-version-arn"
    return Trust(
        frozenset(entry.signing_profile_version_arns) | frozenset(trusted_arns),
        origin=origin,
        lock=entry,
    )


# --- explicit flags ---------------------------------------------------------------------


def target_from_flags(
    *,
    function: str,
    job_id: str,
    csc_arn: str,
    region: str,
    expect_policy: Policy | None,
    trust: Trust,
) -> VerificationTarget:
    """A target from ``--function/--job-id/--csc-arn``: the profile and the signed object come
    from the job, and the job's profile must be one the trust pins."""
    if not function.strip():
        raise InputError("--function: is empty")
    if not job_id.strip():
        raise InputError("--job-id: is empty")
    match = CSC_ARN.match(csc_arn)
    if not match:
        raise InputError(
            f"--csc-arn {csc_arn}: not a code signing config ARN", f"expected {CSC_ARN_FORMAT}"
        )
    if match.group(2) != region:
        raise InputError(
            f"--csc-arn: wrong region, the ARN is in {match.group(2)} but the region is {region}",
            f"pass --region {match.group(2)}",
        )
    policy = expect_policy or (Policy(trust.lock.policy) if trust.lock else Policy.ENFORCE)
    return VerificationTarget(
        key=function,
        function_name=function,
        job_id=job_id,
        csc_arn=csc_arn,
        expected_policy=policy,
        region=region,
        trust=trust,
    )
