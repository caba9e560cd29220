"""The forecast: signatures in use that expire inside the warning window, and what runs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from verifier.checks.registry import Context
from verifier.checks.scope import Scope
from verifier.contract.arns import job_id_of
from verifier.evidence.model import Evidence, LayerVersionEvidence, SigningJobEvidence


@dataclass(frozen=True)
class ExpiringSignature:
    """A signature that expires inside the forecast window, and what runs it."""

    expires_at: datetime
    job_id: str
    profile: str
    used_by: tuple[str, ...]


def expiring(
    evidence: Evidence, ctx: Context, scope: Scope | None = None
) -> list[ExpiringSignature]:
    """Signatures in use that expire inside the warning window, soonest first."""
    scope = scope or Scope()
    horizon = ctx.now + timedelta(days=ctx.expiry_warning_days)
    affected = scope.affected_sha256(evidence.store)
    users: dict[str, list[str]] = {}
    for function in evidence.functions:
        if function.is_image or not scope.selects_name(function.name):
            continue
        for path in function.paths:
            if not scope.selects_path(path, evidence.store, affected):
                continue
            label = f"{function.name}:{path.version}"
            if path.signing_job_arn:
                users.setdefault(job_id_of(path.signing_job_arn), []).append(label)
            for layer in path.layers:
                found = evidence.store.layer_versions.get(layer.arn)
                if isinstance(found, LayerVersionEvidence) and found.signing_job_arn:
                    users.setdefault(job_id_of(found.signing_job_arn), []).append(
                        f"{label} (layer {layer.arn.rsplit(':', 2)[-2]})"
                    )
    found_signatures = []
    for job_id, labels in users.items():
        job = evidence.store.jobs.get(job_id)
        if not isinstance(job, SigningJobEvidence) or job.signature_expires_at is None:
            continue
        if ctx.now < job.signature_expires_at <= horizon:
            found_signatures.append(
                ExpiringSignature(
                    expires_at=job.signature_expires_at,
                    job_id=job_id,
                    profile=f"{job.profile_name}/{job.profile_version}",
                    used_by=tuple(dict.fromkeys(labels)),
                )
            )
    return sorted(found_signatures, key=lambda item: (item.expires_at, item.job_id))
