"""Lambda code signing configs over real HTTP: CRUD, function attachment, tags, errors."""

from __future__ import annotations

import re

import pytest
from botocore.exceptions import ClientError

from localaws.world import Clients, World, make_zip
from tests.localaws.localaws_support import assert_required_members, error_code, http_status

CSC_ARN = re.compile(r"arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-[a-z0-9]{17}")


def _publishers(world: World) -> list[str]:
    return [world.profile().version_arn]


def test_create_code_signing_config(world: World, clients: Clients) -> None:
    publishers = _publishers(world)
    reply = clients.lambda_.create_code_signing_config(
        Description="signed only",
        AllowedPublishers={"SigningProfileVersionArns": publishers},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"},
        Tags={"team": "platform"},
    )
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 201
    assert_required_members("lambda", "CreateCodeSigningConfig", reply)
    config = reply["CodeSigningConfig"]
    assert CSC_ARN.fullmatch(config["CodeSigningConfigArn"])
    assert config["CodeSigningConfigArn"].endswith(config["CodeSigningConfigId"])
    assert config["AllowedPublishers"]["SigningProfileVersionArns"] == publishers
    assert config["CodeSigningPolicies"]["UntrustedArtifactOnDeployment"] == "Enforce"
    assert config["Description"] == "signed only"


def test_policy_defaults_to_warn(world: World, clients: Clients) -> None:
    config = clients.lambda_.create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": _publishers(world)}
    )["CodeSigningConfig"]
    assert config["CodeSigningPolicies"]["UntrustedArtifactOnDeployment"] == "Warn"


def test_create_rejects_a_publisher_that_is_not_a_signing_profile(clients: Clients) -> None:
    with pytest.raises(ClientError) as error:
        clients.lambda_.create_code_signing_config(
            AllowedPublishers={"SigningProfileVersionArns": ["arn:aws:s3:::not-a-profile"]}
        )
    assert error_code(error) == "InvalidParameterValueException"


def test_get_update_and_delete_code_signing_config(world: World, clients: Clients) -> None:
    arn = world.csc("Warn", _publishers(world))
    got = clients.lambda_.get_code_signing_config(CodeSigningConfigArn=arn)
    assert_required_members("lambda", "GetCodeSigningConfig", got)
    assert got["CodeSigningConfig"]["CodeSigningConfigArn"] == arn

    new_publishers = _publishers(world)
    updated = clients.lambda_.update_code_signing_config(
        CodeSigningConfigArn=arn,
        Description="now enforced",
        AllowedPublishers={"SigningProfileVersionArns": new_publishers},
        CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"},
    )
    assert_required_members("lambda", "UpdateCodeSigningConfig", updated)
    config = updated["CodeSigningConfig"]
    assert config["AllowedPublishers"]["SigningProfileVersionArns"] == new_publishers
    assert config["CodeSigningPolicies"]["UntrustedArtifactOnDeployment"] == "Enforce"
    assert config["Description"] == "now enforced"

    deleted = clients.lambda_.delete_code_signing_config(CodeSigningConfigArn=arn)
    assert deleted["ResponseMetadata"]["HTTPStatusCode"] == 204
    with pytest.raises(ClientError) as error:
        clients.lambda_.get_code_signing_config(CodeSigningConfigArn=arn)
    assert (error_code(error), http_status(error)) == ("ResourceNotFoundException", 404)


def test_unknown_code_signing_config_is_not_found(clients: Clients) -> None:
    arn = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdefg"
    for call in (
        clients.lambda_.get_code_signing_config,
        clients.lambda_.delete_code_signing_config,
        clients.lambda_.update_code_signing_config,
        clients.lambda_.list_functions_by_code_signing_config,
    ):
        with pytest.raises(ClientError) as error:
            call(CodeSigningConfigArn=arn)
        assert (error_code(error), http_status(error)) == ("ResourceNotFoundException", 404)


def test_list_code_signing_configs_paginates(world: World, clients: Clients) -> None:
    created = {world.csc("Warn", _publishers(world)) for _ in range(3)}
    first = clients.lambda_.list_code_signing_configs(MaxItems=2)
    assert_required_members("lambda", "ListCodeSigningConfigs", first)
    assert len(first["CodeSigningConfigs"]) == 2 and first["NextMarker"]
    seen = [c["CodeSigningConfigArn"] for c in first["CodeSigningConfigs"]]
    marker = first.get("NextMarker")
    while marker:
        page = clients.lambda_.list_code_signing_configs(MaxItems=2, Marker=marker)
        seen += [c["CodeSigningConfigArn"] for c in page["CodeSigningConfigs"]]
        marker = page.get("NextMarker")
    assert len(seen) == len(set(seen)) and created <= set(seen)


