"""``signed-lambda guardrails``: the policy builder (pure) and the command (CliRunner).

The policies are proven by attempt against the local AWS in tests/e2e/test_guardrails.py; here:
what each statement says, sizes and splitting, the command's inputs and its one-line errors,
and the policy linter (parliament) over all three documents.
"""

from __future__ import annotations

import fnmatch
import json
import warnings
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from tests.verifier import builders as b
from verifier import guardrails
from verifier.cli import app
from verifier.contract.lock import render

runner = CliRunner()
DEPLOY_ROLE = f"arn:aws:iam::{b.ACCOUNT}:role/signed-lambda-deployer"
ADMIN_ROLE = f"arn:aws:iam::{b.ACCOUNT}:role/break-glass"
LAYER_NAME = "signed-lambda-shared"
LAYER_VERSION_ARN = f"arn:aws:lambda:{b.REGION}:{b.ACCOUNT}:layer:{LAYER_NAME}:3"
#: What the deny set's statements are, in order (the README's table names them).
DENY_SIDS = [
    "DenyCreateFunctionWithoutCodeSigning",
    "DenyCreateFunctionWithUnlockedCsc",
    "DenyAttachingUnlockedCsc",
    "DenyDetachingOrChangingCscExceptAdmins",
    "DenyLayersOutsideTheStack",
    "DenySigningWithTheProfileOutsideThePipeline",
    "DenyRevokingSignaturesOutsideThePipeline",
    "DenySharingTheProfileExceptAdmins",
    "DenyPublishingStackLayersOutsideThePipeline",
    "DenyBucketVersioningChangesOutsideThePipeline",
    "DenyBucketLifecycleChangesExceptAdmins",
    "DenySignedPackageWritesOutsideThePipeline",
    "DenyChangingTheExemptRolesExceptAdmins",
    "DenyAssumingTheDeployRoleExceptItsAssumers",
    "DenyAssumingTheAdminRolesExceptAdmins",
]
#: The statements that guard the exempt roles: none when no role is exempt.
ROLE_SIDS = DENY_SIDS[-3:]
CI_ROLE = f"arn:aws:iam::{b.ACCOUNT}:role/ci-runner"


def scope(**changes: Any) -> guardrails.Scope:
    base = guardrails.Scope(
        account_id=b.ACCOUNT,
        region=b.REGION,
        code_signing_config_arns=(b.CSC_ARN,),
        signing_profile_name=b.PROFILE_NAME,
        signing_profile_versions=(b.PROFILE_VERSION,),
        bucket=b.BUCKET,
        layer_names=(LAYER_NAME,),
    )
    return replace(base, **changes)


PRINCIPALS = guardrails.Principals(deploy_role_arn=DEPLOY_ROLE, admin_role_arns=(ADMIN_ROLE,))


