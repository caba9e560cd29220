"""Lambda fidelity the verifier relies on: layers, versions, updates and function status."""

from __future__ import annotations

import base64
import hashlib
from dataclasses import dataclass
from typing import Any

import pytest
from botocore.exceptions import ClientError

from localaws.process import AdminCallError
from localaws.testing import LocalAws
from localaws.world import Clients, Profile, SignedArtifact, World, unique
from tests.localaws.localaws_support import assert_required_members, error_code, http_status


def code_sha256(data: bytes) -> str:
    return base64.b64encode(hashlib.sha256(data).digest()).decode()


@dataclass
class SignedLayer:
    arn: str
    artifact: SignedArtifact
    data: bytes


@dataclass
class Deployed:
    profile: Profile
    csc: str
    layer: SignedLayer
    artifact: SignedArtifact
    name: str


def publish_signed_layer(world: World, profile: Profile) -> SignedLayer:
    # Pinned to the version the job wrote.
    artifact = world.sign(profile, pin_version=True)
    reply = world.clients.lambda_.publish_layer_version(
        LayerName=unique("layer-"), Content=artifact.code
    )
    return SignedLayer(reply["LayerVersionArn"], artifact, world.signed_bytes(artifact))


@pytest.fixture
def deployed(world: World) -> Deployed:
    """A signed function with a signed layer under an Enforce config."""
    profile = world.profile()
    csc = world.csc("Enforce", [profile.version_arn])
    layer = publish_signed_layer(world, profile)
    artifact = world.sign(profile, pin_version=True)
    name = world.create_function(
        artifact.code, csc, Layers=[layer.arn], Environment={"Variables": {"STAGE": "one"}}
    )["FunctionName"]
    return Deployed(profile, csc, layer, artifact, name)


def assert_signed_layer_entry(entry: dict[str, Any], layer: SignedLayer, profile: Profile) -> None:
    assert entry["Arn"] == layer.arn
    assert entry["CodeSize"] == len(layer.data)
    assert entry["SigningProfileVersionArn"] == profile.version_arn
    assert entry["SigningJobArn"].endswith("/" + layer.artifact.job_id)


# -- layers --------------------------------------------------------------------------------------


def test_layer_versions_report_the_signed_bytes_and_signing_arns(
    world: World, clients: Clients
) -> None:
    profile = world.profile()
    layer = publish_signed_layer(world, profile)
    name, number = layer.arn.split(":")[-2], int(layer.arn.split(":")[-1])
    by_name = clients.lambda_.get_layer_version(LayerName=name, VersionNumber=number)
    by_arn = clients.lambda_.get_layer_version_by_arn(Arn=layer.arn)
    assert_required_members("lambda", "GetLayerVersion", by_name)
    assert_required_members("lambda", "GetLayerVersionByArn", by_arn)
    for reply in (by_name, by_arn):
        content = reply["Content"]
        assert content["CodeSha256"] == code_sha256(layer.data)
        assert content["CodeSize"] == len(layer.data)
        assert content["SigningProfileVersionArn"] == profile.version_arn
        assert content["SigningJobArn"].endswith("/" + layer.artifact.job_id)
        assert reply["LayerVersionArn"] == layer.arn
    # ListLayerVersions items have no Content in Lambda's model; the version is listed.
    listed = clients.lambda_.list_layer_versions(LayerName=name)
    assert_required_members("lambda", "ListLayerVersions", listed)
    assert [item["LayerVersionArn"] for item in listed["LayerVersions"]] == [layer.arn]


def test_unsigned_layer_has_a_hash_and_no_signing_arns(clients: Clients) -> None:
    data = b"PK\x05\x06" + bytes(18)  # the smallest valid (empty) ZIP
    reply = clients.lambda_.publish_layer_version(
        LayerName=unique("plain-"), Content={"ZipFile": data}
    )
    got = clients.lambda_.get_layer_version_by_arn(Arn=reply["LayerVersionArn"])["Content"]
    assert got["CodeSha256"] == code_sha256(data)
    assert "SigningJobArn" not in got and "SigningProfileVersionArn" not in got


