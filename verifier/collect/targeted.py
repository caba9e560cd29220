"""The targeted collector: what one stack's manifest (or the flags) names, read directly.

Calls per function: lambda GetFunction, GetFunctionCodeSigningConfig, ListVersionsByFunction,
ListAliases; signer DescribeSigningJob; s3 ListObjectVersions (prefix = signed key) and one
streamed GetObject per version of the signed key (normally one: the later versions only exist
if someone wrote the key again, and are read up to a byte bound); with ``--source`` one more
GetObject, of the unsigned object version the job read. Fetched once per run however many
functions share them: lambda GetCodeSigningConfig (the run's first, retry-free call), signer
GetSigningProfile, s3 GetBucketVersioning, and per layer version GetLayerVersion plus its
job's DescribeSigningJob and signed object. A published version built by another job adds that
job and its signed object (each once). A job signed by a profile version that is no longer its
name's current version adds Signer's GetRevocationStatus (twice: at the signature's time and now).

Reads that do not depend on each other run concurrently (``workers`` threads; botocore clients
are thread-safe); ``workers=1`` keeps the order fixed (botocore's Stubber answers in order).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from verifier.checks.proof import profile_version_arn
from verifier.collect.aws import DEFAULT_MAX_ATTEMPTS, AwsReader, concurrently
from verifier.contract.arns import job_id_of
from verifier.contract.manifest import SignedArtifact
from verifier.contract.targets import VerificationTarget
from verifier.errors import InputError
from verifier.evidence import parse
from verifier.evidence.model import (
    BucketVersioningEvidence,
    CodePath,
    Collected,
    CscAttachment,
    CscEvidence,
    Evidence,
    FunctionEvidence,
    LayerVersionEvidence,
    Missing,
    ProfileEvidence,
    ProvenanceEvidence,
    RevocationStatusEvidence,
    SignedObjectEvidence,
    SigningJobEvidence,
    Store,
    Unavailable,
)
from verifier.evidence.signature import TAIL_BYTES, SignatureFormatError, hashes_from_tail
from verifier.package import BuildUnavailable, PackageError
from verifier.package.archive import ZipDifference
from verifier.session import AwsSession

if TYPE_CHECKING:
    from verifier.package.provenance import Rebuilder, Rebuilt

#: Concurrent AWS reads per run (below botocore's 10 pooled connections per client).
DEFAULT_WORKERS = 8
#: Bytes of a signed key's later versions read at most to compare them with the signed one
#: (normally there are none; a version beyond the bound is reported unread, never "other").
MAX_HISTORY_BYTES = 1024 * 1024 * 1024


class Reads:
    """Evidence read once per run, by identity: the calls and their caches."""

    def __init__(self, aws: AwsReader) -> None:
        self.aws = aws
        self._cache: dict[tuple[str, str], Any] = {}

    def once(
        self, kind: str, identifier: str, operation: str, what: str, fetch: Callable[[], Any]
    ) -> Any:
        key = (kind, identifier)
        if key not in self._cache:
            self._cache[key] = self.aws.call(operation, what, identifier, fetch)
        return self._cache[key]

    def seed(self, kind: str, identifier: str, value: Any) -> None:
        self._cache[(kind, identifier)] = value

    def cached(self, kind: str) -> dict[str, Any]:
        return {identifier: value for (k, identifier), value in self._cache.items() if k == kind}

    # -- Lambda ---------------------------------------------------------------------------

    def csc(self, arn: str) -> Collected[CscEvidence]:
        return self.once(
            "csc",
            arn,
            "GetCodeSigningConfig",
            "code signing config",
            # .get: a response without it is a ResponseError (Unavailable), not a KeyError.
            lambda: parse.csc(
                self.aws.lambda_.get_code_signing_config(CodeSigningConfigArn=arn).get(
                    "CodeSigningConfig"
                )
            ),
        )

    def latest(self, name: str) -> Collected[CodePath]:
        return self.once(
            "function",
            name,
            "GetFunction",
            "function",
            lambda: parse.code_path(
                self.aws.lambda_.get_function(FunctionName=name).get("Configuration"),
                "GetFunction.Configuration",
            ),
        )

    def function_csc(self, name: str) -> Collected[CscAttachment]:
        def fetch() -> CscAttachment:
            response = self.aws.lambda_.get_function_code_signing_config(FunctionName=name)
            return CscAttachment(response.get("CodeSigningConfigArn") or None)

        return self.once("function_csc", name, "GetFunctionCodeSigningConfig", "function", fetch)

    def versions(self, name: str) -> Collected[tuple[CodePath, ...]]:
        def fetch() -> tuple[CodePath, ...]:
            pages = self.aws.lambda_.get_paginator("list_versions_by_function").paginate(
                FunctionName=name
            )
            return parse.versions_only(item for page in pages for item in page.get("Versions", []))

        return self.once("versions", name, "ListVersionsByFunction", "function", fetch)

    def aliases(self, name: str) -> Collected[tuple[Any, ...]]:
        def fetch() -> tuple[Any, ...]:
            pages = self.aws.lambda_.get_paginator("list_aliases").paginate(FunctionName=name)
            return tuple(parse.alias(item) for page in pages for item in page.get("Aliases", []))

        return self.once("aliases", name, "ListAliases", "function", fetch)

    def layer_version(self, arn: str) -> Collected[LayerVersionEvidence]:
        def fetch() -> LayerVersionEvidence:
            # arn:aws:lambda:{region}:{account}:layer:{name}:{version}
            layer_arn, _, number = arn.rpartition(":")
            if not number.isdigit():
                raise InputError(f"{arn}: not a layer version ARN")
            return parse.layer_version(
                self.aws.lambda_.get_layer_version(LayerName=layer_arn, VersionNumber=int(number))
            )

        return self.once("layer", arn, "GetLayerVersion", "layer version", fetch)

    # -- Signer ---------------------------------------------------------------------------

    def job(self, job_id: str, job_arn: str | None = None) -> Collected[SigningJobEvidence]:
        return self.once(
            "job",
            job_id,
            "DescribeSigningJob",
            "signing job",
            lambda: parse.signing_job(
                self.aws.signer.describe_signing_job(jobId=job_id),
                "DescribeSigningJob response",
                job_arn=job_arn,
            ),
        )

    def profile(self, name: str) -> Collected[ProfileEvidence]:
        return self.once(
            "profile",
            name,
            "GetSigningProfile",
            "signing profile",
            lambda: parse.profile(self.aws.signer.get_signing_profile(profileName=name)),
        )

    def revocation(
        self,
        version_arn: str,
        job: SigningJobEvidence,
        job_arn: str,
        now: datetime,
        signed_version: str | None,
    ) -> Collected[RevocationStatusEvidence]:
        """Signer's GetRevocationStatus for a profile version that is not its name's current
        one, asked at the signature's time and now, with the certificate hashes of the
        signature the job's signed object carries."""

        def ask(moment: datetime, hashes: list[str]) -> frozenset[str]:
            return parse.revoked_entities(
                self.aws.signer_data.get_revocation_status(
                    signatureTimestamp=moment,
                    platformId=job.platform_id,
                    profileVersionArn=version_arn,
                    jobArn=job_arn,
                    certificateHashes=hashes,
                )
            )

        def fetch() -> RevocationStatusEvidence:
            signed_at = job.signed_at
            if signed_at is None:
                raise InputError(f"job {job.job_id} reports no signature time")
            hashes = self.certificate_hashes(job, signed_version)
            return RevocationStatusEvidence(
                profile_version_arn=version_arn,
                job_arn=job_arn,
                revoked_at_signature=ask(signed_at, hashes),
                revoked_now=ask(now, hashes),
            )

        return self.once(
            "revocation",
            f"{version_arn}|{job.job_id}",
            "GetRevocationStatus",
            "revocation status",
            fetch,
        )

    def certificate_hashes(self, job: SigningJobEvidence, version: str | None) -> list[str]:
        """The certificate hashes of the signature in the job's signed object (``version``:
        the one Signer wrote), read from the object's last bytes."""
        if not (job.signed_bucket and job.signed_key):
            raise InputError(f"job {job.job_id} reports no signed object")
        if version is None:
            raise InputError(f"the signed object of job {job.job_id} cannot be read")
        kwargs = {"Bucket": job.signed_bucket, "Key": job.signed_key}
        if version != "null":
            kwargs["VersionId"] = version
        body = self.aws.s3.get_object(Range=f"bytes=-{TAIL_BYTES}", **kwargs)["Body"]
        try:
            tail = body.read()
        finally:
            body.close()
        try:
            return hashes_from_tail(tail)
        except SignatureFormatError as error:
            raise InputError(
                f"the certificate hashes of s3://{job.signed_bucket}/{job.signed_key} cannot "
                f"be read: {error}"
            ) from None

    # -- S3 -------------------------------------------------------------------------------

    def bucket_versioning(self, bucket: str) -> Collected[BucketVersioningEvidence]:
        return self.once(
            "versioning",
            bucket,
            "GetBucketVersioning",
            "bucket",
            lambda: BucketVersioningEvidence(
                bucket=bucket,
                status=self.aws.s3.get_bucket_versioning(Bucket=bucket).get("Status"),
            ),
        )

    def signed_object(self, bucket: str, key: str) -> Collected[SignedObjectEvidence]:
        def fetch() -> SignedObjectEvidence | Missing:
            pages = self.aws.s3.get_paginator("list_object_versions").paginate(
                Bucket=bucket, Prefix=key
            )
            history = tuple(v for name, v in parse.object_versions(pages) if name == key)
            written = [v for v in history if not v.is_delete_marker]
            if not written:
                return Missing(what="signed object", identifier=f"s3://{bucket}/{key}")
            # The oldest version is the one Signer wrote (the key is the job's own): hash it,
            # then every later one, newest first, within the byte bound.
            signed, later = written[-1], written[:-1]
            hashed = {signed.version_id: self.aws.hash_object(bucket, key, signed.version_id)}
            budget = MAX_HISTORY_BYTES
            unread = []
            for version in later:
                # A version listed without its size is not read blind: it stays unread.
                size = version.size if version.size is not None else budget + 1
                if size > budget:
                    unread.append(version.version_id)
                    continue
                budget -= size
                hashed[version.version_id] = self.aws.hash_object(bucket, key, version.version_id)
            return SignedObjectEvidence(
                bucket=bucket,
                key=key,
                versions=history,
                sha256_by_version=hashed,
                unread_versions=tuple(unread),
                unread_reason=(
                    f"beyond the {MAX_HISTORY_BYTES // 2**20} MiB read for the key's history"
                    if unread
                    else None
                ),
            )

        return self.once(
            "object", f"{bucket}/{key}", "ListObjectVersions/GetObject", "signed object", fetch
        )

    def source_sha256(self, bucket: str, key: str, version: str) -> Collected[str]:
        """SHA-256 (hex) of the unsigned object version a signing job read."""
        return self.once(
            "source",
            f"s3://{bucket}/{key}?versionId={version}",
            "GetObject",
            "unsigned object version",
            lambda: self.aws.hash_object(bucket, key, version, encode=False),
        )