def by_sid(statements: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {statement["Sid"]: statement for statement in statements}


# --- the builder --------------------------------------------------------------------------


def test_the_deny_set_has_one_named_statement_per_attack() -> None:
    statements = guardrails.deny_statements(scope(), PRINCIPALS)
    assert [s["Sid"] for s in statements] == DENY_SIDS
    assert {s["Effect"] for s in statements} == {"Deny"}
    named = by_sid(statements)
    assert named["DenyCreateFunctionWithoutCodeSigning"]["Condition"] == {
        "Null": {"lambda:CodeSigningConfigArn": "true"}
    }
    for sid in ("DenyCreateFunctionWithUnlockedCsc", "DenyAttachingUnlockedCsc"):
        assert named[sid]["Condition"] == {
            "ArnNotEquals": {"lambda:CodeSigningConfigArn": b.CSC_ARN}
        }
    assert named["DenyDetachingOrChangingCscExceptAdmins"]["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": ADMIN_ROLE}
    }
    assert named["DenyLayersOutsideTheStack"]["Condition"] == {
        "ForAnyValue:StringNotLike": {
            "lambda:Layer": f"arn:aws:lambda:{b.REGION}:{b.ACCOUNT}:layer:{LAYER_NAME}:*"
        }
    }
    signing = named["DenySigningWithTheProfileOutsideThePipeline"]
    assert signing["Resource"] == (
        f"arn:aws:signer:{b.REGION}:{b.ACCOUNT}:/signing-profiles/{b.PROFILE_NAME}"
    )
    assert signing["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [ADMIN_ROLE, DEPLOY_ROLE]}}
    assert named["DenyBucketVersioningChangesOutsideThePipeline"]["Condition"] == {
        "ArnNotLike": {"aws:PrincipalArn": DEPLOY_ROLE}
    }
    writes = named["DenySignedPackageWritesOutsideThePipeline"]
    assert writes["Resource"] == f"arn:aws:s3:::{b.BUCKET}/signed/*"
    assert writes["Action"] == ["s3:DeleteObjectVersion", "s3:PutObject"]


def test_the_exempt_roles_are_guarded() -> None:
    """An exception by aws:PrincipalArn is only as strong as the role it names: only admins
    change the exempt roles (and their assumers), and each is assumable only by its group."""
    principals = guardrails.Principals(
        deploy_role_arn=DEPLOY_ROLE,
        admin_role_arns=(ADMIN_ROLE,),
        deploy_assumer_arns=(CI_ROLE,),
    )
    named = by_sid(guardrails.deny_statements(scope(), principals))
    changes = named["DenyChangingTheExemptRolesExceptAdmins"]
    assert changes["Resource"] == sorted([ADMIN_ROLE, CI_ROLE, DEPLOY_ROLE])
    assert changes["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": ADMIN_ROLE}}
    for action in (
        "iam:UpdateAssumeRolePolicy",
        "iam:PutRolePolicy",
        "iam:AttachRolePolicy",
        "iam:DeleteRolePolicy",
        "iam:DetachRolePolicy",
        "iam:PutRolePermissionsBoundary",
        "iam:DeleteRolePermissionsBoundary",
        "iam:CreateRole",
        "iam:DeleteRole",
        "iam:UpdateRole",
        "iam:PassRole",
        "iam:TagRole",
        "iam:UntagRole",
        "iam:UpdateRoleDescription",
    ):
        assert any(fnmatch.fnmatchcase(action, pattern) for pattern in changes["Action"]), action
    for read in ("iam:GetRole", "iam:GetRolePolicy", "iam:ListRolePolicies", "iam:ListRoleTags"):
        assert not any(fnmatch.fnmatchcase(read, pattern) for pattern in changes["Action"]), read
    deploy = named["DenyAssumingTheDeployRoleExceptItsAssumers"]
    assert (deploy["Action"], deploy["Resource"]) == ("sts:AssumeRole", [CI_ROLE, DEPLOY_ROLE])
    assert deploy["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [ADMIN_ROLE, CI_ROLE]}}
    admin = named["DenyAssumingTheAdminRolesExceptAdmins"]
    assert (admin["Action"], admin["Resource"]) == ("sts:AssumeRole", ADMIN_ROLE)
    assert admin["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": ADMIN_ROLE}}
    (scp,) = guardrails.scp_policies(scope(), principals)
    assert lint(scp) == []


def test_the_profile_cannot_be_shared_and_the_bucket_lifecycle_is_the_admins() -> None:
    named = by_sid(guardrails.deny_statements(scope(), PRINCIPALS))
    sharing = named["DenySharingTheProfileExceptAdmins"]
    assert sharing["Action"] == ["signer:AddProfilePermission", "signer:RemoveProfilePermission"]
    assert sharing["Resource"] == (
        f"arn:aws:signer:{b.REGION}:{b.ACCOUNT}:/signing-profiles/{b.PROFILE_NAME}"
    )
    assert sharing["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": ADMIN_ROLE}}
    lifecycle = named["DenyBucketLifecycleChangesExceptAdmins"]
    assert (lifecycle["Action"], lifecycle["Resource"]) == (
        "s3:PutLifecycleConfiguration",
        f"arn:aws:s3:::{b.BUCKET}",
    )
    assert lifecycle["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": ADMIN_ROLE}}
    layers = named["DenyPublishingStackLayersOutsideThePipeline"]
    assert layers["Resource"] == f"arn:aws:lambda:{b.REGION}:{b.ACCOUNT}:layer:signed-lambda-*"
    assert layers["Condition"] == {"ArnNotLike": {"aws:PrincipalArn": [ADMIN_ROLE, DEPLOY_ROLE]}}


