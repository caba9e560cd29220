"""Signer revocation over real HTTP: GetRevocationStatus, one version per profile name.

GetRevocationStatus is a data-plane operation. botocore has it twice: in ``signer``, where the
operation's ``hostPrefix`` is ``data-`` (so a custom endpoint https://127.0.0.1:4566 becomes
https://data-127.0.0.1:4566, a host nothing resolves), and in ``signer-data``, whose endpoint
prefix is ``data-signer`` and which sends to a custom endpoint as given. The tests below pin
which client configurations reach the local AWS.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from localaws import signing
from localaws.testing import LocalAws
from localaws.world import LAMBDA_PLATFORM_ID, Profile, World, make_zip, unique
from tests.localaws.localaws_support import (
    REGION,
    assert_required_members,
    error_code,
    http_status,
    make_client,
)

CREDENTIALS = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
SOME_VERSION_ARN = "arn:aws:signer:us-east-1:123456789012:/signing-profiles/p_1/abcdef1234"
SOME_JOB_ARN = "arn:aws:signer:us-east-1:123456789012:/signing-jobs/j"


@pytest.fixture(scope="module")
def signer_data(local_aws_endpoint: str) -> Any:
    """The client the verifier should use: ``signer-data``, no host prefix to strip."""
    return make_client(local_aws_endpoint, "signer-data")


def status(client: Any, job: dict[str, Any], at: dt.datetime, hashes: list[str]) -> list[str]:
    reply = client.get_revocation_status(
        profileVersionArn=profile_version_arn(job),
        jobArn=job_arn(job),
        platformId=job["platformId"],
        signatureTimestamp=at,
        certificateHashes=hashes,
    )
    assert_required_members(client.meta.service_model.service_name, "GetRevocationStatus", reply)
    return list(reply["revokedEntities"])


def job_arn(job: dict[str, Any]) -> str:
    return f"arn:aws:signer:{REGION}:{job['jobOwner']}:/signing-jobs/{job['jobId']}"


def profile_version_arn(job: dict[str, Any]) -> str:
    return (
        f"arn:aws:signer:{REGION}:{job['jobOwner']}:/signing-profiles/"
        f"{job['profileName']}/{job['profileVersion']}"
    )


def certificate_hashes(world: World, job: dict[str, Any]) -> list[str]:
    envelope = signing.read_envelope(world.signed_bytes(job))
    assert envelope is not None
    return envelope.certificate_hashes()


def revoke_profile(world: World, profile: Profile, effective: dt.datetime) -> None:
    world.clients.signer.revoke_signing_profile(
        profileName=profile.name,
        profileVersion=profile.version,
        reason="compromised",
        effectiveTime=effective,
    )


# -- reaching it ----------------------------------------------------------------------------


def _url_sent(client: Any) -> str:
    """The URL a GetRevocationStatus call would go to (stopped before it is sent)."""
    sent: list[str] = []

    def stop(request: Any, **_: Any) -> None:
        sent.append(request.url)
        raise _Stop

    client.meta.events.register("before-send", stop)
    with pytest.raises(_Stop):
        client.get_revocation_status(
            profileVersionArn=SOME_VERSION_ARN,
            jobArn=SOME_JOB_ARN,
            platformId=LAMBDA_PLATFORM_ID,
            signatureTimestamp=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
            certificateHashes=[],
        )
    return sent[0].split("?")[0]


class _Stop(Exception):
    pass


def test_botocore_prefixes_signers_operation_but_not_signer_data() -> None:
    endpoint = "https://127.0.0.1:4566"
    signer = boto3.client("signer", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)
    assert _url_sent(signer) == "https://data-127.0.0.1:4566/revocations"
    unprefixed = boto3.client(
        "signer",
        endpoint_url=endpoint,
        region_name=REGION,
        config=Config(inject_host_prefix=False),
        **CREDENTIALS,
    )
    assert _url_sent(unprefixed) == "https://127.0.0.1:4566/revocations"
    data = boto3.client("signer-data", endpoint_url=endpoint, region_name=REGION, **CREDENTIALS)
    assert _url_sent(data) == "https://127.0.0.1:4566/revocations"
    # Against AWS both go to the data plane's own host.
    for service in ("signer", "signer-data"):
        aws = boto3.client(service, region_name=REGION, **CREDENTIALS)
        assert _url_sent(aws) == f"https://data-signer.{REGION}.amazonaws.com/revocations"


@pytest.fixture
def readme_environment(
    local_aws_endpoint: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[boto3.session.Session]:
    """The README's configuration: AWS_ENDPOINT_URL and dummy keys, no endpoint in code."""
    for name in [key for key in os.environ if key.startswith("AWS_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("AWS_ENDPOINT_URL", local_aws_endpoint)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent")
    yield boto3.session.Session()


def test_signer_data_and_unprefixed_signer_reach_the_local_aws_from_the_readme_environment(
    world: World, readme_environment: boto3.session.Session
) -> None:
    job = world.signing_job(world.profile())
    world.clients.signer.revoke_signature(jobId=job["jobId"], reason="leaked")
    now = dt.datetime.now(dt.UTC)
    hashes = certificate_hashes(world, job)
    for client in (
        readme_environment.client("signer-data"),
        readme_environment.client("signer", config=Config(inject_host_prefix=False)),
    ):
        assert status(client, job, now, hashes) == [job_arn(job)]


# -- what it answers --------------------------------------------------------------------------


def test_nothing_revoked_lists_nothing(world: World, signer_data: Any) -> None:
    job = world.signing_job(world.profile())
    hashes = certificate_hashes(world, job)
    assert len(hashes) == 2
    assert status(signer_data, job, job["createdAt"], hashes) == []


def test_a_profile_version_is_revoked_for_signatures_from_its_effective_time(
    world: World, signer_data: Any
) -> None:
    profile = world.profile()
    job = world.signing_job(profile)
    effective = dt.datetime.now(dt.UTC).replace(microsecond=0) - dt.timedelta(minutes=10)
    revoke_profile(world, profile, effective)
    before, at, after = (effective + dt.timedelta(seconds=s) for s in (-1, 0, 1))
    hashes = certificate_hashes(world, job)
    assert status(signer_data, job, before, hashes) == []
    assert status(signer_data, job, at, hashes) == [profile.version_arn]
    assert status(signer_data, job, after, hashes) == [profile.version_arn]


def test_a_revoked_job_is_revoked_whenever_it_signed(world: World, signer_data: Any) -> None:
    job = world.signing_job(world.profile())
    world.clients.signer.revoke_signature(jobId=job["jobId"], reason="leaked")
    long_ago = dt.datetime(2001, 1, 1, tzinfo=dt.UTC)
    assert status(signer_data, job, long_ago, certificate_hashes(world, job)) == [job_arn(job)]


def test_a_revoked_certificate_is_listed_and_fails_the_deploy(
    world: World, signer_data: Any, local_http: LocalAws
) -> None:
    profile = world.profile()
    job = world.signing_job(profile)
    leaf, root = certificate_hashes(world, job)
    local_http.revoke_certificate(leaf)
    assert status(signer_data, job, job["createdAt"], [leaf, root]) == [leaf]
    # Lambda's deploy-time check asks the same question.
    csc = world.csc("Enforce", [profile.version_arn])
    signed = job["signedObject"]["s3"]
    with pytest.raises(ClientError) as error:
        world.create_function({"S3Bucket": signed["bucketName"], "S3Key": signed["key"]}, csc)
    assert error_code(error) == "CodeVerificationFailedException"
    assert "certificate was revoked" in error.value.response["Error"]["Message"]


def test_entities_this_signer_never_issued_are_not_revoked(signer_data: Any) -> None:
    reply = signer_data.get_revocation_status(
        profileVersionArn="arn:aws:signer:us-east-1:123456789012:/signing-profiles/nobody/abcdef1234",
        jobArn="arn:aws:signer:us-east-1:123456789012:/signing-jobs/no-such-job",
        platformId=LAMBDA_PLATFORM_ID,
        signatureTimestamp=dt.datetime.now(dt.UTC),
        certificateHashes=["ab" * 96],
    )
    assert reply["revokedEntities"] == []


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("profileVersionArn", "arn:aws:signer:us-east-1:123456789012:/signing-profiles/p_1"),
        ("jobArn", "arn:aws:lambda:us-east-1:123456789012:function:f"),
        ("platformId", "NoSuchPlatform"),
        ("certificateHashes", []),  # botocore then sends no parameter at all
    ],
)
def test_malformed_input_is_a_validation_error(signer_data: Any, field: str, value: Any) -> None:
    arguments: dict[str, Any] = {
        "profileVersionArn": SOME_VERSION_ARN,
        "jobArn": SOME_JOB_ARN,
        "platformId": LAMBDA_PLATFORM_ID,
        "signatureTimestamp": dt.datetime.now(dt.UTC),
        "certificateHashes": ["ab" * 96],
        field: value,
    }
    with pytest.raises(ClientError) as error:
        signer_data.get_revocation_status(**arguments)
    assert (error_code(error), http_status(error)) == ("ValidationException", 400)


