"""Collect evidence from AWS. The ONLY module that calls AWS, and only with read calls.

Calls per function: lambda GetFunction, GetFunctionCodeSigningConfig, ListVersionsByFunction,
ListAliases; signer DescribeSigningJob; s3 ListObjectVersions (prefix = signed key) and one
GetObject per signed-key version (normally one), streamed in chunks to hash it; with
``--source`` one more GetObject, of the unsigned object version the job read. Fetched once per
run however many functions share them: lambda GetCodeSigningConfig, signer GetSigningProfile,
s3 GetBucketVersioning, and per layer version GetLayerVersion plus its job's
DescribeSigningJob and signed object. A published version built by another job adds that job
and its signed object (each once).

Calls that do not depend on each other run concurrently (``workers`` threads; boto3 clients are
thread-safe): the function's reads, its job, profile, bucket and signed object first, then its
layers, the other jobs and their signed objects. ``workers=1`` keeps the order fixed (botocore's
Stubber answers in queue order).

A failed call becomes :class:`Unavailable` evidence (ERROR findings, exit 3); a resource that
does not exist becomes :class:`Missing` (the checks judge it). Failures that would break every
call (no credentials, endpoint unreachable, invalid credentials) raise :class:`CollectionError`.
"""

from __future__ import annotations

import base64
import hashlib
import logging
import re
from collections.abc import Callable, Hashable, Iterable, Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import botocore.exceptions
import botocore.parsers
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
from verifier.contract.arns import job_id_of
from verifier.contract.manifest import SignedArtifact
from verifier.errors import CollectionError, InputError
from verifier.inputs import parse_signing_job
from verifier.model import (
    AliasEvidence,
    BucketVersioningEvidence,
    CodePath,
    Collected,
    CscEvidence,
    FunctionCscEvidence,
    FunctionEvidence,
    LayerRef,
    LayerVersionEvidence,
    Missing,
    ObjectVersionEvidence,
    ProfileEvidence,
    ProvenanceEvidence,
    PublishedEvidence,
    SignedObjectEvidence,
    SigningJobEvidence,
    TargetEvidence,
    Unavailable,
    VerificationTarget,
)
from verifier.package import BuildUnavailable, PackageError
from verifier.package.archive import ZipDifference
from verifier.package.provenance import Rebuilder, Rebuilt, compare_signed
from verifier.session import AwsSession

log = logging.getLogger(__name__)

DEFAULT_MAX_ATTEMPTS = 10
#: Concurrent AWS reads per run (below botocore's 10 pooled connections per client).
DEFAULT_WORKERS = 8
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
K = TypeVar("K", bound=Hashable)


def client_config(max_attempts: int = DEFAULT_MAX_ATTEMPTS) -> Config:
    """Adaptive retries (backoff plus client-side rate limiting for throttled APIs)."""
    return Config(
        retries={"mode": "adaptive", "max_attempts": max_attempts},
        user_agent_extra=f"signed-lambda-verify/{__version__}",
        connect_timeout=10,
        read_timeout=60,
    )


def _brief(error: Exception) -> str:
    """botocore's message without the request URL it repeats (the endpoint is named already)."""
    text = re.sub(r'\s*(?:from )?(?:the )?endpoint URL: "[^"]*"', "", str(error))
    text = text.replace("Could not connect to", "connection refused or unreachable")
    text = re.sub(r"\s*for https?://\S+", "", text)
    return text.rstrip(". ")


def _https_hint(endpoint: str) -> str | None:
    if endpoint.startswith("http://"):
        return f"if the endpoint serves HTTPS, use {endpoint.replace('http://', 'https://', 1)}"
    return None


def sha256_of(body: Any) -> Any:
    """SHA-256 of a GetObject body, read in chunks (never the whole package in memory)."""
    digest = hashlib.sha256()
    try:
        for chunk in body.iter_chunks(HASH_CHUNK_BYTES):
            digest.update(chunk)
    finally:
        body.close()
    return digest


def _error_code(error: ClientError) -> str:
    return str(error.response.get("Error", {}).get("Code", "Unknown"))