def test_without_layers_or_exceptions_nothing_is_exempt() -> None:
    statements = guardrails.deny_statements(scope(layer_names=()), guardrails.Principals())
    assert [s["Sid"] for s in statements] == [s for s in DENY_SIDS if s not in ROLE_SIDS]
    named = by_sid(statements)
    assert named["DenyLayersOutsideTheStack"]["Condition"] == {"Null": {"lambda:Layer": "false"}}
    for sid in (
        "DenyDetachingOrChangingCscExceptAdmins",
        "DenySigningWithTheProfileOutsideThePipeline",
        "DenySignedPackageWritesOutsideThePipeline",
        "DenySharingTheProfileExceptAdmins",
        "DenyBucketLifecycleChangesExceptAdmins",
    ):
        assert "Condition" not in named[sid]


def test_the_deny_set_fits_one_scp_and_splits_when_it_does_not() -> None:
    (single,) = guardrails.scp_policies(scope(), PRINCIPALS)
    assert len(guardrails.minified(single)) <= guardrails.SCP_MAX_CHARACTERS
    many_layers = tuple(f"signed-lambda-layer-with-a-long-name-{i:03}" for i in range(60))
    policies = guardrails.scp_policies(scope(layer_names=many_layers[:40]), PRINCIPALS)
    assert len(policies) == 2
    assert all(len(guardrails.minified(p)) <= guardrails.SCP_MAX_CHARACTERS for p in policies)
    assert [s["Sid"] for p in policies for s in p["Statement"]] == DENY_SIDS
    with pytest.raises(guardrails.PolicyTooLarge) as raised:
        guardrails.scp_policies(scope(layer_names=many_layers * 2), PRINCIPALS)
    assert raised.value.sid == "DenyLayersOutsideTheStack"


def test_the_deployer_policy_is_conditioned_on_the_locked_csc_and_profile() -> None:
    policy = guardrails.deployer_policy(scope())
    named = by_sid(policy["Statement"])
    assert len(named) == len(policy["Statement"])
    create = named["CreateFunctionsOnlyUnderTheLockedCsc"]
    assert create["Action"] == ["lambda:CreateFunction", "lambda:PutFunctionCodeSigningConfig"]
    assert create["Condition"] == {"ArnEquals": {"lambda:CodeSigningConfigArn": b.CSC_ARN}}
    sign = named["SignOnlyWithTheLockedProfileVersions"]
    assert sign["Condition"] == {"StringEquals": {"signer:ProfileVersion": b.PROFILE_VERSION}}
    granted = {
        action
        for statement in policy["Statement"]
        for action in (
            statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        )
    }
    # The trust anchor is the admins': no CSC, profile or bucket-policy changes for the pipeline.
    for forbidden in (
        "lambda:CreateCodeSigningConfig",
        "lambda:UpdateCodeSigningConfig",
        "lambda:DeleteCodeSigningConfig",
        "lambda:DeleteFunctionCodeSigningConfig",
        "signer:PutSigningProfile",
        "signer:RevokeSignature",
        "s3:PutBucketPolicy",
        "s3:DeleteBucketPolicy",
        "s3:PutBucketPublicAccessBlock",
    ):
        assert forbidden not in granted
    assert not any("*" in action for action in granted)


