"""Collect evidence from AWS. The ONLY module that calls AWS, and only with read calls.

Calls per function (target <= 10): lambda GetFunction, GetFunctionCodeSigningConfig,
ListVersionsByFunction, ListAliases; signer DescribeSigningJob (unless a job file is given);
s3 ListObjectVersions (prefix = signed key) and one GetObject per signed-key version (normally
one), streamed in chunks to hash it. Shared by all functions and fetched once per run: lambda
GetCodeSigningConfig, signer GetSigningProfile, s3 GetBucketVersioning. Layers are judged from
``GetFunction``'s ``Configuration.Layers[].SigningProfileVersionArn``, so no call per layer.

A failed call becomes :class:`Unavailable` evidence (ERROR findings, exit 3); a resource that
does not exist becomes :class:`Missing` (the checks judge it). Failures that would break every
call (no credentials, endpoint unreachable, invalid credentials) raise :class:`CollectionError`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionError,
    NoCredentialsError,
    NoRegionError,
    PartialCredentialsError,
)

from verifier import __version__
from verifier.errors import CollectionError, InputError
from verifier.inputs import parse_signing_job
from verifier.model import (
    AliasEvidence,
    BucketVersioningEvidence,
    Collected,
    CscEvidence,
    FunctionCscEvidence,
    FunctionEvidence,
    LayerEvidence,
    Missing,
    ObjectVersionEvidence,
    ProfileEvidence,
    PublishedEvidence,
    PublishedVersionEvidence,
    SignedObjectEvidence,
    SigningJobEvidence,
    TargetEvidence,
    Unavailable,
    VerificationTarget,
)

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 10
#: Versions of the signed key hashed at most (normally there is exactly one).
MAX_HASHED_VERSIONS = 5
HASH_CHUNK_BYTES = 1024 * 1024

NOT_FOUND_CODES = frozenset(
    {"ResourceNotFoundException", "NoSuchKey", "NoSuchBucket", "NoSuchVersion", "404"}
)
# Errors that mean every call will fail the same way: stop, exit 3.
BAD_CREDENTIAL_CODES = frozenset(
    {
        "UnrecognizedClientException",
        "InvalidClientTokenId",
        "InvalidAccessKeyId",
        "ExpiredToken",
        "ExpiredTokenException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "AuthFailure",
        "InvalidToken",
    }
)

T = TypeVar("T")


def client_config(max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Config:
    """Adaptive retries (backoff plus client-side rate limiting for throttled APIs)."""
    return Config(
        retries={"mode": "adaptive", "max_attempts": max_attempts},
        user_agent_extra=f"signed-lambda-verify/{__version__}",
        connect_timeout=10,
        read_timeout=60,
    )


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


class Collector:
    """Collects evidence for targets through one boto3 session; caches shared resources."""

    def __init__(
        self,
        session: boto3.Session,
        *,
        region: str,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        job_files: Mapping[str, SigningJobEvidence] | None = None,
        progress: Callable[[str], None] = lambda message: None,
    ) -> None:
        config = client_config(max_attempts)
        try:
            self.lambda_ = session.client("lambda", region_name=region, config=config)
            self.signer = session.client("signer", region_name=region, config=config)
            self.s3 = session.client("s3", region_name=region, config=config)
        except NoRegionError:
            raise InputError("no region: set AWS_REGION or pass --region") from None
        self.job_files = dict(job_files or {})
        self.progress = progress
        self._profiles: dict[str, Collected[ProfileEvidence]] = {}
        self._cscs: dict[str, Collected[CscEvidence]] = {}
        self._versioning: dict[str, Collected[BucketVersioningEvidence]] = {}

    @property
    def clients(self) -> tuple[Any, ...]:
        return (self.lambda_, self.signer, self.s3)

    # -- one call, with its failure modes sorted -----------------------------------------

    def _call(
        self, operation: str, what: str, identifier: str, fetch: Callable[[], T]
    ) -> T | Missing | Unavailable:
        try:
            return fetch()
        except (NoCredentialsError, PartialCredentialsError) as error:
            raise CollectionError(
                f"no AWS credentials ({error})",
                "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile",
            ) from None
        except ConnectionError as error:
            # EndpointConnectionError, ConnectTimeoutError, ... after retries.
            raise CollectionError(
                f"cannot reach AWS ({error})",
                "check the network, AWS_ENDPOINT_URL and the region",
            ) from None
        except ClientError as error:
            code = _error_code(error)
            message = error.response.get("Error", {}).get("Message", "")
            if code in BAD_CREDENTIAL_CODES:
                raise CollectionError(
                    f"AWS rejected the credentials on {operation}: {code}: {message}",
                    "refresh or fix the credentials",
                ) from None
            status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode")
            if code in NOT_FOUND_CODES or (status == 404 and operation == "GetObject"):
                return Missing(what=what, identifier=identifier)
            log.warning("%s %s failed: %s: %s", operation, identifier, code, message)
            return Unavailable(operation=operation, reason=f"{code}: {message}", error_code=code)
        except BotoCoreError as error:
            log.warning("%s %s failed: %s", operation, identifier, error)
            return Unavailable(operation=operation, reason=str(error))
        except InputError as error:  # a response that does not parse
            return Unavailable(operation=operation, reason=f"unexpected response: {error.what}")
        except (KeyError, TypeError) as error:  # a response without a field the model requires
            return Unavailable(operation=operation, reason=f"unexpected response: {error!r}")

    # -- shared resources, fetched once ----------------------------------------------------

    def _once(
        self,
        cache: dict[str, Collected[T]],
        operation: str,
        what: str,
        identifier: str,
        fetch: Callable[[], T],
    ) -> Collected[T]:
        """Shared by every function in a run: fetched on first use only."""
        if identifier not in cache:
            cache[identifier] = self._call(operation, what, identifier, fetch)
        return cache[identifier]

    def profile(self, name: str) -> Collected[ProfileEvidence]:
        return self._once(
            self._profiles,
            "GetSigningProfile",
            "signing profile",
            name,
            lambda: _profile(self.signer.get_signing_profile(profileName=name)),
        )

    def csc(self, arn: str) -> Collected[CscEvidence]:
        return self._once(
            self._cscs,
            "GetCodeSigningConfig",
            "code signing config",
            arn,
            lambda: _csc(self.lambda_.get_code_signing_config(CodeSigningConfigArn=arn)),
        )

    def bucket_versioning(self, bucket: str) -> Collected[BucketVersioningEvidence]:
        return self._once(
            self._versioning,
            "GetBucketVersioning",
            "bucket",
            bucket,
            lambda: BucketVersioningEvidence(
                bucket=bucket, status=self.s3.get_bucket_versioning(Bucket=bucket).get("Status")
            ),
        )

    # -- per function ----------------------------------------------------------------------

    def signing_job(self, job_id: str) -> Collected[SigningJobEvidence]:
        if job_id in self.job_files:
            return self.job_files[job_id]
        return self._call(
            "DescribeSigningJob",
            "signing job",
            job_id,
            lambda: parse_signing_job(
                self.signer.describe_signing_job(jobId=job_id), "DescribeSigningJob response"
            ),
        )

    def function(self, name: str) -> Collected[FunctionEvidence]:
        return self._call(
            "GetFunction",
            "function",
            name,
            lambda: _function(self.lambda_.get_function(FunctionName=name)["Configuration"]),
        )

    def function_csc(self, name: str) -> Collected[FunctionCscEvidence]:
        def fetch() -> FunctionCscEvidence:
            response = self.lambda_.get_function_code_signing_config(FunctionName=name)
            return FunctionCscEvidence(csc_arn=response.get("CodeSigningConfigArn") or None)

        return self._call("GetFunctionCodeSigningConfig", "function", name, fetch)

    def published(self, name: str) -> Collected[PublishedEvidence]:
        def fetch() -> PublishedEvidence:
            versions = [
                _published_version(item)
                for page in self.lambda_.get_paginator("list_versions_by_function").paginate(
                    FunctionName=name
                )
                for item in page.get("Versions", [])
                if item.get("Version") != "$LATEST"
            ]
            aliases = [
                _alias(item)
                for page in self.lambda_.get_paginator("list_aliases").paginate(FunctionName=name)
                for item in page.get("Aliases", [])
            ]
            return PublishedEvidence(versions=tuple(versions), aliases=tuple(aliases))

        return self._call("ListVersionsByFunction/ListAliases", "function", name, fetch)

    def signed_object(self, bucket: str, key: str) -> Collected[SignedObjectEvidence]:
        def fetch() -> SignedObjectEvidence | Missing:
            versions = _object_versions(
                page
                for page in self.s3.get_paginator("list_object_versions").paginate(
                    Bucket=bucket, Prefix=key
                )
            )
            exact = tuple(v for v in versions if v[0] == key)
            history = tuple(v[1] for v in exact)
            if not history:
                return Missing(what="signed object", identifier=f"s3://{bucket}/{key}")
            written = [v.version_id for v in history if not v.is_delete_marker]
            # The oldest version is the one Signer wrote (the key is the job's own): hash it
            # first, then the newest ones, up to the cap.
            hashable = written[-1:] + written[:-1]
            hashed = {
                version_id: self._hash_object(bucket, key, version_id)
                for version_id in hashable[:MAX_HASHED_VERSIONS]
            }
            return SignedObjectEvidence(
                bucket=bucket,
                key=key,
                versions=history,
                sha256_by_version=hashed,
                unhashed_versions=tuple(hashable[MAX_HASHED_VERSIONS:]),
            )

        result = self._call("ListObjectVersions/GetObject", "signed object", key, fetch)
        return result

    def _hash_object(self, bucket: str, key: str, version_id: str) -> str:
        """base64(SHA-256) of one object version, streamed: never the whole package in memory."""
        kwargs: dict[str, str] = {"Bucket": bucket, "Key": key}
        if version_id != "null":
            kwargs["VersionId"] = version_id
        body = self.s3.get_object(**kwargs)["Body"]
        digest = hashlib.sha256()
        try:
            for chunk in body.iter_chunks(HASH_CHUNK_BYTES):
                digest.update(chunk)
        finally:
            body.close()
        return base64.b64encode(digest.digest()).decode("ascii")

    # -- everything for one target ---------------------------------------------------------

    def collect(self, target: VerificationTarget) -> TargetEvidence:
        self.progress(f"collecting {target.key} ({target.function_name})")
        # 1. The signing job: what was signed, by which profile, and where the output went.
        job = self.signing_job(target.job_id)
        # 2. The profile that signed it (expected by name, else the job's).
        profile_name = target.profile_name or (
            job.profile_name if isinstance(job, SigningJobEvidence) else None
        )
        profile = self.profile(profile_name) if profile_name else None
        # 3. The deployed function, the CSC attached to it, and the expected CSC.
        function = self.function(target.function_name)
        function_exists = isinstance(function, FunctionEvidence)
        function_csc = self.function_csc(target.function_name) if function_exists else None
        csc = self.csc(target.csc_arn)
        published = self.published(target.function_name) if function_exists else None
        # 4. The signed object: where the job says it wrote it, else where the manifest says.
        signed_bucket, signed_key = target.signed_bucket, target.signed_key
        if isinstance(job, SigningJobEvidence) and job.signed_bucket and job.signed_key:
            signed_bucket, signed_key = job.signed_bucket, job.signed_key
        versioning = self.bucket_versioning(signed_bucket) if signed_bucket else None
        signed_object = (
            self.signed_object(signed_bucket, signed_key) if signed_bucket and signed_key else None
        )
        return TargetEvidence(
            target=target,
            function=function,
            function_csc=function_csc,
            csc=csc,
            job=job,
            profile=profile,
            bucket_versioning=versioning,
            signed_object=signed_object,
            published=published,
        )

    def collect_all(self, targets: Iterable[VerificationTarget]) -> tuple[TargetEvidence, ...]:
        return tuple(self.collect(target) for target in targets)


# --- response -> evidence ---------------------------------------------------------------


def _profile(response: Mapping[str, Any]) -> ProfileEvidence:
    record = response.get("revocationRecord") or {}
    return ProfileEvidence(
        name=response["profileName"],
        status=response.get("status", "Unknown"),
        profile_version=response.get("profileVersion"),
        profile_version_arn=response.get("profileVersionArn"),
        revocation_effective_from=record.get("revocationEffectiveFrom"),
        revoked_at=record.get("revokedAt"),
    )


def _csc(response: Mapping[str, Any]) -> CscEvidence:
    config = response["CodeSigningConfig"]
    return CscEvidence(
        arn=config["CodeSigningConfigArn"],
        policy=config.get("CodeSigningPolicies", {}).get("UntrustedArtifactOnDeployment", "Warn"),
        allowed_publishers=tuple(
            config.get("AllowedPublishers", {}).get("SigningProfileVersionArns", [])
        ),
    )


def _function(configuration: Mapping[str, Any]) -> FunctionEvidence:
    return FunctionEvidence(
        name=configuration["FunctionName"],
        arn=configuration["FunctionArn"],
        code_sha256=configuration.get("CodeSha256", ""),
        signing_job_arn=configuration.get("SigningJobArn"),
        signing_profile_version_arn=configuration.get("SigningProfileVersionArn"),
        state=configuration.get("State"),
        state_reason=configuration.get("StateReason"),
        package_type=configuration.get("PackageType"),
        layers=tuple(
            LayerEvidence(
                arn=layer["Arn"],
                signing_profile_version_arn=layer.get("SigningProfileVersionArn"),
                signing_job_arn=layer.get("SigningJobArn"),
            )
            for layer in configuration.get("Layers", [])
        ),
    )


def _published_version(item: Mapping[str, Any]) -> PublishedVersionEvidence:
    return PublishedVersionEvidence(
        version=item["Version"],
        code_sha256=item.get("CodeSha256"),
        signing_profile_version_arn=item.get("SigningProfileVersionArn"),
        signing_job_arn=item.get("SigningJobArn"),
    )


def _alias(item: Mapping[str, Any]) -> AliasEvidence:
    weights = (item.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return AliasEvidence(
        name=item["Name"],
        function_version=item["FunctionVersion"],
        additional_versions=tuple(sorted(weights)),
    )


def _object_versions(
    pages: Iterable[Mapping[str, Any]],
) -> list[tuple[str, ObjectVersionEvidence]]:
    found: list[tuple[str, ObjectVersionEvidence]] = []
    for page in pages:
        for item in page.get("Versions", []):
            found.append(
                (
                    item["Key"],
                    ObjectVersionEvidence(
                        version_id=item.get("VersionId") or "null",
                        last_modified=item.get("LastModified"),
                        is_latest=bool(item.get("IsLatest")),
                        size=item.get("Size"),
                    ),
                )
            )
        for item in page.get("DeleteMarkers", []):
            found.append(
                (
                    item["Key"],
                    ObjectVersionEvidence(
                        version_id=item.get("VersionId") or "null",
                        last_modified=item.get("LastModified"),
                        is_latest=bool(item.get("IsLatest")),
                        is_delete_marker=True,
                    ),
                )
            )
    # Newest first; S3 already orders versions of a key that way, delete markers interleave.
    found.sort(
        key=lambda pair: (
            pair[1].is_latest,
            pair[1].last_modified is not None,
            pair[1].last_modified or datetime.min.replace(tzinfo=UTC),
        ),
        reverse=True,
    )
    return found