def probe_client(session: AwsSession, client: Any) -> Any:
    """A client like ``client`` but without retries and with short timeouts: for the first
    call of a run, which must fail at once when the endpoint cannot answer."""
    return session.client(
        client.meta.service_model.service_name,
        region_name=client.meta.region_name,
        config=client_config(1).merge(Config(connect_timeout=5, read_timeout=20)),
    )


@contextmanager
def reaching(endpoint: str) -> Iterator[None]:
    """What breaks every call (endpoint, TLS, protocol, credentials) as one CollectionError;
    any other AWS error answer passes through as ClientError (the endpoint works)."""
    try:
        yield
    except botocore.exceptions.SSLError as error:
        raise CollectionError(
            f"cannot reach {endpoint}: TLS verification failed ({_brief(error)})",
            "if the endpoint uses a private CA (the local AWS does), set AWS_CA_BUNDLE to "
            "its certificate",
        ) from None
    except (ConnectionError, botocore.exceptions.HTTPClientError) as error:
        hint = _https_hint(endpoint) or "check the network, AWS_ENDPOINT_URL and the region"
        raise CollectionError(f"cannot reach {endpoint} ({_brief(error)})", hint) from None
    except botocore.parsers.ResponseParserError:
        raise CollectionError(
            f"cannot reach {endpoint}: the response is not an AWS API response",
            _https_hint(endpoint) or "check AWS_ENDPOINT_URL",
        ) from None
    except (NoCredentialsError, PartialCredentialsError) as error:
        raise CollectionError(
            f"no AWS credentials ({error})",
            "set AWS_PROFILE or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, or pass --profile",
        ) from None
    except ClientError as error:
        code = _error_code(error)
        if code in BAD_CREDENTIAL_CODES:
            message = error.response.get("Error", {}).get("Message", "")
            raise CollectionError(
                f"AWS rejected the credentials: {code}: {message}",
                "refresh or fix the credentials",
            ) from None
        raise