def test_function_attachment_and_delete_conflict(world: World, clients: Clients) -> None:
    profile = world.profile()
    arn = world.csc("Warn", [profile.version_arn])
    function = world.create_function({"ZipFile": make_zip()}, arn)
    name = function["FunctionName"]

    got = clients.lambda_.get_function_code_signing_config(FunctionName=name)
    assert_required_members("lambda", "GetFunctionCodeSigningConfig", got)
    assert got["CodeSigningConfigArn"] == arn

    listed = clients.lambda_.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)
    assert_required_members("lambda", "ListFunctionsByCodeSigningConfig", listed)
    assert listed["FunctionArns"] == [function["FunctionArn"]]

    with pytest.raises(ClientError) as error:
        clients.lambda_.delete_code_signing_config(CodeSigningConfigArn=arn)
    assert (error_code(error), http_status(error)) == ("ResourceConflictException", 409)

    removed = clients.lambda_.delete_function_code_signing_config(FunctionName=name)
    assert removed["ResponseMetadata"]["HTTPStatusCode"] == 204
    empty = clients.lambda_.get_function_code_signing_config(FunctionName=name)
    assert_required_members("lambda", "GetFunctionCodeSigningConfig", empty)
    assert empty["CodeSigningConfigArn"] == ""
    assert (
        clients.lambda_.list_functions_by_code_signing_config(CodeSigningConfigArn=arn)[
            "FunctionArns"
        ]
        == []
    )

    put = clients.lambda_.put_function_code_signing_config(
        FunctionName=name, CodeSigningConfigArn=arn
    )
    assert_required_members("lambda", "PutFunctionCodeSigningConfig", put)
    assert (put["CodeSigningConfigArn"], put["FunctionName"]) == (arn, name)

    clients.lambda_.delete_function(FunctionName=name)
    clients.lambda_.delete_code_signing_config(CodeSigningConfigArn=arn)


def test_function_without_config_reports_an_empty_arn(world: World, clients: Clients) -> None:
    name = world.create_function({"ZipFile": make_zip()}, None)["FunctionName"]
    reply = clients.lambda_.get_function_code_signing_config(FunctionName=name)
    assert reply["CodeSigningConfigArn"] == ""


def test_put_unknown_config_on_a_function_is_not_found(world: World, clients: Clients) -> None:
    name = world.create_function({"ZipFile": make_zip()}, None)["FunctionName"]
    missing = "arn:aws:lambda:us-east-1:123456789012:code-signing-config:csc-0123456789abcdefg"
    with pytest.raises(ClientError) as error:
        clients.lambda_.put_function_code_signing_config(
            FunctionName=name, CodeSigningConfigArn=missing
        )
    assert error_code(error) == "CodeSigningConfigNotFoundException"
    with pytest.raises(ClientError) as error:
        world.create_function({"ZipFile": make_zip()}, missing)
    assert error_code(error) == "CodeSigningConfigNotFoundException"


def test_unknown_function_code_signing_config_is_not_found(clients: Clients) -> None:
    with pytest.raises(ClientError) as error:
        clients.lambda_.get_function_code_signing_config(FunctionName="no-such-function")
    assert (error_code(error), http_status(error)) == ("ResourceNotFoundException", 404)


def test_code_signing_config_tags(world: World, clients: Clients) -> None:
    reply = clients.lambda_.create_code_signing_config(
        AllowedPublishers={"SigningProfileVersionArns": _publishers(world)},
        Tags={"team": "platform"},
    )
    arn = reply["CodeSigningConfig"]["CodeSigningConfigArn"]
    listed = clients.lambda_.list_tags(Resource=arn)
    assert_required_members("lambda", "ListTags", listed)
    assert listed["Tags"] == {"team": "platform"}
    clients.lambda_.tag_resource(Resource=arn, Tags={"env": "test"})
    assert clients.lambda_.list_tags(Resource=arn)["Tags"] == {"team": "platform", "env": "test"}
    clients.lambda_.untag_resource(Resource=arn, TagKeys=["team"])
    assert clients.lambda_.list_tags(Resource=arn)["Tags"] == {"env": "test"}
