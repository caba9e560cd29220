"""``make conformance``: record, in a real AWS sandbox account, what the verifier assumes.

Usage: python scripts/conformance.py --yes-create-resources [--keep] [--output FILE]
       (or SIGNED_LAMBDA_CONFORMANCE=1 instead of --yes-create-resources)

The verifier and the local AWS rest on facts about AWS that no offline test can prove, above
all that Lambda's ``CodeSha256`` is base64(SHA-256) of the signed object's bytes. This script
runs the signing recipe once in the account and region of the standard AWS environment
(AWS_PROFILE / AWS_REGION / AWS_ENDPOINT_URL, through boto3) and records what it saw:

1. creates, with names unique to this run: a versioned S3 bucket, an IAM role for Lambda (logs
   only), a Signer profile (AWSLambda-SHA384-ECDSA) and a code signing config (Enforce) that
   allows exactly that profile version;
2. uploads a tiny deterministic function zip and layer zip, signs each object *version* with a
   signing job and waits for it (bounded), publishes the layer from its signed object and
   creates the function from its signed object under the CSC, with the layer; publishes one
   version;
3. reads everything back and records one item per assumption (``holds`` true, false, or null
   with a reason when it could not be observed) into build/conformance.json, written
   atomically, with a short summary on stderr;
4. deletes everything it created, always (also on failures and Ctrl-C), in dependency order;
   ``--keep`` leaves it all for inspection and prints what to delete.

Exit codes: 0 recorded, every assumption held; 1 recorded, some assumption did not hold or
could not be observed; 2 usage, opt-in or credentials problem (one line, nothing created);
3 an AWS error stopped the run (the record, with the error, is still written); 130 interrupted
(cleanup still runs; a second Ctrl-C during cleanup is ignored).
A failed cleanup step is reported on one line each and turns an exit code of 0 or 1 into 3.

Against the local AWS (tests/scripts/test_conformance.py): AWS_ENDPOINT_URL, AWS_CA_BUNDLE and
dummy credentials. Nothing here has a "local" branch; real-AWS-only waits (IAM propagation,
function state) simply end at once there.
"""

from __future__ import annotations

import argparse
import base64
import hashlib
import io
import json
import os
import signal
import sys
import tempfile
import time
import uuid
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from types import FrameType
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = REPO_ROOT / "build" / "conformance.json"
SCHEMA_VERSION = 1

OPT_IN_FLAG = "--yes-create-resources"
OPT_IN_ENV = "SIGNED_LAMBDA_CONFORMANCE"
PLATFORM_ID = "AWSLambda-SHA384-ECDSA"
RUNTIME = "python3.12"
HANDLER = "index.handler"
FUNCTION_PREFIX = "signed/function/"
LAYER_PREFIX = "signed/layer/"
NAME_PREFIX = "signed-lambda-conformance"
#: The verifier's tolerance between completedAt and the signed object's LastModified
#: (verifier.checks.CLOCK_TOLERANCE; S3 LastModified has one-second resolution).
CLOCK_TOLERANCE_SECONDS = 2.0

# Bounded waits. Real AWS: a job takes seconds, a new role takes up to ~10 s to be assumable.
JOB_TIMEOUT_SECONDS = 300.0
JOB_POLL_SECONDS = 2.0
ROLE_PROPAGATION_ATTEMPTS = 12
ROLE_PROPAGATION_DELAY_SECONDS = 5.0
FUNCTION_STATE_DELAY_SECONDS = 2
FUNCTION_STATE_ATTEMPTS = 90
LIST_JOBS_MAX_PAGES = 20
LIST_JOBS_PAGE_SIZE = 25  # the service model's maximum
LIST_JOBS_ATTEMPTS = 3  # a listing may lag DescribeSigningJob
LIST_JOBS_RETRY_SECONDS = 3.0
CSC_DELETE_ATTEMPTS = 10  # a CSC can stay "in use" briefly after DeleteFunction
CSC_DELETE_RETRY_SECONDS = 3.0
HASH_CHUNK = 64 * 1024
#: Our packages are a few hundred bytes; a signed object far larger is not ours to load.
MAX_INSPECTED_OBJECT = 16 * 1024 * 1024

