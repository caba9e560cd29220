"""The assumptions, one stable id each, and the pure judges that decide whether they held."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .evidence import MAX_INSPECTED_OBJECT, Evidence
from .packages import signature_location

#: The verifier's tolerance between completedAt and the signed object's LastModified
#: (verifier.checks.CLOCK_TOLERANCE; S3 LastModified has one-second resolution).
CLOCK_TOLERANCE_SECONDS = 2.0


@dataclass(frozen=True)
class ItemSpec:
    id: str
    assumption: str
    used_by: str


ITEMS: tuple[ItemSpec, ...] = (
    ItemSpec(
        "code_sha256_equals_signed_object_sha256",
        "Lambda's CodeSha256 of the function ($LATEST), of a published version and of a layer "
        "version is base64(SHA-256) of the exact bytes of the signed S3 object it was created "
        "from, so hashing the signed object proves what runs.",
        "verifier check function.code_sha256 and object.not_overwritten; "
        "published versions and layers: DESIGN.md section 5 ('every code path that can run')",
    ),
    ItemSpec(
        "signed_key_pattern",
        "Signer writes the signed object to the destination prefix + jobId + '.zip', in the "
        "destination bucket.",
        "stack outputs (signed_key) and verifier check job.destination",
    ),
    ItemSpec(
        "signature_location",
        "Signer leaves the package's own entries byte-identical and only adds signature data "
        "(entries or the zip comment), so the signed package runs the unsigned package's files.",
        "the chain source -> deterministic zip -> signed object (DESIGN.md section 5)",
    ),
    ItemSpec(
        "describe_signing_job_shape",
        "DescribeSigningJob returns every field the verifier reads (status, source.s3 with "
        "version, signedObject.s3 bucketName+key, profile, platform, completedAt, "
        "signatureExpiresAt). Recorded, not judged: whether signedObject.s3 has a version id "
        "(the service model has none, so the verifier finds the signed version itself).",
        "verifier.inputs.parse_signing_job; collect.signed_object (finds the version itself)",
    ),
    ItemSpec(
        "list_signing_jobs_shape",
        "ListSigningJobs lists the job with the fields fleet audit reads (jobId, status, "
        "source.s3 with version, signedObject.s3, profile, platform, isRevoked, "
        "signatureExpiresAt). Recorded, not judged: whether signedObject.s3 has a version id.",
        "fleet audit (DESIGN.md section 5a: one bulk ListSigningJobs, not one "
        "DescribeSigningJob per function)",
    ),
    ItemSpec(
        "completed_at_vs_last_modified_seconds",
        "The signed key has exactly one version after the job, and its S3 LastModified is no "
        f"later than the job's completedAt + {CLOCK_TOLERANCE_SECONDS:g} s.",
        "verifier check object.not_overwritten (CLOCK_TOLERANCE, signed_version)",
    ),
    ItemSpec(
        "function_signing_fields",
        "GetFunction's Configuration (and a published version's) carries SigningJobArn "
        "(arn:...:/signing-jobs/<jobId>) and SigningProfileVersionArn of the job and profile "
        "version, and each Configuration.Layers[] entry carries its layer's signing ARNs.",
        "verifier checks function.signing_job, function.signing_profile, layers.signed, "
        "versions.signed",
    ),
    ItemSpec(
        "layer_version_signing_fields",
        "GetLayerVersion's Content carries CodeSha256, SigningJobArn and "
        "SigningProfileVersionArn of the layer's signing job and profile version.",
        "DESIGN.md section 5 evidence (GetLayerVersion Content); the local AWS's GetLayerVersion",
    ),
    ItemSpec(
        "profile_name_put_again",
        "PutSigningProfile on a profile name that exists is refused, whether the profile is "
        "Active or Canceled: a name holds one profile version, and a Canceled name is not "
        "revived. Recorded: the error code, message and HTTP status AWS returns.",
        "the local AWS's PutSigningProfile (ValidationException); revocation judged per "
        "profile version, never through the name (issue 18)",
    ),
)
ITEM_IDS = tuple(spec.id for spec in ITEMS)
_SPECS = {spec.id: spec for spec in ITEMS}


@dataclass(frozen=True)
class Item:
    """One recorded assumption: what was observed and whether the assumption held.

    ``holds`` is None when the fact could not be observed; ``reason`` then says why.
    """

    id: str
    holds: bool | None
    observed: Mapping[str, Any]
    reason: str | None = None

    def to_dict(self) -> dict[str, Any]:
        spec = _SPECS[self.id]
        return {
            "assumption": spec.assumption,
            "used_by": spec.used_by,
            "holds": self.holds,
            "reason": self.reason,
            "observed": dict(self.observed),
        }


def combine(parts: Mapping[str, bool | None]) -> bool | None:
    """False if any part failed; else None if any could not be observed; else True.

    No parts at all is not a pass.
    """
    values = list(parts.values())
    if not values:
        return None
    if any(value is False for value in values):
        return False
    if any(value is None for value in values):
        return None
    return True


def _reason_for(parts: Mapping[str, bool | None], reasons: Mapping[str, str]) -> str | None:
    missing = [
        f"{name}: {reasons.get(name, 'not observed')}" for name, v in parts.items() if v is None
    ]
    return "; ".join(missing) or None


def dotted_keys(value: Any, prefix: str = "") -> list[str]:
    """Every key path in a response, values dropped: ``a.b``, lists as ``a[]``."""
    keys: set[str] = set()
    if isinstance(value, Mapping):
        for name, member in value.items():
            if not prefix and name == "ResponseMetadata":
                continue
            path = f"{prefix}.{name}" if prefix else str(name)
            keys.add(path)
            keys.update(dotted_keys(member, path))
    elif isinstance(value, list):
        for member in value:
            keys.update(dotted_keys(member, f"{prefix}[]"))
    return sorted(keys)


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if isinstance(moment, datetime) else None


def judge_code_sha256(ev: Evidence) -> Item:
    observed: dict[str, Any] = {}
    parts: dict[str, bool | None] = {}
    reasons: dict[str, str] = {}
    for name, reported, package in (
        ("function", ev.latest_configuration.get("CodeSha256"), ev.function),
        ("published_version", ev.published_configuration.get("CodeSha256"), ev.function),
        ("layer", (ev.layer_version.get("Content") or {}).get("CodeSha256"), ev.layer),
    ):
        equal = None if not reported else reported == package.signed_sha256
        if not reported:
            reasons[name] = "no CodeSha256 in the response"
        parts[name] = equal
        observed[name] = {
            "code_sha256": reported,
            "signed_object_sha256": package.signed_sha256,
            "signed_object_version_id": package.signed_version_id,
            "equal": equal,
        }
    return Item(
        "code_sha256_equals_signed_object_sha256",
        combine(parts),
        observed,
        _reason_for(parts, reasons),
    )


def judge_signed_key_pattern(ev: Evidence) -> Item:
    observed: dict[str, Any] = {}
    parts: dict[str, bool | None] = {}
    for package in (ev.function, ev.layer):
        prefix = package.destination_prefix
        relative = (
            package.signed_key[len(prefix) :] if package.signed_key.startswith(prefix) else None
        )
        expected = f"{package.job_id}.zip"
        parts[package.role] = relative == expected
        observed[package.role] = {
            "destination_prefix": prefix,
            "signed_key": package.signed_key,
            "relative_key": relative,
            "expected_relative_key": expected,
            "holds": relative == expected,
        }
    return Item("signed_key_pattern", combine(parts), observed)


def judge_signature_location(ev: Evidence) -> Item:
    observed: dict[str, Any] = {}
    parts: dict[str, bool | None] = {}
    reasons: dict[str, str] = {}
    for package in (ev.function, ev.layer):
        if package.signed_bytes is None:
            parts[package.role] = None
            reasons[package.role] = f"signed object larger than {MAX_INSPECTED_OBJECT} bytes"
            continue
        location = signature_location(package.unsigned_bytes, package.signed_bytes)
        observed[package.role] = location
        if not location["signed_is_zip"]:
            parts[package.role] = False
            continue
        parts[package.role] = bool(
            location["unsigned_entries_identical"] and not location["removed_entries"]
        )
    return Item("signature_location", combine(parts), observed, _reason_for(parts, reasons))


DESCRIBE_JOB_KEYS = (
    "jobId",
    "status",
    "source.s3.bucketName",
    "source.s3.key",
    "source.s3.version",
    "signedObject.s3.bucketName",
    "signedObject.s3.key",
    "profileName",
    "profileVersion",
    "platformId",
    "createdAt",
    "completedAt",
    "signatureExpiresAt",
)
LIST_JOB_KEYS = (
    "jobId",
    "status",
    "source.s3.bucketName",
    "source.s3.key",
    "source.s3.version",
    "signedObject.s3.bucketName",
    "signedObject.s3.key",
    "profileName",
    "profileVersion",
    "platformId",
    "isRevoked",
    "signatureExpiresAt",
)
SIGNED_OBJECT_VERSION_KEYS = ("signedObject.s3.version", "signedObject.s3.versionId")


def _shape(response: Mapping[str, Any], required: Sequence[str]) -> tuple[bool, dict[str, Any]]:
    keys = dotted_keys(response)
    missing = [key for key in required if key not in keys]
    signed_s3 = (response.get("signedObject") or {}).get("s3") or {}
    version_keys = sorted(k for k in signed_s3 if "version" in k.lower())
    observed = {
        "keys": keys,
        "missing_keys_the_verifier_reads": missing,
        "signed_object_s3_has_version_id": bool(version_keys),
        "signed_object_s3_version_keys": version_keys,
    }
    # A version id would be news (the service model has none), not a broken assumption: the
    # verifier finds the signed version itself. Recorded, not judged.
    return not missing, observed


def judge_describe_shape(ev: Evidence) -> Item:
    observed: dict[str, Any] = {}
    parts: dict[str, bool | None] = {}
    for package in (ev.function, ev.layer):
        parts[package.role], observed[package.role] = _shape(
            package.describe_job, DESCRIBE_JOB_KEYS
        )
    return Item("describe_signing_job_shape", combine(parts), observed)


def judge_list_shape(ev: Evidence) -> Item:
    observed: dict[str, Any] = {}
    parts: dict[str, bool | None] = {}
    reasons: dict[str, str] = {}
    for package in (ev.function, ev.layer):
        if package.list_job_entry is None:
            parts[package.role] = None
            reasons[package.role] = (
                f"job {package.job_id} not in the first {package.list_pages_read} "
                "page(s) of ListSigningJobs(status=Succeeded)"
            )
            continue
        parts[package.role], observed[package.role] = _shape(package.list_job_entry, LIST_JOB_KEYS)
    return Item("list_signing_jobs_shape", combine(parts), observed, _reason_for(parts, reasons))


def judge_completed_gap(ev: Evidence) -> Item:
    observed: dict[str, Any] = {}
    parts: dict[str, bool | None] = {}
    reasons: dict[str, str] = {}
    for package in (ev.function, ev.layer):
        completed_at = package.describe_job.get("completedAt")
        last_modified = package.signed_last_modified
        gap = (
            (last_modified - completed_at).total_seconds()
            if isinstance(completed_at, datetime) and last_modified is not None
            else None
        )
        observed[package.role] = {
            "completed_at": _iso(completed_at),
            "last_modified": _iso(last_modified),
            "gap_seconds": gap,
            "head_object_version_id": package.signed_version_id,
            "signed_key_versions": package.signed_key_versions,
        }
        if gap is None:
            parts[package.role] = None
            reasons[package.role] = "completedAt or LastModified missing"
        else:
            parts[package.role] = (
                gap <= CLOCK_TOLERANCE_SECONDS
                and package.signed_key_versions == 1
                and bool(package.signed_version_id)
            )
    return Item(
        "completed_at_vs_last_modified_seconds",
        combine(parts),
        observed,
        _reason_for(parts, reasons),
    )


NO_SIGNING_ARNS = "no SigningJobArn or SigningProfileVersionArn in the response"


def _arns_match(
    entry: Mapping[str, Any], job_id: str, profile_version_arn: str
) -> tuple[bool | None, dict[str, Any]]:
    """Whether an entry names the job and profile version; None when it has neither field."""
    job_arn = entry.get("SigningJobArn")
    profile_arn = entry.get("SigningProfileVersionArn")
    job_ok = isinstance(job_arn, str) and job_arn.endswith(f":/signing-jobs/{job_id}")
    profile_ok = profile_arn == profile_version_arn
    observed = {
        "has_signing_job_arn": job_arn is not None,
        "has_signing_profile_version_arn": profile_arn is not None,
        "signing_job_arn_names_the_job": job_ok,
        "signing_profile_version_arn_is_the_profile_version": profile_ok,
    }
    if job_arn is None and profile_arn is None:
        return None, observed
    return job_ok and profile_ok, observed


def judge_function_signing_fields(ev: Evidence) -> Item:
    observed: dict[str, Any] = {}
    parts: dict[str, bool | None] = {}
    reasons: dict[str, str] = {}
    layers = list(ev.latest_configuration.get("Layers") or [])
    ours = next((layer for layer in layers if layer.get("Arn") == ev.layer_version_arn), None)
    for name, entry, job_id in (
        ("latest", ev.latest_configuration, ev.function.job_id),
        ("published_version", ev.published_configuration, ev.function.job_id),
        ("list_versions_entry", ev.published_listing, ev.function.job_id),
        ("layers", ours, ev.layer.job_id),
    ):
        if entry is None:
            parts[name] = None
            reasons[name] = (
                "the function's Configuration.Layers does not list the layer"
                if name == "layers"
                else "the published version is not in ListVersionsByFunction"
            )
            continue
        parts[name], observed[name] = _arns_match(entry, job_id, ev.profile_version_arn)
        if parts[name] is None:
            reasons[name] = NO_SIGNING_ARNS
    return Item("function_signing_fields", combine(parts), observed, _reason_for(parts, reasons))


def judge_layer_version_signing_fields(ev: Evidence) -> Item:
    content = ev.layer_version.get("Content") or {}
    matches, observed = _arns_match(content, ev.layer.job_id, ev.profile_version_arn)
    observed["has_code_sha256"] = bool(content.get("CodeSha256"))
    observed["content_keys"] = sorted(content)
    if matches is None:
        return Item("layer_version_signing_fields", None, observed, f"Content: {NO_SIGNING_ARNS}")
    return Item("layer_version_signing_fields", matches and observed["has_code_sha256"], observed)


def judge_profile_put_again(ev: Evidence) -> Item:
    observed = {state: dict(outcome) for state, outcome in ev.profile_put_again.items()}
    parts: dict[str, bool | None] = {}
    reasons: dict[str, str] = {}
    for state in ("active", "canceled"):
        outcome = ev.profile_put_again.get(state)
        if outcome is None:
            parts[state] = None
            reasons[state] = "not attempted"
            continue
        parts[state] = not outcome.get("accepted") and bool(
            outcome.get("version_arn_after_is_the_first")
        )
    return Item("profile_name_put_again", combine(parts), observed, _reason_for(parts, reasons))


JUDGES: tuple[Callable[[Evidence], Item], ...] = (
    judge_code_sha256,
    judge_signed_key_pattern,
    judge_signature_location,
    judge_describe_shape,
    judge_list_shape,
    judge_completed_gap,
    judge_function_signing_fields,
    judge_layer_version_signing_fields,
    judge_profile_put_again,
)


def judge(ev: Evidence) -> list[Item]:
    return [rule(ev) for rule in JUDGES]
