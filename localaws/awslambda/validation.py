"""Deploy-time code-signing checks, as Lambda runs them for a function package or a layer.

For an artifact deployed under a code signing config (CSC):

1. Integrity: a package that carries a signature must verify against the signing-profile
   version's key. If not, the deploy fails with InvalidCodeSignatureException under *any*
   policy (AWS blocks tampered code even under Warn).
2. Untrusted-artifact checks, each a reason string when it fails:
   unsigned, expired, mismatch (profile version not an allowed publisher), then revocation as
   Signer's GetRevocationStatus answers it (:meth:`ExtendedSignerBackend.revoked_entities`):
   revoked signature (job), revoked profile version (signed at or after the revocation's
   effective time), revoked signing certificate.
3. Policy: under Enforce the first failure rejects the deploy with
   CodeVerificationFailedException; under Warn the artifact deploys without signing ARNs.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from localaws import clock, signing
from localaws.signer.models import ExtendedSignerBackend

from .exceptions import CodeVerificationFailedException, InvalidCodeSignatureException

SignerLookup = Callable[[str], ExtendedSignerBackend | None]
"""Finds the Signer backend that owns a signing-profile version ARN."""


@dataclass(frozen=True)
class Verdict:
    """The outcome for one artifact: signing ARNs when trusted, else the failed check."""

    signing_job_arn: str | None = None
    signing_profile_version_arn: str | None = None
    failure: str | None = None

    @property
    def trusted(self) -> bool:
        return self.failure is None


def _profile_arn(profile_version_arn: str) -> str:
    return profile_version_arn.rsplit("/", 1)[0]


def check_artifact(
    data: bytes, allowed_publishers: list[str], signer_for: SignerLookup, label: str
) -> Verdict:
    """Run the checks on one artifact (raises InvalidCodeSignatureException on tampering)."""
    try:
        envelope = signing.read_envelope(data)
    except signing.MalformedSignatureError:
        raise InvalidCodeSignatureException(
            f"The {label} has a malformed signature and cannot be deployed."
        ) from None
    if envelope is None:
        return Verdict(failure=f"The {label} is not signed.")

    # 1. integrity
    signer = signer_for(envelope.profile_version_arn)
    public_key = signer.public_key(envelope.profile_version_arn) if signer else None
    if public_key is None or not signing.verify_integrity(data, envelope, public_key):
        raise InvalidCodeSignatureException(
            f"The {label} failed signature validation: its content does not match its signature."
        )
    assert signer is not None

    # 2. untrusted-artifact checks
    now = clock.now()
    trusted = Verdict(
        signing_job_arn=envelope.job_arn,
        signing_profile_version_arn=envelope.profile_version_arn,
    )
    if now.timestamp() >= envelope.expires_at:
        expired_at = datetime.fromtimestamp(envelope.expires_at, UTC).isoformat()
        return Verdict(failure=f"The {label}'s signature expired at {expired_at}.")
    if not {envelope.profile_version_arn, _profile_arn(envelope.profile_version_arn)} & set(
        allowed_publishers
    ):
        return Verdict(
            failure=f"The {label} is signed by {envelope.profile_version_arn}, "
            "which is not an allowed publisher of the code signing config."
        )
    # Revocation is Signer's GetRevocationStatus, judged for the signature's own profile
    # version, job and certificates (never the profile name's current version).
    revoked = signer.revoked_entities(
        profile_version_arn=envelope.profile_version_arn,
        job_arn=envelope.job_arn,
        signature_timestamp=datetime.fromtimestamp(envelope.signed_at, UTC),
        certificate_hashes=envelope.certificate_hashes(),
    )
    if envelope.job_arn in revoked:
        return Verdict(failure=f"The {label}'s signature was revoked (job {envelope.job_arn}).")
    if envelope.profile_version_arn in revoked:
        return Verdict(
            failure=f"The {label}'s signing profile {envelope.profile_version_arn} was revoked."
        )
    if revoked:
        return Verdict(
            failure=f"The {label}'s signing certificate was revoked ({', '.join(revoked)})."
        )
    return trusted


def apply_policy(policy: str, verdicts: list[Verdict]) -> None:
    """3. Reject under Enforce when any artifact failed; Warn lets the deploy proceed."""
    failures = [v.failure for v in verdicts if v.failure]
    if failures and policy == "Enforce":
        raise CodeVerificationFailedException(
            "Lambda cannot deploy the function. The function or layer might be signed using a "
            "signature that the client is not configured to accept. " + " ".join(failures)
        )