FIXED_ZIP_TIME = (2020, 1, 1, 0, 0, 0)
FUNCTION_SOURCE = "def handler(event, context):\n    return 'signed-lambda conformance'\n"
LAYER_SOURCE = "MARKER = 'signed-lambda conformance layer'\n"


# --- errors: only main() turns them into exit codes ------------------------------------------


class ConformanceError(Exception):
    """A run-stopping problem; ``str()`` is one line for the user."""

    exit_code = 3


class UsageError(ConformanceError):
    """Opt-in, region or credentials missing: nothing was created."""

    exit_code = 2


class AwsRunError(ConformanceError):
    """An AWS call failed (or a wait ran out) while the recipe was running."""

    exit_code = 3


# --- the assumptions: one stable id each --------------------------------------------------


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
        "verifier check function.code_sha256 and object.not_overwritten (matching_versions); "
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
        "verifier checks function.signing_job, function.signing_profile, function.layers, "
        "versions.signed",
    ),
    ItemSpec(
        "layer_version_signing_fields",
        "GetLayerVersion's Content carries CodeSha256, SigningJobArn and "
        "SigningProfileVersionArn of the layer's signing job and profile version.",
        "DESIGN.md section 5 evidence (GetLayerVersion Content); the local AWS's GetLayerVersion",
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


# --- pure helpers (tested without AWS) ------------------------------------------------------


def make_zip(files: Mapping[str, str]) -> bytes:
    """A deterministic zip: fixed order, timestamps and permissions."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in sorted(files):
            info = zipfile.ZipInfo(name, date_time=FIXED_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, files[name])
    return buffer.getvalue()


def function_package() -> bytes:
    return make_zip({"index.py": FUNCTION_SOURCE})


def layer_package() -> bytes:
    return make_zip({"python/conformance_layer.py": LAYER_SOURCE})


def code_sha256(chunks: Iterator[bytes] | Sequence[bytes]) -> str:
    """Lambda's CodeSha256 format: base64 of the raw SHA-256 digest."""
    digest = hashlib.sha256()
    for chunk in chunks:
        digest.update(chunk)
    return base64.b64encode(digest.digest()).decode()


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


def _central_directory_offset(data: bytes) -> int | None:
    at = data.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(data):
        return None
    return int.from_bytes(data[at + 16 : at + 20], "little")


def signature_location(unsigned: bytes, signed: bytes) -> dict[str, Any]:
    """Where the signature went: new entries, the zip comment, or the entries themselves."""
    with zipfile.ZipFile(io.BytesIO(unsigned)) as before:
        before_infos = {info.filename: info for info in before.infolist()}
        before_data = {name: before.read(name) for name in before_infos}
        before_comment = before.comment
    try:
        after = zipfile.ZipFile(io.BytesIO(signed))
    except zipfile.BadZipFile as error:
        return {"signed_is_zip": False, "error": str(error)}
    with after:
        after_infos = {info.filename: info for info in after.infolist()}
        changed = []
        for name, info in before_infos.items():
            other = after_infos.get(name)
            if other is None:
                continue
            same = (
                after.read(name) == before_data[name]
                and other.CRC == info.CRC
                and other.compress_type == info.compress_type
                and other.date_time == info.date_time
                and other.external_attr == info.external_attr
            )
            if not same:
                changed.append(name)
        after_comment = after.comment
    records_end = _central_directory_offset(unsigned)
    return {
        "signed_is_zip": True,
        "added_entries": sorted(set(after_infos) - set(before_infos)),
        "removed_entries": sorted(set(before_infos) - set(after_infos)),
        "changed_entries": sorted(changed),
        "unsigned_entries_identical": not changed and set(before_infos) <= set(after_infos),
        # Stronger: the signed file starts with the unsigned file's local records, byte for byte.
        "unsigned_local_records_are_prefix": records_end is not None
        and signed[:records_end] == unsigned[:records_end],
        "unsigned_comment_length": len(before_comment),
        "signed_comment_length": len(after_comment),
        "unsigned_size": len(unsigned),
        "signed_size": len(signed),
    }


def redact_account(account_id: str) -> str:
    return "*" * max(0, len(account_id) - 4) + account_id[-4:]


def _iso(moment: Any) -> str | None:
    return moment.isoformat() if isinstance(moment, datetime) else None


# --- evidence: what the run observed (built by hand in unit tests) ----------------------------


@dataclass(frozen=True)
class SignedPackage:
    """One package through Signer: the unsigned object, the job, the signed object."""

    role: str  # "function" or "layer"
    unsigned_bytes: bytes
    destination_prefix: str
    job_id: str
    describe_job: Mapping[str, Any]
    list_job_entry: Mapping[str, Any] | None
    list_pages_read: int
    signed_bucket: str
    signed_key: str
    signed_version_id: str | None
    signed_last_modified: datetime | None
    signed_key_versions: int
    signed_sha256: str
    signed_bytes: bytes | None


@dataclass(frozen=True)
class Evidence:
    function: SignedPackage
    layer: SignedPackage
    profile_version_arn: str
    layer_version_arn: str
    latest_configuration: Mapping[str, Any]
    published_configuration: Mapping[str, Any]
    published_listing: Mapping[str, Any] | None
    layer_version: Mapping[str, Any]


# --- judge: evidence -> items (pure) ------------------------------------------------------


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


JUDGES: tuple[Callable[[Evidence], Item], ...] = (
    judge_code_sha256,
    judge_signed_key_pattern,
    judge_signature_location,
    judge_describe_shape,
    judge_list_shape,
    judge_completed_gap,
    judge_function_signing_fields,
    judge_layer_version_signing_fields,
)


def judge(ev: Evidence) -> list[Item]:
    return [rule(ev) for rule in JUDGES]


# --- the document and its exit code -------------------------------------------------------


def result_of(items: Sequence[Item], error: str | None) -> str:
    if error is not None:
        return "error"
    if not items:
        return "error"
    if all(item.holds is True for item in items):
        return "held"
    return "not_held"


def exit_code_of(result: str, cleanup_failures: Sequence[str], interrupted: bool) -> int:
    if interrupted:
        return 130
    code = {"held": 0, "not_held": 1}.get(result, 3)
    if cleanup_failures and code in (0, 1):
        return 3
    return code


def document(
    run: Mapping[str, Any],
    items: Sequence[Item],
    error: str | None,
    cleanup: Mapping[str, Any],
) -> dict[str, Any]:
    result = result_of(items, error)
    return {
        "schema_version": SCHEMA_VERSION,
        "result": result,
        "error": error,
        "run": dict(run),
        "summary": {
            "held": sum(item.holds is True for item in items),
            "not_held": sum(item.holds is False for item in items),
            "not_observed": sum(item.holds is None for item in items),
            "expected_items": len(ITEMS),
        },
        "items": {item.id: item.to_dict() for item in items},
        "cleanup": dict(cleanup),
    }


def write_atomically(path: Path, content: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(content)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def summary_lines(doc: Mapping[str, Any]) -> list[str]:
    marks = {True: "held", False: "NOT HELD", None: "not observed"}
    lines = [f"  {item_id}: {marks[item['holds']]}" for item_id, item in doc["items"].items()]
    for item_id, item in doc["items"].items():
        if item["reason"]:
            lines.append(f"    ({item_id}: {item['reason']})")
    return lines


# --- AWS: the run ----------------------------------------------------------------------------


def _progress(message: str) -> None:
    print(f"conformance: {message}", file=sys.stderr, flush=True)


@dataclass(frozen=True)
class Names:
    run_id: str
    bucket: str
    role: str
    profile: str
    function: str
    layer: str

    @classmethod
    def for_run(cls, now: datetime, token: str) -> Names:
        run_id = f"{now.strftime('%Y%m%dt%H%M%S')}-{token}"
        dashed = f"{NAME_PREFIX}-{run_id}"
        return cls(
            run_id=run_id,
            bucket=dashed,
            role=dashed,
            profile=dashed.replace("-", "_"),
            function=dashed,
            layer=dashed,
        )


@dataclass
class Cleanup:
    """Undo steps, run newest first; a failed step is reported and the rest still run."""

    steps: list[tuple[str, Callable[[], None]]] = field(default_factory=list)

    def push(self, description: str, undo: Callable[[], None]) -> None:
        self.steps.append((description, undo))

    def describe(self) -> list[str]:
        return [description for description, _ in reversed(self.steps)]

    def run(self) -> list[str]:
        failures = []
        while self.steps:
            description, undo = self.steps.pop()
            try:
                undo()
            except Exception as error:  # reported, never hides the results
                failures.append(f"cleanup: {description} failed: {_one_line(error)}")
        return failures


def _one_line(error: BaseException) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, Mapping):
        details = response.get("Error") or {}
        code = details.get("Code", type(error).__name__)
        message = details.get("Message", "")
        operation = getattr(error, "operation_name", "")
        return f"{operation} {code}: {message}".strip().replace("\n", " ")
    return f"{type(error).__name__}: {error}".replace("\n", " ")


class Run:
    """The recipe against one account and region. Every create registers its undo first."""

    def __init__(self, session: Any, names: Names, cleanup: Cleanup, account_id: str) -> None:
        from botocore.config import Config

        config = Config(
            retries={"max_attempts": 8, "mode": "standard"}, connect_timeout=10, read_timeout=60
        )
        self.s3 = session.client("s3", config=config)
        self.iam = session.client("iam", config=config)
        self.signer = session.client("signer", config=config)
        self.lambda_ = session.client("lambda", config=config)
        self.region = session.region_name
        self.names = names
        self.cleanup = cleanup
        self.account_id = account_id

    # 1. the resources

    def create_bucket(self) -> None:
        _progress(f"bucket {self.names.bucket}")
        kwargs: dict[str, Any] = {"Bucket": self.names.bucket}
        if self.region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": self.region}
        self.s3.create_bucket(**kwargs)
        self.cleanup.push(f"delete bucket {self.names.bucket}", self._delete_bucket)
        self.s3.put_public_access_block(
            Bucket=self.names.bucket,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": True,
                "IgnorePublicAcls": True,
                "BlockPublicPolicy": True,
                "RestrictPublicBuckets": True,
            },
        )
        self.s3.put_bucket_versioning(
            Bucket=self.names.bucket, VersioningConfiguration={"Status": "Enabled"}
        )

    def _delete_bucket(self) -> None:
        paginator = self.s3.get_paginator("list_object_versions")
        for page in paginator.paginate(Bucket=self.names.bucket):
            doomed = [
                {"Key": item["Key"], "VersionId": item["VersionId"]}
                for item in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
            ]
            if doomed:
                reply = self.s3.delete_objects(
                    Bucket=self.names.bucket, Delete={"Objects": doomed, "Quiet": True}
                )
                if reply.get("Errors"):
                    first = reply["Errors"][0]
                    raise RuntimeError(
                        f"{len(reply['Errors'])} object version(s) not deleted, e.g. "
                        f"{first.get('Key')} {first.get('VersionId')}: {first.get('Code')}"
                    )
        self.s3.delete_bucket(Bucket=self.names.bucket)

    def create_role(self) -> str:
        _progress(f"role {self.names.role}")
        trust = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": "lambda.amazonaws.com"},
                    "Action": "sts:AssumeRole",
                }
            ],
        }
        role_arn = str(
            self.iam.create_role(
                RoleName=self.names.role,
                AssumeRolePolicyDocument=json.dumps(trust),
                Description="signed-lambda conformance run (deleted by the run)",
            )["Role"]["Arn"]
        )
        self.cleanup.push(f"delete role {self.names.role}", self._delete_role)
        partition = role_arn.split(":")[1]
        log_group = (
            f"arn:{partition}:logs:{self.region}:{self.account_id}:"
            f"log-group:/aws/lambda/{self.names.function}"
        )
        logs_only = {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogGroup"],
                    "Resource": log_group,
                },
                {
                    "Effect": "Allow",
                    "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
                    "Resource": f"{log_group}:*",
                },
            ],
        }
        self.iam.put_role_policy(
            RoleName=self.names.role, PolicyName="logs", PolicyDocument=json.dumps(logs_only)
        )
        return role_arn

    def _delete_role(self) -> None:
        from botocore.exceptions import ClientError

        try:
            self.iam.delete_role_policy(RoleName=self.names.role, PolicyName="logs")
        except ClientError as error:
            if error.response.get("Error", {}).get("Code") != "NoSuchEntity":
                raise
        self.iam.delete_role(RoleName=self.names.role)

    def create_profile(self) -> str:
        _progress(f"signing profile {self.names.profile}")
        reply = self.signer.put_signing_profile(
            profileName=self.names.profile,
            platformId=PLATFORM_ID,
            signatureValidityPeriod={"value": 7, "type": "DAYS"},
        )
        self.cleanup.push(
            f"cancel signing profile {self.names.profile}",
            lambda: self.signer.cancel_signing_profile(profileName=self.names.profile),
        )
        return str(reply["profileVersionArn"])

    def create_csc(self, profile_version_arn: str) -> str:
        _progress("code signing config (Enforce)")
        arn = str(
            self.lambda_.create_code_signing_config(
                Description=f"{NAME_PREFIX} {self.names.run_id}",
                AllowedPublishers={"SigningProfileVersionArns": [profile_version_arn]},
                CodeSigningPolicies={"UntrustedArtifactOnDeployment": "Enforce"},
            )["CodeSigningConfig"]["CodeSigningConfigArn"]
        )
        self.cleanup.push(
            f"delete code signing config {arn}",
            lambda: self._delete_csc(arn),
        )
        return arn

    def _delete_csc(self, arn: str) -> None:
        from botocore.exceptions import ClientError

        for attempt in range(1, CSC_DELETE_ATTEMPTS + 1):
            try:
                self.lambda_.delete_code_signing_config(CodeSigningConfigArn=arn)
                return
            except ClientError as error:
                in_use = error.response.get("Error", {}).get("Code") == "ResourceConflictException"
                if not in_use or attempt == CSC_DELETE_ATTEMPTS:
                    raise
                time.sleep(CSC_DELETE_RETRY_SECONDS)

    # 2. sign

    def sign(self, role: str, package: bytes, prefix: str) -> SignedPackage:
        key = f"unsigned/{role}/package.zip"
        version = str(
            self.s3.put_object(Bucket=self.names.bucket, Key=key, Body=package)["VersionId"]
        )
        _progress(f"signing the {role} package (s3://{self.names.bucket}/{key} {version})")
        job_id = str(
            self.signer.start_signing_job(
                source={"s3": {"bucketName": self.names.bucket, "key": key, "version": version}},
                destination={"s3": {"bucketName": self.names.bucket, "prefix": prefix}},
                profileName=self.names.profile,
                clientRequestToken=str(uuid.uuid4()),
            )["jobId"]
        )
        job = self._wait_for_job(job_id)
        signed_s3 = (job.get("signedObject") or {}).get("s3") or {}
        signed_bucket = str(signed_s3.get("bucketName") or "")
        signed_key = str(signed_s3.get("key") or "")
        if not signed_bucket or not signed_key:
            raise AwsRunError(f"signing job {job_id} succeeded without signedObject.s3")
        head = self.s3.head_object(Bucket=signed_bucket, Key=signed_key)
        signed_version = head.get("VersionId")
        versions = self._key_versions(signed_bucket, signed_key)
        digest, data = self._read_object(signed_bucket, signed_key, signed_version)
        entry, pages = self._find_in_list(job_id)
        return SignedPackage(
            role=role,
            unsigned_bytes=package,
            destination_prefix=prefix,
            job_id=job_id,
            describe_job=job,
            list_job_entry=entry,
            list_pages_read=pages,
            signed_bucket=signed_bucket,
            signed_key=signed_key,
            signed_version_id=signed_version,
            signed_last_modified=head.get("LastModified"),
            signed_key_versions=versions,
            signed_sha256=digest,
            signed_bytes=data,
        )

    def _wait_for_job(self, job_id: str) -> dict[str, Any]:
        deadline = time.monotonic() + JOB_TIMEOUT_SECONDS
        while True:
            job = dict(self.signer.describe_signing_job(jobId=job_id))
            status = job.get("status")
            if status == "Succeeded":
                return job
            if status == "Failed":
                raise AwsRunError(
                    f"signing job {job_id} failed: {job.get('statusReason') or 'no reason'}"
                )
            if time.monotonic() >= deadline:
                raise AwsRunError(
                    f"signing job {job_id} still {status} after {JOB_TIMEOUT_SECONDS:g} s"
                )
            time.sleep(JOB_POLL_SECONDS)

    def _key_versions(self, bucket: str, key: str) -> int:
        paginator = self.s3.get_paginator("list_object_versions")
        count = 0
        for page in paginator.paginate(Bucket=bucket, Prefix=key):
            count += sum(1 for item in page.get("Versions", []) if item["Key"] == key)
        return count

    def _read_object(self, bucket: str, key: str, version: str | None) -> tuple[str, bytes | None]:
        """Stream the object to hash it; keep the bytes only while they are small."""
        kwargs = {"Bucket": bucket, "Key": key}
        if version:
            kwargs["VersionId"] = version
        body = self.s3.get_object(**kwargs)["Body"]
        digest = hashlib.sha256()
        kept: bytearray | None = bytearray()
        for chunk in body.iter_chunks(HASH_CHUNK):
            digest.update(chunk)
            if kept is not None:
                kept.extend(chunk)
                if len(kept) > MAX_INSPECTED_OBJECT:
                    kept = None
        return base64.b64encode(digest.digest()).decode(), bytes(kept) if kept is not None else None

    def _find_in_list(self, job_id: str) -> tuple[dict[str, Any] | None, int]:
        """The job's ListSigningJobs entry (bounded pages and attempts) and the pages read."""
        for attempt in range(1, LIST_JOBS_ATTEMPTS + 1):
            entry, pages = self._scan_list(job_id)
            if entry is not None or attempt == LIST_JOBS_ATTEMPTS:
                return entry, pages
            time.sleep(LIST_JOBS_RETRY_SECONDS)
        raise AssertionError("unreachable")

    def _scan_list(self, job_id: str) -> tuple[dict[str, Any] | None, int]:
        pages = 0
        token: str | None = None
        while pages < LIST_JOBS_MAX_PAGES:
            kwargs: dict[str, Any] = {
                "status": "Succeeded",
                "platformId": PLATFORM_ID,
                "maxResults": LIST_JOBS_PAGE_SIZE,
            }
            if token:
                kwargs["nextToken"] = token
            reply = self.signer.list_signing_jobs(**kwargs)
            pages += 1
            for entry in reply.get("jobs", []):
                if entry.get("jobId") == job_id:
                    return dict(entry), pages
            token = reply.get("nextToken")
            if not token:
                break
        return None, pages

    # 3. deploy

    def publish_layer(self, signed: SignedPackage) -> str:
        _progress(f"layer {self.names.layer} from the signed object")
        reply = self.lambda_.publish_layer_version(
            LayerName=self.names.layer,
            Description=f"{NAME_PREFIX} {self.names.run_id}",
            Content=self._code_location(signed),
            CompatibleRuntimes=[RUNTIME],
        )
        number = int(reply["Version"])
        self.cleanup.push(
            f"delete layer version {self.names.layer}:{number}",
            lambda: self.lambda_.delete_layer_version(
                LayerName=self.names.layer, VersionNumber=number
            ),
        )
        return str(reply["LayerVersionArn"])

    @staticmethod
    def _code_location(signed: SignedPackage) -> dict[str, str]:
        location = {"S3Bucket": signed.signed_bucket, "S3Key": signed.signed_key}
        if signed.signed_version_id:
            location["S3ObjectVersion"] = signed.signed_version_id
        return location

    def create_function(
        self, signed: SignedPackage, role_arn: str, csc_arn: str, layer_arn: str
    ) -> None:
        from botocore.exceptions import ClientError

        _progress(f"function {self.names.function} from the signed object, under the CSC")
        for attempt in range(1, ROLE_PROPAGATION_ATTEMPTS + 1):
            try:
                self.lambda_.create_function(
                    FunctionName=self.names.function,
                    Runtime=RUNTIME,
                    Role=role_arn,
                    Handler=HANDLER,
                    Code=self._code_location(signed),
                    CodeSigningConfigArn=csc_arn,
                    Layers=[layer_arn],
                    Description=f"{NAME_PREFIX} {self.names.run_id}",
                    Publish=False,
                )
                break
            except ClientError as error:
                # A new role is not assumable by Lambda for a few seconds (IAM propagation).
                details = error.response.get("Error", {})
                propagating = details.get("Code") == "InvalidParameterValueException" and (
                    "cannot be assumed" in details.get("Message", "")
                )
                if not propagating or attempt == ROLE_PROPAGATION_ATTEMPTS:
                    raise
                _progress(f"waiting for the role to propagate (attempt {attempt})")
                time.sleep(ROLE_PROPAGATION_DELAY_SECONDS)
        self.cleanup.push(
            f"delete function {self.names.function}",
            lambda: self.lambda_.delete_function(FunctionName=self.names.function),
        )
        self.lambda_.get_waiter("function_active_v2").wait(
            FunctionName=self.names.function,
            WaiterConfig={
                "Delay": FUNCTION_STATE_DELAY_SECONDS,
                "MaxAttempts": FUNCTION_STATE_ATTEMPTS,
            },
        )

    def publish_version(self) -> str:
        _progress("publishing a version")
        version = str(self.lambda_.publish_version(FunctionName=self.names.function)["Version"])
        self.lambda_.get_waiter("published_version_active").wait(
            FunctionName=self.names.function,
            Qualifier=version,
            WaiterConfig={
                "Delay": FUNCTION_STATE_DELAY_SECONDS,
                "MaxAttempts": FUNCTION_STATE_ATTEMPTS,
            },
        )
        return version

    # 4. read back

    def collect(
        self,
        function: SignedPackage,
        layer: SignedPackage,
        profile_version_arn: str,
        layer_arn: str,
        version: str,
    ) -> Evidence:
        """The reads the items are judged from."""
        _progress("reading back what Lambda recorded")
        latest = self.lambda_.get_function(FunctionName=self.names.function)["Configuration"]
        published = self.lambda_.get_function(FunctionName=self.names.function, Qualifier=version)[
            "Configuration"
        ]
        listing = None
        for page in self.lambda_.get_paginator("list_versions_by_function").paginate(
            FunctionName=self.names.function
        ):
            for entry in page.get("Versions", []):
                if entry.get("Version") == version:
                    listing = dict(entry)
        number = int(layer_arn.rsplit(":", 1)[-1])
        layer_version = self.lambda_.get_layer_version(
            LayerName=self.names.layer, VersionNumber=number
        )
        return Evidence(
            function=function,
            layer=layer,
            profile_version_arn=profile_version_arn,
            layer_version_arn=layer_arn,
            latest_configuration=dict(latest),
            published_configuration=dict(published),
            published_listing=listing,
            layer_version=dict(layer_version),
        )