class Collector:
    """Collects evidence for targets through one session; caches shared resources."""

    def __init__(
        self,
        session: AwsSession,
        *,
        region: str,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        workers: int = DEFAULT_WORKERS,
        progress: Callable[[str], None] = lambda message: None,
        max_connections: int | None = None,
    ) -> None:
        """``max_connections``: each client's HTTP connection pool (botocore's default 10)."""
        config = client_config(max_attempts)
        if max_connections is not None:
            config = config.merge(Config(max_pool_connections=max_connections))
        self._session = session
        self._workers = max(1, workers)
        try:
            self.lambda_ = session.client("lambda", region_name=region, config=config)
            self.signer = session.client("signer", region_name=region, config=config)
            self.s3 = session.client("s3", region_name=region, config=config)
        except NoRegionError:
            raise InputError("no region: set AWS_REGION or pass --region") from None
        self.progress = progress
        self._jobs: dict[str, Collected[SigningJobEvidence]] = {}
        self._objects: dict[str, Collected[SignedObjectEvidence]] = {}
        self._layers: dict[str, Collected[LayerVersionEvidence]] = {}
        self._source_hashes: dict[str, Collected[str]] = {}
        self._rebuilders: dict[Path, Rebuilder] = {}
        self._profiles: dict[str, Collected[ProfileEvidence]] = {}
        self._cscs: dict[str, Collected[CscEvidence]] = {}
        self._versioning: dict[str, Collected[BucketVersioningEvidence]] = {}
        self._functions: dict[str, Collected[FunctionEvidence]] = {}
        self._function_cscs: dict[str, Collected[FunctionCscEvidence]] = {}
        self._published: dict[str, Collected[PublishedEvidence]] = {}

    @property
    def clients(self) -> tuple[Any, ...]:
        return (self.lambda_, self.signer, self.s3)

    def preflight(self, csc_arn: str) -> None:
        """The first call (the expected CSC), without retries, so an unreachable endpoint, a
        TLS or protocol mismatch, or missing credentials fail the run at once with one line,
        instead of every later call retrying its way to an ERROR finding."""
        endpoint = self.lambda_.meta.endpoint_url
        probe = probe_client(self._session, self.lambda_)
        try:
            with reaching(endpoint):
                response = probe.get_code_signing_config(CodeSigningConfigArn=csc_arn)
        except ClientError:
            # Any other answer (not found, access denied, throttled) proves the endpoint works;
            # the real calls judge it.
            return
        finally:
            probe.close()
        if "CodeSigningConfig" not in response:
            # botocore reads any non-JSON 200 (a proxy's or router's page) as {"message": ...}
            raise CollectionError(
                f"cannot reach {endpoint}: the response is not an AWS API response",
                _https_hint(endpoint) or "check AWS_ENDPOINT_URL",
            )
        # The answer is evidence the run needs anyway: it costs no extra request.
        self._cscs[csc_arn] = self._call(
            "GetCodeSigningConfig", "code signing config", csc_arn, lambda: _csc(response)
        )

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
        return self._once(
            self._jobs,
            "DescribeSigningJob",
            "signing job",
            job_id,
            lambda: parse_signing_job(
                self.signer.describe_signing_job(jobId=job_id), "DescribeSigningJob response"
            ),
        )

    def layer_version(self, arn: str) -> Collected[LayerVersionEvidence]:
        return self._once(
            self._layers,
            "GetLayerVersion",
            "layer version",
            arn,
            lambda: _layer_version(self._get_layer_version(arn)),
        )

    def _get_layer_version(self, arn: str) -> Mapping[str, Any]:
        # arn:aws:lambda:{region}:{account}:layer:{name}:{version}; LayerName takes the layer ARN.
        layer_arn, _, number = arn.rpartition(":")
        if not number.isdigit():
            raise InputError(f"{arn}: not a layer version ARN")
        response: Mapping[str, Any] = self.lambda_.get_layer_version(
            LayerName=layer_arn, VersionNumber=int(number)
        )
        return response

    def function(self, name: str) -> Collected[FunctionEvidence]:
        return self._once(
            self._functions,
            "GetFunction",
            "function",
            name,
            lambda: _function(self.lambda_.get_function(FunctionName=name)["Configuration"]),
        )

    def function_csc(self, name: str) -> Collected[FunctionCscEvidence]:
        def fetch() -> FunctionCscEvidence:
            response = self.lambda_.get_function_code_signing_config(FunctionName=name)
            return FunctionCscEvidence(csc_arn=response.get("CodeSigningConfigArn") or None)

        return self._once(
            self._function_cscs, "GetFunctionCodeSigningConfig", "function", name, fetch
        )

    def published(self, name: str) -> Collected[PublishedEvidence]:
        def fetch() -> PublishedEvidence:
            versions = [
                _code_path(item)
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

        return self._once(
            self._published, "ListVersionsByFunction/ListAliases", "function", name, fetch
        )

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

        return self._once(
            self._objects, "ListObjectVersions/GetObject", "signed object", f"{bucket}/{key}", fetch
        )

    def source_sha256(self, bucket: str, key: str, version: str) -> Collected[str]:
        """SHA-256 (hex) of the unsigned object version a signing job read."""
        return self._once(
            self._source_hashes,
            "GetObject",
            "unsigned object version",
            f"s3://{bucket}/{key}?versionId={version}",
            lambda: self._hash_object(bucket, key, version, encode=False),
        )

    def _hash_object(self, bucket: str, key: str, version_id: str, *, encode: bool = True) -> str:
        """base64(SHA-256) of one object version (hex with ``encode=False``), streamed: never
        the whole package in memory."""
        kwargs: dict[str, str] = {"Bucket": bucket, "Key": key}
        if version_id != "null":
            kwargs["VersionId"] = version_id
        digest = sha256_of(self.s3.get_object(**kwargs)["Body"])
        if not encode:
            return digest.hexdigest()
        return base64.b64encode(digest.digest()).decode("ascii")

    # -- everything for one target ---------------------------------------------------------

    def _map(self, fetch: Callable[[K], T], keys: Iterable[K]) -> dict[K, T]:
        """``{key: fetch(key)}``, the fetches concurrent (in key order with one worker)."""
        unique = list(dict.fromkeys(keys))
        if self._workers == 1 or len(unique) < 2:
            return {key: fetch(key) for key in unique}
        with ThreadPoolExecutor(max_workers=min(self._workers, len(unique))) as pool:
            futures = {key: pool.submit(fetch, key) for key in unique}
            return {key: future.result() for key, future in futures.items()}

    def _prefetch(self, target: VerificationTarget) -> None:
        """Warm the caches with every read the target needs that depends on nothing else: one
        round of concurrent calls instead of a queue. (Reads the function may not need, if it
        turns out missing, cost a not-found answer each.)"""
        reads: list[Callable[[], object]] = [
            lambda: self.signing_job(target.job_id),
            lambda: self.function(target.function_name),
            lambda: self.function_csc(target.function_name),
            lambda: self.published(target.function_name),
            lambda: self.csc(target.csc_arn),
        ]
        profile, bucket, key = target.profile_name, target.signed_bucket, target.signed_key
        if profile:
            reads.append(lambda: self.profile(profile))
        if bucket:
            reads.append(lambda: self.bucket_versioning(bucket))
            if key:
                reads.append(lambda: self.signed_object(bucket, key))
        self._map(lambda read: read(), reads)

    def collect(self, target: VerificationTarget) -> TargetEvidence:
        self.progress(f"collecting {target.key} ({target.function_name})")
        if self._workers > 1:
            self._prefetch(target)
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
        # 5. Every other code path: the layers and published versions, each with its own job,
        #    profile and signed object (shared ones are fetched once per run).
        paths: list[CodePath] = []
        if isinstance(function, FunctionEvidence):
            paths.append(function)
        if isinstance(published, PublishedEvidence):
            paths.extend(published.versions)
        layer_arns = dict.fromkeys(layer.arn for path in paths for layer in path.layers)
        layer_versions = self._map(self.layer_version, layer_arns)
        job_ids = dict.fromkeys(
            [target.job_id]
            + [job_id_of(p.signing_job_arn) for p in paths if p.signing_job_arn]
            + [
                job_id_of(layer.signing_job_arn)
                for layer in layer_versions.values()
                if isinstance(layer, LayerVersionEvidence) and layer.signing_job_arn
            ]
        )
        jobs = self._map(self.signing_job, job_ids)
        found_jobs = [j for j in jobs.values() if isinstance(j, SigningJobEvidence)]
        profiles = {j.profile_name: self.profile(j.profile_name) for j in found_jobs}
        locations: list[tuple[str, str]] = [
            (j.signed_bucket, j.signed_key) for j in found_jobs if j.signed_bucket and j.signed_key
        ]
        signed_objects = self._map(lambda location: self.signed_object(*location), locations)
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
            jobs=jobs,
            profiles=profiles,
            signed_objects=signed_objects,
            layer_versions=layer_versions,
            provenance=self.provenance(target) if target.source_root is not None else None,
        )

    def provenance(self, target: VerificationTarget) -> tuple[Collected[ProvenanceEvidence], ...]:
        """Rebuild the function's and its layers' packages from the checkout and hash the
        unsigned object versions their signing jobs read (one GetObject each)."""
        assert target.source_root is not None and target.declared is not None
        artifacts: list[tuple[str, SignedArtifact]] = [(f"function {target.key}", target.declared)]
        artifacts += [(f"layer {layer.key}", layer) for layer in target.declared_layers]
        found: list[Collected[ProvenanceEvidence]] = []
        for what, artifact in artifacts:
            job = self.signing_job(artifact.signing_job_id)
            if not isinstance(job, SigningJobEvidence):
                found.append(job)
                continue
            if not (job.source_bucket and job.source_key and job.source_version):
                found.append(
                    Unavailable("DescribeSigningJob", f"job {job.job_id} names no source version")
                )
                continue
            signed_source = self.source_sha256(
                job.source_bucket, job.source_key, job.source_version
            )
            if not isinstance(signed_source, str):
                found.append(signed_source)
                continue
            try:
                rebuilt = self._rebuild(target.source_root, artifact)
            except BuildUnavailable as error:
                found.append(Unavailable("rebuild", str(error)))
                continue
            differing = (
                self._signed_difference(job, rebuilt)
                if rebuilt.sha256_hex != signed_source
                else None
            )
            found.append(
                ProvenanceEvidence(
                    what=what,
                    source_dir=artifact.source_dir,
                    built_sha256=rebuilt.sha256_hex,
                    signed_source_sha256=signed_source,
                    differing_entries=differing.names if differing else None,
                    more_differing_entries=differing.more if differing else 0,
                    contradictions=rebuilt.contradictions,
                )
            )
        return tuple(found)

    def _rebuild(self, root: Path, artifact: SignedArtifact) -> Rebuilt:
        try:
            return self._rebuilders.setdefault(root, Rebuilder(root)).rebuild(artifact)
        except PackageError as error:
            raise InputError(
                f"--source {root}: cannot rebuild {artifact.source_dir}: {error}",
                "pass the checkout the stack was deployed from",
            ) from None

    def _signed_difference(self, job: SigningJobEvidence, rebuilt: Rebuilt) -> ZipDifference | None:
        """The entries the rebuilt zip and the signed source disagree on (one more GetObject,
        only when the hashes differ); None if the signed source cannot be read."""
        found = self._call(
            "GetObject",
            "unsigned object version",
            f"s3://{job.source_bucket}/{job.source_key}?versionId={job.source_version}",
            lambda: compare_signed(rebuilt, lambda out: self._download(job, out)),
        )
        return found if isinstance(found, ZipDifference) else None

    def _download(self, job: SigningJobEvidence, out: Any) -> None:
        """The unsigned object version a job signed, streamed into ``out``."""
        kwargs = {"Bucket": job.source_bucket, "Key": job.source_key}
        if job.source_version != "null":
            kwargs["VersionId"] = job.source_version
        body = self.s3.get_object(**kwargs)["Body"]
        try:
            for chunk in body.iter_chunks(HASH_CHUNK_BYTES):
                out.write(chunk)
        finally:
            body.close()

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


