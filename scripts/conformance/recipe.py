"""The signing recipe against one account and region, through the signed-world builder
(:mod:`localaws.world`), plus the reads the items are judged from: the only module of the kit
that calls AWS."""

from __future__ import annotations

import base64
import hashlib
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from localaws.world import (
    LAMBDA_PLATFORM_ID,
    REAL_AWS_WAITS,
    Clients,
    Profile,
    SignedArtifact,
    World,
    WorldError,
)

from .errors import AwsRunError, one_line
from .evidence import MAX_INSPECTED_OBJECT, Evidence, SignedPackage
from .packages import function_package, layer_package

PLATFORM_ID = LAMBDA_PLATFORM_ID
RUNTIME = "python3.12"
HANDLER = "index.handler"
FUNCTION_PREFIX = "signed/function/"
LAYER_PREFIX = "signed/layer/"
NAME_PREFIX = "signed-lambda-conformance"

VALIDITY = {"value": 7, "type": "DAYS"}
# Bounded waits (the builder's REAL_AWS_WAITS bound the jobs, the role and the function).
LIST_JOBS_MAX_PAGES = 20
LIST_JOBS_PAGE_SIZE = 25  # the service model's maximum
LIST_JOBS_ATTEMPTS = 3  # a listing may lag DescribeSigningJob
LIST_JOBS_RETRY_SECONDS = 3.0
HASH_CHUNK = 64 * 1024