# -- one version per profile name -------------------------------------------------------------


@pytest.mark.parametrize("state", ["Active", "Canceled", "Revoked"])
def test_putting_an_existing_name_again_is_refused(world: World, state: str) -> None:
    profile = world.profile()
    if state == "Canceled":
        world.clients.signer.cancel_signing_profile(profileName=profile.name)
    if state == "Revoked":
        revoke_profile(world, profile, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    with pytest.raises(ClientError) as error:
        world.clients.signer.put_signing_profile(
            profileName=profile.name, platformId=LAMBDA_PLATFORM_ID
        )
    assert (error_code(error), http_status(error)) == ("ValidationException", 400)
    assert "already exists" in error.value.response["Error"]["Message"]
    described = world.clients.signer.get_signing_profile(profileName=profile.name)
    assert (described["profileVersionArn"], described["status"]) == (profile.version_arn, state)


def test_a_revoked_version_stays_revoked_after_its_name_gets_a_new_version(
    world: World, signer_data: Any, local_http: LocalAws
) -> None:
    first = world.profile()
    job = world.signing_job(first)
    revoke_profile(world, first, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    assert local_http.purge_signing_profile(first.name) == first.version_arn
    with pytest.raises(ClientError) as error:
        world.clients.signer.get_signing_profile(profileName=first.name)
    assert error_code(error) == "ResourceNotFoundException"

    reply = world.clients.signer.put_signing_profile(
        profileName=first.name,
        platformId=LAMBDA_PLATFORM_ID,
        signatureValidityPeriod={"value": 1, "type": "DAYS"},
    )
    second = Profile(first.name, reply["profileVersion"], reply["profileVersionArn"])
    assert second.version_arn != first.version_arn
    described = world.clients.signer.get_signing_profile(profileName=first.name)
    assert_required_members("signer", "GetSigningProfile", described)
    assert (described["profileVersionArn"], described["status"]) == (second.version_arn, "Active")
    assert "revocationRecord" not in described  # the record is the first version's

    # The first version's signature stays revoked; the new version signs and is not revoked.
    hashes = certificate_hashes(world, job)
    assert status(signer_data, job, job["createdAt"], hashes) == [first.version_arn]
    fresh = world.signing_job(second)
    assert status(signer_data, fresh, fresh["createdAt"], certificate_hashes(world, fresh)) == []
    # Only the name's version can be revoked by name; the purged one is gone.
    with pytest.raises(ClientError) as error:
        revoke_profile(world, first, dt.datetime.now(dt.UTC) - dt.timedelta(hours=1))
    assert error_code(error) == "ResourceNotFoundException"
    # Lambda judges the first version's signature by that version too.
    csc = world.csc("Enforce", [first.version_arn, second.version_arn])
    signed = job["signedObject"]["s3"]
    with pytest.raises(ClientError) as error:
        world.create_function({"S3Bucket": signed["bucketName"], "S3Key": signed["key"]}, csc)
    assert "was revoked" in error.value.response["Error"]["Message"]
    fresh_s3 = fresh["signedObject"]["s3"]
    created = world.create_function(
        {"S3Bucket": fresh_s3["bucketName"], "S3Key": fresh_s3["key"]}, csc
    )
    assert created["SigningProfileVersionArn"] == second.version_arn


def test_an_active_profile_is_never_purged(world: World, local_http: LocalAws) -> None:
    from localaws.process import AdminCallError

    profile = world.profile()
    with pytest.raises(AdminCallError, match="Active"):
        local_http.purge_signing_profile(profile.name)
    assert world.clients.signer.get_signing_profile(profileName=profile.name)["status"] == "Active"


def test_get_signing_profile_by_owner(world: World) -> None:
    profile = world.profile()
    own = world.clients.signer.get_signing_profile(
        profileName=profile.name, profileOwner="123456789012"
    )
    assert own["profileVersionArn"] == profile.version_arn
    with pytest.raises(ClientError) as error:
        world.clients.signer.get_signing_profile(
            profileName=profile.name, profileOwner="210987654321"
        )
    assert (error_code(error), http_status(error)) == ("AccessDeniedException", 403)


# -- the source bucket must be versioned ------------------------------------------------------


@pytest.mark.parametrize("versioning", [None, "Suspended"])
def test_a_source_bucket_without_versioning_enabled_is_refused(
    world: World, versioning: str | None
) -> None:
    bucket = unique("unversioned-")
    world.clients.s3.create_bucket(Bucket=bucket)
    if versioning:
        world.clients.s3.put_bucket_versioning(
            Bucket=bucket, VersioningConfiguration={"Status": versioning}
        )
    put = world.clients.s3.put_object(Bucket=bucket, Key="unsigned/pkg.zip", Body=make_zip())
    before = {j["jobId"] for j in world.clients.signer.list_signing_jobs()["jobs"]}
    with pytest.raises(ClientError) as error:
        world.clients.signer.start_signing_job(
            source={
                "s3": {
                    "bucketName": bucket,
                    "key": "unsigned/pkg.zip",
                    "version": put.get("VersionId") or "null",
                }
            },
            destination={"s3": {"bucketName": world.bucket, "prefix": "signed/"}},
            profileName=world.profile().name,
            clientRequestToken=unique("token-"),
        )
    assert (error_code(error), http_status(error)) == ("ValidationException", 400)
    assert "versioning" in error.value.response["Error"]["Message"]
    assert {j["jobId"] for j in world.clients.signer.list_signing_jobs()["jobs"]} == before