def execute(run: Run) -> Evidence:
    """Steps 1-3 of the recipe, in order; creation order is the reverse of cleanup order."""
    run.create_bucket()
    role_arn = run.create_role()  # early: IAM propagates while the packages are signed
    profile_version_arn = run.create_profile()
    csc_arn = run.create_csc(profile_version_arn)
    function = run.sign("function", function_package(), FUNCTION_PREFIX)
    layer = run.sign("layer", layer_package(), LAYER_PREFIX)
    layer_arn = run.publish_layer(layer)
    run.create_function(function, role_arn, csc_arn, layer_arn)
    version = run.publish_version()
    return run.collect(function, layer, profile_version_arn, layer_arn, version)


# --- the CLI: the only place errors become exit codes ---------------------------------------


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="conformance",
        description="Record, in a real AWS sandbox account, what the verifier assumes. "
        "Creates (and deletes) an S3 bucket, an IAM role, a Signer profile, a code signing "
        "config, a layer and a function.",
    )
    parser.add_argument(
        OPT_IN_FLAG,
        dest="opt_in",
        action="store_true",
        help=f"create AWS resources in the current account (or set {OPT_IN_ENV}=1)",
    )
    parser.add_argument(
        "--keep", action="store_true", help="skip cleanup, leaving everything for inspection"
    )
    parser.add_argument(
        "--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the JSON record"
    )
    parser.add_argument(
        "--list-assumptions",
        action="store_true",
        help="print the assumption -> item table (Markdown) and exit; no AWS calls",
    )
    return parser.parse_args(argv)