def progress(message: str) -> None:
    print(f"conformance: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Names:
    run_id: str
    bucket: str
    role: str
    profile: str
    #: A second profile, only to put its name again (active, then canceled).
    reput_profile: str
    function: str
    layer: str

    @classmethod
    def for_run(cls, now: datetime, token: str) -> Names:
        run_id = f"{now.strftime('%Y%m%dt%H%M%S')}-{token}"
        dashed = f"{NAME_PREFIX}-{run_id}"
        return cls(
            run_id=run_id,
            bucket=dashed,
            role=dashed,
            profile=dashed.replace("-", "_"),
            reput_profile=dashed.replace("-", "_") + "_reput",
            function=dashed,
            layer=dashed,
        )


class Cleanup:
    """Undo what the run created (the world's record of it), newest first; a failed step is
    reported and the rest still run."""

    def __init__(self, world: World) -> None:
        self.world = world

    def describe(self) -> list[str]:
        return [record.description for record in reversed(self.world.created)]

    def run(self) -> list[str]:
        return [
            f"cleanup: {record.description} failed: {one_line(error)}"
            for record, error in self.world.teardown()
        ]


class Run:
    """The recipe against one account and region, through the signed-world builder: it
    records every resource as soon as it exists, so cleanup can undo whatever was made."""

    def __init__(self, session: Any, names: Names, account_id: str) -> None:
        from botocore.config import Config

        config = Config(
            retries={"max_attempts": 8, "mode": "standard"}, connect_timeout=10, read_timeout=60
        )
        self.world = World(Clients.from_session(session, config), waits=REAL_AWS_WAITS)
        self.cleanup = Cleanup(self.world)
        clients = self.world.clients
        # The reads and the experiments are the kit's own: plain boto3 clients.
        self.s3: Any = clients.s3
        self.signer: Any = clients.signer
        self.lambda_: Any = clients.lambda_
        self.region = self.world.region
        self.partition = session.get_partition_for_region(self.region)
        self.names = names
        self.account_id = account_id
        self.profile: Profile | None = None

    # 1. the resources

    def create_bucket(self) -> None:
        progress(f"bucket {self.names.bucket}")
        self.world.new_bucket(self.names.bucket, block_public_access=True)

    def create_role(self) -> str:
        progress(f"role {self.names.role}")
        log_group = (
            f"arn:{self.partition}:logs:{self.region}:{self.account_id}:"
            f"log-group:/aws/lambda/{self.names.function}"
        )
        logs_only = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogGroup"],
                    "Resource": log_group,
                },
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{log_group}:*",
                },
            ],
        }
        return self.world.new_role(
            self.names.role,
            description="signed-lambda conformance run (deleted by the run)",
            policies={"logs": logs_only},
        )

    def create_profile(self) -> str:
        progress(f"signing profile {self.names.profile}")
        self.profile = self.world.profile(VALIDITY, name=self.names.profile)
        return self.profile.version_arn

    def _put_profile(self, name: str) -> dict[str, Any]:
        return dict(
            self.signer.put_signing_profile(
                profileName=name, platformId=PLATFORM_ID, signatureValidityPeriod=VALIDITY
            )
        )

    def _cancel_unless_canceled(self, name: str) -> None:
        if self.signer.get_signing_profile(profileName=name)["status"] != "Canceled":
            self.signer.cancel_signing_profile(profileName=name)

    def put_again(self, name: str, first_version_arn: str) -> dict[str, Any]:
        """PutSigningProfile on a name that exists: refused (and how), or what it made."""
        from botocore.exceptions import ClientError

        outcome: dict[str, Any]
        try:
            reply = self._put_profile(name)
        except ClientError as error:
            details = error.response.get("Error", {})
            outcome = {
                "accepted": False,
                "error_code": details.get("Code"),
                "error_message": details.get("Message"),
                "http_status": error.response.get("ResponseMetadata", {}).get("HTTPStatusCode"),
            }
        else:
            outcome = {
                "accepted": True,
                "new_profile_version": reply.get("profileVersionArn") != first_version_arn,
            }
        described = self.signer.get_signing_profile(profileName=name)
        outcome["status_after"] = described.get("status")
        outcome["version_arn_after_is_the_first"] = (
            described.get("profileVersionArn") == first_version_arn
        )
        return outcome

    def profile_put_again(self) -> dict[str, dict[str, Any]]:
        """Put a second profile's name again while Active, then again once Canceled."""
        name = self.names.reput_profile
        progress(f"signing profile {name}, put again while Active and once Canceled")
        # Its cleanup cancels it at most once: a re-put that AWS accepted may have made it
        # Active again.
        first = self.world.profile(VALIDITY, name=name).version_arn
        active = self.put_again(name, first)
        self._cancel_unless_canceled(name)
        canceled = self.put_again(name, first)
        return {"active": active, "canceled": canceled}

    def create_csc(self, profile_version_arn: str) -> str:
        progress("code signing config (Enforce)")
        return self.world.csc(
            "Enforce", [profile_version_arn], description=f"{NAME_PREFIX} {self.names.run_id}"
        )

    # 2. sign

    def sign(self, role: str, package: bytes, prefix: str) -> SignedPackage:
        key = f"unsigned/{role}/package.zip"
        progress(f"signing the {role} package (s3://{self.names.bucket}/{key})")
        if self.profile is None:
            raise AwsRunError("no signing profile yet: create_profile first")
        try:
            job = dict(self.world.sign(self.profile, package, key=key, prefix=prefix).job)
        except WorldError as error:  # the job failed or did not end in time
            raise AwsRunError(str(error)) from None
        job_id = str(job["jobId"])
        signed_s3 = (job.get("signedObject") or {}).get("s3") or {}
        signed_bucket = str(signed_s3.get("bucketName") or "")
        signed_key = str(signed_s3.get("key") or "")
        if not signed_bucket or not signed_key:
            raise AwsRunError(f"signing job {job_id} succeeded without signedObject.s3")
        head = self.s3.head_object(Bucket=signed_bucket, Key=signed_key)
        signed_version = head.get("VersionId")
        versions = self._key_versions(signed_bucket, signed_key)
        digest, data = self._read_object(signed_bucket, signed_key, signed_version)
        entry, pages = self._find_in_list(job_id)
        return SignedPackage(
            role=role,
            unsigned_bytes=package,
            destination_prefix=prefix,
            job_id=job_id,
            describe_job=job,
            list_job_entry=entry,
            list_pages_read=pages,
            signed_bucket=signed_bucket,
            signed_key=signed_key,
            signed_version_id=signed_version,
            signed_last_modified=head.get("LastModified"),
            signed_key_versions=versions,
            signed_sha256=digest,
            signed_bytes=data,
        )

    def _key_versions(self, bucket: str, key: str) -> int:
        paginator = self.s3.get_paginator("list_object_versions")
        count = 0
        for page in paginator.paginate(Bucket=bucket, Prefix=key):
            count += sum(1 for item in page.get("Versions", []) if item["Key"] == key)
        return count

    def _read_object(self, bucket: str, key: str, version: str | None) -> tuple[str, bytes | None]:
        """Stream the object to hash it; keep the bytes only while they are small."""
        kwargs = {"Bucket": bucket, "Key": key}
        if version:
            kwargs["VersionId"] = version
        body = self.s3.get_object(**kwargs)["Body"]
        digest = hashlib.sha256()
        kept: bytearray | None = bytearray()
        for chunk in body.iter_chunks(HASH_CHUNK):
            digest.update(chunk)
            if kept is not None:
                kept.extend(chunk)
                if len(kept) > MAX_INSPECTED_OBJECT:
                    kept = None
        return base64.b64encode(digest.digest()).decode(), bytes(kept) if kept is not None else None

    def _find_in_list(self, job_id: str) -> tuple[dict[str, Any] | None, int]:
        """The job's ListSigningJobs entry (bounded pages and attempts) and the pages read."""
        for attempt in range(1, LIST_JOBS_ATTEMPTS + 1):
            entry, pages = self._scan_list(job_id)
            if entry is not None or attempt == LIST_JOBS_ATTEMPTS:
                return entry, pages
            time.sleep(LIST_JOBS_RETRY_SECONDS)
        raise AssertionError("unreachable")

    def _scan_list(self, job_id: str) -> tuple[dict[str, Any] | None, int]:
        pages = 0
        token: str | None = None
        while pages < LIST_JOBS_MAX_PAGES:
            kwargs: dict[str, Any] = {
                "status": "Succeeded",
                "platformId": PLATFORM_ID,
                "maxResults": LIST_JOBS_PAGE_SIZE,
            }
            if token:
                kwargs["nextToken"] = token
            reply = self.signer.list_signing_jobs(**kwargs)
            pages += 1
            for entry in reply.get("jobs", []):
                if entry.get("jobId") == job_id:
                    return dict(entry), pages
            token = reply.get("nextToken")
            if not token:
                break
        return None, pages

    # 3. deploy

    def publish_layer(self, signed: SignedPackage) -> str:
        progress(f"layer {self.names.layer} from the signed object")
        return self.world.layer(
            _artifact(signed),
            name=self.names.layer,
            runtimes=(RUNTIME,),
            description=f"{NAME_PREFIX} {self.names.run_id}",
        ).arn

    def create_function(self, signed: SignedPackage, csc_arn: str, layer_arn: str) -> None:
        """From the signed object, under the CSC; the builder retries while the new role
        propagates and waits until the function is Active."""
        progress(f"function {self.names.function} from the signed object, under the CSC")
        self.world.function(
            _artifact(signed),
            csc_arn,
            name=self.names.function,
            layers=[layer_arn],
            handler=HANDLER,
            runtime=RUNTIME,
            description=f"{NAME_PREFIX} {self.names.run_id}",
        )

    def publish_version(self) -> str:
        progress("publishing a version")
        return self.world.publish_version(self.names.function)

    # 4. read back

    def collect(
        self,
        function: SignedPackage,
        layer: SignedPackage,
        profile_version_arn: str,
        layer_arn: str,
        version: str,
        profile_put_again: dict[str, dict[str, Any]],
    ) -> Evidence:
        """The reads the items are judged from."""
        progress("reading back what Lambda recorded")
        latest = self.lambda_.get_function(FunctionName=self.names.function)["Configuration"]
        published = self.lambda_.get_function(FunctionName=self.names.function, Qualifier=version)[
            "Configuration"
        ]
        listing = None
        for page in self.lambda_.get_paginator("list_versions_by_function").paginate(
            FunctionName=self.names.function
        ):
            for entry in page.get("Versions", []):
                if entry.get("Version") == version:
                    listing = dict(entry)
        number = int(layer_arn.rsplit(":", 1)[-1])
        layer_version = self.lambda_.get_layer_version(
            LayerName=self.names.layer, VersionNumber=number
        )
        return Evidence(
            function=function,
            layer=layer,
            profile_version_arn=profile_version_arn,
            layer_version_arn=layer_arn,
            latest_configuration=dict(latest),
            published_configuration=dict(published),
            published_listing=listing,
            layer_version=dict(layer_version),
            profile_put_again=profile_put_again,
        )


def _artifact(signed: SignedPackage) -> SignedArtifact:
    """What the builder deploys: the job and the signed object's version (when S3 gave one)."""
    return SignedArtifact(signed.describe_job, signed.signed_version_id)


def execute(run: Run) -> Evidence:
    """Steps 1-3 of the recipe, in order; creation order is the reverse of cleanup order."""
    run.create_bucket()
    run.create_role()  # early: IAM propagates while the packages are signed
    profile_version_arn = run.create_profile()
    profile_put_again = run.profile_put_again()
    csc_arn = run.create_csc(profile_version_arn)
    function = run.sign("function", function_package(), FUNCTION_PREFIX)
    layer = run.sign("layer", layer_package(), LAYER_PREFIX)
    layer_arn = run.publish_layer(layer)
    run.create_function(function, csc_arn, layer_arn)
    version = run.publish_version()
    return run.collect(function, layer, profile_version_arn, layer_arn, version, profile_put_again)
