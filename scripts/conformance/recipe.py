"""The signing recipe against one account and region: the only module that calls AWS."""

from __future__ import annotations

import base64
import hashlib
import json
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import AwsRunError, one_line
from .evidence import MAX_INSPECTED_OBJECT, Evidence, SignedPackage
from .packages import function_package, layer_package

PLATFORM_ID = "AWSLambda-SHA384-ECDSA"
RUNTIME = "python3.12"
HANDLER = "index.handler"
FUNCTION_PREFIX = "signed/function/"
LAYER_PREFIX = "signed/layer/"
NAME_PREFIX = "signed-lambda-conformance"

# Bounded waits. Real AWS: a job takes seconds, a new role takes up to ~10 s to be assumable.
JOB_TIMEOUT_SECONDS = 300.0
JOB_POLL_SECONDS = 2.0
ROLE_PROPAGATION_ATTEMPTS = 12
ROLE_PROPAGATION_DELAY_SECONDS = 5.0
FUNCTION_STATE_DELAY_SECONDS = 2
FUNCTION_STATE_ATTEMPTS = 90
LIST_JOBS_MAX_PAGES = 20
LIST_JOBS_PAGE_SIZE = 25  # the service model's maximum
LIST_JOBS_ATTEMPTS = 3  # a listing may lag DescribeSigningJob
LIST_JOBS_RETRY_SECONDS = 3.0
CSC_DELETE_ATTEMPTS = 10  # a CSC can stay "in use" briefly after DeleteFunction
CSC_DELETE_RETRY_SECONDS = 3.0
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


@dataclass
class Cleanup:
    """Undo steps, run newest first; a failed step is reported and the rest still run."""

    steps: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def push(self, description: str, undo: Callable[[], None]) -> None:
        self.steps.append((description, undo))

    def describe(self) -> list[str]:
        return [description for description, _ in reversed(self.steps)]

    def run(self) -> list[str]:
        failures = []
        while self.steps:
            description, undo = self.steps.pop()
            try:
                undo()
            except Exception as error:  # reported, never hides the results
                failures.append(f"cleanup: {description} failed: {one_line(error)}")
        return failures