class TargetedCollector:
    """Collects what a plan's targets name, through one access layer; shared reads once."""

    def __init__(
        self,
        session: AwsSession,
        *,
        region: str,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        workers: int = DEFAULT_WORKERS,
        progress: Callable[[str], None] = lambda message: None,
    ) -> None:
        self.aws = AwsReader(session, region=region, max_attempts=max_attempts)
        self.reads = Reads(self.aws)
        self.workers = max(1, workers)
        self.progress = progress
        self._rebuilders: dict[Path, Rebuilder] = {}

    @property
    def clients(self) -> tuple[Any, ...]:
        return self.aws.clients

    def preflight(self, csc_arn: str) -> None:
        """The first call (the expected CSC), without retries, so an unreachable endpoint, a
        TLS or protocol mismatch, or missing credentials fail the run at once with one line,
        instead of every later call retrying its way to an ERROR finding."""
        response = self.aws.first_call(
            self.aws.lambda_,
            lambda probe: probe.get_code_signing_config(CodeSigningConfigArn=csc_arn),
        )
        if not isinstance(response, dict):
            return  # an AWS error answer: the endpoint works; the real call judges it
        if "CodeSigningConfig" not in response:
            raise self.aws.not_an_aws_response()
        # The answer is evidence the run needs anyway: it costs no extra request.
        self.reads.seed(
            "csc",
            csc_arn,
            self.aws.call(
                "GetCodeSigningConfig",
                "code signing config",
                csc_arn,
                lambda: parse.csc(response["CodeSigningConfig"]),
            ),
        )

    def _prefetch(self, target: VerificationTarget) -> None:
        """Every read the target needs that depends on nothing else, in one concurrent round.
        (Reads a missing function turns out not to need cost a not-found answer each.)"""
        reads: list[Callable[[], object]] = [
            lambda: self.reads.job(target.job_id),
            lambda: self.reads.latest(target.function_name),
            lambda: self.reads.function_csc(target.function_name),
            lambda: self.reads.versions(target.function_name),
            lambda: self.reads.aliases(target.function_name),
            lambda: self.reads.csc(target.csc_arn),
        ]
        profile, bucket, key = target.profile_name, target.signed_bucket, target.signed_key
        if profile:
            reads.append(lambda: self.reads.profile(profile))
        if bucket:
            reads.append(lambda: self.reads.bucket_versioning(bucket))
            if key:
                reads.append(lambda: self.reads.signed_object(bucket, key))
        # The declared layers' versions and signed objects: the stack names them.
        for layer in target.declared_layers:
            if layer.layer_version_arn:
                arn = layer.layer_version_arn
                reads.append(lambda arn=arn: self.reads.layer_version(arn))  # type: ignore[misc]
            if layer.signed_bucket and layer.signed_key:
                where = (layer.signed_bucket, layer.signed_key)
                reads.append(lambda where=where: self.reads.signed_object(*where))  # type: ignore[misc]
        concurrently(lambda read: read(), reads, self.workers)

    def function(self, target: VerificationTarget) -> FunctionEvidence:
        self.progress(f"collecting {target.key} ({target.function_name})")
        if self.workers > 1:
            self._prefetch(target)
        name = target.function_name
        latest = self.reads.latest(name)
        exists = isinstance(latest, CodePath)
        arn = latest.arn if isinstance(latest, CodePath) else name
        return FunctionEvidence(
            name=name,
            arn=arn,
            region=target.region,
            latest=latest,
            versions=self.reads.versions(name) if exists else None,
            csc=self.reads.function_csc(name) if exists else None,
            aliases=self.reads.aliases(name) if exists else None,
            account=_account(arn),
        )

    def collect(self, targets: Iterable[VerificationTarget], *, now: datetime) -> Evidence:
        """Everything the targets need: their functions, then what every code path references
        (jobs, profiles, signed objects, layer versions, revocation status), then provenance."""
        targets = tuple(targets)
        functions = []
        for target in targets:
            # 1. The function, and the expected job, profile, CSC, bucket and signed object:
            #    in the function's one concurrent round with workers, else the job first.
            if self.workers == 1:
                self.reads.job(target.job_id)
                self.reads.csc(target.csc_arn)
            function = self.function(target)
            functions.append(function)
            self.reads.job(target.job_id)
            self.reads.csc(target.csc_arn)
            if target.profile_name:
                self.reads.profile(target.profile_name)
        # 2. Every other code path's references: layers, jobs, profiles, signed objects.
        paths = [path for function in functions for path in function.paths]
        layer_arns = [layer.arn for path in paths for layer in path.layers]
        layers = concurrently(self.reads.layer_version, layer_arns, self.workers)
        job_refs: dict[str, str | None] = {target.job_id: None for target in targets}
        for path in paths:
            if path.signing_job_arn:
                job_refs.setdefault(job_id_of(path.signing_job_arn), path.signing_job_arn)
        for layer in layers.values():
            if isinstance(layer, LayerVersionEvidence) and layer.signing_job_arn:
                job_refs.setdefault(job_id_of(layer.signing_job_arn), layer.signing_job_arn)
        jobs = concurrently(
            lambda job_id: self.reads.job(job_id, job_refs[job_id]), job_refs, self.workers
        )
        found = [job for job in jobs.values() if isinstance(job, SigningJobEvidence)]
        concurrently(self.reads.profile, {job.profile_name for job in found}, self.workers)
        locations = {
            (job.signed_bucket, job.signed_key)
            for job in found
            if job.signed_bucket and job.signed_key
        }
        for target in targets:
            if (
                target.signed_bucket
                and target.signed_key
                and target.job_id not in {j.job_id for j in found}
            ):
                locations.add((target.signed_bucket, target.signed_key))
        concurrently(
            lambda where: self.reads.signed_object(*where), sorted(locations), self.workers
        )
        buckets = {bucket for bucket, _ in locations}
        concurrently(self.reads.bucket_versioning, sorted(buckets), self.workers)
        # 3. A job whose profile version is not its name's current one: that version's own
        #    revocation status.
        account = next((f.account for f in functions if f.account), None)
        for job in found:
            profile = self.reads.profile(job.profile_name)
            if (
                isinstance(profile, ProfileEvidence)
                and profile.profile_version != job.profile_version
            ):
                version_arn = profile_version_arn(job, self.aws.region, account)
                job_arn = job.job_arn or (
                    f"arn:aws:signer:{self.aws.region}:{account}:/signing-jobs/{job.job_id}"
                )
                obj = self.reads.signed_object(job.signed_bucket or "", job.signed_key or "")
                signed = obj.signed_version if isinstance(obj, SignedObjectEvidence) else None
                self.reads.revocation(version_arn, job, job_arn, now, signed)
        # 4. Provenance from a checkout.
        provenance = {
            target.key: self.provenance(target)
            for target in targets
            if target.source_root is not None and target.declared is not None
        }
        revocations = {
            tuple(identifier.split("|", 1)): value
            for identifier, value in self.reads.cached("revocation").items()
        }
        store = Store(
            jobs=self.reads.cached("job"),
            profiles=self.reads.cached("profile"),
            revocations=revocations,  # type: ignore[arg-type]
            signed_objects={
                tuple(identifier.split("/", 1)): value  # type: ignore[misc]
                for identifier, value in self.reads.cached("object").items()
            },
            layer_versions=self.reads.cached("layer"),
            cscs=self.reads.cached("csc"),
            bucket_versioning=self.reads.cached("versioning"),
            provenance=provenance,
        )
        return Evidence(
            region=self.aws.region, functions=tuple(functions), store=store, account=account
        )

    def provenance(self, target: VerificationTarget) -> tuple[Collected[ProvenanceEvidence], ...]:
        """Rebuild the function's and its layers' packages from the checkout and hash the
        unsigned object versions their signing jobs read (one GetObject each)."""
        assert target.source_root is not None and target.declared is not None
        artifacts: list[tuple[str, SignedArtifact]] = [(f"function {target.key}", target.declared)]
        artifacts += [(f"layer {layer.key}", layer) for layer in target.declared_layers]
        found: list[Collected[ProvenanceEvidence]] = []
        for what, artifact in artifacts:
            job = self.reads.job(artifact.signing_job_id)
            if not isinstance(job, SigningJobEvidence):
                found.append(job)
                continue
            if not (job.source_bucket and job.source_key and job.source_version):
                found.append(
                    Unavailable("DescribeSigningJob", f"job {job.job_id} names no source version")
                )
                continue
            signed_source = self.reads.source_sha256(
                job.source_bucket, job.source_key, job.source_version
            )
            if not isinstance(signed_source, str):
                found.append(signed_source)
                continue
            try:
                rebuilt = self._rebuild(target.source_root, artifact)
            except BuildUnavailable as error:
                # A missing tool or an unfetchable pin proves nothing about the source: ERROR.
                found.append(Unavailable("rebuild", str(error)))
                continue
            differing = (
                self._signed_difference(job, rebuilt)
                if rebuilt.sha256_hex != signed_source
                else None
            )
            if rebuilt.sha256_hex is None and (differing is None or not differing.names):
                # The source's own files are the signed ones: the dependencies decide.
                found.append(Unavailable("rebuild", rebuilt.unavailable))
                continue
            found.append(
                ProvenanceEvidence(
                    what=what,
                    source_dir=artifact.source_dir,
                    built_sha256=rebuilt.sha256_hex,
                    signed_source_sha256=signed_source,
                    differing_entries=differing.names if differing else None,
                    more_differing_entries=differing.more if differing else 0,
                    contradictions=rebuilt.contradictions,
                    not_rebuilt=rebuilt.unavailable,
                )
            )
        return tuple(found)

    def _rebuild(self, root: Path, artifact: SignedArtifact) -> Rebuilt:
        # The builder is imported only when --source asks for a rebuild.
        from verifier.package.provenance import Rebuilder

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
        from verifier.package.provenance import compare_signed

        bucket, key, version = job.source_bucket or "", job.source_key or "", job.source_version
        found = self.aws.call(
            "GetObject",
            "unsigned object version",
            f"s3://{bucket}/{key}?versionId={version}",
            lambda: compare_signed(
                rebuilt, lambda out: self.aws.download(bucket, key, version or "null", out)
            ),
        )
        return found if isinstance(found, ZipDifference) else None


def _account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


__all__ = ["DEFAULT_WORKERS", "MAX_HISTORY_BYTES", "Reads", "TargetedCollector"]
