"""The fleet collector: one Region's every function, through bulk read-only listings under a
rate budget, into the same :class:`~verifier.evidence.model.Evidence` the targeted collector
fills (same access layer, same parsers, same one-off reads).

Calls (each counted and rate-limited by :mod:`verifier.collect.budget`):

- Lambda (at most ``--max-lambda-rps``, one at a time): ``ListCodeSigningConfigs`` and
  ``ListFunctionsByCodeSigningConfig`` per CSC (which function has which CSC: no per-function
  ``GetFunctionCodeSigningConfig``); ``ListFunctions(FunctionVersion=ALL)``, 50 per page (every
  version's ``CodeSha256``, signing ARNs, environment, layers, file systems and package type);
  ``GetLayerVersion`` once per unique layer version; ``ListAliases`` only in the follow-up stage,
  for functions with a code path that did not pass (or, in a narrowed scope, affected).
- Signer (each operation at most :data:`~verifier.collect.budget.SIGNER_RPS`, several at a
  time): ``ListSigningJobs`` paged until every referenced job is found (to the end in a narrowed
  scope); ``DescribeSigningJob`` only for a job the listing lacks, a revoked job (the listing
  says ``isRevoked`` but not when or why), and a job whose ``completedAt`` decides a profile
  revocation or whether its signed object's version is the one it wrote; ``GetSigningProfile``
  once per profile; ``GetRevocationStatus`` for a job signed by a profile version that is no
  longer its name's current one.
- S3 (a thread pool): the version histories of the signed keys (one ``ListObjectVersions`` of
  their common prefix, else one per key: the oldest version is the one Signer wrote) and, unless
  the on-disk cache has that version's hash, one streamed ``GetObject`` per unique signed object
  version. The reads overlap the listings (:class:`EarlyHashes`): a signed object whose key the
  cache has never seen is read (its latest version, with its version id) as soon as a listed
  function references its job and the job is listed; once the histories are known, that hash is
  used only if the version read is the one Signer wrote, and otherwise the signed version is
  read by id.

A failed call becomes :class:`~verifier.evidence.model.Unavailable` evidence (an ERROR finding,
exit 3); a failed listing is recorded on the Region so the fleet is never reported complete when
it is not.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import replace
from datetime import datetime
from functools import partial
from typing import Any, TypeVar

from verifier.checks.proof import profile_version_arn, written_by_job
from verifier.checks.scope import Scope
from verifier.collect.aws import DEFAULT_MAX_ATTEMPTS, AwsReader
from verifier.collect.budget import RateBudget
from verifier.collect.cache import HashCache
from verifier.collect.targeted import Reads
from verifier.contract.arns import job_id_of, profile_version_of
from verifier.evidence import parse
from verifier.evidence.model import (
    LATEST,
    AliasEvidence,
    CodePath,
    Collected,
    CscAttachment,
    CscEvidence,
    Evidence,
    FunctionEvidence,
    LayerVersionEvidence,
    Missing,
    ObjectVersionEvidence,
    ProfileEvidence,
    SignedObjectEvidence,
    SigningJobEvidence,
    Store,
    Unavailable,
)
from verifier.evidence.parse import ResponseError
from verifier.session import AwsSession

log = logging.getLogger(__name__)

T = TypeVar("T")
K = TypeVar("K")

LIST_FUNCTIONS_PAGE = 50
LIST_SIGNING_JOBS_PAGE = 25
#: MaxItems of the Lambda listings that allow up to 10,000 per page (ListFunctions returns at
#: most 50 whatever is asked).
LARGE_PAGE = 10_000
#: Signed keys in one bucket from which one listing of their common prefix replaces a
#: ListObjectVersions per key.
BULK_LISTING_MIN_KEYS = 8
#: Concurrent S3 and Signer calls.
DEFAULT_WORKERS = 12

#: (phase, done, total): progress of one phase of the collection.
Progress = Callable[[str, int, int], None]


def _quiet(phase: str, done: int, total: int) -> None:
    return None


def unqualified(function_arn: str) -> str:
    """``arn:aws:lambda:region:account:function:name`` without a version or alias."""
    return ":".join(function_arn.split(":")[:7])


def _account(arn: str) -> str | None:
    parts = arn.split(":")
    return parts[4] if len(parts) > 4 and parts[4].isdigit() else None


class FleetCollector:
    """A whole Region through listings, every client under one :class:`RateBudget`."""

    def __init__(
        self,
        session: AwsSession,
        *,
        region: str,
        budget: RateBudget,
        cache: HashCache,
        max_attempts: int = DEFAULT_MAX_ATTEMPTS,
        workers: int = DEFAULT_WORKERS,
        progress: Progress = _quiet,
        account: str | None = None,
        s3_reads: threading.Semaphore | None = None,
    ) -> None:
        """``account``: the account the session acts in, when known (an organization audit),
        so even a Region without functions is attributed; ``s3_reads``: see
        :class:`~verifier.collect.aws.AwsReader`."""
        # Early reads and the reads after the listing may overlap: a connection for each.
        self.aws = AwsReader(
            session,
            region=region,
            max_attempts=max_attempts,
            max_connections=2 * workers,
            budget=budget,
            cache=cache,
            s3_reads=s3_reads,
        )
        self.account = account
        self.reads = Reads(self.aws)
        self.budget = budget
        self.workers = workers
        self.progress = progress
        #: Signed objects read while the listings page (set by :meth:`collect_region`).
        self.early: EarlyHashes | None = None
        #: Seconds spent per phase of :meth:`collect_region` (for the bench and the curious).
        self.phase_seconds: dict[str, float] = {}
        self._phase_started = time.monotonic()

    @property
    def region(self) -> str:
        return self.aws.region

    @property
    def cache(self) -> HashCache:
        return self.aws.cache

    def phase_done(self, phase: str) -> None:
        now = time.monotonic()
        self.phase_seconds[phase] = round(now - self._phase_started, 3)
        self._phase_started = now

    # -- 0. one call without retries: an unreachable endpoint fails at once ------------------

    def first_csc_page(self) -> Mapping[str, Any]:
        """The first ``ListCodeSigningConfigs`` page, without retries, so an unreachable
        endpoint, a TLS or protocol mismatch or bad credentials stop the run with one line."""
        response = self.aws.first_call(
            self.aws.lambda_, lambda probe: probe.list_code_signing_configs()
        )
        if isinstance(response, dict):
            if "CodeSigningConfigs" not in response:
                raise self.aws.not_an_aws_response()
            return response
        # Throttled or denied: the endpoint works; the retrying client judges it.
        page: Mapping[str, Any] = self.aws.lambda_.list_code_signing_configs()
        return page

    # -- 1. listings -------------------------------------------------------------------------

    @staticmethod
    def _pages(
        first: Callable[[], Mapping[str, Any]],
        next_page: Callable[[str], Mapping[str, Any]],
        token: str,
    ) -> Iterator[Mapping[str, Any]]:
        page = first()
        yield page
        while page.get(token):
            page = next_page(str(page[token]))
            yield page

    def _listing(
        self, operation: str, what: str, pages: Iterable[Mapping[str, Any]], key: str
    ) -> tuple[list[Any], Unavailable | None]:
        """Every item of a paged listing, and why it stopped early (None: it did not)."""
        items: list[Any] = []
        iterator = iter(pages)

        def next_items() -> list[Any] | None:
            page = next(iterator, None)
            return None if page is None else list(page.get(key) or [])

        while True:
            result = self.aws.call(operation, what, self.region, next_items)
            if isinstance(result, Missing):
                return items, Unavailable(operation, f"{what}: not found")
            if isinstance(result, Unavailable):
                return items, result
            if result is None:
                return items, None
            items.extend(result)

    def code_signing_configs(self) -> tuple[dict[str, Collected[CscEvidence]], Unavailable | None]:
        pages = self._pages(
            self.first_csc_page,
            lambda marker: self.aws.lambda_.list_code_signing_configs(Marker=marker),
            "NextMarker",
        )
        items, error = self._listing(
            "ListCodeSigningConfigs", "code signing configs", pages, "CodeSigningConfigs"
        )
        found: dict[str, Collected[CscEvidence]] = {}
        for item in items:
            arn = str(item.get("CodeSigningConfigArn", "")) if isinstance(item, Mapping) else ""
            parsed = self.aws.call(
                "ListCodeSigningConfigs",
                "code signing config",
                arn,
                partial(parse.csc, item, "ListCodeSigningConfigs item"),
            )
            if arn:
                found[arn] = parsed
            elif isinstance(parsed, Unavailable):
                error = error or parsed
        return found, error

    def functions_by_csc(self, cscs: Iterable[str]) -> tuple[dict[str, str], list[Unavailable]]:
        """Unqualified function ARN -> its CSC ARN; the CSCs whose functions could not be listed."""
        csc_of: dict[str, str] = {}
        errors = []
        arns = list(cscs)
        for index, csc_arn in enumerate(arns):
            pages = self.aws.lambda_.get_paginator(
                "list_functions_by_code_signing_config"
            ).paginate(CodeSigningConfigArn=csc_arn, PaginationConfig={"PageSize": LARGE_PAGE})
            items, error = self._listing(
                "ListFunctionsByCodeSigningConfig", f"functions of {csc_arn}", pages, "FunctionArns"
            )
            for function_arn in items:
                csc_of[unqualified(str(function_arn))] = csc_arn
            if error is not None:
                errors.append(replace(error, reason=f"{csc_arn}: {error.reason}"))
            self.progress("code signing configs", index + 1, len(arns))
        return csc_of, errors

    def function_configurations(
        self, scope: Scope
    ) -> tuple[dict[str, list[CodePath]], Unavailable | None]:
        """Every version of every function in scope (name -> paths, ``$LATEST`` first), and
        why the listing stopped early (None: it did not)."""
        paths: dict[str, list[CodePath]] = {}
        pages = self.aws.lambda_.get_paginator("list_functions").paginate(
            FunctionVersion="ALL", PaginationConfig={"PageSize": LIST_FUNCTIONS_PAGE}
        )

        def counted() -> Iterator[Mapping[str, Any]]:
            listed = 0
            for page in pages:
                items = page.get("Functions") or []
                listed += len(items)
                self.progress("function versions listed", listed, 0)
                if self.early is not None:
                    self.early.want(_referenced_jobs(items, scope))
                yield page

        items, error = self._listing("ListFunctions", "functions", counted(), "Functions")
        for item in items:
            name = str(item.get("FunctionName", "")) if isinstance(item, Mapping) else ""
            if not scope.selects_name(name):
                continue
            path = self.aws.call(
                "ListFunctions",
                "function",
                name,
                partial(parse.code_path, item, "ListFunctions item"),
            )
            if not isinstance(path, CodePath):
                error = error or (
                    path
                    if isinstance(path, Unavailable)
                    else Unavailable("ListFunctions", f"{name}: unexpected item")
                )
                continue
            paths.setdefault(name, []).append(path)
        for function_paths in paths.values():
            function_paths.sort(key=parse.version_order)
        return paths, error

    # -- 2. what the code paths reference -----------------------------------------------------

    def _parallel(self, items: Iterable[K], fetch: Callable[[K], T], phase: str) -> dict[K, T]:
        keys = list(dict.fromkeys(items))
        found: dict[K, T] = {}
        if not keys:
            return found
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="audit") as pool:
            for index, (key, value) in enumerate(zip(keys, pool.map(fetch, keys), strict=True)):
                found[key] = value
                self.progress(phase, index + 1, len(keys))
        return found

    def layer_versions(self, arns: Iterable[str]) -> dict[str, Collected[LayerVersionEvidence]]:
        # Lambda calls go one at a time: the budget allows no concurrency worth having.
        unique = list(dict.fromkeys(arns))
        found = {}
        for index, arn in enumerate(unique):
            found[arn] = self.reads.layer_version(arn)
            self.progress("layer versions", index + 1, len(unique))
        return found

    def start_job_listing(self, *, complete: bool = False) -> JobListing:
        """Page ``ListSigningJobs`` in the background while Lambda is listed (the two budgets
        are independent), until the jobs the functions reference are known and found
        (``complete``: to the end, for a narrowed scope's every job of a profile version)."""
        listing = JobListing(self, complete=complete)
        listing.start()
        return listing

    def signing_jobs(
        self, refs: Mapping[str, str | None], listing: JobListing
    ) -> dict[str, Collected[SigningJobEvidence]]:
        """The referenced jobs (id -> the ARN that named it): from the ``ListSigningJobs``
        pages, then ``DescribeSigningJob`` where the listing lacks a job or a field (a revoked
        job's revocation record)."""
        listed = listing.result(set(refs))
        found: dict[str, Collected[SigningJobEvidence]] = {}
        describe: set[str] = set()
        for job_id, item in listed.items():
            parsed = self.aws.call(
                "ListSigningJobs",
                "signing job",
                job_id,
                partial(parse.signing_job, item, "ListSigningJobs item", job_arn=refs.get(job_id)),
            )
            found[job_id] = parsed
            if job_id in refs and (
                not isinstance(parsed, SigningJobEvidence) or parsed.listed_revoked
            ):
                describe.add(job_id)
        describe |= {job_id for job_id in refs if job_id not in listed}
        self.progress("signing jobs", len(found), len(refs))
        found.update(
            self._parallel(
                sorted(describe),
                lambda job_id: self.reads.job(job_id, refs.get(job_id)),
                "signing jobs described",
            )
        )
        return found

    def signing_profiles(self, names: Iterable[str]) -> dict[str, Collected[ProfileEvidence]]:
        return self._parallel(sorted(set(names)), self.reads.profile, "signing profiles")

    def completion_times(
        self,
        jobs: dict[str, Collected[SigningJobEvidence]],
        profiles: Mapping[str, Collected[ProfileEvidence]],
        objects: Mapping[tuple[str, str], Collected[SignedObjectEvidence]],
    ) -> None:
        """``completedAt`` (not in the listing) where it decides something: a profile
        revocation effective after the job was created, a job signed by a version that is not
        its name's current one (its revocation status is asked at the signature's time), and a
        signed object written so long after the job was created that only completedAt tells
        whether the job wrote it."""
        needed = []
        for job_id, job in jobs.items():
            if not isinstance(job, SigningJobEvidence) or job.completed_at is not None:
                continue
            profile = profiles.get(job.profile_name)
            if isinstance(profile, ProfileEvidence):
                effective = profile.revocation_effective_from
                if profile.profile_version != job.profile_version or (
                    effective is not None
                    and job.created_at is not None
                    and job.created_at < effective
                ):
                    needed.append(job_id)
                    continue
            found = objects.get((job.signed_bucket or "", job.signed_key or ""))
            if (
                isinstance(found, SignedObjectEvidence)
                and found.signed is not None
                and written_by_job(found.signed, job) is None
            ):
                needed.append(job_id)
        jobs.update(
            self._parallel(
                needed,
                lambda job_id: self.reads.job(job_id, _arn(jobs[job_id])),
                "signing jobs described",
            )
        )

    def revocations(
        self,
        jobs: Mapping[str, Collected[SigningJobEvidence]],
        profiles: Mapping[str, Collected[ProfileEvidence]],
        objects: Mapping[tuple[str, str], Collected[SignedObjectEvidence]],
        account: str | None,
        now: datetime,
    ) -> dict[tuple[str, str], Any]:
        """GetRevocationStatus for each job signed by a version that is not its name's current
        one (the current version's own record is GetSigningProfile's)."""
        found = {}
        for job in jobs.values():
            profile = (
                profiles.get(job.profile_name) if isinstance(job, SigningJobEvidence) else None
            )
            if not isinstance(job, SigningJobEvidence) or not isinstance(profile, ProfileEvidence):
                continue
            if profile.profile_version == job.profile_version:
                continue
            version_arn = profile_version_arn(job, self.region, account)
            job_arn = (
                job.job_arn or f"arn:aws:signer:{self.region}:{account}:/signing-jobs/{job.job_id}"
            )
            obj = objects.get((job.signed_bucket or "", job.signed_key or ""))
            signed = obj.signed_version if isinstance(obj, SignedObjectEvidence) else None
            found[(version_arn, job.job_id)] = self.reads.revocation(
                version_arn, job, job_arn, now, signed
            )
        return found

    def signed_objects(
        self, jobs: Iterable[Collected[SigningJobEvidence]]
    ) -> dict[tuple[str, str], Collected[SignedObjectEvidence]]:
        """Each job's signed object, its Signer-written version hashed once.

        Where many signed keys share a bucket, their version histories come from one paged
        ``ListObjectVersions`` under their common prefix (1,000 versions a page) instead of one
        call per key; a key the bulk listing did not settle is listed on its own.
        """
        keys = list(
            dict.fromkeys(
                (job.signed_bucket, job.signed_key)
                for job in jobs
                if isinstance(job, SigningJobEvidence) and job.signed_bucket and job.signed_key
            )
        )
        by_bucket: dict[str, list[str]] = {}
        for bucket, key in keys:
            by_bucket.setdefault(bucket, []).append(key)
        histories: dict[tuple[str, str], tuple[ObjectVersionEvidence, ...]] = {}
        for bucket, bucket_keys in by_bucket.items():
            if len(bucket_keys) >= BULK_LISTING_MIN_KEYS:
                histories.update(self._bulk_histories(bucket, bucket_keys))
        early = self.early

        def signed(bucket_key: tuple[str, str]) -> Collected[SignedObjectEvidence]:
            read = early.result(bucket_key) if early is not None else None
            return self.signed_object_version(*bucket_key, histories.get(bucket_key), read)

        return self._parallel(keys, signed, "signed objects")

    def _bulk_histories(
        self, bucket: str, keys: list[str]
    ) -> dict[tuple[str, str], tuple[ObjectVersionEvidence, ...]]:
        """Version histories of ``keys`` from one paged listing of their common prefix; empty
        when the listing fails or would take more requests than listing each key."""
        wanted = set(keys)
        prefix = os.path.commonprefix(keys)  # noqa: RUF071  (an S3 prefix is per character)
        max_pages = max(1, len(keys) // 2)
        pages = self.aws.s3.get_paginator("list_object_versions").paginate(
            Bucket=bucket, Prefix=prefix
        )
        iterator = iter(pages)
        collected: list[Mapping[str, Any]] = []

        def next_page() -> Mapping[str, Any] | None:
            return next(iterator, None)

        while True:
            page = self.aws.call(
                "ListObjectVersions", "signed objects", f"s3://{bucket}", next_page
            )
            if page is None:
                break
            if isinstance(page, Missing | Unavailable) or len(collected) >= max_pages:
                return {}
            collected.append(page)
        try:
            listed = parse.object_versions(collected)
        except ResponseError:
            return {}
        histories: dict[tuple[str, str], list[ObjectVersionEvidence]] = {}
        for name, version in listed:
            if name in wanted:
                histories.setdefault((bucket, name), []).append(version)
        return {key: tuple(versions) for key, versions in histories.items()}

    def signed_object_version(
        self,
        bucket: str,
        key: str,
        history: tuple[ObjectVersionEvidence, ...] | None = None,
        read: tuple[str, str] | None = None,
    ) -> Collected[SignedObjectEvidence]:
        """The version Signer wrote (the key's oldest), hashed once: already read, from the
        cache, else one streamed GetObject. ``history``: the key's versions, newest first, if
        already listed; ``read``: (version id, hash) of a version read early, used only if it is
        the signed one. Later versions are listed, not read (the fleet judges the signed one)."""

        def fetch() -> SignedObjectEvidence | Missing:
            versions = history
            if versions is None:
                listed = parse.object_versions(
                    self.aws.s3.get_paginator("list_object_versions").paginate(
                        Bucket=bucket, Prefix=key
                    )
                )
                versions = tuple(version for name, version in listed if name == key)
            written = [v.version_id for v in versions if not v.is_delete_marker]
            if not written:
                return Missing(what="signed object", identifier=f"s3://{bucket}/{key}")
            signed_version = written[-1]
            sha256 = read[1] if read is not None and read[0] == signed_version else None
            if sha256 is None:
                sha256 = self.aws.hash_object(bucket, key, signed_version)
            return SignedObjectEvidence(
                bucket=bucket,
                key=key,
                versions=versions,
                sha256_by_version={signed_version: sha256},
                unread_versions=tuple(written[:-1]),
                unread_reason="the audit reads only the version Signer wrote",
            )

        return self.aws.call(
            "ListObjectVersions/GetObject", "signed object", f"s3://{bucket}/{key}", fetch
        )

    # -- the follow-up stage: aliases ------------------------------------------------------------

    def aliases_of(self, names: Iterable[str]) -> dict[str, Collected[tuple[AliasEvidence, ...]]]:
        found: dict[str, Collected[tuple[AliasEvidence, ...]]] = {}
        unique = sorted(set(names))
        for index, name in enumerate(unique):
            found[name] = self.reads.aliases(name)
            self.progress("aliases", index + 1, len(unique))
        return found

    # -- the Region ---------------------------------------------------------------------------

    def collect_region(self, scope: Scope, *, now: datetime) -> Evidence:
        # 0. Signer's job listing runs beside the Lambda listings (separate quotas), and the
        #    signed objects are read as soon as both name them (not in a narrowed scope, which
        #    reads only what the blast radius needs).
        self._phase_started = time.monotonic()
        with ThreadPoolExecutor(max_workers=self.workers, thread_name_prefix="audit-s3") as pool:
            self.early = None if scope.narrowed else EarlyHashes(self, pool)
            try:
                return self._collect_region(scope, now)
            finally:
                if self.early is not None:
                    self.early.stop()
                self.early = None

    def _collect_region(self, scope: Scope, now: datetime) -> Evidence:
        job_listing = self.start_job_listing(complete=scope.narrowed)
        # 1. Which function has which CSC, from the CSC side (a handful of calls).
        cscs, csc_error = self.code_signing_configs()
        csc_of, csc_errors = self.functions_by_csc(cscs)
        unknown_csc = csc_error or (csc_errors[0] if csc_errors else None)
        # 2. Every version of every function, 50 per page.
        paths, listing_error = self.function_configurations(scope)
        self.phase_done("lambda listings")
        functions = []
        for name, function_paths in sorted(paths.items()):
            latest = next((p for p in function_paths if p.version == LATEST), None)
            arn = unqualified(function_paths[0].arn)
            csc: Collected[CscAttachment] = CscAttachment(csc_of.get(arn))
            if arn not in csc_of and unknown_csc is not None:
                # It may be one of the CSCs whose functions could not be listed.
                csc = unknown_csc
            functions.append(
                FunctionEvidence(
                    name=name,
                    arn=arn,
                    region=self.region,
                    latest=latest
                    if latest is not None
                    else Unavailable("ListFunctions", f"{name}: no $LATEST listed"),
                    versions=tuple(p for p in function_paths if p.version != LATEST),
                    csc=csc,
                    aliases=None,
                    account=_account(arn),
                )
            )
        account = self.account or next((f.account for f in functions if f.account), None)
        # 3. What the code paths reference: layer versions, jobs, profiles, objects.
        zip_paths = [p for f in functions if not f.is_image for p in f.paths]
        layers = self.layer_versions(layer.arn for path in zip_paths for layer in path.layers)
        self.phase_done("layer versions")
        refs: dict[str, str | None] = {}
        for path in zip_paths:
            if path.signing_job_arn:
                refs.setdefault(job_id_of(path.signing_job_arn), path.signing_job_arn)
        for layer in layers.values():
            if isinstance(layer, LayerVersionEvidence) and layer.signing_job_arn:
                refs.setdefault(job_id_of(layer.signing_job_arn), layer.signing_job_arn)
        if scope.job_id:
            refs.setdefault(scope.job_id, None)
        if self.early is not None:
            self.early.want(refs)
        jobs = self.signing_jobs(refs, job_listing)
        if scope.profile_version_arn:
            # The blast radius by bytes: every job of that version, referenced or not.
            listed = jobs
        else:
            listed = {job_id: jobs[job_id] for job_id in refs if job_id in jobs}
        in_scope = {
            job_id: job
            for job_id, job in listed.items()
            if job_id in refs
            or scope.selects_job(job if isinstance(job, SigningJobEvidence) else None, job_id)
        }
        profile_names = [
            j.profile_name for j in in_scope.values() if isinstance(j, SigningJobEvidence)
        ]
        scoped = (
            profile_version_of(scope.profile_version_arn) if scope.profile_version_arn else None
        )
        if scoped is not None:
            profile_names.append(scoped[0])  # whether the version is the name's current one
        profiles = self.signing_profiles(profile_names)
        self.phase_done("signing jobs and profiles")
        objects = self.signed_objects(in_scope.values())
        self.completion_times(in_scope, profiles, objects)
        revocations = self.revocations(in_scope, profiles, objects, account, now)
        self.phase_done("signed objects")
        errors = tuple(
            error for error in (csc_error, *csc_errors, listing_error) if error is not None
        )
        return Evidence(
            region=self.region,
            functions=tuple(functions),
            store=Store(
                jobs=in_scope,
                profiles=profiles,
                revocations=revocations,
                signed_objects=objects,
                layer_versions=layers,
                cscs=cscs,
            ),
            account=account,
            listing_errors=errors,
        )


def _arn(job: Collected[SigningJobEvidence]) -> str | None:
    return job.job_arn if isinstance(job, SigningJobEvidence) else None


class JobListing:
    """``ListSigningJobs``, paged on a thread of its own: every listed job by id, until the
    listing ends, fails, or has every wanted job (known once the functions are listed)."""

    def __init__(self, collector: FleetCollector, *, complete: bool = False) -> None:
        self._collector = collector
        #: Page to the end (a narrowed scope needs every job of a profile version).
        self._complete = complete
        self._listed: dict[str, Mapping[str, Any]] = {}
        self._wanted: set[str] | None = None
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._run, name="audit-jobs", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def _done(self) -> bool:
        with self._lock:
            if self._complete:
                return False
            return self._wanted is not None and self._wanted <= self._listed.keys()

    def _run(self) -> None:
        collector = self._collector
        pages = iter(
            collector.aws.signer.get_paginator("list_signing_jobs").paginate(
                PaginationConfig={"PageSize": LIST_SIGNING_JOBS_PAGE}
            )
        )

        def next_jobs() -> list[Mapping[str, Any]] | None:
            page = next(pages, None)
            return None if page is None else list(page.get("jobs") or [])

        while not self._done():
            result = collector.aws.call(
                "ListSigningJobs", "signing jobs", collector.aws.region, next_jobs
            )
            if result is None or isinstance(result, Missing | Unavailable):
                return  # what is not listed is described one by one
            with self._lock:
                for item in result:
                    self._listed[str(item.get("jobId", ""))] = item
                listed = len(self._listed)
            if collector.early is not None:
                collector.early.listed(result)
            collector.progress("signing jobs listed", listed, 0)

    def result(self, wanted: set[str]) -> dict[str, Mapping[str, Any]]:
        with self._lock:
            self._wanted = set(wanted)
        self._thread.join()
        with self._lock:
            if self._complete:
                return dict(self._listed)
            return {job_id: self._listed[job_id] for job_id in wanted if job_id in self._listed}


def _referenced_jobs(items: Iterable[Mapping[str, Any]], scope: Scope) -> list[str]:
    """The signing jobs of the in-scope zip code paths among ``ListFunctions`` items."""
    jobs = []
    for item in items:
        if not scope.selects_name(str(item.get("FunctionName", ""))):
            continue
        try:
            path = parse.code_path(item, "ListFunctions item")
        except ResponseError:
            continue  # the listing's own parse reports it
        if not path.is_image and path.signing_job_arn:
            jobs.append(job_id_of(path.signing_job_arn))
    return jobs


class EarlyHashes:
    """Signed objects read while the Lambda and Signer listings are still paging.

    A job's signed object is read once the job is both referenced (:meth:`want`, from the
    function listing's pages and the layer versions) and listed (:meth:`listed`, from the
    ``ListSigningJobs`` pages): one ``GetObject`` of the key's latest version, which also says
    which version it is; the hash is cached under that version id (versions are immutable).
    Nothing is decided here: :meth:`FleetCollector.signed_object_version` uses the hash only if
    that version turns out to be the one Signer wrote (the key's oldest, from the listing).

    A key the cache already knows (some version of it was hashed before) is not read here: the
    listing first says which version was signed, and the cache most likely has it. A read that
    fails is dropped: the signed version is then read by id after the listing, as without early
    reads, and that read's error (if it fails too) is what the report shows.
    """

    def __init__(self, collector: FleetCollector, pool: ThreadPoolExecutor) -> None:
        self._collector = collector
        self._pool = pool
        self._lock = threading.Lock()
        self._wanted: set[str] = set()
        self._signed_keys: dict[str, tuple[str, str]] = {}
        self._reads: dict[tuple[str, str], Future[tuple[str, str] | None]] = {}
        self._stopped = False

    def want(self, job_ids: Iterable[str]) -> None:
        with self._lock:
            new = set(job_ids) - self._wanted
            self._wanted |= new
            ready = [self._signed_keys[job] for job in new if job in self._signed_keys]
        self._read(ready)

    def listed(self, items: Iterable[Mapping[str, Any]]) -> None:
        ready = []
        with self._lock:
            for item in items:
                signed = (item.get("signedObject") or {}).get("s3") or {}
                bucket, key = signed.get("bucketName"), signed.get("key")
                job_id = str(item.get("jobId", ""))
                if not (isinstance(bucket, str) and isinstance(key, str) and bucket and key):
                    continue
                self._signed_keys[job_id] = (bucket, key)
                if job_id in self._wanted:
                    ready.append((bucket, key))
        self._read(ready)

    def _read(self, bucket_keys: Iterable[tuple[str, str]]) -> None:
        cache = self._collector.aws.cache
        for bucket_key in bucket_keys:
            if cache.knows_key(*bucket_key):
                continue
            with self._lock:
                if self._stopped or bucket_key in self._reads:
                    continue
                self._reads[bucket_key] = self._pool.submit(self._fetch, bucket_key)

    def _fetch(self, bucket_key: tuple[str, str]) -> tuple[str, str] | None:
        try:
            version_id, sha256 = self._collector.aws.hash_latest(*bucket_key)
        except Exception as error:  # read again, and reported, after the listing
            log.debug("early read of s3://%s/%s failed: %s", *bucket_key, error)
            return None
        return version_id, sha256

    def result(self, bucket_key: tuple[str, str]) -> tuple[str, str] | None:
        """(version id, hash) read early for the key, waiting for a read in flight; None when
        it was not read or the read failed."""
        with self._lock:
            future = self._reads.get(bucket_key)
        return future.result() if future is not None else None

    def stop(self) -> None:
        """Start no more reads (the pool's exit waits for those in flight)."""
        with self._lock:
            self._stopped = True
