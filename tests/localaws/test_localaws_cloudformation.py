"""CloudFormation over real HTTP: Lambda functions validated like API calls, real CSCs.

moto's CloudFormation created AWS::Lambda::Function without its CodeSigningConfigArn (so an
unsigned package under an Enforce config reached CREATE_COMPLETE) and ignored
AWS::Lambda::CodeSigningConfig. Here a stack builds both through the Lambda backend, and a
resource that fails leaves the stack as AWS leaves it.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws.world import Clients, Profile, World, unique
from tests.localaws.localaws_support import assert_required_members, make_client

UNSIGNED_SOURCE = "def handler(event, context):\n    return 'unsigned'\n"


@pytest.fixture(scope="module")
def cloudformation(local_aws_endpoint: str) -> Any:
    return make_client(local_aws_endpoint, "cloudformation")


@pytest.fixture(scope="module")
def signed(world: World) -> tuple[Profile, dict[str, str]]:
    """A profile and the S3 location of a package it signed."""
    profile = world.profile()
    return profile, world.sign(profile).code


def template(
    world: World,
    profile: Profile,
    code: dict[str, Any],
    *,
    policy: str = "Enforce",
    function_extra: dict[str, Any] | None = None,
) -> str:
    return json.dumps(
        {
            "Resources": {
                "Csc": {
                    "Type": "AWS::Lambda::CodeSigningConfig",
                    "Properties": {
                        "Description": "only our profile",
                        "AllowedPublishers": {"SigningProfileVersionArns": [profile.version_arn]},
                        "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": policy},
                        "Tags": [{"Key": "team", "Value": "signing"}],
                    },
                },
                "Fn": {
                    "Type": "AWS::Lambda::Function",
                    "Properties": {
                        "Role": world.role_arn,
                        "Runtime": "python3.12",
                        "Handler": "index.handler",
                        "Code": code,
                        "CodeSigningConfigArn": {"Ref": "Csc"},
                        **(function_extra or {}),
                    },
                },
            },
            "Outputs": {
                "CscRef": {"Value": {"Ref": "Csc"}},
                "CscArn": {"Value": {"Fn::GetAtt": ["Csc", "CodeSigningConfigArn"]}},
                "CscId": {"Value": {"Fn::GetAtt": ["Csc", "CodeSigningConfigId"]}},
                "FnName": {"Value": {"Ref": "Fn"}},
            },
        }
    )


def stack(cloudformation: Any, name: str) -> dict[str, Any]:
    described = cloudformation.describe_stacks(StackName=name)
    assert_required_members("cloudformation", "DescribeStacks", described)
    return dict(described["Stacks"][0])


def outputs(described: dict[str, Any]) -> dict[str, str]:
    return {o["OutputKey"]: o["OutputValue"] for o in described.get("Outputs", [])}


def events(cloudformation: Any, name: str) -> list[tuple[str, str, str]]:
    """(logical id, status, reason) oldest first."""
    reply = cloudformation.describe_stack_events(StackName=name)
    assert_required_members("cloudformation", "DescribeStackEvents", reply)
    return [
        (e["LogicalResourceId"], e["ResourceStatus"], e.get("ResourceStatusReason") or "")
        for e in reversed(reply["StackEvents"])
    ]


def csc_arns(clients: Clients) -> set[str]:
    listed = clients.lambda_.list_code_signing_configs()["CodeSigningConfigs"]
    return {c["CodeSigningConfigArn"] for c in listed}


def test_a_signed_function_under_a_stack_made_csc_is_created_and_validated(
    world: World, clients: Clients, cloudformation: Any, signed: Any
) -> None:
    profile, code = signed
    name = unique("signed-")
    reply = cloudformation.create_stack(StackName=name, TemplateBody=template(world, profile, code))
    assert_required_members("cloudformation", "CreateStack", reply)
    described = stack(cloudformation, name)
    assert described["StackStatus"] == "CREATE_COMPLETE"
    out = outputs(described)
    assert out["CscRef"] == out["CscArn"]
    config = clients.lambda_.get_code_signing_config(CodeSigningConfigArn=out["CscArn"])
    assert_required_members("lambda", "GetCodeSigningConfig", config)
    assert config["CodeSigningConfig"]["CodeSigningConfigId"] == out["CscId"]
    assert config["CodeSigningConfig"]["AllowedPublishers"]["SigningProfileVersionArns"] == [
        profile.version_arn
    ]
    assert config["CodeSigningConfig"]["CodeSigningPolicies"] == {
        "UntrustedArtifactOnDeployment": "Enforce"
    }
    assert clients.lambda_.list_tags(Resource=out["CscArn"])["Tags"] == {"team": "signing"}
    function = clients.lambda_.get_function(FunctionName=out["FnName"])["Configuration"]
    assert function["SigningProfileVersionArn"] == profile.version_arn
    attached = clients.lambda_.get_function_code_signing_config(FunctionName=out["FnName"])
    assert attached["CodeSigningConfigArn"] == out["CscArn"]

    cloudformation.delete_stack(StackName=name)
    assert out["CscArn"] not in csc_arns(clients)
    with pytest.raises(ClientError):
        clients.lambda_.get_function(FunctionName=out["FnName"])


def test_an_unsigned_package_under_enforce_fails_the_stack_and_rolls_back(
    world: World, clients: Clients, cloudformation: Any, signed: Any
) -> None:
    profile, _ = signed
    name = unique("unsigned-")
    before = csc_arns(clients)
    body = template(world, profile, {"ZipFile": UNSIGNED_SOURCE})
    cloudformation.create_stack(StackName=name, TemplateBody=body)
    described = stack(cloudformation, name)
    assert described["StackStatus"] == "ROLLBACK_COMPLETE"
    assert "[Fn]" in described["StackStatusReason"]
    history = events(cloudformation, name)
    [(_, _, reason)] = [e for e in history if e[:2] == ("Fn", "CREATE_FAILED")]
    assert "CodeVerificationFailedException" in reason
    assert "is not signed" in reason
    assert [e[1] for e in history if e[0] == name] == [
        "CREATE_IN_PROGRESS",
        "ROLLBACK_IN_PROGRESS",
        "ROLLBACK_COMPLETE",
    ]
    assert csc_arns(clients) == before  # the stack's CSC was rolled back
    assert not [
        fn
        for fn in clients.lambda_.list_functions()["Functions"]
        if fn["FunctionName"].startswith(f"{name}-")
    ]


@pytest.mark.parametrize(
    "arguments", [{"OnFailure": "DO_NOTHING"}, {"DisableRollback": True}], ids=str
)
def test_do_nothing_keeps_what_was_created_and_ends_create_failed(
    world: World,
    clients: Clients,
    cloudformation: Any,
    signed: Any,
    arguments: dict[str, Any],
) -> None:
    profile, _ = signed
    name = unique("kept-")
    body = template(world, profile, {"ZipFile": UNSIGNED_SOURCE})
    cloudformation.create_stack(StackName=name, TemplateBody=body, **arguments)
    described = stack(cloudformation, name)
    assert described["StackStatus"] == "CREATE_FAILED"
    created = cloudformation.describe_stack_resources(StackName=name)["StackResources"]
    assert [r["LogicalResourceId"] for r in created] == ["Csc"]
    assert created[0]["PhysicalResourceId"] in csc_arns(clients)


def test_on_failure_delete_leaves_a_deleted_stack(
    world: World, cloudformation: Any, signed: Any
) -> None:
    profile, _ = signed
    name = unique("deleted-")
    stack_id = cloudformation.create_stack(
        StackName=name,
        TemplateBody=template(world, profile, {"ZipFile": UNSIGNED_SOURCE}),
        OnFailure="DELETE",
    )["StackId"]
    assert stack(cloudformation, stack_id)["StackStatus"] == "DELETE_COMPLETE"


def test_warn_deploys_the_unsigned_package_without_signing_arns(
    world: World, clients: Clients, cloudformation: Any, signed: Any
) -> None:
    profile, _ = signed
    name = unique("warn-")
    body = template(world, profile, {"ZipFile": UNSIGNED_SOURCE}, policy="Warn")
    cloudformation.create_stack(StackName=name, TemplateBody=body)
    described = stack(cloudformation, name)
    assert described["StackStatus"] == "CREATE_COMPLETE"
    function = clients.lambda_.get_function(FunctionName=outputs(described)["FnName"])
    assert "SigningProfileVersionArn" not in function["Configuration"]


def test_a_property_the_local_aws_would_drop_fails_the_resource_loudly(
    world: World, cloudformation: Any, signed: Any
) -> None:
    profile, code = signed
    name = unique("unsupported-")
    body = template(world, profile, code, function_extra={"RecursiveLoop": "Allow"})
    cloudformation.create_stack(StackName=name, TemplateBody=body)
    assert stack(cloudformation, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    [(_, _, reason)] = [e for e in events(cloudformation, name) if e[1] == "CREATE_FAILED"]
    assert "RecursiveLoop" in reason


def test_an_update_to_unsigned_code_is_refused_and_never_reported_complete(
    world: World, clients: Clients, cloudformation: Any, signed: Any
) -> None:
    profile, code = signed
    name = unique("update-")
    cloudformation.create_stack(StackName=name, TemplateBody=template(world, profile, code))
    function_name = outputs(stack(cloudformation, name))["FnName"]
    deployed = clients.lambda_.get_function(FunctionName=function_name)["Configuration"]
    cloudformation.update_stack(
        StackName=name, TemplateBody=template(world, profile, {"ZipFile": UNSIGNED_SOURCE})
    )
    described = stack(cloudformation, name)
    assert described["StackStatus"] == "UPDATE_ROLLBACK_FAILED"
    assert "cannot roll an update back" in described["StackStatusReason"]
    [(_, _, reason)] = [e for e in events(cloudformation, name) if e[1] == "UPDATE_FAILED"]
    assert "CodeVerificationFailedException" in reason
    after = clients.lambda_.get_function(FunctionName=function_name)["Configuration"]
    assert after["CodeSha256"] == deployed["CodeSha256"]
    assert after["SigningJobArn"] == deployed["SigningJobArn"]
    assert outputs(described)["FnName"] == function_name


def test_a_change_set_that_creates_an_unsigned_function_fails_the_stack(
    world: World, clients: Clients, cloudformation: Any, signed: Any
) -> None:
    profile, _ = signed
    name = unique("changeset-")
    before = csc_arns(clients)
    cloudformation.create_change_set(
        StackName=name,
        ChangeSetName="create",
        ChangeSetType="CREATE",
        TemplateBody=template(world, profile, {"ZipFile": UNSIGNED_SOURCE}),
    )
    cloudformation.execute_change_set(StackName=name, ChangeSetName="create")
    assert stack(cloudformation, name)["StackStatus"] == "ROLLBACK_COMPLETE"
    change_set = cloudformation.describe_change_set(StackName=name, ChangeSetName="create")
    assert change_set["ExecutionStatus"] == "EXECUTE_FAILED"
    assert csc_arns(clients) == before