def test_unknown_layer_version_arn_is_not_found(clients: Clients) -> None:
    with pytest.raises(ClientError) as error:
        clients.lambda_.get_layer_version_by_arn(
            Arn="arn:aws:lambda:us-east-1:123456789012:layer:no-such-layer:1"
        )
    assert (error_code(error), http_status(error)) == ("ResourceNotFoundException", 404)


def test_function_layers_carry_signing_arns_in_every_listing(
    deployed: Deployed, clients: Clients
) -> None:
    clients.lambda_.publish_version(FunctionName=deployed.name)
    got = clients.lambda_.get_function(FunctionName=deployed.name)["Configuration"]
    versions = clients.lambda_.list_versions_by_function(FunctionName=deployed.name)["Versions"]
    listed = [
        fn
        for page in clients.lambda_.get_paginator("list_functions").paginate(FunctionVersion="ALL")
        for fn in page["Functions"]
        if fn["FunctionName"] == deployed.name
    ]
    assert [v["Version"] for v in versions] == ["$LATEST", "1"]
    assert sorted(fn["Version"] for fn in listed) == ["$LATEST", "1"]
    for configuration in [got, *versions, *listed]:
        assert [entry["Arn"] for entry in configuration["Layers"]] == [deployed.layer.arn]
        assert_signed_layer_entry(configuration["Layers"][0], deployed.layer, deployed.profile)


# -- versions and updates ------------------------------------------------------------------------

KEPT = (
    "CodeSha256",
    "CodeSize",
    "SigningJobArn",
    "SigningProfileVersionArn",
    "Handler",
    "Runtime",
    "Architectures",
    "Environment",
    "Layers",
    "PackageType",
)


def test_publish_version_keeps_code_signing_and_configuration(
    deployed: Deployed, world: World, clients: Clients
) -> None:
    latest = clients.lambda_.get_function(FunctionName=deployed.name)["Configuration"]
    published = clients.lambda_.publish_version(FunctionName=deployed.name)
    assert_required_members("lambda", "PublishVersion", published)
    assert published["Version"] == "1"
    assert {key: published.get(key) for key in KEPT} == {key: latest.get(key) for key in KEPT}
    assert published["CodeSha256"] == code_sha256(world.signed_bytes(deployed.artifact))
    assert published["SigningJobArn"].endswith("/" + deployed.artifact.job_id)


def test_updating_latest_leaves_the_published_version_alone(
    deployed: Deployed, world: World, clients: Clients
) -> None:
    lambda_ = clients.lambda_
    version = lambda_.publish_version(FunctionName=deployed.name)["Version"]
    before = lambda_.get_function(FunctionName=deployed.name, Qualifier=version)

    second_layer = publish_signed_layer(world, deployed.profile)
    updated = lambda_.update_function_configuration(
        FunctionName=deployed.name,
        Handler="other.handler",
        Environment={"Variables": {"STAGE": "two"}},
        Layers=[second_layer.arn],
    )
    assert_required_members("lambda", "UpdateFunctionConfiguration", updated)
    assert (updated["Handler"], updated["Environment"]["Variables"]) == (
        "other.handler",
        {"STAGE": "two"},
    )
    assert_signed_layer_entry(updated["Layers"][0], second_layer, deployed.profile)
    new_job = world.sign(deployed.profile, pin_version=True)
    lambda_.update_function_code(FunctionName=deployed.name, **new_job.code)

    latest = lambda_.get_function(FunctionName=deployed.name)["Configuration"]
    assert latest["CodeSha256"] == code_sha256(world.signed_bytes(new_job))
    assert latest["SigningJobArn"].endswith("/" + new_job.job_id)
    after = lambda_.get_function(FunctionName=deployed.name, Qualifier=version)
    assert after["Configuration"] == before["Configuration"]
    assert after["Code"] == before["Code"]