def test_the_deployer_policy_follows_the_stacks_features() -> None:
    """Aliases, reserved concurrency, managed policies and a VPC each need their actions, on
    the stack's resources where the SAR has a resource type; nothing for unused features."""
    plain = by_sid(guardrails.deployer_policy(scope())["Statement"])
    for sid in (
        "ManageTheStacksAliases",
        "SetTheStacksReservedConcurrency",
        "AttachOnlyTheStacksManagedPolicies",
        "DescribeTheFunctionsNetwork",
    ):
        assert sid not in plain
    managed = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
    policy = guardrails.deployer_policy(
        scope(aliases=True, reserved_concurrency=True, managed_policy_arns=(managed,), vpc=True)
    )
    named = by_sid(policy["Statement"])
    functions = [
        f"arn:aws:lambda:{b.REGION}:{b.ACCOUNT}:function:signed-lambda-*",
        f"arn:aws:lambda:{b.REGION}:{b.ACCOUNT}:function:signed-lambda-*:*",
    ]
    aliases = named["ManageTheStacksAliases"]
    assert aliases["Action"] == [
        "lambda:CreateAlias", "lambda:DeleteAlias", "lambda:GetAlias", "lambda:UpdateAlias",
    ]  # fmt: skip
    assert aliases["Resource"] == functions
    concurrency = named["SetTheStacksReservedConcurrency"]
    assert "lambda:PutFunctionConcurrency" in concurrency["Action"]
    assert "lambda:DeleteFunctionConcurrency" in concurrency["Action"]
    assert concurrency["Resource"] == functions
    attach = named["AttachOnlyTheStacksManagedPolicies"]
    assert attach["Action"] == "iam:AttachRolePolicy"
    assert attach["Resource"] == f"arn:aws:iam::{b.ACCOUNT}:role/signed-lambda-*-role"
    assert attach["Condition"] == {"ArnEquals": {"iam:PolicyARN": managed}}
    assert "iam:DetachRolePolicy" in named["ManageTheFunctionsRoles"]["Action"]
    network = named["DescribeTheFunctionsNetwork"]
    assert network["Resource"] == "*"
    assert set(network["Action"]) >= {
        "ec2:DescribeSecurityGroups", "ec2:DescribeSubnets", "ec2:DescribeVpcs",
    }  # fmt: skip
    findings = lint(policy)
    assert {f.issue for f in findings} == EXPLAINED_DEPLOYER_FINDINGS, [
        (f.issue, f.detail, f.location) for f in findings
    ]


def test_bucket_statements_bind_every_principal() -> None:
    statements = guardrails.bucket_policy_statements(b.BUCKET, "signed/", PRINCIPALS)
    assert [s["Sid"] for s in statements] == [
        "DenyBucketVersioningChangesOutsideThePipeline",
        "DenySignedPackageWritesOutsideThePipeline",
    ]
    assert {s["Principal"] for s in statements} == {"*"}


# --- the linter -----------------------------------------------------------------------------

#: parliament's findings on the deployer policy, each explained. Anything else fails.
EXPLAINED_DEPLOYER_FINDINGS = {
    # iam:CreateRole/PutRolePolicy/DeleteRole/DeleteRolePolicy/PassRole on `<prefix>-*` roles:
    # `make deploy` creates each function's execution role; PassRole is limited to Lambda.
    "PERMISSIONS_MANAGEMENT_ACTIONS",
    # lambda:UpdateFunctionCode on a function with a role: what a deploy does; the code is held
    # to the locked CSC (Enforce rejects unsigned code), which is the point of the stack.
    "PRIVILEGE_ESCALATION",
}


def lint(document: dict[str, Any]) -> list[Any]:
    with warnings.catch_warnings():  # parliament imports pkg_resources, which warns
        warnings.simplefilter("ignore", UserWarning)
        from parliament import analyze_policy_string  # the dev extra's linter

    return list(
        analyze_policy_string(json.dumps(document), include_community_auditors=True).findings
    )


def test_the_policies_pass_parliament() -> None:
    (scp,) = guardrails.scp_policies(scope(), PRINCIPALS)
    assert lint(scp) == []
    # parliament lints identity policies; a bucket policy's Principal is not its business.
    bucket = guardrails.document(
        [
            {k: v for k, v in s.items() if k != "Principal"}
            for s in guardrails.bucket_policy_statements(b.BUCKET, "signed/", PRINCIPALS)
        ]
    )
    assert lint(bucket) == []
    findings = lint(guardrails.deployer_policy(scope()))
    assert {f.issue for f in findings} == EXPLAINED_DEPLOYER_FINDINGS, [
        (f.issue, f.detail, f.location) for f in findings
    ]
    escalation = next(f for f in findings if f.issue == "PRIVILEGE_ESCALATION")
    assert escalation.location["actions"] == ["lambda:updatefunctioncode"]


# --- the command --------------------------------------------------------------------------


def write_inputs(tmp_path: Path, **manifest_changes: Any) -> tuple[Path, Path]:
    layer = b.layer_manifest(layer_name=LAYER_NAME, layer_version_arn=LAYER_VERSION_ARN)
    manifest = b.manifest(**{"layers": (layer,), **manifest_changes})
    outputs = tmp_path / "cdktf-outputs.json"
    outputs.write_text(json.dumps({b.STACK: {"manifest": manifest.to_output()}}))
    lock = tmp_path / "signed-lambda.lock.json"
    lock.write_text(render((b.lock_entry(),)))
    return lock, outputs