def _layer_refs(configuration: Mapping[str, Any]) -> tuple[LayerRef, ...]:
    return tuple(
        LayerRef(
            arn=layer["Arn"],
            signing_profile_version_arn=layer.get("SigningProfileVersionArn"),
            signing_job_arn=layer.get("SigningJobArn"),
        )
        for layer in configuration.get("Layers") or []
    )


def _path_fields(configuration: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "version": configuration.get("Version", "$LATEST"),
        "arn": configuration["FunctionArn"],
        "code_sha256": configuration.get("CodeSha256", ""),
        "signing_job_arn": configuration.get("SigningJobArn"),
        "signing_profile_version_arn": configuration.get("SigningProfileVersionArn"),
        "handler": configuration.get("Handler"),
        "runtime": configuration.get("Runtime"),
        "architectures": tuple(configuration.get("Architectures") or ("x86_64",)),
        "environment": tuple(
            sorted(((configuration.get("Environment") or {}).get("Variables") or {}).items())
        ),
        "layers": _layer_refs(configuration),
        "package_type": configuration.get("PackageType"),
        "state": configuration.get("State"),
        "state_reason": configuration.get("StateReason"),
        "last_update_status": configuration.get("LastUpdateStatus"),
        "last_update_status_reason": configuration.get("LastUpdateStatusReason"),
    }


def _function(configuration: Mapping[str, Any]) -> FunctionEvidence:
    return FunctionEvidence(name=configuration["FunctionName"], **_path_fields(configuration))


def _code_path(configuration: Mapping[str, Any]) -> CodePath:
    return CodePath(**_path_fields(configuration))


def _layer_version(response: Mapping[str, Any]) -> LayerVersionEvidence:
    content = response.get("Content") or {}
    return LayerVersionEvidence(
        arn=response["LayerVersionArn"],
        code_sha256=content.get("CodeSha256"),
        signing_job_arn=content.get("SigningJobArn"),
        signing_profile_version_arn=content.get("SigningProfileVersionArn"),
    )


def _alias(item: Mapping[str, Any]) -> AliasEvidence:
    weights = (item.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return AliasEvidence(
        name=item["Name"],
        function_version=item["FunctionVersion"],
        additional_weights=tuple(sorted((str(k), float(v)) for k, v in weights.items())),
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
