"""IAM enforcement over real HTTP (``running_local_aws(iam=True)``): the admin keys stay
all-powerful; other callers are authorized with the resource ARNs and condition keys AWS
documents, and denied with each service's AccessDenied naming the action."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from localaws.testing import LocalAws, running_local_aws
from localaws.world import Clients, World, make_zip, unique
from tests.localaws.iam_support import (
    ACCOUNT,
    ALLOW_ALL,
    AssumedRole,
    assume_role_with,
    denial,
    trust,
)
from tests.localaws.localaws_support import assert_required_members

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


@pytest.fixture(scope="module")
def local() -> Iterator[LocalAws]:
    with running_local_aws(tls=False, iam=True) as server:
        yield server


@pytest.fixture(scope="module")
def world(local: LocalAws) -> World:
    """Bucket, role and signing profile made with the admin keys."""
    return World.create(Clients.for_endpoint(local.endpoint_url))


def guarded(local: LocalAws, *statements: dict[str, Any], name: str = "") -> AssumedRole:
    """A role allowed everything except what ``statements`` deny."""
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return assume_role_with(local, name or unique("role-"), {"allow": ALLOW_ALL, "guard": document})


def test_admin_keys_are_not_checked_and_unknown_keys_are_refused(
    local: LocalAws, world: World
) -> None:
    assert world.clients.lambda_.list_functions()["Functions"] is not None
    stranger = boto3.client(
        "lambda",
        endpoint_url=local.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id="AKIANOBODYKNOWSTHIS",
        aws_secret_access_key="x",
    )
    with pytest.raises(ClientError) as raised:
        stranger.list_functions()
    assert denial(raised)[0] == 403 and "InvalidClientTokenId" in denial(raised)[2]


def test_no_policy_is_an_implicit_deny_that_names_the_action(local: LocalAws) -> None:
    nobody = assume_role_with(local, unique("empty-"), {})
    with pytest.raises(ClientError) as raised:
        nobody.client("lambda").list_functions()
    status, code, message = denial(raised)
    assert (status, code) == (403, "AccessDeniedException")
    assert f"assumed-role/{nobody.role_arn.rsplit('/', 1)[1]}/" in message
    assert "lambda:ListFunctions on resource: *" in message
    assert "because no identity-based policy allows the lambda:ListFunctions action" in message
    assert raised.value.response["ResponseMetadata"]["HTTPHeaders"]["x-amzn-errortype"] == (
        "AccessDeniedException"
    )
    # GetCallerIdentity is always allowed (AWS), so a role can see who it is.
    identity = nobody.client("sts").get_caller_identity()
    assert identity["Arn"].startswith(f"arn:aws:sts::{ACCOUNT}:assumed-role/")


def test_create_function_csc_conditions(local: LocalAws, world: World) -> None:
    profile = world.profile()
    locked = world.csc("Enforce", [profile.version_arn])
    other = world.csc("Warn", [profile.version_arn])
    role = guarded(
        local,
        {
            "Sid": "DenyCreateWithoutCsc",
            "Effect": "Deny",
            "Action": "lambda:CreateFunction",
            "Resource": "*",
            "Condition": {"Null": {"lambda:CodeSigningConfigArn": "true"}},
        },
        {
            "Sid": "DenyCreateWithUnlockedCsc",
            "Effect": "Deny",
            "Action": "lambda:CreateFunction",
            "Resource": "*",
            "Condition": {"ArnNotEquals": {"lambda:CodeSigningConfigArn": locked}},
        },
    )
    lambda_ = role.client("lambda")
    job = world.sign(profile)
    code = {"S3Bucket": world.bucket, "S3Key": job.signed_object["key"]}

    def create(csc: str | None) -> Any:
        kwargs = {"CodeSigningConfigArn": csc} if csc else {}
        return lambda_.create_function(
            FunctionName=unique("fn-"),
            Role=world.role_arn,
            Runtime="python3.12",
            Handler="index.handler",
            Code=code,
            **kwargs,
        )

    for csc in (None, other):
        with pytest.raises(ClientError) as raised:
            create(csc)
        status, code_, message = denial(raised)
        assert (status, code_) == (403, "AccessDeniedException")
        assert "lambda:CreateFunction on resource: arn:aws:lambda:us-east-1:" in message
        assert "with an explicit deny in an identity-based policy" in message
    created = create(locked)
    assert_required_members("lambda", "CreateFunction", created)


def test_layers_are_a_multivalued_key(local: LocalAws, world: World) -> None:
    profile = world.profile()
    job = world.sign(profile)
    layer = world.clients.lambda_.publish_layer_version(
        LayerName=unique("team-"),
        Content={"S3Bucket": world.bucket, "S3Key": job.signed_object["key"]},
    )["LayerVersionArn"]
    foreign = world.clients.lambda_.publish_layer_version(
        LayerName=unique("foreign-"), Content={"ZipFile": make_zip()}
    )["LayerVersionArn"]
    team_layers = layer.rsplit(":", 1)[0] + ":*"
    role = guarded(
        local,
        {
            "Sid": "DenyForeignLayers",
            "Effect": "Deny",
            "Action": ["lambda:CreateFunction", "lambda:UpdateFunctionConfiguration"],
            "Resource": "*",
            "Condition": {"ForAnyValue:ArnNotLike": {"lambda:Layer": [team_layers]}},
        },
    )
    lambda_ = role.client("lambda")
    name = unique("fn-")
    lambda_.create_function(
        FunctionName=name,
        Role=world.role_arn,
        Runtime="python3.12",
        Handler="index.handler",
        Code={"ZipFile": make_zip()},
        Layers=[layer],
    )
    lambda_.update_function_configuration(FunctionName=name, Timeout=5)  # no Layers: no key
    for call in (
        lambda: lambda_.update_function_configuration(FunctionName=name, Layers=[layer, foreign]),
        lambda: lambda_.create_function(
            FunctionName=unique("fn-"),
            Role=world.role_arn,
            Runtime="python3.12",
            Handler="index.handler",
            Code={"ZipFile": make_zip()},
            Layers=[foreign],
        ),
    ):
        with pytest.raises(ClientError) as raised:
            call()
        assert denial(raised)[1] == "AccessDeniedException"
        assert "with an explicit deny in an identity-based policy" in denial(raised)[2]
    configuration = world.clients.lambda_.get_function(FunctionName=name)["Configuration"]
    assert [entry["Arn"] for entry in configuration["Layers"]] == [layer]


def test_principal_arn_of_an_assumed_role_is_the_role(local: LocalAws, world: World) -> None:
    profile = world.profile()
    csc = world.csc("Enforce", [profile.version_arn])
    admin_name = unique("admin-")
    only_admins = {
        "Sid": "DenyCscChangesExceptAdmins",
        "Effect": "Deny",
        "Action": ["lambda:UpdateCodeSigningConfig", "lambda:DeleteFunctionCodeSigningConfig"],
        "Resource": "*",
        "Condition": {
            "ArnNotLike": {"aws:PrincipalArn": [f"arn:aws:iam::{ACCOUNT}:role/{admin_name}"]}
        },
    }
    admin = guarded(local, only_admins, name=admin_name)
    attacker = guarded(local, only_admins)
    with pytest.raises(ClientError) as raised:
        attacker.client("lambda").update_code_signing_config(
            CodeSigningConfigArn=csc,
            CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Warn"},
        )
    assert f"lambda:UpdateCodeSigningConfig on resource: {csc}" in denial(raised)[2]
    updated = admin.client("lambda").update_code_signing_config(
        CodeSigningConfigArn=csc, Description="rotated"
    )
    assert updated["CodeSigningConfig"]["Description"] == "rotated"


def test_resource_scoped_statements(local: LocalAws, world: World) -> None:
    profile = world.profile()
    locked = world.csc("Enforce", [profile.version_arn])
    other = world.csc("Enforce", [profile.version_arn])
    name = unique("fn-")
    world.create_function({"ZipFile": make_zip()}, None, FunctionName=name)
    function_arn = f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:{name}"
    role = assume_role_with(
        local,
        unique("scoped-"),
        {
            "scoped": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Action": ["lambda:GetFunction", "lambda:PutFunctionCodeSigningConfig"],
                        "Resource": [function_arn, f"{function_arn}:*"],
                    },
                    {
                        "Effect": "Allow",
                        "Action": "lambda:PutFunctionCodeSigningConfig",
                        "Resource": locked,
                    },
                ],
            }
        },
    )
    lambda_ = role.client("lambda")
    assert lambda_.get_function(FunctionName=name)["Configuration"]["FunctionName"] == name
    assert lambda_.get_function(FunctionName=name, Qualifier="$LATEST")
    with pytest.raises(ClientError) as raised:
        lambda_.get_function(FunctionName=unique("fn-"))
    assert "lambda:GetFunction" in denial(raised)[2]
    # PutFunctionCodeSigningConfig needs both its resources: the function and the CSC.
    lambda_.put_function_code_signing_config(CodeSigningConfigArn=locked, FunctionName=name)
    with pytest.raises(ClientError) as raised:
        lambda_.put_function_code_signing_config(CodeSigningConfigArn=other, FunctionName=name)
    assert f"lambda:PutFunctionCodeSigningConfig on resource: {other}" in denial(raised)[2]


def test_signer_profile_and_job_resources(local: LocalAws, world: World) -> None:
    profile = world.profile()
    job = world.sign(profile)
    profile_arn = f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-profiles/{profile.name}"
    role = guarded(
        local,
        {
            "Sid": "DenySigningWithTheProfile",
            "Effect": "Deny",
            "Action": "signer:StartSigningJob",
            "Resource": profile_arn,
        },
        {
            "Sid": "DenyRevokingThisVersion",
            "Effect": "Deny",
            "Action": "signer:RevokeSignature",
            "Resource": f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-jobs/*",
            "Condition": {"StringEquals": {"signer:ProfileVersion": profile.version}},
        },
    )
    signer = role.client("signer")
    key, version = world.upload(make_zip())
    with pytest.raises(ClientError) as raised:
        signer.start_signing_job(
            source={"s3": {"bucketName": world.bucket, "key": key, "version": version}},
            destination={"s3": {"bucketName": world.bucket, "prefix": "signed/"}},
            profileName=profile.name,
        )
    status, code, message = denial(raised)
    assert (status, code) == (403, "AccessDeniedException")
    assert f"signer:StartSigningJob on resource: {profile_arn}" in message
    with pytest.raises(ClientError) as raised:
        signer.revoke_signature(jobId=job.job_id, reason="attack")
    job_arn = f"arn:aws:signer:us-east-1:{ACCOUNT}:/signing-jobs/{job.job_id}"
    assert f"signer:RevokeSignature on resource: {job_arn}" in denial(raised)[2]
    described = signer.describe_signing_job(jobId=job.job_id)
    assert described["status"] == "Succeeded"


def test_s3_object_arns_and_versioning(local: LocalAws, world: World) -> None:
    role = guarded(
        local,
        {
            "Sid": "DenySignedPrefixWrites",
            "Effect": "Deny",
            "Action": ["s3:PutObject", "s3:DeleteObjectVersion"],
            "Resource": f"arn:aws:s3:::{world.bucket}/signed/*",
        },
        {
            "Sid": "DenyVersioningChanges",
            "Effect": "Deny",
            "Action": "s3:PutBucketVersioning",
            "Resource": f"arn:aws:s3:::{world.bucket}",
        },
    )
    s3 = role.client("s3")
    s3.put_object(Bucket=world.bucket, Key="unsigned/ok.zip", Body=b"fine")
    written = world.clients.s3.put_object(Bucket=world.bucket, Key="signed/x.zip", Body=b"signed")
    attempts = {
        "s3:PutObject": lambda: s3.put_object(
            Bucket=world.bucket, Key="signed/x.zip", Body=b"evil"
        ),
        "s3:DeleteObjectVersion": lambda: s3.delete_object(
            Bucket=world.bucket, Key="signed/x.zip", VersionId=written["VersionId"]
        ),
        "s3:PutBucketVersioning": lambda: s3.put_bucket_versioning(
            Bucket=world.bucket, VersioningConfiguration={"Status": "Suspended"}
        ),
    }
    for action, attempt in attempts.items():
        with pytest.raises(ClientError) as raised:
            attempt()
        status, code, message = denial(raised)
        assert (status, code) == (403, "AccessDenied"), action
        assert f"not authorized to perform: {action} on resource: arn:aws:s3:::{world.bucket}" in (
            message
        )
    # DeleteObjects deletes each listed version: the same statement applies.
    with pytest.raises(ClientError) as raised:
        s3.delete_objects(
            Bucket=world.bucket,
            Delete={"Objects": [{"Key": "signed/x.zip", "VersionId": written["VersionId"]}]},
        )
    assert "s3:DeleteObjectVersion" in denial(raised)[2]
    listed = world.clients.s3.list_object_versions(Bucket=world.bucket, Prefix="signed/x.zip")
    assert [v["VersionId"] for v in listed["Versions"]] == [written["VersionId"]]
    status = world.clients.s3.get_bucket_versioning(Bucket=world.bucket)["Status"]
    assert status == "Enabled"


def test_bucket_policy_principals_and_signer_writes_as_the_caller(
    local: LocalAws, world: World
) -> None:
    """A bucket policy denying signed-prefix writes to all but one role: that role's signing
    job succeeds (Signer writes with the caller's permissions), anyone else's fails."""
    bucket = unique("guarded-")
    admin_s3 = world.clients.s3
    admin_s3.create_bucket(Bucket=bucket)
    admin_s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    deployer = assume_role_with(local, unique("deployer-"), {"allow": ALLOW_ALL})
    outsider = assume_role_with(local, unique("outsider-"), {"allow": ALLOW_ALL})
    admin_s3.put_bucket_policy(
        Bucket=bucket,
        Policy=(
            '{"Version": "2012-10-17", "Statement": [{"Sid": "DenySignedWritesExceptDeployer",'
            ' "Effect": "Deny", "Principal": "*", "Action": "s3:PutObject",'
            f' "Resource": "arn:aws:s3:::{bucket}/signed/*", "Condition": {{"ArnNotLike":'
            f' {{"aws:PrincipalArn": "{deployer.role_arn}"}}}}}}]}}'
        ),
    )
    profile = world.profile()
    key = "unsigned/p.zip"
    version = admin_s3.put_object(Bucket=bucket, Key=key, Body=make_zip())["VersionId"]

    def sign(role: AssumedRole) -> dict[str, Any]:
        signer = role.client("signer")
        job_id = signer.start_signing_job(
            source={"s3": {"bucketName": bucket, "key": key, "version": version}},
            destination={"s3": {"bucketName": bucket, "prefix": "signed/"}},
            profileName=profile.name,
        )["jobId"]
        return dict(signer.describe_signing_job(jobId=job_id))

    assert sign(deployer)["status"] == "Succeeded"
    failed = sign(outsider)
    assert failed["status"] == "Failed"
    assert "not authorized to perform: s3:PutObject" in failed["statusReason"]
    assert "explicit deny in a resource-based policy" in failed["statusReason"]
    with pytest.raises(ClientError) as raised:
        outsider.client("s3").put_object(Bucket=bucket, Key="signed/evil.zip", Body=b"x")
    assert denial(raised)[:2] == (403, "AccessDenied")
    # The admin keys act as the account's root user: bucket policies bind them too, as in AWS.
    with pytest.raises(ClientError) as raised:
        admin_s3.put_object(Bucket=bucket, Key="signed/evil.zip", Body=b"x")
    assert denial(raised)[0] == 403
    deployer.client("s3").put_object(Bucket=bucket, Key="signed/by-deployer.zip", Body=b"x")


def test_iam_flag_and_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    """``start --iam``/``serve --iam`` and LOCAL_AWS_IAM=1 reach the server's command line."""
    from localaws import __main__ as cli
    from localaws import process
    from localaws.limits import LimitSettings

    monkeypatch.delenv("LOCAL_AWS_IAM", raising=False)
    assert cli._iam(cli._parser().parse_args(["start", "--iam"])) is True
    assert cli._iam(cli._parser().parse_args(["--iam", "serve"])) is True
    assert cli._iam(cli._parser().parse_args(["start"])) is False
    monkeypatch.setenv("LOCAL_AWS_IAM", "1")
    assert cli._iam(cli._parser().parse_args(["serve"])) is True
    command = process.serve_command("127.0.0.1", 4566, LimitSettings(), None, iam=True)
    assert command[-1] == "--iam"
    assert "--iam" not in process.serve_command("127.0.0.1", 4566, LimitSettings(), None)


def test_iam_users_are_enforced_too(local: LocalAws) -> None:
    iam = local.client("iam")
    name = unique("user-")
    iam.create_user(UserName=name)
    iam.put_user_policy(
        UserName=name,
        PolicyName="list-only",
        PolicyDocument='{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", '
        '"Action": "lambda:ListFunctions", "Resource": "*"}]}',
    )
    key = iam.create_access_key(UserName=name)["AccessKey"]
    lambda_ = boto3.client(
        "lambda",
        endpoint_url=local.endpoint_url,
        region_name="us-east-1",
        aws_access_key_id=key["AccessKeyId"],
        aws_secret_access_key=key["SecretAccessKey"],
    )
    assert "Functions" in lambda_.list_functions()
    with pytest.raises(ClientError) as raised:
        lambda_.get_function(FunctionName="anything")
    assert f"User: arn:aws:iam::{ACCOUNT}:user/{name} is not authorized" in denial(raised)[2]


def test_assume_role_needs_the_identity_policy_and_the_trust_policy(local: LocalAws) -> None:
    """Under ``--iam`` AssumeRole is authorized twice, as in AWS: the caller's identity policy
    (sts:AssumeRole on the role) and the role's trust policy (localaws.sts.trust)."""
    iam = local.client("iam")
    target = iam.create_role(
        RoleName=unique("target-"),
        AssumeRolePolicyDocument=json.dumps(trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})),
    )["Role"]["Arn"]
    allowed = assume_role_with(local, unique("may-assume-"), {"allow": ALLOW_ALL})
    assert allowed.client("sts").assume_role(RoleArn=target, RoleSessionName="ci")["Credentials"]
    refused = assume_role_with(local, unique("may-not-"), {})
    with pytest.raises(ClientError) as raised:
        refused.client("sts").assume_role(RoleArn=target, RoleSessionName="ci")
    status, code, message = denial(raised)
    assert (status, code) == (403, "AccessDenied")
    assert f"sts:AssumeRole on resource: {target}" in message
    assert "no identity-based policy allows" in message
    # The identity policy allows, the trust policy names someone else: AccessDenied.
    only_admin = iam.create_role(
        RoleName=unique("only-admin-"),
        AssumeRolePolicyDocument=json.dumps(trust({"AWS": f"arn:aws:iam::{ACCOUNT}:role/nobody"})),
    )["Role"]["Arn"]
    with pytest.raises(ClientError) as raised:
        allowed.client("sts").assume_role(RoleArn=only_admin, RoleSessionName="ci")
    status, code, message = denial(raised)
    assert (status, code) == (403, "AccessDenied")
    assert f"assumed-role/{allowed.role_arn.rsplit('/', 1)[1]}/" in message
    assert f"sts:AssumeRole on resource: {only_admin}" in message


