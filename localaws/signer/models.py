"""Signer backend extended with signing jobs and revocation.

State lives on :class:`ExtendedSignerBackend`, a subclass of moto's ``SignerBackend`` that
:func:`localaws.patches.install` makes moto's ``signer_backends`` instantiate. Each signing-profile
version gets its own ECDSA P-384 key and signing certificate (issued by the account and region's
local root CA) when it is put; jobs sign with it (see :mod:`localaws.signing`) and Lambda
verifies with it at deploy time.

Everything about revocation is kept per profile *version* (keyed by the version ARN) and outlives
the profile name: :meth:`ExtendedSignerBackend.revoked_entities` is the one judge, used by
GetRevocationStatus and by Lambda's deploy-time validation.
"""

from __future__ import annotations

import calendar
import json
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends
from moto.signer.models import SignerBackend, SigningProfile, signer_backends
from moto.utilities.paginator import paginate
from moto.utilities.utils import get_partition

from localaws import clock, signing
from localaws.iam.enforce import signing_job_denial

from .exceptions import (
    AccessDeniedException,
    InvalidNextTokenException,
    ResourceNotFoundException,
    ValidationException,
)

LAMBDA_PLATFORM_ID = "AWSLambda-SHA384-ECDSA"
#: Signer's list operations return at most 25 items a page (botocore: MaxResults 1..25).
MAX_LIST_RESULTS = 25

PAGINATION_MODEL = {
    "list_signing_jobs": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": MAX_LIST_RESULTS,
        "unique_attribute": "job_id",
        "fail_on_invalid_token": InvalidNextTokenException,
    },
    "list_signing_profiles": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": MAX_LIST_RESULTS,
        "unique_attribute": "profileVersionArn",
        "fail_on_invalid_token": InvalidNextTokenException,
    },
}
# moto's platform list plus the Notation platform, which AWS and the Terraform provider accept.
KNOWN_PLATFORM_IDS = {p["platformId"] for p in SignerBackend.platforms} | {
    "Notation-OCI-SHA384-ECDSA"
}

# No lock here: the server runs one AWS request at a time inside moto
# (localaws.server.SerializingMiddleware), and admin endpoints take the same lock.


def add_validity(start: datetime, period: dict[str, Any]) -> datetime:
    """``start`` plus a SignatureValidityPeriod ({"value": n, "type": DAYS|MONTHS|YEARS})."""
    value = int(period.get("value", 135))
    kind = str(period.get("type", "MONTHS")).upper()
    if kind == "DAYS":
        return start + timedelta(days=value)
    months = value * 12 if kind == "YEARS" else value
    month_index = start.month - 1 + months
    year = start.year + month_index // 12
    month = month_index % 12 + 1
    day = min(start.day, calendar.monthrange(year, month)[1])
    return start.replace(year=year, month=month, day=day)


def epoch(moment: datetime) -> int:
    return int(moment.timestamp())


def signer_for(arn: str) -> ExtendedSignerBackend | None:
    """The Signer backend that owns a Signer ARN (arn:PARTITION:signer:REGION:ACCOUNT:...)."""
    parts = arn.split(":")
    if len(parts) < 6 or parts[2] != "signer" or not parts[3] or not parts[4]:
        return None
    backend = signer_backends[parts[4]][parts[3]]
    return backend if isinstance(backend, ExtendedSignerBackend) else None


@dataclass
class SignatureRevocation:
    reason: str
    revoked_at: datetime
    revoked_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "reason": self.reason,
            "revokedAt": epoch(self.revoked_at),
            "revokedBy": self.revoked_by,
        }


@dataclass
class ProfileRevocation:
    reason: str
    effective_from: datetime
    revoked_at: datetime
    revoked_by: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "revocationEffectiveFrom": epoch(self.effective_from),
            "revokedAt": epoch(self.revoked_at),
            "revokedBy": self.revoked_by,
        }


