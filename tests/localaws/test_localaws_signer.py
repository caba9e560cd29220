"""Signer over real HTTP: jobs, listing, revocation, profiles, errors."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from botocore.exceptions import ClientError, WaiterError

from localaws.world import LAMBDA_PLATFORM_ID, Clients, World, make_zip, unique
from tests.localaws.localaws_support import assert_required_members, error_code, http_status


def test_start_signing_job_returns_job_id_and_owner(world: World, clients: Clients) -> None:
    profile = world.profile()
    key, version = world.upload(make_zip())
    reply = clients.signer.start_signing_job(
        source={"s3": {"bucketName": world.bucket, "key": key, "version": version}},
        destination={"s3": {"bucketName": world.bucket, "prefix": "signed/"}},
        profileName=profile.name,
        clientRequestToken=unique("token-"),
    )
    assert_required_members("signer", "StartSigningJob", reply)
    assert reply["jobOwner"] == "123456789012"
    clients.signer.get_waiter("successful_signing_job").wait(
        jobId=reply["jobId"], WaiterConfig={"Delay": 1, "MaxAttempts": 2}
    )


def test_describe_signing_job_reports_the_whole_job(world: World) -> None:
    profile = world.profile({"value": 3, "type": "DAYS"})
    job = world.signing_job(profile)
    assert_required_members("signer", "DescribeSigningJob", job)
    assert job["status"] == "Succeeded"
    assert job["statusReason"]
    assert (job["profileName"], job["profileVersion"]) == (profile.name, profile.version)
    assert job["platformId"] == LAMBDA_PLATFORM_ID
    assert job["signedObject"]["s3"] == {
        "bucketName": world.bucket,
        "key": f"signed/{job['jobId']}.zip",
    }
    assert set(job["source"]["s3"]) == {"bucketName", "key", "version"}
    assert (job["jobOwner"], job["jobInvoker"]) == ("123456789012", "123456789012")
    assert job["completedAt"] >= job["createdAt"]
    validity = job["signatureExpiresAt"] - job["createdAt"]
    assert timedelta(days=3) - timedelta(seconds=2) <= validity <= timedelta(days=3)
    assert "revocationRecord" not in job


def test_signed_object_is_a_new_version_holding_the_source_entries(
    world: World, clients: Clients
) -> None:
    job = world.signing_job(world.profile(), make_zip("print('signed')\n"))
    signed = job["signedObject"]["s3"]
    versions = clients.s3.list_object_versions(Bucket=world.bucket, Prefix=signed["key"])
    assert len(versions["Versions"]) == 1
    with zipfile.ZipFile(io.BytesIO(world.signed_bytes(job))) as archive:
        assert archive.read("index.py") == b"print('signed')\n"


def test_signing_uses_the_requested_source_version(world: World, clients: Clients) -> None:
    key, first_version = world.upload(make_zip("v = 1\n"))
    world.upload(make_zip("v = 2\n"), key=key)
    profile = world.profile()
    job_id = clients.signer.start_signing_job(
        source={"s3": {"bucketName": world.bucket, "key": key, "version": first_version}},
        destination={"s3": {"bucketName": world.bucket, "prefix": "signed/"}},
        profileName=profile.name,
        clientRequestToken=unique("token-"),
    )["jobId"]
    job = clients.signer.describe_signing_job(jobId=job_id)
    with zipfile.ZipFile(io.BytesIO(world.signed_bytes(job))) as archive:
        assert archive.read("index.py") == b"v = 1\n"


def test_start_signing_job_rejects_a_missing_source_version(world: World, clients: Clients) -> None:
    key, _ = world.upload(make_zip())
    with pytest.raises(ClientError) as error:
        clients.signer.start_signing_job(
            source={"s3": {"bucketName": world.bucket, "key": key, "version": "no-such-version"}},
            destination={"s3": {"bucketName": world.bucket, "prefix": "signed/"}},
            profileName=world.profile().name,
            clientRequestToken=unique("token-"),
        )
    assert error_code(error) == "ValidationException"


def test_start_signing_job_with_unknown_profile_is_not_found(
    world: World, clients: Clients
) -> None:
    key, version = world.upload(make_zip())
    with pytest.raises(ClientError) as error:
        clients.signer.start_signing_job(
            source={"s3": {"bucketName": world.bucket, "key": key, "version": version}},
            destination={"s3": {"bucketName": world.bucket, "prefix": "signed/"}},
            profileName="no_such_profile",
            clientRequestToken=unique("token-"),
        )
    assert (error_code(error), http_status(error)) == ("ResourceNotFoundException", 404)


def test_unknown_job_and_profile_are_not_found(clients: Clients) -> None:
    calls = [
        lambda: clients.signer.describe_signing_job(jobId="no-such-job"),
        lambda: clients.signer.revoke_signature(jobId="no-such-job", reason="x"),
        lambda: clients.signer.get_signing_profile(profileName="no_such_profile"),
        lambda: clients.signer.cancel_signing_profile(profileName="no_such_profile"),
        lambda: clients.signer.revoke_signing_profile(
            profileName="no_such_profile",
            profileVersion="0123456789",
            reason="x",
            effectiveTime=datetime.now(UTC) - timedelta(hours=1),
        ),
    ]
    for call in calls:
        with pytest.raises(ClientError) as error:
            call()
        assert (error_code(error), http_status(error)) == ("ResourceNotFoundException", 404)


def test_waiter_fails_fast_for_an_unknown_job(clients: Clients) -> None:
    with pytest.raises(WaiterError):
        clients.signer.get_waiter("successful_signing_job").wait(
            jobId="no-such-job", WaiterConfig={"Delay": 1, "MaxAttempts": 2}
        )


def test_list_signing_jobs_filters_and_paginates(world: World, clients: Clients) -> None:
    profile = world.profile({"value": 5, "type": "DAYS"})
    jobs = [world.signing_job(profile) for _ in range(3)]
    ids = {job["jobId"] for job in jobs}
    clients.signer.revoke_signature(jobId=jobs[0]["jobId"], reason="compromised")

    listed = clients.signer.list_signing_jobs(status="Succeeded", platformId=LAMBDA_PLATFORM_ID)
    assert_required_members("signer", "ListSigningJobs", listed)
    assert ids <= {job["jobId"] for job in listed["jobs"]}

    revoked = clients.signer.list_signing_jobs(isRevoked=True)["jobs"]
    assert jobs[0]["jobId"] in {job["jobId"] for job in revoked}
    assert all(job["isRevoked"] for job in revoked)

    window = clients.signer.list_signing_jobs(
        signatureExpiresAfter=datetime.now(UTC) + timedelta(days=4),
        signatureExpiresBefore=datetime.now(UTC) + timedelta(days=6),
    )["jobs"]
    assert ids <= {job["jobId"] for job in window}
    later = clients.signer.list_signing_jobs(
        signatureExpiresAfter=datetime.now(UTC) + timedelta(days=6)
    )["jobs"]
    assert not ids & {job["jobId"] for job in later}
    assert clients.signer.list_signing_jobs(jobInvoker="000000000000")["jobs"] == []
    requested_by = jobs[0]["requestedBy"]
    assert ids <= {
        job["jobId"] for job in clients.signer.list_signing_jobs(requestedBy=requested_by)["jobs"]
    }

    first = clients.signer.list_signing_jobs(maxResults=2)
    assert len(first["jobs"]) == 2 and first["nextToken"]
    paged = [job["jobId"] for job in first["jobs"]]
    token = first["nextToken"]
    while token:
        page = clients.signer.list_signing_jobs(maxResults=2, nextToken=token)
        paged += [job["jobId"] for job in page["jobs"]]
        token = page.get("nextToken")
    assert len(paged) == len(set(paged)) and ids <= set(paged)


def test_revoke_signature_adds_a_revocation_record(world: World, clients: Clients) -> None:
    job = world.signing_job(world.profile())
    reply = clients.signer.revoke_signature(jobId=job["jobId"], reason="key leaked")
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    described = clients.signer.describe_signing_job(jobId=job["jobId"])
    assert_required_members("signer", "DescribeSigningJob", described)
    assert described["revocationRecord"]["reason"] == "key leaked"
    assert described["revocationRecord"]["revokedBy"]
    assert described["revocationRecord"]["revokedAt"]


def test_get_signing_profile_returns_version_status_and_validity(
    world: World, clients: Clients
) -> None:
    profile = world.profile({"value": 2, "type": "YEARS"})
    reply = clients.signer.get_signing_profile(profileName=profile.name)
    assert_required_members("signer", "GetSigningProfile", reply)
    assert reply["profileVersion"] == profile.version
    assert reply["profileVersionArn"] == profile.version_arn
    assert reply["status"] == "Active"
    assert reply["signatureValidityPeriod"] == {"value": 2, "type": "YEARS"}
    assert reply["platformId"] == LAMBDA_PLATFORM_ID
    assert "revocationRecord" not in reply


def test_revoke_signing_profile_revokes_and_records(world: World, clients: Clients) -> None:
    profile = world.profile()
    effective = datetime.now(UTC) - timedelta(hours=1)
    reply = clients.signer.revoke_signing_profile(
        profileName=profile.name,
        profileVersion=profile.version,
        reason="retired",
        effectiveTime=effective,
    )
    assert reply["ResponseMetadata"]["HTTPStatusCode"] == 200
    described = clients.signer.get_signing_profile(profileName=profile.name)
    assert_required_members("signer", "GetSigningProfile", described)
    assert described["status"] == "Revoked"
    record = described["revocationRecord"]
    assert abs(record["revocationEffectiveFrom"] - effective) < timedelta(seconds=1)
    assert record["revokedBy"] and record["revokedAt"]

    key, version = world.upload(make_zip())
    with pytest.raises(ClientError) as error:
        clients.signer.start_signing_job(
            source={"s3": {"bucketName": world.bucket, "key": key, "version": version}},
            destination={"s3": {"bucketName": world.bucket, "prefix": "signed/"}},
            profileName=profile.name,
            clientRequestToken=unique("token-"),
        )
    assert error_code(error) == "ValidationException"


def test_revoke_signing_profile_rejects_a_future_effective_time(
    world: World, clients: Clients
) -> None:
    profile = world.profile()
    with pytest.raises(ClientError) as error:
        clients.signer.revoke_signing_profile(
            profileName=profile.name,
            profileVersion=profile.version,
            reason="later",
            effectiveTime=datetime.now(UTC) + timedelta(days=1),
        )
    assert error_code(error) == "ValidationException"
    assert clients.signer.get_signing_profile(profileName=profile.name)["status"] == "Active"


def test_list_signing_profiles_and_get_platform(world: World, clients: Clients) -> None:
    world.profile()  # at least two profiles, whatever else this server holds
    profile = world.profile()
    first = clients.signer.list_signing_profiles(platformId=LAMBDA_PLATFORM_ID, maxResults=2)
    assert_required_members("signer", "ListSigningProfiles", first)
    assert len(first["profiles"]) == 2 and first["nextToken"]

    def all_names() -> set[str]:
        pages = clients.signer.get_paginator("list_signing_profiles").paginate()
        return {p["profileName"] for page in pages for p in page["profiles"]}

    assert profile.name in all_names()
    clients.signer.cancel_signing_profile(profileName=profile.name)
    assert profile.name not in all_names()
    platform = clients.signer.get_signing_platform(platformId=LAMBDA_PLATFORM_ID)
    assert_required_members("signer", "GetSigningPlatform", platform)
    assert platform["maxSizeInMB"] == 250


def test_unknown_platform_is_rejected(clients: Clients) -> None:
    with pytest.raises(ClientError) as error:
        clients.signer.put_signing_profile(profileName=unique("p_"), platformId="NoSuchPlatform")
    assert error_code(error) == "ValidationException"


def test_a_source_that_is_not_a_zip_fails_the_job(world: World, clients: Clients) -> None:
    job = world.signing_job(world.profile(), b"not a zip archive")
    assert job["status"] == "Failed"
    assert "ZIP" in job["statusReason"]
    assert "signedObject" not in job
    with pytest.raises(WaiterError):
        clients.signer.get_waiter("successful_signing_job").wait(
            jobId=job["jobId"], WaiterConfig={"Delay": 1, "MaxAttempts": 2}
        )


def _revoke(clients: Clients, profile: Any, hours_ago: float) -> datetime:
    effective = datetime.now(UTC) - timedelta(hours=hours_ago)
    clients.signer.revoke_signing_profile(
        profileName=profile.name,
        profileVersion=profile.version,
        reason=f"revoked from {hours_ago}h ago",
        effectiveTime=effective,
    )
    return effective


def _effective_from(clients: Clients, profile: Any) -> datetime:
    record = clients.signer.get_signing_profile(profileName=profile.name)["revocationRecord"]
    return record["revocationEffectiveFrom"]  # type: ignore[no-any-return]


def test_re_revoking_a_profile_with_a_later_time_keeps_the_earlier_one(
    world: World, clients: Clients
) -> None:
    profile = world.profile()
    earlier = _revoke(clients, profile, hours_ago=2)
    _revoke(clients, profile, hours_ago=1)
    assert abs(_effective_from(clients, profile) - earlier) < timedelta(seconds=1)
    described = clients.signer.get_signing_profile(profileName=profile.name)
    assert_required_members("signer", "GetSigningProfile", described)
    assert described["statusReason"] == "revoked from 2h ago"


def test_re_revoking_a_profile_with_an_earlier_time_moves_it_earlier(
    world: World, clients: Clients
) -> None:
    profile = world.profile()
    _revoke(clients, profile, hours_ago=1)
    earliest = _revoke(clients, profile, hours_ago=3)
    assert abs(_effective_from(clients, profile) - earliest) < timedelta(seconds=1)


def test_signing_an_already_signed_package_fails_the_job(world: World, clients: Clients) -> None:
    profile = world.profile()
    signed = world.signed_bytes(world.signing_job(profile))
    job = world.signing_job(profile, signed)  # uploads the signed bytes as a new source object
    assert_required_members("signer", "DescribeSigningJob", job)
    assert job["status"] == "Failed"
    assert "already signed" in job["statusReason"]
    assert "signedObject" not in job
    with pytest.raises(WaiterError):
        clients.signer.get_waiter("successful_signing_job").wait(
            jobId=job["jobId"], WaiterConfig={"Delay": 1, "MaxAttempts": 2}
        )
    failed = clients.signer.list_signing_jobs(status="Failed")["jobs"]
    assert job["jobId"] in {listed["jobId"] for listed in failed}


def _listed_ids(clients: Clients, **filters: Any) -> set[str]:
    pages = clients.signer.get_paginator("list_signing_jobs").paginate(**filters)
    return {job["jobId"] for page in pages for job in page["jobs"]}


def test_each_list_signing_jobs_filter_selects_and_excludes(world: World, clients: Clients) -> None:
    profile = world.profile({"value": 9, "type": "DAYS"})
    kept, revoked = world.signing_job(profile), world.signing_job(profile)
    failed = world.signing_job(profile, b"not a zip")
    clients.signer.revoke_signature(jobId=revoked["jobId"], reason="compromised")
    mine = {kept["jobId"], revoked["jobId"], failed["jobId"]}
    account, principal = kept["jobOwner"], kept["requestedBy"]
    now = datetime.now(UTC)
    expectations: list[tuple[dict[str, Any], set[str]]] = [
        ({"status": "Succeeded"}, {kept["jobId"], revoked["jobId"]}),
        ({"status": "Failed"}, {failed["jobId"]}),
        ({"platformId": LAMBDA_PLATFORM_ID}, mine),
        ({"platformId": "AmazonFreeRTOS-Default"}, set()),
        ({"requestedBy": principal}, mine),
        ({"requestedBy": "arn:aws:iam::123456789012:user/someone-else"}, set()),
        ({"jobInvoker": account}, mine),
        ({"jobInvoker": "000000000000"}, set()),
        ({"isRevoked": True}, {revoked["jobId"]}),
        ({"isRevoked": False}, {kept["jobId"], failed["jobId"]}),
        # A failed job has no signature, so no expiry: the expiry filters leave it out.
        ({"signatureExpiresAfter": now + timedelta(days=8)}, {kept["jobId"], revoked["jobId"]}),
        ({"signatureExpiresAfter": now + timedelta(days=10)}, set()),
        ({"signatureExpiresBefore": now + timedelta(days=10)}, {kept["jobId"], revoked["jobId"]}),
        ({"signatureExpiresBefore": now + timedelta(days=8)}, set()),
    ]
    for filters, expected in expectations:
        assert _listed_ids(clients, **filters) & mine == expected, filters


def test_list_signing_jobs_pages_with_filters_and_rejects_a_foreign_token(
    world: World, clients: Clients
) -> None:
    profile = world.profile()
    ids = {world.signing_job(profile)["jobId"] for _ in range(5)}
    seen: list[str] = []
    token = None
    while True:
        kwargs: dict[str, Any] = {"status": "Succeeded", "maxResults": 2}
        if token:
            kwargs["nextToken"] = token
        page = clients.signer.list_signing_jobs(**kwargs)
        assert_required_members("signer", "ListSigningJobs", page)
        assert len(page["jobs"]) <= 2
        seen += [job["jobId"] for job in page["jobs"]]
        token = page.get("nextToken")
        if not token:
            break
    assert len(seen) == len(set(seen)) and ids <= set(seen)

    for bad in ("not-a-token", clients.signer.list_signing_jobs(maxResults=1)["nextToken"]):
        with pytest.raises(ClientError) as error:
            # The second token was issued without the status filter.
            clients.signer.list_signing_jobs(status="Failed", nextToken=bad)
        assert (error_code(error), http_status(error)) == ("ValidationException", 400), bad
