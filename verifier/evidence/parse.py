"""Strict parsers from AWS responses to evidence: one per shape, used by both collectors.

A field AWS documents as always present that is missing, or of the wrong type, raises
:class:`ResponseError`; the access layer turns it into :class:`Unavailable` evidence (an ERROR
finding). Nothing is defaulted: a missing policy is not ``Warn``, a missing ``CodeSha256`` is
not ``""``. Fields AWS omits when they do not apply (``SigningJobArn`` of code deployed without
validation, ``Environment`` of a function without variables) are None or empty.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from typing import Any

from verifier.contract.reader import Reader
from verifier.errors import InputError
from verifier.evidence.model import (
    LATEST,
    AliasEvidence,
    CodePath,
    CscEvidence,
    LayerRef,
    LayerVersionEvidence,
    ObjectVersionEvidence,
    ProfileEvidence,
    RevocationEvidence,
    SigningJobEvidence,
)


class ResponseError(Exception):
    """An AWS response lacks a field AWS documents, or has one of the wrong type."""

    def __init__(self, shape: str, problem: str) -> None:
        super().__init__(f"{shape}: {problem}")
        self.shape = shape
        self.problem = problem


def _required(item: Mapping[str, Any], key: str, shape: str) -> Any:
    value = item.get(key)
    if value is None:
        raise ResponseError(shape, f"{key} is missing")
    return value


def _string(item: Mapping[str, Any], key: str, shape: str) -> str:
    value = _required(item, key, shape)
    if not isinstance(value, str) or not value:
        raise ResponseError(shape, f"{key} is not a non-empty string")
    return value


def _optional_string(item: Mapping[str, Any], key: str, shape: str) -> str | None:
    value = item.get(key)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ResponseError(shape, f"{key} is not a string")
    return value


def _mapping(value: Any, shape: str, key: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise ResponseError(shape, f"{key} is not an object")
    return value


def _list(value: Any, shape: str, key: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise ResponseError(shape, f"{key} is not a list")
    return value


# --- Lambda -------------------------------------------------------------------------------


def layer_ref(item: Any, shape: str = "Layer") -> LayerRef:
    layer = _mapping(item, shape, "Layers[]")
    return LayerRef(
        arn=_string(layer, "Arn", shape),
        signing_profile_version_arn=_optional_string(layer, "SigningProfileVersionArn", shape),
        signing_job_arn=_optional_string(layer, "SigningJobArn", shape),
    )


def _environment(configuration: Mapping[str, Any], shape: str) -> tuple[tuple[str, str], ...]:
    environment = configuration.get("Environment")
    if environment is None:
        return ()
    environment = _mapping(environment, shape, "Environment")
    error = environment.get("Error")
    variables = environment.get("Variables")
    if variables is None:
        if error:
            # KMS could not decrypt the variables: what the function runs with is unknown.
            code = error.get("ErrorCode", "Error") if isinstance(error, Mapping) else "Error"
            raise ResponseError(shape, f"Environment could not be read ({code})")
        return ()
    variables = _mapping(variables, shape, "Environment.Variables")
    for name, value in variables.items():
        if not isinstance(value, str):
            raise ResponseError(shape, f"Environment.Variables.{name} is not a string")
    return tuple(sorted(variables.items()))


def code_path(configuration: Any, shape: str = "FunctionConfiguration") -> CodePath:
    """A code path from GetFunction's ``Configuration``, a ListVersionsByFunction item or a
    ListFunctions item (one shape, ``FunctionConfiguration``, in all three)."""
    item = _mapping(configuration, shape, "the item")
    architectures = _list(_required(item, "Architectures", shape), shape, "Architectures")
    if not architectures or not all(isinstance(a, str) for a in architectures):
        raise ResponseError(shape, "Architectures is not a list of strings")
    file_systems = tuple(
        _string(_mapping(entry, shape, "FileSystemConfigs[]"), "Arn", shape)
        for entry in _list(item.get("FileSystemConfigs"), shape, "FileSystemConfigs")
    )
    return CodePath(
        function_name=_string(item, "FunctionName", shape),
        version=_string(item, "Version", shape),
        arn=_string(item, "FunctionArn", shape),
        code_sha256=_string(item, "CodeSha256", shape),
        signing_job_arn=_optional_string(item, "SigningJobArn", shape),
        signing_profile_version_arn=_optional_string(item, "SigningProfileVersionArn", shape),
        handler=_optional_string(item, "Handler", shape),
        runtime=_optional_string(item, "Runtime", shape),
        architectures=tuple(architectures),
        environment=_environment(item, shape),
        layers=tuple(
            layer_ref(layer, f"{shape}.Layers[]")
            for layer in _list(item.get("Layers"), shape, "Layers")
        ),
        package_type=_string(item, "PackageType", shape),
        file_systems=file_systems,
        state=_optional_string(item, "State", shape),
        state_reason=_optional_string(item, "StateReason", shape),
        last_update_status=_optional_string(item, "LastUpdateStatus", shape),
        last_update_status_reason=_optional_string(item, "LastUpdateStatusReason", shape),
    )


def versions_only(items: Iterable[Any]) -> tuple[CodePath, ...]:
    """ListVersionsByFunction's items without ``$LATEST``, in ascending version order."""
    paths = [code_path(item) for item in items]
    published = [path for path in paths if path.version != LATEST]
    return tuple(sorted(published, key=version_order))