def test_environment_can_be_cleared(deployed: Deployed, clients: Clients) -> None:
    updated = clients.lambda_.update_function_configuration(
        FunctionName=deployed.name, Environment={}
    )
    assert "Environment" not in updated or updated["Environment"].get("Variables") in (None, {})


def test_unsigned_layer_update_is_still_rejected_under_enforce(
    deployed: Deployed, clients: Clients
) -> None:
    data = b"PK\x05\x06" + bytes(18)
    unsigned = clients.lambda_.publish_layer_version(
        LayerName=unique("plain-"), Content={"ZipFile": data}
    )["LayerVersionArn"]
    with pytest.raises(ClientError) as error:
        clients.lambda_.update_function_configuration(FunctionName=deployed.name, Layers=[unsigned])
    assert error_code(error) == "CodeVerificationFailedException"
    layers = clients.lambda_.get_function(FunctionName=deployed.name)["Configuration"]["Layers"]
    assert [entry["Arn"] for entry in layers] == [deployed.layer.arn]


# -- function status (admin endpoint) -----------------------------------------------------------


def _status_everywhere(
    clients: Clients, name: str, version: str = "$LATEST"
) -> list[dict[str, Any]]:
    """The version as GetFunction, ListVersionsByFunction and ListFunctions show it."""
    got = clients.lambda_.get_function(FunctionName=name, Qualifier=version)["Configuration"]
    by_function = [
        v
        for v in clients.lambda_.list_versions_by_function(FunctionName=name)["Versions"]
        if v["Version"] == version
    ]
    listed = [
        fn
        for page in clients.lambda_.get_paginator("list_functions").paginate(FunctionVersion="ALL")
        for fn in page["Functions"]
        if fn["FunctionName"] == name and fn["Version"] == version
    ]
    assert len(by_function) == len(listed) == 1
    return [got, *by_function, *listed]


def test_update_held_in_progress_shows_everywhere_and_refuses_updates(
    deployed: Deployed, local_http: LocalAws, clients: Clients
) -> None:
    reply = local_http.set_function_status(deployed.name, last_update_status="InProgress")
    assert reply["LastUpdateStatus"] == "InProgress"
    for configuration in _status_everywhere(clients, deployed.name):
        assert configuration["LastUpdateStatus"] == "InProgress"
    for update in (
        lambda: clients.lambda_.update_function_configuration(
            FunctionName=deployed.name, Handler="x.handler"
        ),
        lambda: clients.lambda_.publish_version(FunctionName=deployed.name),
    ):
        with pytest.raises(ClientError) as error:
            update()
        assert (error_code(error), http_status(error)) == ("ResourceConflictException", 409)

    local_http.set_function_status(deployed.name, last_update_status="Successful")
    updated = clients.lambda_.update_function_configuration(
        FunctionName=deployed.name, Handler="x.handler"
    )
    assert updated["LastUpdateStatus"] == "Successful"


def test_failed_update_has_a_reason_until_the_next_update(
    deployed: Deployed, local_http: LocalAws, clients: Clients
) -> None:
    local_http.set_function_status(
        deployed.name,
        last_update_status="Failed",
        last_update_status_reason="The role cannot be assumed",
        last_update_status_reason_code="InsufficientRolePermissions",
    )
    for configuration in _status_everywhere(clients, deployed.name):
        assert configuration["LastUpdateStatus"] == "Failed"
        assert configuration["LastUpdateStatusReason"] == "The role cannot be assumed"
        assert configuration["LastUpdateStatusReasonCode"] == "InsufficientRolePermissions"
    got = clients.lambda_.get_function(FunctionName=deployed.name)
    assert_required_members("lambda", "GetFunction", got)

    updated = clients.lambda_.update_function_configuration(
        FunctionName=deployed.name, Description="retry"
    )
    assert updated["LastUpdateStatus"] == "Successful"
    assert "LastUpdateStatusReason" not in updated