def run(*args: str) -> Result:
    return runner.invoke(app, ["guardrails", *args])


def test_scp_from_the_lock_and_outputs(tmp_path: Path) -> None:
    lock, outputs = write_inputs(tmp_path)
    result = run(
        "--lock", str(lock), "--outputs", str(outputs),
        "--deploy-role", DEPLOY_ROLE, "--admin-role", ADMIN_ROLE,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    policy = json.loads(result.stdout)
    assert [policy] == guardrails.scp_policies(scope(), PRINCIPALS)
    size = len(guardrails.minified(policy))
    assert result.stderr == f"guardrails: 1 SCP, {size:,} characters minified (limit 5,120)\n"


def test_a_split_is_said_on_stderr(tmp_path: Path) -> None:
    layers = tuple(
        b.layer_manifest(
            key="shared" if i == 0 else f"l{i}",
            layer_name=f"signed-lambda-layer-with-a-long-name-{i:03}",
            layer_version_arn=(
                f"arn:aws:lambda:{b.REGION}:{b.ACCOUNT}:layer:"
                f"signed-lambda-layer-with-a-long-name-{i:03}:1"
            ),
        )
        for i in range(40)
    )
    lock, outputs = write_inputs(tmp_path, layers=layers)
    result = run("--lock", str(lock), "--outputs", str(outputs), "--deploy-role", DEPLOY_ROLE)
    assert result.exit_code == 0, result.stderr
    assert len(json.loads(result.stdout)) == 2
    assert "split into 2 SCPs" in result.stderr and "attach all of them" in result.stderr


@pytest.mark.parametrize(
    ("fmt", "expected"),
    [
        ("deployer-policy", lambda: guardrails.deployer_policy(scope(layer_names=()))),
        (
            "bucket-policy",
            lambda: guardrails.document(
                guardrails.bucket_policy_statements(b.BUCKET, "signed/", PRINCIPALS)
            ),
        ),
    ],
)
def test_deployer_and_bucket_policies_need_only_the_bucket(
    tmp_path: Path, fmt: str, expected: Any
) -> None:
    lock, _ = write_inputs(tmp_path)
    result = run(
        "--lock", str(lock), "--bucket", b.BUCKET, "--format", fmt,
        "--deploy-role", DEPLOY_ROLE, "--admin-role", ADMIN_ROLE,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == expected()


def test_assumers_and_the_stacks_features_from_the_command(tmp_path: Path) -> None:
    lock, outputs = write_inputs(tmp_path)
    result = run(
        "--lock", str(lock), "--outputs", str(outputs),
        "--deploy-role", DEPLOY_ROLE, "--admin-role", ADMIN_ROLE, "--deploy-assumer", CI_ROLE,
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    principals = guardrails.Principals(DEPLOY_ROLE, (ADMIN_ROLE,), deploy_assumer_arns=(CI_ROLE,))
    assert [json.loads(result.stdout)] == guardrails.scp_policies(scope(), principals)
    managed = "arn:aws:iam::aws:policy/AWSXRayDaemonWriteAccess"
    result = run(
        "--lock", str(lock), "--bucket", b.BUCKET, "--format", "deployer-policy",
        "--managed-policy", managed, "--reserved-concurrency", "--vpc",
    )  # fmt: skip
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout) == guardrails.deployer_policy(
        scope(layer_names=(), reserved_concurrency=True, managed_policy_arns=(managed,), vpc=True)
    )


def test_no_deploy_role_is_said(tmp_path: Path) -> None:
    lock, outputs = write_inputs(tmp_path)
    result = run("--lock", str(lock), "--outputs", str(outputs), "--format", "bucket-policy")
    assert result.exit_code == 0
    assert "no --deploy-role" in result.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--format", "scp", "--bucket", b.BUCKET], "--format scp needs --outputs"),
        (["--format", "deployer-policy"], "no artifact bucket: the lock does not name it"),
        (["--outputs", "OUTPUTS", "--deploy-role", "role/x"], "--deploy-role role/x: not an IAM"),
        (
            ["--outputs", "OUTPUTS", "--admin-role", "arn:aws:iam::999999999999:role/x"],
            "is in account 999999999999, the lock pins 123456789012",
        ),
        (["--outputs", "OUTPUTS", "--bucket", "other-bucket"], "names the artifact bucket"),
        (["--outputs", "OUTPUTS", "--signed-prefix", "signed"], "not a key prefix ending in '/'"),
        (["--outputs", "OUTPUTS", "--signed-prefix", "other/"], "is not under --signed-prefix"),
        (["--outputs", "OUTPUTS", "--name-prefix", "team"], "does not start with --name-prefix"),
        (["--outputs", "OUTPUTS", "--format", "json"], "'json' is not one of"),
        (
            [
                "--outputs",
                "OUTPUTS",
                "--deploy-role",
                f"arn:aws:iam::{b.ACCOUNT}:role/signed-lambda-x-role",
            ],
            "is named like the functions' roles",
        ),
        (["--lock", "missing.json", "--outputs", "OUTPUTS"], "missing.json: no lock file"),
        (["--outputs", "OUTPUTS", "--deploy-assumer", CI_ROLE], "needs --deploy-role"),
        (["--outputs", "OUTPUTS", "--admin-assumer", CI_ROLE], "needs --admin-role"),
        (
            ["--outputs", "OUTPUTS", "--deploy-role", DEPLOY_ROLE, "--deploy-assumer", "ci"],
            "--deploy-assumer ci: not an IAM role ARN",
        ),
        (
            ["--bucket", b.BUCKET, "--format", "deployer-policy", "--managed-policy", "x"],
            "--managed-policy x: not a managed policy ARN",
        ),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    lock, outputs = write_inputs(tmp_path)
    paths = {"OUTPUTS": str(outputs), "missing.json": str(tmp_path / "missing.json")}
    args = [paths.get(a, a) for a in args]
    if "--lock" not in args:
        args = ["--lock", str(lock), *args]
    result = run(*args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and message in result.stderr, result.stderr


def test_outputs_that_disagree_with_the_lock_are_refused(tmp_path: Path) -> None:
    lock, outputs = write_inputs(tmp_path, code_signing_config_arn=b.OTHER_CSC_ARN)
    result = run("--lock", str(lock), "--outputs", str(outputs))
    assert result.exit_code == 2 and result.stdout == ""
    assert f"names CSC {b.OTHER_CSC_ARN}, the lock pins {b.CSC_ARN}" in result.stderr
    assert "run `make lock`" in result.stderr


def test_the_policies_are_in_the_locked_partition(tmp_path: Path) -> None:
    """A GovCloud (or China) lock gives policies whose every ARN is in that partition: an
    ``arn:aws:`` resource there matches nothing, so a Deny with it would never apply."""
    region, partition = "us-gov-west-1", "aws-us-gov"
    profile_version_arn = (
        f"arn:{partition}:signer:{region}:{b.ACCOUNT}:/signing-profiles/"
        f"{b.PROFILE_NAME}/{b.PROFILE_VERSION}"
    )
    entry = b.lock_entry(
        region=region,
        signing_profile_version_arns=(profile_version_arn,),
        code_signing_config_arn=(
            f"arn:{partition}:lambda:{region}:{b.ACCOUNT}:code-signing-config:csc-0123456789abcdefg"
        ),
    )
    lock = tmp_path / "signed-lambda.lock.json"
    lock.write_text(render((entry,)))
    deploy_role = f"arn:{partition}:iam::{b.ACCOUNT}:role/signed-lambda-deployer"
    for fmt in ("deployer-policy", "bucket-policy"):
        result = run(
            "--lock", str(lock), "--bucket", b.BUCKET, "--format", fmt,
            "--deploy-role", deploy_role,
        )  # fmt: skip
        assert result.exit_code == 0, result.stderr
        assert "arn:aws:" not in result.stdout and f"arn:{partition}:" in result.stdout
    refused = run("--lock", str(lock), "--bucket", b.BUCKET, "--deploy-role", DEPLOY_ROLE,
                  "--format", "bucket-policy")  # fmt: skip
    assert refused.exit_code == 2
    assert f"is in partition aws, the lock pins {partition}" in refused.stderr