def test_sessions_in_member_accounts_are_enforced(local: LocalAws) -> None:
    """The management account's admin keys (its root) assume a member's access role, which
    has AdministratorAccess as in AWS; a narrower role in the member is held to its policy."""
    organizations = local.client("organizations")
    organizations.create_organization(FeatureSet="ALL")
    created = organizations.create_account(AccountName="iam-member", Email="iam-member@x.com")
    member = created["CreateAccountStatus"]["AccountId"]
    access_role = f"arn:aws:iam::{member}:role/OrganizationAccountAccessRole"
    session = local.client("sts").assume_role(RoleArn=access_role, RoleSessionName="admin")
    credentials = session["Credentials"]
    member_iam = local.client_for("iam", credentials)
    attached = member_iam.list_attached_role_policies(RoleName="OrganizationAccountAccessRole")
    assert [p["PolicyName"] for p in attached["AttachedPolicies"]] == ["AdministratorAccess"]
    identity = local.client_for("sts", credentials).get_caller_identity()
    assert identity["Account"] == member
    # AdministratorAccess: the access role may create a role there and assume it.
    narrow = member_iam.create_role(
        RoleName="list-only",
        AssumeRolePolicyDocument=json.dumps(trust({"AWS": f"arn:aws:iam::{member}:root"})),
    )["Role"]["Arn"]
    member_iam.put_role_policy(
        RoleName="list-only",
        PolicyName="list",
        PolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Action": "lambda:ListFunctions", "Resource": "*"}
                ],
            }
        ),
    )
    chained = local.client_for("sts", credentials).assume_role(
        RoleArn=narrow, RoleSessionName="narrow"
    )["Credentials"]
    lambda_ = local.client_for("lambda", chained)
    assert lambda_.list_functions()["Functions"] == []
    with pytest.raises(ClientError) as raised:
        lambda_.get_function(FunctionName="anything")
    status, code, message = denial(raised)
    assert (status, code) == (403, "AccessDeniedException")
    assert f"User: arn:aws:sts::{member}:assumed-role/list-only/narrow" in message
    assert f"lambda:GetFunction on resource: arn:aws:lambda:us-east-1:{member}:function:" in message
    # The member's role does not trust the management account's principals.
    with pytest.raises(ClientError) as raised:
        local.client("sts").assume_role(RoleArn=narrow, RoleSessionName="outsider")
    assert denial(raised)[:2] == (403, "AccessDenied")