def test_state_of_one_version_can_be_set(
    deployed: Deployed, local_http: LocalAws, clients: Clients
) -> None:
    version = clients.lambda_.publish_version(FunctionName=deployed.name)["Version"]
    local_http.set_function_status(
        deployed.name,
        qualifier=version,
        state="Inactive",
        state_reason="The function is idle",
        state_reason_code="Idle",
    )
    for configuration in _status_everywhere(clients, deployed.name, version):
        assert (configuration["State"], configuration["StateReason"]) == (
            "Inactive",
            "The function is idle",
        )
        assert configuration["StateReasonCode"] == "Idle"
    for configuration in _status_everywhere(clients, deployed.name):
        assert configuration["State"] == "Active"
        assert "StateReason" not in configuration


def test_function_status_rejects_bad_values_and_unknown_functions(
    deployed: Deployed, local_http: LocalAws
) -> None:
    for kwargs in ({"state": "Sleeping"}, {"last_update_status": "Done"}, {}):
        with pytest.raises(AdminCallError) as error:
            local_http.set_function_status(deployed.name, **kwargs)
        assert error.value.status == 400, kwargs
    with pytest.raises(AdminCallError) as error:
        local_http.set_function_status("no-such-function", state="Inactive")
    assert error.value.status == 404


def _listed_versions(clients: Clients, name: str) -> list[str]:
    pages = clients.lambda_.get_paginator("list_functions").paginate(FunctionVersion="ALL")
    return sorted(
        fn["Version"] for page in pages for fn in page["Functions"] if fn["FunctionName"] == name
    )


def test_listings_follow_publish_and_delete(deployed: Deployed, clients: Clients) -> None:
    assert _listed_versions(clients, deployed.name) == ["$LATEST"]
    clients.lambda_.publish_version(FunctionName=deployed.name)
    assert _listed_versions(clients, deployed.name) == ["$LATEST", "1"]
    clients.lambda_.delete_function(FunctionName=deployed.name, Qualifier="1")
    assert _listed_versions(clients, deployed.name) == ["$LATEST"]
    clients.lambda_.delete_function(FunctionName=deployed.name)
    assert _listed_versions(clients, deployed.name) == []


def _publish_changed(clients: Clients, name: str, stage: str) -> str:
    clients.lambda_.update_function_configuration(
        FunctionName=name, Environment={"Variables": {"STAGE": stage}}
    )
    reply = clients.lambda_.publish_version(FunctionName=name)
    assert_required_members("lambda", "PublishVersion", reply)
    return str(reply["Version"])


def test_a_deleted_version_number_is_never_published_again(
    deployed: Deployed, clients: Clients, world: World
) -> None:
    name = deployed.name
    assert [_publish_changed(clients, name, stage) for stage in ("a", "b", "c")] == ["1", "2", "3"]
    clients.lambda_.delete_function(FunctionName=name, Qualifier="3")
    assert _publish_changed(clients, name, "d") == "4"
    clients.lambda_.delete_function(FunctionName=name, Qualifier="2")
    with pytest.raises(ClientError) as error:
        clients.lambda_.get_function(FunctionName=name, Qualifier="2")
    assert error_code(error) == "ResourceNotFoundException"
    assert _publish_changed(clients, name, "e") == "5"
    for version in ("1", "4", "5"):
        clients.lambda_.delete_function(FunctionName=name, Qualifier=version)
    assert _publish_changed(clients, name, "f") == "6"
    assert _listed_versions(clients, name) == ["$LATEST", "6"]
    # A new function of the same name starts again at 1.
    clients.lambda_.delete_function(FunctionName=name)
    world.create_function(deployed.artifact.code, deployed.csc, FunctionName=name)
    assert clients.lambda_.publish_version(FunctionName=name)["Version"] == "1"
