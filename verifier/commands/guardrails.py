"""``signed-lambda guardrails``: print IAM policies that forbid what ``verify`` detects.

Built from the lock (the reviewed trust anchor: account, region, CSC, signing profile and its
pinned versions) plus the artifact bucket and the stack's layers, which the lock does not hold:
they come from the stack outputs (``--outputs``, whose manifest names the bucket and every layer
version) or, for the bucket, ``--bucket``. The outputs must agree with the lock. Policies are
printed on stdout as JSON: one policy document, or for a deny set over 5,120 characters a list of
SCPs, numbered by their order; sizes and notes go to stderr. Bad input: one line, exit 2.
"""

from __future__ import annotations

import json
import re
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer

from verifier import guardrails
from verifier.api import stderr
from verifier.commands.options import LockFile
from verifier.contract import lock as lock_module
from verifier.contract.accounts import partition_of_region
from verifier.contract.arns import MANAGED_POLICY_ARN, account_of
from verifier.contract.lock import LOCK_FILE_NAME, StackLock
from verifier.contract.manifest import Manifest
from verifier.contract.targets import load_outputs
from verifier.errors import InputError, VerifierError
from verifier.exitcodes import ExitCode

BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
KEY_PREFIX = re.compile(r"^[a-zA-Z0-9!_.'()/-]+/$")


class GuardrailFormat(StrEnum):
    SCP = "scp"
    DEPLOYER_POLICY = "deployer-policy"
    BUCKET_POLICY = "bucket-policy"


def partition_of(entry: StackLock) -> str:
    """The locked stack's partition (every ARN of the policies is in it): the CSC ARN's."""
    return entry.code_signing_config_arn.split(":")[1] or partition_of_region(entry.region)


def _role(arn: str, flag: str, account: str, partition: str = "aws") -> str:
    match = guardrails.ROLE_ARN.match(arn)
    if match is None:
        raise InputError(
            f"{flag} {arn}: not an IAM role ARN", f"expected {guardrails.ROLE_ARN_FORMAT}"
        )
    if match.group(1) != partition:
        raise InputError(
            f"{flag} {arn}: is in partition {match.group(1)}, the lock pins {partition}",
            "name a role of the locked account",
        )
    if match.group(2) != account:
        raise InputError(
            f"{flag} {arn}: is in account {match.group(2)}, the lock pins {account}",
            "name a role of the locked account",
        )
    return arn


def _policy(arn: str, partition: str) -> str:
    match = MANAGED_POLICY_ARN.match(arn)
    if match is None or match.group(1) != partition:
        raise InputError(
            f"--managed-policy {arn}: not a managed policy ARN of partition {partition}",
            f"expected arn:{partition}:iam::aws:policy/<name> or "
            f"arn:{partition}:iam::<account>:policy/<name>",
        )
    return arn


def _agree(entry: StackLock, manifest: Manifest, origin: str) -> None:
    """The outputs (state) must name the locked trust anchor; the lock wins, so say so."""
    if manifest.code_signing_config_arn != entry.code_signing_config_arn:
        raise InputError(
            f"{origin}: names CSC {manifest.code_signing_config_arn}, the lock pins "
            f"{entry.code_signing_config_arn}",
            "run `make lock` after a reviewed deploy, or pass the outputs of the locked stack",
        )
    if manifest.region != entry.region or account_of(manifest.code_signing_config_arn) != (
        entry.account_id
    ):
        raise InputError(
            f"{origin}: is for {manifest.region}, the lock pins {entry.region}/{entry.account_id}"
        )


def _layer_names(manifest: Manifest, entry: StackLock, origin: str) -> tuple[str, ...]:
    names = set()
    for layer in manifest.layers:
        parts = layer.layer_version_arn.split(":")
        if len(parts) != 8 or parts[2:6] != ["lambda", entry.region, entry.account_id, "layer"]:
            raise InputError(
                f"{origin}: layer {layer.key} is {layer.layer_version_arn}, not a layer version "
                f"of {entry.region}/{entry.account_id}"
            )
        names.add(parts[6])
    return tuple(sorted(names))


def _check_names(manifest: Manifest, scope: guardrails.Scope, origin: str) -> None:
    """The deployer policy grants on ``name_prefix-*`` and ``signed_prefix``: every function,
    layer and signed package of the outputs must be under them."""
    for name in [fn.function_name for fn in manifest.functions] + list(scope.layer_names):
        if not name.startswith(f"{scope.name_prefix}-"):
            raise InputError(
                f"{origin}: {name} does not start with --name-prefix {scope.name_prefix}-",
                "pass the stack's name_prefix with --name-prefix",
            )
    for artifact in [*manifest.functions, *manifest.layers]:
        if not artifact.signed_key.startswith(scope.signed_prefix):
            raise InputError(
                f"{origin}: {artifact.key}'s signed package {artifact.signed_key} is not under "
                f"--signed-prefix {scope.signed_prefix}",
                "pass the stack's signed_prefix with --signed-prefix",
            )