class Run:
    """The recipe against one account and region. Every create registers its undo first."""

    def __init__(self, session: Any, names: Names, cleanup: Cleanup, account_id: str) -> None:
        from botocore.config import Config

        config = Config(
            retries={"max_attempts": 8, "mode": "standard"}, connect_timeout=10, read_timeout=60
        )
        self.s3 = session.client("s3", config=config)
        self.iam = session.client("iam", config=config)
        self.signer = session.client("signer", config=config)
        self.lambda_ = session.client("lambda", config=config)
        self.region = session.region_name
        self.names = names
        self.cleanup = cleanup
        self.account_id = account_id

    # 1. the resources

    def create_bucket(self) -> None:
        progress(f"bucket {self.names.bucket}")
        kwargs: dict[str, Any] = {"Bucket": self.names.bucket}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        self.s3.create_bucket(**kwargs)
        self.cleanup.push(f"delete bucket {self.names.bucket}", self._delete_bucket)
        self.s3.put_public_access_block(
            Bucket=self.names.bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        self.s3.put_bucket_versioning(
            Bucket=self.names.bucket, VersioningConfiguration={"Status": "Enabled"}
        )

    def _delete_bucket(self) -> None:
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.names.bucket):
            doomed = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            if doomed:
                reply = self.s3.delete_objects(
                    Bucket=self.names.bucket, Delete={"Objects": doomed, "Quiet": True}
                )
                if reply.get("Errors"):
                    first = reply["Errors"][0]
                    raise RuntimeError(
                        f"{len(reply['Errors'])} object version(s) not deleted, e.g. "
                        f"{first.get('Key')} {first.get('VersionId')}: {first.get('Code')}"
                    )
        self.s3.delete_bucket(Bucket=self.names.bucket)

    def create_role(self) -> str:
        progress(f"role {self.names.role}")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        role_arn = str(
            self.iam.create_role(
                RoleName=self.names.role,
                AssumeRolePolicyDocument=json.dumps(trust),
                Description="signed-lambda conformance run (deleted by the run)",
            )["Role"]["Arn"]
        )
        self.cleanup.push(f"delete role {self.names.role}", self._delete_role)
        partition = role_arn.split(":")[1]
        log_group = (
            f"arn:{partition}:logs:{self.region}:{self.account_id}:"
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
        self.iam.put_role_policy(
            RoleName=self.names.role, PolicyName="logs", PolicyDocument=json.dumps(logs_only)
        )
        return role_arn

    def _delete_role(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self.iam.delete_role_policy(RoleName=self.names.role, PolicyName="logs")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchEntity":
                raise
        self.iam.delete_role(RoleName=self.names.role)

    def create_profile(self) -> str:
        progress(f"signing profile {self.names.profile}")
        reply = self.signer.put_signing_profile(
            profileName=self.names.profile,
            platformId=PLATFORM_ID,
            signatureValidityPeriod={"value": 7, "type": "DAYS"},
        )
        self.cleanup.push(
            f"cancel signing profile {self.names.profile}",
            lambda: self.signer.cancel_signing_profile(profileName=self.names.profile),
        )
        return str(reply["profileVersionArn"])

    def _put_profile(self, name: str) -> dict[str, Any]:
        return dict(
            self.signer.put_signing_profile(
                profileName=name,
                platformId=PLATFORM_ID,
                signatureValidityPeriod={"value": 7, "type": "DAYS"},
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
        first = str(self._put_profile(name)["profileVersionArn"])
        # Canceled at most once: a re-put that AWS accepted may have made it Active again.
        self.cleanup.push(
            f"cancel signing profile {name}", lambda: self._cancel_unless_canceled(name)
        )
        active = self.put_again(name, first)
        self._cancel_unless_canceled(name)
        canceled = self.put_again(name, first)
        return {"active": active, "canceled": canceled}

    def create_csc(self, profile_version_arn: str) -> str:
        progress("code signing config (Enforce)")
        arn = str(
            self.lambda_.create_code_signing_config(
                Description=f"{NAME_PREFIX} {self.names.run_id}",
                AllowedPublishers={"SigningProfileVersionArns": [profile_version_arn]},
                CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"},
            )["CodeSigningConfig"]["CodeSigningConfigArn"]
        )
        self.cleanup.push(
            f"delete code signing config {arn}",
            lambda: self._delete_csc(arn),
        )
        return arn

    def _delete_csc(self, arn: str) -> None:
        from botocore.exceptions import ClientError

        for attempt in range(1, CSC_DELETE_ATTEMPTS + 1):
            try:
                self.lambda_.delete_code_signing_config(CodeSigningConfigArn=arn)
                return
            except ClientError as error:
                in_use = error.response.get("Error", {}).get("Code") == "ResourceConflictException"
                if not in_use or attempt == CSC_DELETE_ATTEMPTS:
                    raise
                time.sleep(CSC_DELETE_RETRY_SECONDS)

    # 2. sign

    def sign(self, role: str, package: bytes, prefix: str) -> SignedPackage:
        key = f"unsigned/{role}/package.zip"
        version = str(
            self.s3.put_object(Bucket=self.names.bucket, Key=key, Body=package)["VersionId"]
        )
        progress(f"signing the {role} package (s3://{self.names.bucket}/{key} {version})")
        job_id = str(
            self.signer.start_signing_job(
                source={"s3": {"bucketName": self.names.bucket, "key": key, "version": version}},
                destination={"s3": {"bucketName": self.names.bucket, "prefix": prefix}},
                profileName=self.names.profile,
                clientRequestToken=str(uuid.uuid4()),
            )["jobId"]
        )
        job = self._wait_for_job(job_id)
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

    def _wait_for_job(self, job_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
        while True:
            job = dict(self.signer.describe_signing_job(jobId=job_id))
            status = job.get("status")
            if status == "Succeeded":
                return job
            if status == "Failed":
                raise AwsRunError(
                    f"signing job {job_id} failed: {job.get('statusReason') or 'no reason'}"
                )
            if time.monotonic() >= deadline:
                raise AwsRunError(
                    f"signing job {job_id} still {status} after {JOB_TIMEOUT_SECONDS:g} s"
                )
            time.sleep(JOB_POLL_SECONDS)

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
        reply = self.lambda_.publish_layer_version(
            LayerName=self.names.layer,
            Description=f"{NAME_PREFIX} {self.names.run_id}",
            Content=self._code_location(signed),
            CompatibleRuntimes=[RUNTIME],
        )
        number = int(reply["Version"])
        self.cleanup.push(
            f"delete layer version {self.names.layer}:{number}",
            lambda: self.lambda_.delete_layer_version(
                LayerName=self.names.layer, VersionNumber=number
            ),
        )
        return str(reply["LayerVersionArn"])

    @staticmethod
    def _code_location(signed: SignedPackage) -> dict[str, str]:
        location = {"S3Bucket": signed.signed_bucket, "S3Key": signed.signed_key}
        if signed.signed_version_id:
            location["S3ObjectVersion"] = signed.signed_version_id
        return location

    def create_function(
        self, signed: SignedPackage, role_arn: str, csc_arn: str, layer_arn: str
    ) -> None:
        from botocore.exceptions import ClientError

        progress(f"function {self.names.function} from the signed object, under the CSC")
        for attempt in range(1, ROLE_PROPAGATION_ATTEMPTS + 1):
            try:
                self.lambda_.create_function(
                    FunctionName=self.names.function,
                    Runtime=RUNTIME,
                    Role=role_arn,
                    Handler=HANDLER,
                    Code=self._code_location(signed),
                    CodeSigningConfigArn=csc_arn,
                    Layers=[layer_arn],
                    Description=f"{NAME_PREFIX} {self.names.run_id}",
                    Publish=False,
                )
                break
            except ClientError as error:
                # A new role is not assumable by Lambda for a few seconds (IAM propagation).
                details = error.response.get("Error", {})
                propagating = details.get("Code") == "InvalidParameterValueException" and (
                    "cannot be assumed" in details.get("Message", "")
                )
                if not propagating or attempt == ROLE_PROPAGATION_ATTEMPTS:
                    raise
                progress(f"waiting for the role to propagate (attempt {attempt})")
                time.sleep(ROLE_PROPAGATION_DELAY_SECONDS)
        self.cleanup.push(
            f"delete function {self.names.function}",
            lambda: self.lambda_.delete_function(FunctionName=self.names.function),
        )
        self.lambda_.get_waiter("function_active_v2").wait(
            FunctionName=self.names.function,
            WaiterConfig={
                "Delay": FUNCTION_STATE_DELAY_SECONDS,
                "MaxAttempts": FUNCTION_STATE_ATTEMPTS,
            },
        )

    def publish_version(self) -> str:
        progress("publishing a version")
        version = str(self.lambda_.publish_version(FunctionName=self.names.function)["Version"])
        self.lambda_.get_waiter("published_version_active").wait(
            FunctionName=self.names.function,
            Qualifier=version,
            WaiterConfig={
                "Delay": FUNCTION_STATE_DELAY_SECONDS,
                "MaxAttempts": FUNCTION_STATE_ATTEMPTS,
            },
        )
        return version

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


def execute(run: Run) -> Evidence:
    """Steps 1-3 of the recipe, in order; creation order is the reverse of cleanup order."""
    run.create_bucket()
    role_arn = run.create_role()  # early: IAM propagates while the packages are signed
    profile_version_arn = run.create_profile()
    profile_put_again = run.profile_put_again()
    csc_arn = run.create_csc(profile_version_arn)
    function = run.sign("function", function_package(), FUNCTION_PREFIX)
    layer = run.sign("layer", layer_package(), LAYER_PREFIX)
    layer_arn = run.publish_layer(layer)
    run.create_function(function, role_arn, csc_arn, layer_arn)
    version = run.publish_version()
    return run.collect(function, layer, profile_version_arn, layer_arn, version, profile_put_again)