def _credentials_session() -> tuple[Any, str]:
    """A session with credentials and a region, and the caller's account id (or UsageError)."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

    session = boto3.Session()
    if not session.region_name:
        raise UsageError("no AWS region: set AWS_REGION (and AWS_DEFAULT_REGION) or a profile")
    try:
        credentials = session.get_credentials()
    except BotoCoreError as error:
        raise UsageError(f"cannot load AWS credentials: {_one_line(error)}") from None
    if credentials is None:
        raise UsageError(
            "no AWS credentials: set AWS_PROFILE (or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY) "
            "for a sandbox account"
        )
    try:
        identity = session.client("sts").get_caller_identity()
    except NoCredentialsError:
        raise UsageError("no AWS credentials: set AWS_PROFILE for a sandbox account") from None
    except ClientError as error:
        raise UsageError(f"the AWS credentials were refused: {_one_line(error)}") from None
    except BotoCoreError as error:
        raise AwsRunError(f"cannot reach AWS STS: {_one_line(error)}") from None
    return session, str(identity["Account"])


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def assumptions_table() -> str:
    """The README's table, from the registry (so the two cannot drift apart)."""
    rows = ["| What the verifier assumes | Conformance item | Relied on by |", "|---|---|---|"]
    rows += [f"| {spec.assumption} | `{spec.id}` | {spec.used_by} |" for spec in ITEMS]
    return "\n".join(rows) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    if args.list_assumptions:
        sys.stdout.write(assumptions_table())
        return 0
    if not (args.opt_in or os.environ.get(OPT_IN_ENV) == "1"):
        print(
            f"error: conformance creates AWS resources; pass {OPT_IN_FLAG} "
            f"or set {OPT_IN_ENV}=1 (use a sandbox account)",
            file=sys.stderr,
        )
        return UsageError.exit_code
    try:
        session, account_id = _credentials_session()
    except ConformanceError as refusal:
        print(f"error: {refusal}", file=sys.stderr)
        return refusal.exit_code

    previous_sigterm = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        return _record(args, session, account_id)
    finally:
        signal.signal(signal.SIGTERM, previous_sigterm)