def version_order(path: CodePath) -> tuple[int, int]:
    """``$LATEST`` first, then published versions by number."""
    if path.version == LATEST:
        return (0, 0)
    return (1, int(path.version) if path.version.isdigit() else 0)


def csc(config: Any, shape: str = "CodeSigningConfig") -> CscEvidence:
    """GetCodeSigningConfig's ``CodeSigningConfig``, or a ListCodeSigningConfigs item."""
    item = _mapping(config, shape, "the item")
    policies = _mapping(_required(item, "CodeSigningPolicies", shape), shape, "CodeSigningPolicies")
    publishers = _mapping(_required(item, "AllowedPublishers", shape), shape, "AllowedPublishers")
    arns = _list(
        _required(publishers, "SigningProfileVersionArns", f"{shape}.AllowedPublishers"),
        shape,
        "AllowedPublishers.SigningProfileVersionArns",
    )
    if not all(isinstance(arn, str) for arn in arns):
        raise ResponseError(shape, "AllowedPublishers.SigningProfileVersionArns is not strings")
    return CscEvidence(
        arn=_string(item, "CodeSigningConfigArn", shape),
        policy=_string(policies, "UntrustedArtifactOnDeployment", f"{shape}.CodeSigningPolicies"),
        allowed_publishers=tuple(arns),
    )


def layer_version(response: Any, shape: str = "GetLayerVersionResponse") -> LayerVersionEvidence:
    item = _mapping(response, shape, "the response")
    content = _mapping(_required(item, "Content", shape), shape, "Content")
    return LayerVersionEvidence(
        arn=_string(item, "LayerVersionArn", shape),
        code_sha256=_string(content, "CodeSha256", f"{shape}.Content"),
        signing_job_arn=_optional_string(content, "SigningJobArn", f"{shape}.Content"),
        signing_profile_version_arn=_optional_string(
            content, "SigningProfileVersionArn", f"{shape}.Content"
        ),
    )


def alias(item: Any, shape: str = "AliasConfiguration") -> AliasEvidence:
    entry = _mapping(item, shape, "the item")
    routing = entry.get("RoutingConfig") or {}
    weights = _mapping(routing, shape, "RoutingConfig").get("AdditionalVersionWeights") or {}
    weights = _mapping(weights, shape, "RoutingConfig.AdditionalVersionWeights")
    parsed: list[tuple[str, float]] = []
    for version, weight in weights.items():
        if not isinstance(weight, int | float) or isinstance(weight, bool):
            raise ResponseError(shape, f"AdditionalVersionWeights.{version} is not a number")
        parsed.append((str(version), float(weight)))
    return AliasEvidence(
        name=_string(entry, "Name", shape),
        function_version=_string(entry, "FunctionVersion", shape),
        additional_weights=tuple(sorted(parsed)),
    )


# --- Signer -------------------------------------------------------------------------------


def profile(response: Any, shape: str = "GetSigningProfileResponse") -> ProfileEvidence:
    item = _mapping(response, shape, "the response")
    record = item.get("revocationRecord") or {}
    record = _mapping(record, shape, "revocationRecord")
    return ProfileEvidence(
        name=_string(item, "profileName", shape),
        status=_string(item, "status", shape),
        profile_version=_string(item, "profileVersion", shape),
        profile_version_arn=_string(item, "profileVersionArn", shape),
        revocation_effective_from=_timestamp(record.get("revocationEffectiveFrom"), shape),
        revoked_at=_timestamp(record.get("revokedAt"), shape),
    )


def _timestamp(value: Any, shape: str) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        raise ResponseError(shape, f"{value!r} is not a timestamp")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def revoked_entities(response: Any, shape: str = "GetRevocationStatusResponse") -> frozenset[str]:
    item = _mapping(response, shape, "the response")
    entities = _list(item.get("revokedEntities"), shape, "revokedEntities")
    if not all(isinstance(entity, str) for entity in entities):
        raise ResponseError(shape, "revokedEntities is not a list of strings")
    return frozenset(entities)


