"""Facts of a fleet audit: what to audit, and the evidence of one Region's fleet.

:class:`RegionEvidence` is a :class:`~verifier.checks.SignatureEvidence` (jobs, profiles, signed
objects and layer versions by their keys), so the verifier's own ``prove_signature`` and
``prove_layer`` judge every code path and layer of the fleet exactly as ``verify`` judges one
stack's. Evidence that could not be read is :class:`~verifier.model.Unavailable`, never dropped.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from verifier.contract.arns import job_id_of, profile_version_of
from verifier.model import (
    AliasEvidence,
    CodePath,
    Collected,
    CscEvidence,
    LayerVersionEvidence,
    ProfileEvidence,
    SignedObjectEvidence,
    SigningJobEvidence,
    Trust,
    Unavailable,
)

LATEST = "$LATEST"
IMAGE = "Image"


@dataclass(frozen=True)
class Scope:
    """What the report covers: every function, or (incident response) only what runs code from
    one signing job or one profile version: the revocation blast radius."""

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

    def selects_signature(
        self,
        job_arn: str | None,
        profile_version_arn: str | None,
        jobs: Mapping[str, Collected[SigningJobEvidence]] | None = None,
    ) -> bool:
        """Whether a signature (a code path's or a layer's) is in the narrowed scope."""
        if not self.narrowed:
            return True
        job_id = job_id_of(job_arn) if job_arn else None
        if self.job_id is not None and job_id == self.job_id:
            return True
        if self.profile_version_arn is not None:
            if profile_version_arn == self.profile_version_arn:
                return True
            job = jobs.get(job_id) if jobs is not None and job_id else None
            wanted = profile_version_of(self.profile_version_arn)
            if isinstance(job, SigningJobEvidence) and wanted is not None:
                return (job.profile_name, job.profile_version) == wanted
        return False

    def selects_path(
        self, path: CodePath, jobs: Mapping[str, Collected[SigningJobEvidence]] | None = None
    ) -> bool:
        """A code path runs in-scope code: its own, or a layer's."""
        if self.selects_signature(path.signing_job_arn, path.signing_profile_version_arn, jobs):
            return True
        return any(
            self.selects_signature(layer.signing_job_arn, layer.signing_profile_version_arn, jobs)
            for layer in path.layers
        )


@dataclass(frozen=True)
class AuditPlan:
    """Everything an audit run needs, validated before any AWS call."""

    trust: Trust
    regions: tuple[str, ...]
    scope: Scope = field(default_factory=Scope)
    expiry_warning_days: int = 30
    cache_dir: Path | None = None
    max_lambda_rps: float = 10.0
    #: Where the trust came from, for the report's ``source`` ("command line" or the lock).
    source: str = "command line"


@dataclass(frozen=True)
class FunctionRecord:
    """One function as the listings show it: every code path, and its CSC."""

    name: str
    #: The unqualified function ARN.
    arn: str
    region: str
    #: ``$LATEST`` first, then published versions in ascending order.
    paths: tuple[CodePath, ...]
    #: The attached CSC's ARN, None when there is none, or why that could not be told.
    csc_arn: str | Unavailable | None

    @property
    def is_image(self) -> bool:
        return any(path.package_type == IMAGE for path in self.paths)

    def path_resource(self, path: CodePath) -> str:
        return self.arn if path.version == LATEST else f"{self.arn}:{path.version}"


@dataclass(frozen=True)
class RegionEvidence:
    """One Region's fleet, as collected (a :class:`~verifier.checks.SignatureEvidence`)."""

    region: str
    functions: tuple[FunctionRecord, ...]
    cscs: Mapping[str, CscEvidence] = field(default_factory=dict)
    jobs: Mapping[str, Collected[SigningJobEvidence]] = field(default_factory=dict)
    profiles: Mapping[str, Collected[ProfileEvidence]] = field(default_factory=dict)
    signed_objects: Mapping[tuple[str, str], Collected[SignedObjectEvidence]] = field(
        default_factory=dict
    )
    layer_versions: Mapping[str, Collected[LayerVersionEvidence]] = field(default_factory=dict)
    #: Aliases, listed only for functions with a failing code path (or in a narrowed scope).
    aliases: Mapping[str, Collected[tuple[AliasEvidence, ...]]] = field(default_factory=dict)
    #: Listings that failed: the fleet may be incomplete (an ERROR finding each).
    listing_errors: tuple[Unavailable, ...] = ()


@dataclass(frozen=True)
class ExpiringSignature:
    """A signature that expires inside the forecast window, and what runs it."""

    expires_at: datetime
    job_id: str
    profile: str
    used_by: tuple[str, ...]
