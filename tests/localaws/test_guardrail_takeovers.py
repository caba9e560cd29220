"""The deny set's exempt roles cannot be taken over, against a local AWS that enforces IAM.

The deny set exempts the deploy and admin roles by ``aws:PrincipalArn``; an attacker with a
broad Allow under the deny set (attached as an identity policy: SCPs are not evaluated here, an
explicit Deny wins the same way) must not become them: not by ``sts:AssumeRole`` on a role that
trusts its account, not by rewriting its trust or permissions, not by creating a role whose name
matches a wildcard admin pattern. Nor may it share the signing profile with another account
(``AddProfilePermission``), expire signed versions by a lifecycle rule, or publish versions of
the stack's layers. The deploy role's named assumer (a CI role) and the admin role still can do
what they are for; CloudFormation refuses non-admin callers under ``--iam`` (it would create
resources without the checks AWS makes).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws.testing import LocalAws, running_local_aws
from localaws.world import Clients, World, make_zip
from tests.localaws.iam_support import (
    ACCOUNT,
    ALLOW_ALL,
    TRUST_ACCOUNT,
    AssumedRole,
    assume_role_with,
    denial,
)
from verifier import guardrails

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

DENIED = {
    "iam": (403, "AccessDenied"),
    "sts": (403, "AccessDenied"),
    "s3": (403, "AccessDenied"),
    "lambda": (403, "AccessDeniedException"),
    "signer": (403, "AccessDeniedException"),
}


@pytest.fixture(scope="module")
def local() -> Iterator[LocalAws]:
    with running_local_aws(tls=False, iam=True) as server:
        yield server


@pytest.fixture(scope="module")
def world(local: LocalAws) -> World:
    return World.create(Clients.for_endpoint(local.endpoint_url))


def assert_denied(attempt: Callable[[], Any], action: str) -> None:
    with pytest.raises(ClientError) as raised:
        attempt()
    status, code, message = denial(raised)
    assert (status, code) == DENIED[action.split(":")[0]], (action, message)
    assert f"is not authorized to perform: {action}" in message, message


class Roles:
    """The deploy role (with a path), a CI role that assumes it, an admin role matched by a
    wildcard pattern, and an attacker: each under the same deny set."""

    def __init__(self, local: LocalAws, world: World) -> None:
        suffix = uuid.uuid4().hex[:8]
        self.profile = world.profile()
        self.csc = world.csc("Enforce", [self.profile.version_arn])
        self.scope = guardrails.Scope(
            account_id=ACCOUNT,
            region="us-east-1",
            code_signing_config_arns=(self.csc,),
            signing_profile_name=self.profile.name,
            signing_profile_versions=(self.profile.version,),
            bucket=world.bucket,
        )
        self.deploy_name = f"signed-lambda-deployer-{suffix}"
        self.admin_prefix = f"break-glass-{suffix}"
        ci_name = f"ci-runner-{suffix}"
        self.principals = guardrails.Principals(
            deploy_role_arn=f"arn:aws:iam::{ACCOUNT}:role/pipeline/{self.deploy_name}",
            admin_role_arns=(f"arn:aws:iam::{ACCOUNT}:role/{self.admin_prefix}*",),
            deploy_assumer_arns=(f"arn:aws:iam::{ACCOUNT}:role/{ci_name}",),
        )
        (scp,) = guardrails.scp_policies(self.scope, self.principals)
        self.deny = scp
        self.deployer = assume_role_with(
            local,
            self.deploy_name,
            {"deployer": guardrails.deployer_policy(self.scope), "deny": scp},
            path="/pipeline/",
        )
        assert self.deployer.role_arn == self.principals.deploy_role_arn
        self.ci = assume_role_with(local, ci_name, {"allow": ALLOW_ALL, "deny": scp})
        self.admin = assume_role_with(
            local, f"{self.admin_prefix}-1", {"allow": ALLOW_ALL, "deny": scp}
        )
        self.attacker = assume_role_with(
            local, f"attacker-{suffix}", {"allow": ALLOW_ALL, "deny": scp}
        )


@pytest.fixture(scope="module")
def roles(local: LocalAws, world: World) -> Roles:
    return Roles(local, world)


def own_trust(attacker: AssumedRole) -> str:
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"AWS": attacker.role_arn},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
    )


def test_the_exempt_roles_cannot_be_taken_over(roles: Roles) -> None:
    attacker = roles.attacker
    iam, sts = attacker.client("iam"), attacker.client("sts")
    deploy_arn = roles.principals.deploy_role_arn
    attacks: dict[str, tuple[str, Callable[[], Any]]] = {
        "assume the deploy role (it trusts the account)": (
            "sts:AssumeRole",
            lambda: sts.assume_role(RoleArn=deploy_arn, RoleSessionName="lateral"),
        ),
        "assume the admin role": (
            "sts:AssumeRole",
            lambda: sts.assume_role(RoleArn=roles.admin.role_arn, RoleSessionName="lateral"),
        ),
        "assume the deploy role's assumer (then chain)": (
            "sts:AssumeRole",
            lambda: sts.assume_role(RoleArn=roles.ci.role_arn, RoleSessionName="lateral"),
        ),
        "rewrite the deploy role's trust policy": (
            "iam:UpdateAssumeRolePolicy",
            lambda: iam.update_assume_role_policy(
                RoleName=roles.deploy_name, PolicyDocument=own_trust(attacker)
            ),
        ),
        "add an inline policy to the deploy role": (
            "iam:PutRolePolicy",
            lambda: iam.put_role_policy(
                RoleName=roles.deploy_name, PolicyName="x", PolicyDocument=json.dumps(ALLOW_ALL)
            ),
        ),
        "attach a managed policy to the deploy role": (
            "iam:AttachRolePolicy",
            lambda: iam.attach_role_policy(
                RoleName=roles.deploy_name,
                PolicyArn="arn:aws:iam::aws:policy/AdministratorAccess",
            ),
        ),
        "delete the deploy role's guardrail policy": (
            "iam:DeleteRolePolicy",
            lambda: iam.delete_role_policy(RoleName=roles.deploy_name, PolicyName="deny"),
        ),
        "create a role matching the wildcard admin pattern": (
            "iam:CreateRole",
            lambda: iam.create_role(
                RoleName=f"{roles.admin_prefix}-evil",
                AssumeRolePolicyDocument=own_trust(attacker),
            ),
        ),
        "rewrite the admin role's trust policy": (
            "iam:UpdateAssumeRolePolicy",
            lambda: iam.update_assume_role_policy(
                RoleName=f"{roles.admin_prefix}-1", PolicyDocument=own_trust(attacker)
            ),
        ),
    }
    for action, attempt in attacks.values():
        assert_denied(attempt, action)


def test_the_assumer_and_the_admin_still_work(local: LocalAws, world: World, roles: Roles) -> None:
    # The CI role assumes the deploy role and signs as it.
    credentials = roles.ci.client("sts").assume_role(
        RoleArn=roles.principals.deploy_role_arn, RoleSessionName="ci"
    )["Credentials"]
    key, version = world.upload(make_zip("print('release')\n"))
    job = local.client_for("signer", credentials).start_signing_job(
        source={"s3": {"bucketName": world.bucket, "key": key, "version": version}},
        destination={"s3": {"bucketName": world.bucket, "prefix": "signed/"}},
        profileName=roles.profile.name,
    )
    described = world.clients.signer.describe_signing_job(jobId=job["jobId"])
    assert described["status"] == "Succeeded", described.get("statusReason")
    # The admin changes the deploy role (the same trust back), and may assume it.
    admin_iam = roles.admin.client("iam")
    admin_iam.update_assume_role_policy(
        RoleName=roles.deploy_name, PolicyDocument=json.dumps(TRUST_ACCOUNT)
    )
    roles.admin.client("sts").assume_role(
        RoleArn=roles.principals.deploy_role_arn, RoleSessionName="admin"
    )


def test_the_profile_lifecycle_and_layers_are_the_pipelines(world: World, roles: Roles) -> None:
    attacker = roles.attacker
    share = {
        "profileName": roles.profile.name,
        "action": "signer:StartSigningJob",
        "principal": "210987654321",
    }
    assert_denied(
        lambda: attacker.client("signer").add_profile_permission(**share, statementId="x"),
        "signer:AddProfilePermission",
    )
    assert_denied(
        lambda: attacker.client("s3").put_bucket_lifecycle_configuration(
            Bucket=world.bucket,
            LifecycleConfiguration={
                "Rules": [
                    {
                        "ID": "expire",
                        "Status": "Enabled",
                        "Filter": {"Prefix": "signed/"},
                        "NoncurrentVersionExpiration": {"NoncurrentDays": 1},
                    }
                ]
            },
        ),
        "s3:PutLifecycleConfiguration",
    )
    layer = {"LayerName": "signed-lambda-shared", "Content": {"ZipFile": make_zip()}}
    assert_denied(
        lambda: attacker.client("lambda").publish_layer_version(**layer),
        "lambda:PublishLayerVersion",
    )
    # The admins may share the profile; the deploy role publishes the stack's layers.
    signer = roles.admin.client("signer")
    signer.add_profile_permission(**share, statementId="partner")
    listed = signer.list_profile_permissions(profileName=roles.profile.name)
    assert [p["statementId"] for p in listed["permissions"]] == ["partner"]
    signer.remove_profile_permission(
        profileName=roles.profile.name, statementId="partner", revisionId=listed["revisionId"]
    )
    roles.deployer.client("lambda").publish_layer_version(**layer)


def test_cloudformation_refuses_non_admin_callers_under_iam(world: World, roles: Roles) -> None:
    """AWS's CloudFormation creates resources with its caller's permissions (the SCP applies);
    the local one cannot evaluate that, so it refuses rather than be a side door."""
    template = {
        "Resources": {
            "Fn": {
                "Type": "AWS::Lambda::Function",
                "Properties": {
                    "FunctionName": f"signed-lambda-cfn-{uuid.uuid4().hex[:6]}",
                    "Role": world.role_arn,
                    "Runtime": "python3.12",
                    "Handler": "index.handler",
                    "Code": {"ZipFile": "def handler(e, c):\n    return 'unsigned'\n"},
                },
            }
        }
    }
    cfn = roles.attacker.client("cloudformation")
    name = f"rogue-{uuid.uuid4().hex[:6]}"
    with pytest.raises(ClientError) as raised:
        cfn.create_stack(StackName=name, TemplateBody=json.dumps(template))
    status, code, message = denial(raised)
    assert (status, code) == (403, "AccessDenied"), message
    assert "cloudformation:CreateStack" in message and "cannot evaluate IAM" in message
    with pytest.raises(ClientError) as raised:
        cfn.update_stack(StackName=name, TemplateBody=json.dumps(template))
    assert denial(raised)[:2] == (403, "AccessDenied")
    fn = template["Resources"]["Fn"]["Properties"]["FunctionName"]
    names = {f["FunctionName"] for f in world.clients.lambda_.list_functions()["Functions"]}
    assert fn not in names
