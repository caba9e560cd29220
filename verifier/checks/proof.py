"""The link-by-link proof of one signed artifact: a code path's package, or a layer version's.

Every code path that can run goes through these same functions, in verify and in the fleet
audit, and each link is judged here and nowhere else (the checks only choose which proof to
read and how to word it):

  1. validated  the code was deployed through signature validation (it has a SigningJobArn);
  2. job        its signing job exists and Succeeded;
  3. profile    the job was signed by a pinned profile version;
  4. platform   on the Lambda signing platform;
  5. job_revocation      the job's own signature is not revoked;
  6. profile_revocation  the job's profile *version* has not revoked it (AWS's semantics:
                         revoked effective at or before the signature: invalid; after: valid,
                         warn; a Canceled profile's signatures stay valid, warn);
  7. expiry     the signature has not expired (warns inside the window);
  8. object     the job's signed object exists, its signed version is the one the job wrote
                (the key's oldest, written while the job ran), and its bytes were hashed;
  9. code       the code path's CodeSha256 is base64(SHA-256) of exactly those bytes.

A :class:`Prover` memoizes per job and per artifact: a job shared by a thousand functions, or a
layer every version uses, is proven once per run.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from verifier.checks.findings import STATUS_ORDER, Reason, Status, worst
from verifier.contract.arns import job_id_of
from verifier.contract.manifest import LAMBDA_SIGNING_PLATFORM
from verifier.contract.targets import Trust
from verifier.evidence.model import (
    LayerVersionEvidence,
    Missing,
    ObjectVersionEvidence,
    ProfileEvidence,
    RevocationStatusEvidence,
    SignedObjectEvidence,
    SigningJobEvidence,
    Store,
    Unavailable,
    absence,
)

#: S3's LastModified has one-second resolution, Signer's completedAt is its own clock's: the
#: signed version counts as the job's when written within this of the job's run.
CLOCK_TOLERANCE = timedelta(seconds=2)
#: Without completedAt (a listing gives only createdAt): a job that wrote its object later than
#: this after it was created is described before its object is judged.
LISTED_JOB_WINDOW = timedelta(minutes=15)


class Link(StrEnum):
    VALIDATED = "validated"
    JOB = "job"
    PROFILE = "profile"
    PLATFORM = "platform"
    JOB_REVOCATION = "job_revocation"
    PROFILE_REVOCATION = "profile_revocation"
    EXPIRY = "expiry"
    OBJECT = "object"
    CODE = "code"


@dataclass(frozen=True)
class LinkResult:
    link: Link
    status: Status
    reason: Reason
    #: What was found, without the artifact's name (the proof prefixes it).
    detail: str


@dataclass(frozen=True)
class Proof:
    """The links judged for one artifact, in proof order. A link that could not be judged
    because an earlier one had nothing to go on (no job, no object) is absent."""

    what: str
    links: tuple[LinkResult, ...] = ()
    #: SHA-256 of the job's signed version (base64), when it was hashed.
    signed_sha256: str | None = None
    job: SigningJobEvidence | None = None

    def get(self, link: Link) -> LinkResult | None:
        return next((result for result in self.links if result.link is link), None)

    @property
    def status(self) -> Status:
        return worst(result.status for result in self.links)

    @property
    def reason(self) -> Reason:
        """The reason of the first link with the worst status (PROVEN for a pass)."""
        status = self.status
        return next(
            (result.reason for result in self.links if result.status is status), Reason.PROVEN
        )

    def problems(self) -> list[LinkResult]:
        """Non-passing links, worst first, proof order within a status."""
        found = [result for result in self.links if result.status is not Status.PASS]
        return sorted(found, key=lambda r: -STATUS_ORDER.index(r.status))

    def summary(self, ok: str = "proven") -> str:
        problems = self.problems()
        if not problems:
            return ok
        return "; ".join(f"{self.what}: {result.detail}" for result in problems)

    def extended(self, *more: LinkResult) -> Proof:
        return Proof(self.what, self.links + more, self.signed_sha256, self.job)


def _link(link: Link, status: Status, reason: Reason | None, detail: str) -> LinkResult:
    return LinkResult(link, status, reason or Reason.PROVEN, detail)


def _canceled(profile: ProfileEvidence) -> LinkResult:
    return _link(
        Link.PROFILE_REVOCATION,
        Status.WARN,
        Reason.PROFILE_CANCELED,
        f"profile {profile.name} is Canceled: its signatures stay valid, but it signs nothing "
        "new (rotate to a new profile)",
    )


def _when(moment: datetime | None) -> str:
    return moment.isoformat() if moment else "an unknown time"


def profile_version_arn(job: SigningJobEvidence, region: str, account: str | None) -> str:
    """The ARN of the profile version that signed ``job`` (in the job's account)."""
    if job.job_arn:
        parts = job.job_arn.split(":")
        if len(parts) > 5:
            region, account = parts[3], parts[4]
    return (
        f"arn:aws:signer:{region}:{account or ''}:/signing-profiles/"
        f"{job.profile_name}/{job.profile_version}"
    )


def written_by_job(version: ObjectVersionEvidence, job: SigningJobEvidence) -> bool | None:
    """Whether the key's oldest version was written while the job ran (None: cannot tell
    without the job's completedAt, which a listing does not give)."""
    written = version.last_modified
    if written is None or job.created_at is None:
        return None
    if written < job.created_at - CLOCK_TOLERANCE:
        return False
    if job.completed_at is not None:
        return written <= job.completed_at + CLOCK_TOLERANCE
    if written <= job.created_at + LISTED_JOB_WINDOW:
        return True
    return None


@dataclass
class Prover:
    """Proofs for one run's store, against one trust; memoized per job and artifact."""

    store: Store
    trust: Trust
    now: datetime
    expiry_warning_days: int = 30
    region: str = ""
    account: str | None = None
    _jobs: dict[str, Proof] = field(default_factory=dict)
    _artifacts: dict[tuple[str, str], Proof] = field(default_factory=dict)
    _layers: dict[str, Proof] = field(default_factory=dict)

    # -- links 2-8: the job and its signed object ------------------------------------------

    def job(self, job_id: str) -> Proof:
        if job_id not in self._jobs:
            self._jobs[job_id] = self._job(job_id)
        return self._jobs[job_id]

    def _job(self, job_id: str) -> Proof:
        what = f"signing job {job_id}"
        found = self.store.jobs.get(job_id)
        if isinstance(found, Missing):
            return Proof(
                what, (_link(Link.JOB, Status.FAIL, Reason.JOB_MISSING, "does not exist"),)
            )
        if not isinstance(found, SigningJobEvidence):
            reason = absence(found) if found is not None else "was not collected"
            return Proof(
                what,
                (
                    _link(
                        Link.JOB, Status.ERROR, Reason.UNREADABLE, f"could not be read ({reason})"
                    ),
                ),
            )
        job = found
        links = [self._succeeded(job), self._profile(job), self._platform(job)]
        links += [self._job_revocation(job), self._profile_revocation(job), self._expiry(job)]
        object_link, signed_sha256 = self._object(job)
        links.append(object_link)
        return Proof(what, tuple(links), signed_sha256, job)

    @staticmethod
    def _succeeded(job: SigningJobEvidence) -> LinkResult:
        if job.status == "Succeeded":
            return _link(Link.JOB, Status.PASS, None, "Succeeded")
        detail = job.status if not job.status_reason else f"{job.status} ({job.status_reason})"
        return _link(Link.JOB, Status.FAIL, Reason.JOB_FAILED, f"is {detail}")

    def _profile(self, job: SigningJobEvidence) -> LinkResult:
        signed_by = f"profile {job.profile_name} version {job.profile_version}"
        if self.trust.trusts(job.profile_name, job.profile_version):
            return _link(Link.PROFILE, Status.PASS, None, f"signed by {signed_by} (pinned)")
        return _link(
            Link.PROFILE,
            Status.FAIL,
            Reason.UNPINNED_PROFILE,
            f"signed by {signed_by}, which is not pinned",
        )

    @staticmethod
    def _platform(job: SigningJobEvidence) -> LinkResult:
        if job.platform_id == LAMBDA_SIGNING_PLATFORM:
            return _link(Link.PLATFORM, Status.PASS, None, job.platform_id)
        return _link(
            Link.PLATFORM, Status.FAIL, Reason.WRONG_PLATFORM, f"signed on {job.platform_id}"
        )

    @staticmethod
    def _job_revocation(job: SigningJobEvidence) -> LinkResult:
        record = job.revocation
        if record is not None:
            return _link(
                Link.JOB_REVOCATION,
                Status.FAIL,
                Reason.JOB_REVOKED,
                f"the signature was revoked at {_when(record.revoked_at)} "
                f"({record.reason or 'no reason'})",
            )
        if job.listed_revoked:
            return _link(
                Link.JOB_REVOCATION,
                Status.FAIL,
                Reason.JOB_REVOKED,
                "the signature was revoked (ListSigningJobs says isRevoked)",
            )
        return _link(Link.JOB_REVOCATION, Status.PASS, None, "not revoked")

    def _profile_revocation(self, job: SigningJobEvidence) -> LinkResult:
        """AWS's semantics for the job's own profile version (never another version's)."""
        found = self.store.profiles.get(job.profile_name)
        if isinstance(found, Missing):
            return _link(
                Link.PROFILE_REVOCATION,
                Status.FAIL,
                Reason.PROFILE_NOT_ACTIVE,
                f"profile {job.profile_name} does not exist",
            )
        if not isinstance(found, ProfileEvidence):
            reason = absence(found) if found is not None else "was not collected"
            return _link(
                Link.PROFILE_REVOCATION,
                Status.ERROR,
                Reason.UNREADABLE,
                f"profile {job.profile_name} could not be read ({reason})",
            )
        if found.profile_version == job.profile_version:
            return self._current_version_revocation(job, found)
        return self._other_version_revocation(job, found)

    @staticmethod
    def _current_version_revocation(
        job: SigningJobEvidence, profile: ProfileEvidence
    ) -> LinkResult:
        name = f"profile {profile.name} version {job.profile_version}"
        if profile.status == "Revoked" or profile.revocation_effective_from is not None:
            effective = profile.revocation_effective_from
            signed_at = job.signed_at
            if effective is None or signed_at is None or signed_at >= effective:
                return _link(
                    Link.PROFILE_REVOCATION,
                    Status.FAIL,
                    Reason.PROFILE_REVOKED,
                    f"{name} revoked effective {_when(effective)}; the signature was made "
                    f"{_when(signed_at)}, so it is invalid",
                )
            return _link(
                Link.PROFILE_REVOCATION,
                Status.WARN,
                Reason.PROFILE_REVOKED_AFTER,
                f"{name} revoked effective {_when(effective)}, after the signature was made "
                f"({_when(signed_at)}); it stays valid, but the profile signs nothing new",
            )
        if profile.status == "Canceled":
            return _canceled(profile)
        if profile.status != "Active":
            return _link(
                Link.PROFILE_REVOCATION,
                Status.FAIL,
                Reason.PROFILE_NOT_ACTIVE,
                f"profile {profile.name} is {profile.status}",
            )
        return _link(Link.PROFILE_REVOCATION, Status.PASS, None, f"{name} Active")

    def _other_version_revocation(
        self, job: SigningJobEvidence, profile: ProfileEvidence
    ) -> LinkResult:
        """A job signed by a version that is no longer the name's current one: that version's
        own revocation status (GetRevocationStatus), never the current version's record."""
        arn = profile_version_arn(job, self.region, self.account)
        name = (
            f"profile {job.profile_name} version {job.profile_version} (the name's current "
            f"version is {profile.profile_version})"
        )
        status = self.store.revocations.get((arn, job.job_id))
        if not isinstance(status, RevocationStatusEvidence):
            reason = absence(status) if status is not None else "was not collected"
            return _link(
                Link.PROFILE_REVOCATION,
                Status.ERROR,
                Reason.UNREADABLE,
                f"the revocation of {name} could not be established ({reason})",
            )
        # Any other entity the answer names (the job's ARN, a certificate hash of the
        # signature) is revoked whatever the time: the signature is invalid.
        others = sorted((status.revoked_at_signature | status.revoked_now) - {arn})
        if others:
            return _link(
                Link.PROFILE_REVOCATION,
                Status.FAIL,
                Reason.PROFILE_REVOKED,
                f"Signer's GetRevocationStatus for {name} reports revoked: "
                f"{', '.join(others)}, so the signature is invalid",
            )
        if arn in status.revoked_at_signature:
            return _link(
                Link.PROFILE_REVOCATION,
                Status.FAIL,
                Reason.PROFILE_REVOKED,
                f"{name} is revoked effective at or before the signature "
                f"({_when(job.signed_at)}), so it is invalid",
            )
        if arn in status.revoked_now:
            return _link(
                Link.PROFILE_REVOCATION,
                Status.WARN,
                Reason.PROFILE_REVOKED_AFTER,
                f"{name} was revoked after the signature was made ({_when(job.signed_at)}); "
                "it stays valid, but the version signs nothing new",
            )
        if profile.status == "Canceled":
            return _canceled(profile)
        return _link(Link.PROFILE_REVOCATION, Status.PASS, None, f"{name} not revoked")

    def _expiry(self, job: SigningJobEvidence) -> LinkResult:
        expires = job.signature_expires_at
        if expires is None:
            return _link(
                Link.EXPIRY,
                Status.ERROR,
                Reason.UNREADABLE,
                "the job reports no signatureExpiresAt",
            )
        left = expires - self.now
        if left <= timedelta(0):
            return _link(
                Link.EXPIRY, Status.FAIL, Reason.EXPIRED, f"the signature expired {_when(expires)}"
            )
        if left <= timedelta(days=self.expiry_warning_days):
            return _link(
                Link.EXPIRY,
                Status.WARN,
                Reason.EXPIRES_SOON,
                f"the signature expires {_when(expires)} (in {left.days} days)",
            )
        return _link(
            Link.EXPIRY, Status.PASS, None, f"expires {_when(expires)} (in {left.days} days)"
        )

    def _object(self, job: SigningJobEvidence) -> tuple[LinkResult, str | None]:
        if not (job.signed_bucket and job.signed_key):
            return (
                _link(Link.OBJECT, Status.FAIL, Reason.OBJECT_MISSING, "reports no signed object"),
                None,
            )
        location = f"s3://{job.signed_bucket}/{job.signed_key}"
        found = self.store.signed_objects.get((job.signed_bucket, job.signed_key))
        if isinstance(found, Missing):
            return (
                _link(
                    Link.OBJECT,
                    Status.FAIL,
                    Reason.OBJECT_MISSING,
                    f"its signed object {location} does not exist",
                ),
                None,
            )
        if not isinstance(found, SignedObjectEvidence):
            reason = absence(found) if found is not None else "was not collected"
            return (
                _link(
                    Link.OBJECT,
                    Status.ERROR,
                    Reason.UNREADABLE,
                    f"its signed object {location} could not be read ({reason})",
                ),
                None,
            )
        return self.signed_version(job, found)

    @staticmethod
    def signed_version(
        job: SigningJobEvidence, found: SignedObjectEvidence
    ) -> tuple[LinkResult, str | None]:
        location = f"s3://{found.bucket}/{found.key}"
        signed = found.signed
        if signed is None:
            return (
                _link(
                    Link.OBJECT,
                    Status.FAIL,
                    Reason.OBJECT_MISSING,
                    f"every version of its signed object {location} is deleted",
                ),
                None,
            )
        by_job = written_by_job(signed, job)
        if by_job is False:
            return (
                _link(
                    Link.OBJECT,
                    Status.FAIL,
                    Reason.NOT_WRITTEN_BY_JOB,
                    f"the oldest version {signed.version_id} of {location} was written "
                    f"{_when(signed.last_modified)}, not while the job ran "
                    f"({_when(job.created_at)} to {_when(job.completed_at)}): the version Signer "
                    "wrote is gone",
                ),
                None,
            )
        sha256 = found.sha256_by_version.get(signed.version_id)
        if sha256 is None:
            return (
                _link(
                    Link.OBJECT,
                    Status.ERROR,
                    Reason.UNREADABLE,
                    f"the signed version {signed.version_id} of {location} was not hashed",
                ),
                None,
            )
        if by_job is None:
            return (
                _link(
                    Link.OBJECT,
                    Status.ERROR,
                    Reason.UNREADABLE,
                    f"whether {location} version {signed.version_id} is the one the job wrote "
                    "cannot be told (no job or object timestamps)",
                ),
                sha256,
            )
        return (
            _link(Link.OBJECT, Status.PASS, None, f"{location} version {signed.version_id}"),
            sha256,
        )

    # -- links 1-9: an artifact ---------------------------------------------------------------

    def artifact(self, job_id: str, code_sha256: str) -> Proof:
        """The job's proof plus link 9: ``code_sha256`` is the job's signed object."""
        key = (job_id, code_sha256)
        if key not in self._artifacts:
            proof = self.job(job_id)
            if proof.signed_sha256 is not None:
                if code_sha256 == proof.signed_sha256:
                    code = _link(Link.CODE, Status.PASS, None, f"CodeSha256 {code_sha256}")
                else:
                    code = _link(
                        Link.CODE,
                        Status.FAIL,
                        Reason.CODE_MISMATCH,
                        f"CodeSha256 {code_sha256} is not the SHA-256 of signing job {job_id}'s "
                        f"signed object ({proof.signed_sha256})",
                    )
                proof = proof.extended(code)
            self._artifacts[key] = proof
        return self._artifacts[key]

    def deployed(self, what: str, job_arn: str | None, code_sha256: str) -> Proof:
        """Link 1 and the artifact proof of code deployed with ``job_arn`` (a code path's or
        a layer version's SigningJobArn)."""
        if not job_arn:
            return Proof(
                what,
                (
                    _link(
                        Link.VALIDATED,
                        Status.FAIL,
                        Reason.NOT_VALIDATED,
                        "no SigningJobArn (deployed without signature validation)",
                    ),
                ),
            )
        proof = self.artifact(job_id_of(job_arn), code_sha256)
        validated = _link(Link.VALIDATED, Status.PASS, None, f"deployed from {job_arn}")
        return Proof(what, (validated, *proof.links), proof.signed_sha256, proof.job)

    def layer(self, arn: str) -> Proof:
        """A layer version, proven from GetLayerVersion's own CodeSha256 and signing job."""
        if arn not in self._layers:
            what = f"layer {arn}"
            found = self.store.layer_versions.get(arn)
            if isinstance(found, LayerVersionEvidence):
                proof = self.deployed(what, found.signing_job_arn, found.code_sha256)
            elif isinstance(found, Missing):
                proof = Proof(
                    what,
                    (_link(Link.VALIDATED, Status.FAIL, Reason.LAYER_MISSING, "does not exist"),),
                )
            else:
                reason = absence(found) if found is not None else "was not collected"
                proof = Proof(
                    what,
                    (
                        _link(
                            Link.VALIDATED,
                            Status.ERROR,
                            Reason.UNREADABLE,
                            f"could not be read ({reason})",
                        ),
                    ),
                )
            self._layers[arn] = proof
        return self._layers[arn]

    def named(self, proof: Proof, what: str) -> Proof:
        """The same proof under another name (the memoized one is named after the job)."""
        return Proof(what, proof.links, proof.signed_sha256, proof.job)


__all__ = [
    "CLOCK_TOLERANCE",
    "Link",
    "LinkResult",
    "Proof",
    "Prover",
    "Unavailable",
    "profile_version_arn",
    "written_by_job",
]