def _record(args: argparse.Namespace, session: Any, account_id: str) -> int:
    import boto3
    import botocore
    from botocore.exceptions import BotoCoreError, ClientError

    now = datetime.now(UTC)
    names = Names.for_run(now, uuid.uuid4().hex[:8])
    run_info = {
        "run_id": names.run_id,
        "account": redact_account(account_id),
        "region": session.region_name,
        "date": now.isoformat(timespec="seconds"),
        "endpoint": "custom (AWS_ENDPOINT_URL)" if os.environ.get("AWS_ENDPOINT_URL") else "aws",
        "boto3_version": boto3.__version__,
        "botocore_version": botocore.__version__,
    }
    _progress(f"run {names.run_id} in {session.region_name}, account {run_info['account']}")
    cleanup = Cleanup()
    items: list[Item] = []
    error: str | None = None
    interrupted = False
    failures: list[str] = []
    try:
        evidence = execute(Run(session, names, cleanup, account_id))
        items = judge(evidence)
    except KeyboardInterrupt:
        interrupted = True
        error = "interrupted"
    except ConformanceError as problem:
        error = str(problem)
    except (ClientError, BotoCoreError) as problem:  # WaiterError is a BotoCoreError
        error = _one_line(problem)
    except Exception as problem:  # a defect here: still clean up and record, then surface it
        error = f"internal error: {_one_line(problem)}"
        raise
    finally:
        if args.keep:
            kept = cleanup.describe()
            cleanup_record: dict[str, Any] = {"performed": False, "left_for_you": kept}
            for description in kept:
                _progress(f"kept (--keep): {description}")
        else:
            _progress("cleaning up (Ctrl-C is ignored until it ends)")
            previous_sigint = signal.signal(signal.SIGINT, signal.SIG_IGN)
            try:
                failures = cleanup.run()
            finally:
                signal.signal(signal.SIGINT, previous_sigint)
            cleanup_record = {"performed": True, "failures": failures}
        doc = document(run_info, items, error, cleanup_record)
        write_atomically(args.output, json.dumps(doc, indent=2, sort_keys=False) + "\n")
    for failure in failures:
        print(failure, file=sys.stderr)
    if error is not None:
        print(f"error: {error}", file=sys.stderr)
    for line in summary_lines(doc):
        print(line, file=sys.stderr)
    code = exit_code_of(doc["result"], failures, interrupted)
    print(
        f"conformance: {doc['result']} ({doc['summary']['held']}/{len(ITEMS)} held), "
        f"recorded in {args.output}; exit {code}",
        file=sys.stderr,
    )
    return code


if __name__ == "__main__":
    sys.exit(main())