def parse_timestamp(value: Any, reader: Reader, path: str) -> datetime | None:
    """A datetime (boto3), an ISO 8601 string or epoch seconds (the AWS CLI's formats)."""
    if value is None:
        return None
    if isinstance(value, datetime):
        parsed = value
    elif isinstance(value, int | float) and not isinstance(value, bool):
        parsed = datetime.fromtimestamp(value, tz=UTC)
    elif isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            try:
                parsed = datetime.fromtimestamp(float(value), tz=UTC)
            except ValueError:
                raise reader.fail(path, f"is not a timestamp ({value!r})") from None
    else:
        raise reader.fail(path, f"must be a timestamp, not a {type(value).__name__}")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def signing_job(data: Any, origin: str, *, job_arn: str | None = None) -> SigningJobEvidence:
    """``DescribeSigningJob`` output or a ``ListSigningJobs`` item (boto3's or the AWS CLI's
    JSON). Raises :class:`ResponseError` naming the field that is missing or malformed."""
    reader = Reader(origin)
    try:
        job = reader.mapping(data, "the document")
        source = reader.obj(reader.obj(job, "source", ""), "s3", "source")
        signed_object = job.get("signedObject")
        signed_s3: Mapping[str, Any] = {}
        if signed_object is not None:
            signed_s3 = reader.obj(
                reader.mapping(signed_object, "signedObject"), "s3", "signedObject"
            )
        revocation = None
        if job.get("revocationRecord") is not None:
            record = reader.mapping(job["revocationRecord"], "revocationRecord")
            revocation = RevocationEvidence(
                reason=reader.optional_string(record, "reason", "revocationRecord"),
                revoked_at=parse_timestamp(
                    record.get("revokedAt"), reader, "revocationRecord.revokedAt"
                ),
                revoked_by=reader.optional_string(record, "revokedBy", "revocationRecord"),
            )
        return SigningJobEvidence(
            job_id=reader.string(job, "jobId", ""),
            status=reader.string(job, "status", ""),
            status_reason=reader.optional_string(job, "statusReason", ""),
            profile_name=reader.string(job, "profileName", ""),
            profile_version=reader.string(job, "profileVersion", ""),
            platform_id=reader.string(job, "platformId", ""),
            source_bucket=reader.optional_string(source, "bucketName", "source.s3"),
            source_key=reader.optional_string(source, "key", "source.s3"),
            source_version=reader.optional_string(source, "version", "source.s3"),
            signed_bucket=reader.optional_string(signed_s3, "bucketName", "signedObject.s3"),
            signed_key=reader.optional_string(signed_s3, "key", "signedObject.s3"),
            created_at=parse_timestamp(job.get("createdAt"), reader, "createdAt"),
            completed_at=parse_timestamp(job.get("completedAt"), reader, "completedAt"),
            signature_expires_at=parse_timestamp(
                job.get("signatureExpiresAt"), reader, "signatureExpiresAt"
            ),
            revocation=revocation,
            job_arn=job_arn,
            listed_revoked=job.get("isRevoked") is True,
        )
    except InputError as error:
        raise ResponseError(origin, error.what.removeprefix(f"{origin}: ")) from None


# --- S3 -----------------------------------------------------------------------------------


def object_versions(
    pages: Iterable[Mapping[str, Any]],
) -> list[tuple[str, ObjectVersionEvidence]]:
    """(key, version) of every version and delete marker of ListObjectVersions pages, newest
    first (S3 orders a key's versions that way; delete markers interleave by time)."""
    found: list[tuple[str, ObjectVersionEvidence]] = []
    shape = "ListObjectVersionsOutput"
    for page in pages:
        for item in _list(page.get("Versions"), shape, "Versions"):
            found.append(
                (
                    _string(item, "Key", shape),
                    ObjectVersionEvidence(
                        version_id=item.get("VersionId") or "null",
                        last_modified=_timestamp(item.get("LastModified"), shape),
                        is_latest=bool(item.get("IsLatest")),
                        size=item.get("Size"),
                    ),
                )
            )
        for item in _list(page.get("DeleteMarkers"), shape, "DeleteMarkers"):
            found.append(
                (
                    _string(item, "Key", shape),
                    ObjectVersionEvidence(
                        version_id=item.get("VersionId") or "null",
                        last_modified=_timestamp(item.get("LastModified"), shape),
                        is_latest=bool(item.get("IsLatest")),
                        is_delete_marker=True,
                    ),
                )
            )
    found.sort(
        key=lambda pair: (
            pair[1].is_latest,
            pair[1].last_modified is not None,
            pair[1].last_modified or datetime.min.replace(tzinfo=UTC),
        ),
        reverse=True,
    )
    return found
