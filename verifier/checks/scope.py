"""What a fleet report covers: every function, or (incident response) only what runs code from
one signing job or one profile version: the revocation blast radius.

A code path is in the blast radius when it was deployed from that job (or a job of that profile
version), or when it runs the same bytes: its ``CodeSha256`` equals such a job's signed object.
A package whose signature failed validation under ``Warn`` deploys without signing ARNs, but its
bytes are the job's.
"""

from __future__ import annotations

from dataclasses import dataclass

from verifier.contract.arns import job_id_of, profile_version_of
from verifier.evidence.model import CodePath, SigningJobEvidence, Store


@dataclass(frozen=True)
class Scope:
    function_prefix: str | None = None
    job_id: str | None = None
    profile_version_arn: str | None = None

    @property
    def narrowed(self) -> bool:
        return self.job_id is not None or self.profile_version_arn is not None

    def describe(self) -> str:
        parts = []
        if self.function_prefix:
            parts.append(f"functions named {self.function_prefix}*")
        if self.job_id:
            parts.append(f"code from signing job {self.job_id}")
        if self.profile_version_arn:
            parts.append(f"code signed by {self.profile_version_arn}")
        return ", ".join(parts) or "every function"

    def selects_name(self, name: str) -> bool:
        return self.function_prefix is None or name.startswith(self.function_prefix)

    def selects_job(self, job: SigningJobEvidence | None, job_id: str | None) -> bool:
        """The job is the scoped job, or was signed by the scoped profile version."""
        if self.job_id is not None and job_id == self.job_id:
            return True
        if self.profile_version_arn is not None and isinstance(job, SigningJobEvidence):
            return (job.profile_name, job.profile_version) == profile_version_of(
                self.profile_version_arn
            )
        return False

    def selects_signature(
        self,
        job_arn: str | None,
        profile_version_arn: str | None,
        code_sha256: str | None,
        store: Store,
        affected_sha256: frozenset[str] = frozenset(),
    ) -> bool:
        """Whether code with these signing ARNs and bytes runs in-scope code."""
        if not self.narrowed:
            return True
        if code_sha256 is not None and code_sha256 in affected_sha256:
            return True
        if profile_version_arn is not None and profile_version_arn == self.profile_version_arn:
            return True
        if job_arn is None:
            return False
        job_id = job_id_of(job_arn)
        job = store.jobs.get(job_id)
        return self.selects_job(job if isinstance(job, SigningJobEvidence) else None, job_id)

    def selects_path(
        self, path: CodePath, store: Store, affected_sha256: frozenset[str] = frozenset()
    ) -> bool:
        """A code path runs in-scope code: its own, or a layer's."""
        if self.selects_signature(
            path.signing_job_arn,
            path.signing_profile_version_arn,
            path.code_sha256,
            store,
            affected_sha256,
        ):
            return True
        for layer in path.layers:
            found = store.layer_versions.get(layer.arn)
            code = getattr(found, "code_sha256", None)
            if self.selects_signature(
                layer.signing_job_arn,
                layer.signing_profile_version_arn,
                code,
                store,
                affected_sha256,
            ):
                return True
        return False

    def affected_sha256(self, store: Store) -> frozenset[str]:
        """The bytes the scoped job(s) signed: the signed versions' hashes."""
        if not self.narrowed:
            return frozenset()
        found = set()
        for job_id, job in store.jobs.items():
            if not isinstance(job, SigningJobEvidence) or not self.selects_job(job, job_id):
                continue
            if not (job.signed_bucket and job.signed_key):
                continue
            obj = store.signed_objects.get((job.signed_bucket, job.signed_key))
            sha256 = getattr(obj, "signed_sha256", None)
            if sha256:
                found.add(sha256)
        return frozenset(found)