@dataclass
class SigningJob:
    """One signing job; the local Signer completes jobs synchronously."""

    job_id: str
    arn: str
    account_id: str
    requested_by: str
    profile_name: str
    profile_version: str
    profile_version_arn: str
    platform_id: str
    platform_display_name: str | None
    signing_material: dict[str, str] | None
    source_bucket: str
    source_key: str
    source_version: str
    destination_bucket: str
    signed_key: str
    created_at: datetime
    client_request_token: str
    status: str = "InProgress"
    status_reason: str | None = None
    completed_at: datetime | None = None
    signature_expires_at: datetime | None = None
    signed_object_version: str | None = None
    revocation: SignatureRevocation | None = field(default=None)

    @property
    def is_revoked(self) -> bool:
        return self.revocation is not None

    def _common(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "jobId": self.job_id,
            "source": {
                "s3": {
                    "bucketName": self.source_bucket,
                    "key": self.source_key,
                    "version": self.source_version,
                }
            },
            "createdAt": epoch(self.created_at),
            "status": self.status,
            "profileName": self.profile_name,
            "profileVersion": self.profile_version,
            "platformId": self.platform_id,
            "jobOwner": self.account_id,
            "jobInvoker": self.account_id,
        }
        if self.status == "Succeeded":
            item["signedObject"] = {
                "s3": {"bucketName": self.destination_bucket, "key": self.signed_key}
            }
        if self.signature_expires_at is not None:
            item["signatureExpiresAt"] = epoch(self.signature_expires_at)
        if self.platform_display_name:
            item["platformDisplayName"] = self.platform_display_name
        if self.signing_material:
            item["signingMaterial"] = self.signing_material
        return item

    def to_dict(self) -> dict[str, Any]:
        """DescribeSigningJob output."""
        item = self._common()
        item["requestedBy"] = self.requested_by
        item["statusReason"] = self.status_reason or ""
        if self.completed_at is not None:
            item["completedAt"] = epoch(self.completed_at)
        if self.revocation is not None:
            item["revocationRecord"] = self.revocation.to_dict()
        return item

    def to_list_item(self) -> dict[str, Any]:
        """An entry of ListSigningJobs' ``jobs``."""
        item = self._common()
        item["isRevoked"] = self.is_revoked
        return item


