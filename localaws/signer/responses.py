"""Signer restJson handlers: moto's SignerResponse plus the operations it lacks."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from typing import Any
from urllib.parse import unquote

from moto.signer.responses import SignerResponse

from localaws.paging import service_token_errors

from .exceptions import InvalidNextTokenException, ValidationException
from .models import KNOWN_PLATFORM_IDS, MAX_LIST_RESULTS, ExtendedSignerBackend

_ARN_HEAD = r"arn:aws[a-z-]*:signer:[a-z0-9-]+:[0-9]{12}:"
_PROFILE_VERSION_ARN = re.compile(
    _ARN_HEAD + r"/signing-profiles/[a-zA-Z0-9_]{2,64}/[a-zA-Z0-9]{10}"
)
_JOB_ARN = re.compile(_ARN_HEAD + r"/signing-jobs/[-a-zA-Z0-9]+")


def _parse_timestamp(value: str) -> datetime:
    """A timestamp as botocore serializes it (ISO 8601 in query strings, epoch in bodies)."""
    try:
        return datetime.fromtimestamp(float(value), UTC)
    except ValueError:
        pass
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise ValidationException(f"Invalid timestamp: {value}") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _max_results(value: str | None) -> int:
    """maxResults as Signer accepts it: 1..25, default 25."""
    try:
        limit = int(value) if value else MAX_LIST_RESULTS
    except ValueError:
        raise ValidationException(f"Invalid maxResults: {value}") from None
    if not 1 <= limit <= MAX_LIST_RESULTS:
        raise ValidationException(f"maxResults must be between 1 and {MAX_LIST_RESULTS}")
    return limit


class ExtendedSignerResponse(SignerResponse):
    @property
    def signer_backend(self) -> ExtendedSignerBackend:  # type: ignore[override]
        backend = super().signer_backend
        assert isinstance(backend, ExtendedSignerBackend)
        return backend

    def _get_action(self) -> str:
        action = super()._get_action()
        # moto's router matches an operation only when every required query parameter is
        # present; botocore sends no certificateHashes for an empty list, which then got a bare
        # 404. The handler answers it with the ValidationException AWS gives a missing member.
        if not action and self.method == "GET" and self.path.split("?")[0] == "/revocations":
            return "GetRevocationStatus"
        return action

    def _query(self, name: str) -> str | None:
        values = self.querystring.get(name)
        return values[0] if values else None

    def _path_part(self, index: int) -> str:
        return unquote(self.path.rstrip("/").split("/")[index])

    # -- profiles --

    def get_signing_profile(self) -> str:
        profile = self.signer_backend.get_signing_profile(
            self._path_part(-1), profile_owner=self._query("profileOwner")
        )
        return json.dumps(self.signer_backend.profile_to_dict(profile))

    def list_signing_profiles(self) -> str:
        statuses = self.querystring.get("statuses", [])
        with service_token_errors(InvalidNextTokenException, self._query("nextToken")):
            page, token = self.signer_backend.list_signing_profiles(
                include_canceled=self._query("includeCanceled") == "true",
                platform_id=self._query("platformId"),
                statuses=statuses,
                next_token=self._query("nextToken"),
                max_results=_max_results(self._query("maxResults")),
            )
        result: dict[str, Any] = {"profiles": page}
        if token:
            result["nextToken"] = token
        return json.dumps(result)

    def get_signing_platform(self) -> str:
        return json.dumps(self.signer_backend.get_signing_platform(self._path_part(-1)))

    def revoke_signing_profile(self) -> str:
        params = json.loads(self.body or "{}")
        for required in ("profileVersion", "reason", "effectiveTime"):
            if params.get(required) in (None, ""):
                raise ValidationException(f"{required} is required")
        self.signer_backend.revoke_signing_profile(
            profile_name=self._path_part(-2),
            profile_version=params["profileVersion"],
            reason=params["reason"],
            effective_time=_parse_timestamp(str(params["effectiveTime"])),
        )
        return "{}"

    # -- cross-account permissions --

    def add_profile_permission(self) -> str:
        params = json.loads(self.body or "{}")
        for required in ("action", "principal", "statementId"):
            if not params.get(required):
                raise ValidationException(f"{required} is required")
        statement = {k: str(params[k]) for k in ("action", "principal", "statementId")}
        if params.get("profileVersion"):
            statement["profileVersion"] = str(params["profileVersion"])
        revision = self.signer_backend.add_profile_permission(self._path_part(-2), statement)
        return json.dumps({"revisionId": revision})

    def list_profile_permissions(self) -> str:
        return json.dumps(self.signer_backend.list_profile_permissions(self._path_part(-2)))

    def remove_profile_permission(self) -> str:
        revision = self.signer_backend.remove_profile_permission(
            self._path_part(-3), self._path_part(-1)
        )
        return json.dumps({"revisionId": revision})

    # -- revocation status (the data plane: GET /revocations) --

    def get_revocation_status(self) -> str:
        arguments: dict[str, str] = {}
        for name, pattern in (
            ("profileVersionArn", _PROFILE_VERSION_ARN),
            ("jobArn", _JOB_ARN),
            ("platformId", None),
            ("signatureTimestamp", None),
        ):
            value = self._query(name)
            if not value:
                raise ValidationException(f"{name} is required")
            if pattern is not None and not pattern.fullmatch(value):
                raise ValidationException(f"{name} is not a Signer {name} ARN: {value}")
            arguments[name] = value
        certificate_hashes = self.querystring.get("certificateHashes") or []
        if not certificate_hashes:
            raise ValidationException(
                "certificateHashes is required: the hashes of the signature's certificates"
            )
        if arguments["platformId"] not in KNOWN_PLATFORM_IDS:
            raise ValidationException(f"Invalid platformId: {arguments['platformId']}")
        revoked = self.signer_backend.revoked_entities(
            profile_version_arn=arguments["profileVersionArn"],
            job_arn=arguments["jobArn"],
            signature_timestamp=_parse_timestamp(arguments["signatureTimestamp"]),
            certificate_hashes=certificate_hashes,
        )
        return json.dumps({"revokedEntities": revoked})

    # -- jobs --

    def start_signing_job(self) -> str:
        params = json.loads(self.body or "{}")
        if not params.get("profileName"):
            raise ValidationException("profileName is required")
        job = self.signer_backend.start_signing_job(
            source=params.get("source") or {},
            destination=params.get("destination") or {},
            profile_name=params["profileName"],
            client_request_token=params.get("clientRequestToken") or "",
        )
        return json.dumps({"jobId": job.job_id, "jobOwner": job.account_id})

    def describe_signing_job(self) -> str:
        job = self.signer_backend.describe_signing_job(self._path_part(-1))
        return json.dumps(job.to_dict())

    def list_signing_jobs(self) -> str:
        is_revoked = self._query("isRevoked")
        before = self._query("signatureExpiresBefore")
        after = self._query("signatureExpiresAfter")
        with service_token_errors(InvalidNextTokenException, self._query("nextToken")):
            page, token = self.signer_backend.list_signing_jobs(
                status=self._query("status"),
                platform_id=self._query("platformId"),
                requested_by=self._query("requestedBy"),
                is_revoked=None if is_revoked is None else is_revoked.lower() == "true",
                expires_before=_parse_timestamp(before) if before else None,
                expires_after=_parse_timestamp(after) if after else None,
                job_invoker=self._query("jobInvoker"),
                next_token=self._query("nextToken"),
                max_results=_max_results(self._query("maxResults")),
            )
        result: dict[str, Any] = {"jobs": [job.to_list_item() for job in page]}
        if token:
            result["nextToken"] = token
        return json.dumps(result)

    def revoke_signature(self) -> str:
        params = json.loads(self.body or "{}")
        self.signer_backend.revoke_signature(self._path_part(-2), params.get("reason") or "")
        return "{}"