def _bucket(flag: str | None, manifest: Manifest | None, origin: str | None) -> str:
    if flag is not None and not BUCKET_NAME.match(flag):
        raise InputError(f"--bucket {flag}: not an S3 bucket name")
    if flag and manifest and flag != manifest.bucket:
        raise InputError(f"--bucket {flag}: {origin} names the artifact bucket {manifest.bucket}")
    bucket = flag or (manifest.bucket if manifest else None)
    if not bucket:
        raise InputError(
            "no artifact bucket: the lock does not name it",
            "pass --outputs cdktf-outputs.json (or --bucket NAME)",
        )
    return bucket


def _prefix(value: str, flag: str) -> str:
    if not KEY_PREFIX.match(value):
        raise InputError(f"{flag} {value!r}: not a key prefix ending in '/' (e.g. 'signed/')")
    return value


def build_scope(
    entry: StackLock,
    *,
    outputs: Path | None,
    bucket: str | None,
    signed_prefix: str,
    unsigned_prefix: str,
    name_prefix: str,
    reserved_concurrency: bool = False,
    managed_policy_arns: tuple[str, ...] = (),
    vpc: bool = False,
) -> guardrails.Scope:
    manifest: Manifest | None = None
    origin: str | None = None
    if outputs is not None:
        selection = load_outputs(outputs, stack=entry.stack, region_flag=None)
        manifest, origin = selection.manifest, selection.origin
        _agree(entry, manifest, origin)
    scope = guardrails.Scope(
        account_id=entry.account_id,
        region=entry.region,
        code_signing_config_arns=(entry.code_signing_config_arn,),
        signing_profile_name=entry.signing_profile_name,
        signing_profile_versions=tuple(
            arn.rsplit("/", 1)[-1] for arn in entry.signing_profile_version_arns
        ),
        bucket=_bucket(bucket, manifest, origin),
        signed_prefix=_prefix(signed_prefix, "--signed-prefix"),
        unsigned_prefix=_prefix(unsigned_prefix, "--unsigned-prefix"),
        name_prefix=name_prefix,
        layer_names=_layer_names(manifest, entry, str(origin)) if manifest else (),
        partition=partition_of(entry),
        aliases=bool(manifest and any(fn.alias for fn in manifest.functions)),
        reserved_concurrency=reserved_concurrency,
        managed_policy_arns=managed_policy_arns,
        vpc=vpc,
    )
    if manifest is not None:
        _check_names(manifest, scope, str(origin))
    return scope


def _print(value: object) -> None:
    print(json.dumps(value, indent=2))