class ExtendedSignerBackend(SignerBackend):
    """moto's SignerBackend plus signing jobs, per-profile keys and revocation."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.signing_jobs: dict[str, SigningJob] = {}
        # Per profile version ARN, kept after the name is gone (purge_profile).
        self.signing_keys: dict[str, ec.EllipticCurvePrivateKey] = {}
        self.signing_certificates: dict[str, bytes] = {}
        self.profile_revocations: dict[str, ProfileRevocation] = {}
        self.profile_status_reasons: dict[str, str] = {}
        #: Certificate hashes (see localaws.signing) revoked through the admin endpoint.
        self.revoked_certificate_hashes: set[str] = set()
        #: Per profile name: its cross-account permission statements (AddProfilePermission)
        #: and their revision. Recorded only: other accounts' requests do not consult them.
        self.profile_permissions: dict[str, dict[str, dict[str, str]]] = {}
        self.profile_permission_revisions: dict[str, str] = {}
        self._root: tuple[ec.EllipticCurvePrivateKey, bytes] | None = None

    # -- cross-account permissions (recorded, for IAM and the guardrails' proof) --

    def add_profile_permission(self, profile_name: str, statement: dict[str, str]) -> str:
        self.get_signing_profile(profile_name)
        statements = self.profile_permissions.setdefault(profile_name, {})
        if statement["statementId"] in statements:
            raise ValidationException(f"statementId {statement['statementId']} already exists")
        statements[statement["statementId"]] = statement
        revision = uuid.uuid4().hex
        self.profile_permission_revisions[profile_name] = revision
        return revision

    def list_profile_permissions(self, profile_name: str) -> dict[str, object]:
        self.get_signing_profile(profile_name)
        statements = list(self.profile_permissions.get(profile_name, {}).values())
        return {
            "revisionId": self.profile_permission_revisions.get(profile_name, ""),
            "policySizeBytes": len(json.dumps(statements)),
            "permissions": statements,
        }

    def remove_profile_permission(self, profile_name: str, statement_id: str) -> str:
        self.get_signing_profile(profile_name)
        if self.profile_permissions.get(profile_name, {}).pop(statement_id, None) is None:
            raise ResourceNotFoundException(f"Permission {statement_id} does not exist")
        revision = uuid.uuid4().hex
        self.profile_permission_revisions[profile_name] = revision
        return revision

    # -- profiles: moto raises a bare KeyError for unknown names (a 500 in server mode) --

    def get_signing_profile(
        self, profile_name: str, profile_owner: str | None = None
    ) -> SigningProfile:
        """The name's (only, so current) version; ``profile_owner`` another account is refused."""
        if profile_owner and profile_owner != self.account_id:
            # Cross-account reads need AddProfilePermission, which this Signer does not have.
            raise AccessDeniedException(
                f"Signing profile {profile_name} of account {profile_owner} is not shared with "
                f"account {self.account_id} (the local Signer has no AddProfilePermission)"
            )
        try:
            return self.signing_profiles[profile_name]
        except KeyError:
            raise ResourceNotFoundException(
                f"Signing profile {profile_name} does not exist"
            ) from None

    def cancel_signing_profile(self, profile_name: str) -> None:
        self.get_signing_profile(profile_name).cancel()

    def put_signing_profile(
        self,
        profile_name: str,
        signature_validity_period: dict[str, Any] | None,
        platform_id: str,
        signing_material: dict[str, str],
        tags: dict[str, str],
    ) -> SigningProfile:
        """Create a profile; a name that exists, whatever its status, is refused.

        moto puts a new version under the same name (and so revives a Canceled one). AWS does
        not: the API reference calls PutSigningProfile "Creates a signing profile" and documents
        no update; the Signer developer guide asks for "a unique Profile name"
        (https://docs.aws.amazon.com/signer/latest/developerguide/console-profile.html); the
        Terraform AWS provider documents "Signing profile names are immutable and cannot be
        reused after canceled"
        (https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/signer_signing_profile);
        and reports from live use say a re-put fails with "Profile with name X already exists".
        The refusal is ValidationException, the only 4xx PutSigningProfile's model lists that
        fits; what AWS sends is recorded by the conformance kit (``profile_name_put_again``).
        A canceled or revoked name is freed only when AWS deletes the profile (its data
        retention; :meth:`purge_profile`).
        """
        if platform_id not in KNOWN_PLATFORM_IDS:
            raise ValidationException(f"Invalid platformId: {platform_id}")
        existing = self.signing_profiles.get(profile_name)
        if existing is not None:
            raise ValidationException(
                f"Profile with name {profile_name} already exists (status {existing.status})"
            )
        profile = super().put_signing_profile(
            profile_name=profile_name,
            signature_validity_period=signature_validity_period,
            platform_id=platform_id,
            signing_material=signing_material,
            tags=tags or {},
        )
        key = signing.new_signing_key()
        root_key, root_der = self._root_ca()
        self.signing_keys[profile.profile_version_arn] = key
        self.signing_certificates[profile.profile_version_arn] = signing.issue_signing_certificate(
            root_key, root_der, key, profile.profile_version_arn, clock.now()
        )
        return profile

    def _root_ca(self) -> tuple[ec.EllipticCurvePrivateKey, bytes]:
        if self._root is None:
            key = signing.new_signing_key()
            common_name = f"localaws Signer root {self.account_id} {self.region_name}"
            self._root = (key, signing.new_root_certificate(key, common_name, clock.now()))
        return self._root

    def certificate_chain(self, profile_version_arn: str) -> tuple[bytes, ...]:
        """The signing certificate of a profile version, then the root (DER)."""
        return (self.signing_certificates[profile_version_arn], self._root_ca()[1])

    def purge_profile(self, profile_name: str) -> str:
        """Delete a Canceled or Revoked profile, as AWS's data retention eventually does.

        AWS deletes such a profile once its signatures have expired, plus six months
        (https://docs.aws.amazon.com/signer/latest/developerguide/gs-profile.html); only then
        can the name be put again, as a new version. The version's key, certificate and
        revocation record stay: signatures and revocation are judged per version, never
        through whatever the name holds now. Returns the purged version ARN (admin endpoint).
        """
        profile = self.get_signing_profile(profile_name)
        if profile.status == "Active":
            raise ValidationException(
                f"Signing profile {profile_name} is Active; AWS deletes only Canceled or "
                "Revoked profiles"
            )
        del self.signing_profiles[profile_name]
        return profile.profile_version_arn

    def revoke_certificate(self, certificate_hash: str) -> None:
        """Mark a certificate hash revoked (admin endpoint; AWS has no API for it)."""
        if len(certificate_hash) != 192 or not all(
            c in "0123456789abcdef" for c in certificate_hash
        ):
            raise ValidationException(
                "certificateHash must be 192 lowercase hex characters (see localaws.signing)"
            )
        self.revoked_certificate_hashes.add(certificate_hash)

    def profile_to_dict(self, profile: SigningProfile) -> dict[str, Any]:
        """GetSigningProfile output: moto's dict without nulls, plus revocation."""
        result = {k: v for k, v in profile.to_dict().items() if v is not None}
        revocation = self.profile_revocations.get(profile.profile_version_arn)
        if revocation is not None:
            result["revocationRecord"] = revocation.to_dict()
        reason = self.profile_status_reasons.get(profile.profile_version_arn)
        if reason:
            result["statusReason"] = reason
        return result

    @paginate(PAGINATION_MODEL)
    def list_signing_profiles(
        self, include_canceled: bool, platform_id: str | None, statuses: list[str]
    ) -> list[dict[str, Any]]:
        """ListSigningProfiles' items, paged by ``next_token``/``max_results``."""
        profiles = []
        for profile in self.signing_profiles.values():
            if profile.status == "Canceled" and not include_canceled:
                continue
            if platform_id and profile.platform_id != platform_id:
                continue
            if statuses and profile.status not in statuses:
                continue
            item = self.profile_to_dict(profile)
            item.pop("revocationRecord", None)
            item.pop("statusReason", None)
            profiles.append(item)
        return profiles

    def get_signing_platform(self, platform_id: str) -> dict[str, Any]:
        for platform in self.platforms:
            if platform["platformId"] == platform_id:
                return platform
        raise ResourceNotFoundException(f"Signing platform {platform_id} does not exist")

    def revoke_signing_profile(
        self, profile_name: str, profile_version: str, reason: str, effective_time: datetime
    ) -> None:
        profile = self.get_signing_profile(profile_name)
        if profile.profile_version != profile_version:
            raise ResourceNotFoundException(
                f"Signing profile {profile_name} has no version {profile_version}"
            )
        if effective_time > clock.now():
            raise ValidationException("effectiveTime must be in the past")
        profile.status = "Revoked"
        # Re-revoking can only widen the revocation: a later effectiveTime must not re-validate
        # signatures made between the earlier and the later time, so the earlier record stands.
        existing = self.profile_revocations.get(profile.profile_version_arn)
        if existing is not None and existing.effective_from <= effective_time:
            return
        self.profile_status_reasons[profile.profile_version_arn] = reason
        self.profile_revocations[profile.profile_version_arn] = ProfileRevocation(
            reason=reason,
            effective_from=effective_time,
            revoked_at=clock.now(),
            revoked_by=self._principal(),
        )

    def profile_revocation(self, profile_version_arn: str) -> ProfileRevocation | None:
        return self.profile_revocations.get(profile_version_arn)

    def revoked_entities(
        self,
        *,
        profile_version_arn: str,
        job_arn: str,
        signature_timestamp: datetime,
        certificate_hashes: list[str],
    ) -> list[str]:
        """GetRevocationStatus: which of the given entities are revoked, as given.

        - the profile version ARN when *that version* was revoked with
          ``revocationEffectiveFrom <= signatureTimestamp`` (RevokeSigningProfile: "signatures
          generated using the signing profile after this timestamp are not trusted");
        - the job ARN when the job's signature was revoked (RevokeSignature), whenever it was
          made;
        - each certificate hash that was revoked.

        Each ARN is looked up in the backend of its own account and region, so the answer does
        not depend on who asks. An ARN this Signer never issued is not revoked.
        """
        revoked: list[str] = []
        owner = signer_for(profile_version_arn)
        revocation = owner.profile_revocation(profile_version_arn) if owner else None
        if revocation is not None and revocation.effective_from <= signature_timestamp:
            revoked.append(profile_version_arn)
        job_owner = signer_for(job_arn)
        job = job_owner.job_by_arn(job_arn) if job_owner else None
        if job is not None and job.arn == job_arn and job.is_revoked:
            revoked.append(job_arn)
        certificate_owners = {id(b): b for b in (self, owner) if b is not None}.values()
        revoked += [
            value
            for value in certificate_hashes
            if any(value in b.revoked_certificate_hashes for b in certificate_owners)
        ]
        return revoked

    def public_key(self, profile_version_arn: str) -> ec.EllipticCurvePublicKey | None:
        key = self.signing_keys.get(profile_version_arn)
        return key.public_key() if key is not None else None

    # -- jobs --

    def _principal(self) -> str:
        return f"arn:{get_partition(self.region_name)}:iam::{self.account_id}:root"

    def _job_arn(self, job_id: str) -> str:
        partition = get_partition(self.region_name)
        return f"arn:{partition}:signer:{self.region_name}:{self.account_id}:/signing-jobs/{job_id}"

    def start_signing_job(
        self,
        source: dict[str, Any],
        destination: dict[str, Any],
        profile_name: str,
        client_request_token: str,
    ) -> SigningJob:
        source_s3 = (source or {}).get("s3") or {}
        destination_s3 = (destination or {}).get("s3") or {}
        for name, value in (
            ("source.s3.bucketName", source_s3.get("bucketName")),
            ("source.s3.key", source_s3.get("key")),
            ("source.s3.version", source_s3.get("version")),
            ("destination.s3.bucketName", destination_s3.get("bucketName")),
        ):
            if not value:
                raise ValidationException(f"{name} is required")
        for job in self.signing_jobs.values():
            if client_request_token and job.client_request_token == client_request_token:
                return job
        profile = self.get_signing_profile(profile_name)
        if profile.status != "Active":
            raise ValidationException(
                f"Signing profile {profile_name} is {profile.status}, not Active"
            )
        s3 = s3_backends[self.account_id][get_partition(self.region_name)]
        try:
            source_bucket = s3.get_bucket(source_s3["bucketName"])
            s3.get_bucket(destination_s3["bucketName"])
        except MissingBucket as error:
            raise ValidationException(f"S3 bucket does not exist: {error}") from None
        # "Your S3 source bucket must be version enabled" (StartSigningJob's API reference): a
        # request that cannot meet it is refused, before any job exists.
        if source_bucket.versioning_status != "Enabled":
            raise ValidationException(
                f"Source bucket {source_s3['bucketName']} does not have versioning enabled; "
                "Signer signs an object version from a version-enabled bucket"
            )
        source_object = s3.get_object(
            source_s3["bucketName"], source_s3["key"], version_id=source_s3["version"]
        )
        if source_object is None:
            raise ValidationException(
                "Source object not found: s3://{bucketName}/{key} version {version}".format(
                    **source_s3
                )
            )
        job_id = str(uuid.uuid4())
        platform_name = next(
            (p["displayName"] for p in self.platforms if p["platformId"] == profile.platform_id),
            None,
        )
        now = clock.now()
        job = SigningJob(
            job_id=job_id,
            arn=self._job_arn(job_id),
            account_id=self.account_id,
            requested_by=self._principal(),
            profile_name=profile.name,
            profile_version=profile.profile_version,
            profile_version_arn=profile.profile_version_arn,
            platform_id=profile.platform_id,
            platform_display_name=str(platform_name) if platform_name else None,
            signing_material=profile.signing_material or None,
            source_bucket=source_s3["bucketName"],
            source_key=source_s3["key"],
            source_version=str(source_s3["version"]),
            destination_bucket=destination_s3["bucketName"],
            signed_key=f"{destination_s3.get('prefix') or ''}{job_id}.zip",
            created_at=now,
            client_request_token=client_request_token or "",
        )
        expires_at = add_validity(now, profile.signature_validity_period)
        source_bytes = bytes(source_object.value)
        # Signer signs a package once. Like a source that is not a ZIP, a source that already
        # carries a signature is found while the job runs: StartSigningJob succeeds (the request
        # was valid; ValidationException is for malformed requests) and the job ends Failed with
        # a statusReason, which DescribeSigningJob and the successful_signing_job waiter report.
        if signing.is_signed(source_bytes):
            job.status = "Failed"
            job.status_reason = (
                "The source object is already signed; sign the unsigned package instead"
            )
            job.completed_at = clock.now()
            self.signing_jobs[job_id] = job
            return job
        # Signer reads and writes S3 with the caller's permissions (localaws.iam.enforce).
        denied = signing_job_denial(
            job.source_bucket,
            job.source_key,
            job.destination_bucket,
            job.signed_key,
            self.region_name,
        )
        if denied:
            job.status, job.status_reason = "Failed", f"Access denied: {denied}"
            job.completed_at = clock.now()
            self.signing_jobs[job_id] = job
            return job
        try:
            signed = signing.sign_package(
                source_bytes,
                key=self.signing_keys[profile.profile_version_arn],
                job_arn=job.arn,
                profile_version_arn=profile.profile_version_arn,
                signed_at=epoch(now),
                expires_at=epoch(expires_at),
                certificates=self.certificate_chain(profile.profile_version_arn),
            )
        except signing.NotAZipError:
            job.status = "Failed"
            job.status_reason = "The source object is not a ZIP archive"
        else:
            written = s3.put_object(job.destination_bucket, job.signed_key, signed)
            job.signed_object_version = str(written.version_id)
            job.status = "Succeeded"
            job.status_reason = "Signing Succeeded"
            job.signature_expires_at = expires_at
        job.completed_at = clock.now()
        self.signing_jobs[job_id] = job
        return job

    def describe_signing_job(self, job_id: str) -> SigningJob:
        try:
            return self.signing_jobs[job_id]
        except KeyError:
            raise ResourceNotFoundException(f"Signing job {job_id} does not exist") from None

    def job_by_arn(self, job_arn: str) -> SigningJob | None:
        return self.signing_jobs.get(job_arn.rsplit("/", 1)[-1])

    @paginate(PAGINATION_MODEL)
    def list_signing_jobs(
        self,
        *,
        status: str | None = None,
        platform_id: str | None = None,
        requested_by: str | None = None,
        is_revoked: bool | None = None,
        expires_before: datetime | None = None,
        expires_after: datetime | None = None,
        job_invoker: str | None = None,
    ) -> list[SigningJob]:
        """ListSigningJobs, newest first; paged by ``next_token``/``max_results``.

        A filter that is None (or empty) does not filter. The expiry bounds are exclusive.
        """
        jobs = sorted(
            self.signing_jobs.values(), key=lambda j: (j.created_at, j.job_id), reverse=True
        )
        selected = []
        for job in jobs:
            if status and job.status != status:
                continue
            if platform_id and job.platform_id != platform_id:
                continue
            if requested_by and job.requested_by != requested_by:
                continue
            if is_revoked is not None and job.is_revoked != is_revoked:
                continue
            if job_invoker and job.account_id != job_invoker:
                continue
            if expires_before is not None and (
                job.signature_expires_at is None or job.signature_expires_at >= expires_before
            ):
                continue
            if expires_after is not None and (
                job.signature_expires_at is None or job.signature_expires_at <= expires_after
            ):
                continue
            selected.append(job)
        return selected

    def revoke_signature(self, job_id: str, reason: str) -> None:
        job = self.describe_signing_job(job_id)
        if not reason:
            raise ValidationException("reason is required")
        if job.revocation is None:
            job.revocation = SignatureRevocation(
                reason=reason, revoked_at=clock.now(), revoked_by=self._principal()
            )