def guardrails_command(
    lock: LockFile = Path(LOCK_FILE_NAME),
    stack: Annotated[
        str | None,
        typer.Option(help="Stack in the lock (needed when it locks several).", show_default=False),
    ] = None,
    outputs: Annotated[
        Path | None,
        typer.Option(
            help="The stack outputs (`cdktf deploy --outputs-file`): the artifact bucket and the "
            "stack's layers. Required for --format scp.",
            show_default=False,
        ),
    ] = None,
    bucket: Annotated[
        str | None,
        typer.Option(help="The artifact bucket (default: from --outputs).", show_default=False),
    ] = None,
    deploy_role: Annotated[
        str | None,
        typer.Option(
            "--deploy-role",
            help="The pipeline's role ARN: the one principal that may sign, write signed "
            "packages and change the bucket's versioning.",
            show_default=False,
        ),
    ] = None,
    admin_role: Annotated[
        list[str] | None,
        typer.Option(
            "--admin-role",
            help="A break-glass role ARN that may change or detach the CSC and sign (repeatable).",
            show_default=False,
        ),
    ] = None,
    deploy_assumer: Annotated[
        list[str] | None,
        typer.Option(
            "--deploy-assumer",
            help="A role ARN that may assume the deploy role with sts:AssumeRole, e.g. a CI "
            "runner's role (repeatable). Without it only the admin roles may; OIDC "
            "(AssumeRoleWithWebIdentity) is decided by the role's trust policy alone.",
            show_default=False,
        ),
    ] = None,
    admin_assumer: Annotated[
        list[str] | None,
        typer.Option(
            "--admin-assumer",
            help="A role ARN that may assume the admin roles with sts:AssumeRole (repeatable).",
            show_default=False,
        ),
    ] = None,
    managed_policy: Annotated[
        list[str] | None,
        typer.Option(
            "--managed-policy",
            help="deployer-policy: a managed policy ARN the stack attaches to a function's role "
            "(the stack's managed_policy_arns; repeatable).",
            show_default=False,
        ),
    ] = None,
    reserved_concurrency: Annotated[
        bool,
        typer.Option(
            "--reserved-concurrency",
            help="deployer-policy: a function of the stack sets reserved_concurrency.",
        ),
    ] = False,
    vpc: Annotated[
        bool,
        typer.Option("--vpc", help="deployer-policy: a function of the stack is in a VPC."),
    ] = False,
    fmt: Annotated[
        GuardrailFormat,
        typer.Option(
            "--format",
            case_sensitive=False,
            help="scp: the deny set (one SCP, or a list when it must be split); "
            "deployer-policy: the deploy role's "
            "identity policy; bucket-policy: statements to add to the bucket's policy.",
        ),
    ] = GuardrailFormat.SCP,
    signed_prefix: Annotated[str, typer.Option(help="The stack's signed_prefix.")] = "signed/",
    unsigned_prefix: Annotated[
        str, typer.Option(help="The stack's unsigned_prefix.")
    ] = "unsigned/",
    name_prefix: Annotated[
        str, typer.Option(help="The stack's name_prefix (functions, roles, layers).")
    ] = "signed-lambda",
) -> None:
    """Print IAM policies built from the lock that make the attacks `verify` detects impossible: an SCP deny set, the deploy role's policy, bucket policy statements."""  # noqa: E501
    try:
        if not lock.exists():
            raise InputError(
                f"{lock}: no lock file",
                "create it after a deploy with `make lock`, review and commit it",
            )
        entry = lock_module.load(lock).for_stack(stack)
        if fmt is GuardrailFormat.SCP and outputs is None:
            raise InputError(
                "--format scp needs --outputs: the layer statement allows exactly the stack's "
                "layers, which only the outputs name"
            )
        partition = partition_of(entry)

        def roles(arns: list[str] | None, flag: str) -> tuple[str, ...]:
            return tuple(
                sorted({_role(arn, flag, entry.account_id, partition) for arn in arns or ()})
            )

        principals = guardrails.Principals(
            deploy_role_arn=_role(deploy_role, "--deploy-role", entry.account_id, partition)
            if deploy_role
            else None,
            admin_role_arns=roles(admin_role, "--admin-role"),
            deploy_assumer_arns=roles(deploy_assumer, "--deploy-assumer"),
            admin_assumer_arns=roles(admin_assumer, "--admin-assumer"),
        )
        if principals.deploy_assumer_arns and principals.deploy_role_arn is None:
            raise InputError("--deploy-assumer needs --deploy-role (the role it assumes)")
        if principals.admin_assumer_arns and not principals.admin_role_arns:
            raise InputError("--admin-assumer needs --admin-role (the roles it assumes)")
        scope = build_scope(
            entry,
            outputs=outputs,
            bucket=bucket,
            signed_prefix=signed_prefix,
            unsigned_prefix=unsigned_prefix,
            name_prefix=name_prefix,
            reserved_concurrency=reserved_concurrency,
            managed_policy_arns=tuple(
                sorted({_policy(arn, partition) for arn in managed_policy or ()})
            ),
            vpc=vpc,
        )
        if principals.deploy_role_arn and scope.is_function_role(principals.deploy_role_arn):
            raise InputError(
                f"--deploy-role {principals.deploy_role_arn}: is named like the functions' "
                f"roles ({scope.function_roles}), which the deployer policy lets it rewrite",
                "use a deploy role whose name does not end in -role under the name prefix",
            )
        if fmt is not GuardrailFormat.DEPLOYER_POLICY and principals.deploy_role_arn is None:
            stderr(
                "guardrails: no --deploy-role: signing with the profile, writing signed "
                "packages and changing versioning are denied to everyone but the admin roles"
            )
        if fmt is GuardrailFormat.SCP:
            try:
                policies = guardrails.scp_policies(scope, principals)
            except guardrails.PolicyTooLarge as error:
                raise InputError(
                    f"the deny set's {error.sid} statement alone is {error.size} characters, "
                    f"over the SCP limit of {error.limit}",
                    "lock fewer CSCs or give the stack fewer layers",
                ) from None
            sizes = ", ".join(f"{len(guardrails.minified(p)):,}" for p in policies)
            limit = f"{guardrails.SCP_MAX_CHARACTERS:,}"
            if len(policies) > 1:
                stderr(
                    f"guardrails: the deny set exceeds {limit} characters: split into "
                    f"{len(policies)} SCPs ({sizes} characters minified); attach all of them"
                )
                _print(policies)
            else:
                stderr(f"guardrails: 1 SCP, {sizes} characters minified (limit {limit})")
                _print(policies[0])
        elif fmt is GuardrailFormat.DEPLOYER_POLICY:
            policy = guardrails.deployer_policy(scope)
            stderr(f"guardrails: deployer policy, {len(guardrails.minified(policy)):,} characters")
            _print(policy)
        else:
            statements = guardrails.bucket_policy_statements(
                scope.bucket, scope.signed_prefix, principals, scope.partition
            )
            stderr(
                f"guardrails: {len(statements)} statements to add to the policy of "
                f"{scope.bucket} (keep its TLS-only statement)"
            )
            _print(guardrails.document(statements))
    except VerifierError as error:
        stderr(f"error: {error.diagnostics()}")
        raise typer.Exit(int(error.exit_code)) from None
    raise typer.Exit(int(ExitCode.OK))
