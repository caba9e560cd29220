"""IAM enforcement inside moto's own authorization hook, for every caller but the admin keys.

moto 5.2.5 authorizes requests in ``ActionAuthenticatorMixin._authenticate_and_authorize_action``
(every ``BaseResponse.call_action``, and S3's handlers) once ``ActionAuthenticatorMixin.
request_count`` has reached ``settings.INITIAL_NO_AUTH_ACTION_COUNT`` (infinite by default;
``--iam`` sets it to 0, as ``moto.core.enable_iam_authentication`` does). There moto finds the
caller from the access key (IAM user keys, and STS credentials of an assumed role), checks the
SigV4 signature and collects the caller's identity policies; that much is kept. Its policy
check is replaced: moto matches ``Action`` only, ignores ``Resource`` and treats a statement
whose ``Condition`` does not hold as a denial. Here :mod:`localaws.iam.requests` says which
actions on which resources with which condition keys a request needs, and
:mod:`localaws.iam.policy` evaluates the caller's identity policies (and, for S3, the bucket
policy) for each. Who the caller is (user, assumed role, the account) comes from
:meth:`localaws.sts.models.ExtendedSTSBackend.caller`, the same answer trust policies get; the
trust policy itself is checked by that backend's AssumeRole for every caller, after the caller's
identity policies allowed ``sts:AssumeRole`` here (moto's own trust check is not called).

The dummy admin keys (``localaws.process.CLIENT_ACCESS_KEY_ID``) are not checked at all, so
everything that used the local AWS before ``--iam`` keeps working. Denials look like each
service's own: Lambda and Signer ``AccessDeniedException`` (HTTP 403, JSON), S3
``AccessDenied`` (XML), others moto's ``AccessDenied``; each message names the caller, the
action and the resource, as AWS's do.
"""

from __future__ import annotations

import json
import sys
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote

from botocore.awsrequest import AWSRequest
from moto import settings
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError
from moto.core.responses import BaseResponse
from moto.iam.access_control import IAMPolicy, IAMRequest, S3IAMRequest
from moto.s3.exceptions import S3ClientError
from moto.s3.models import s3_backends
from moto.s3.responses import ACTION_MAP as S3_ACTION_MAP
from moto.s3.responses import S3Response
from moto.sts.models import sts_backends
from werkzeug.exceptions import HTTPException

from localaws.iam import policy
from localaws.iam.requests import PARTITION, Authorization, Parsed, authorizations
from localaws.process import CLIENT_ACCESS_KEY_ID
from localaws.sts.models import ExtendedSTSBackend

#: moto's own methods, before install() replaces them (the contract test reads them too).
moto_authorize = ActionAuthenticatorMixin._authenticate_and_authorize_action
moto_key_response = S3Response._key_response
_request = threading.local()


@dataclass(frozen=True)
class Caller:
    """An authenticated principal other than the admin keys, with its identity policies."""

    principal: policy.Principal
    policies: tuple[Mapping[str, Any], ...] = field(default=())


@dataclass(frozen=True)
class Denial:
    authorization: Authorization
    caller: Caller
    reason: str

    @property
    def message(self) -> str:
        return (
            f"User: {self.caller.principal.display_arn} is not authorized to perform: "
            f"{self.authorization.action} on resource: {self.authorization.resource} "
            f"{self.reason}"
        )


# -- the caller --------------------------------------------------------------------------------


def access_key_of(headers: Mapping[str, str], query: Mapping[str, Any]) -> str | None:
    """The access key id a request is signed with (header or presigned query), if any."""
    authorization = next((v for k, v in headers.items() if k.lower() == "authorization"), "")
    credential = authorization.partition("Credential=")[2] if authorization else ""
    if not credential:
        values = query.get("X-Amz-Credential") or []
        credential = unquote(str(values[0])) if values else ""
    return credential.split("/", 1)[0] or None


def principal_of(account: str, access_key_id: str) -> policy.Principal:
    """Who is behind an access key of ``account`` (moto found the account from the key; for an
    assumed role it is the role's, a member account's included)."""
    backend = sts_backends[account][PARTITION]
    assert isinstance(backend, ExtendedSTSBackend)
    return backend.caller(access_key_id)


def _caller(iam_request: IAMRequest) -> Caller:
    key = iam_request._access_key
    documents = tuple(IAMPolicy(p)._policy_json for p in key.collect_policies())
    return Caller(principal_of(iam_request.account_id, key._access_key_id), documents)


def current_principal() -> policy.Principal | None:
    """Who makes the request being served, when enforcement knows it: the authorized caller,
    or for the admin keys the account's root user (bucket policies still apply to them)."""
    caller: Caller | None = getattr(_request, "caller", None)
    if caller is not None:
        return caller.principal
    admin_account = getattr(_request, "admin_account", None)
    return principal_of(admin_account, CLIENT_ACCESS_KEY_ID) if admin_account else None


# -- the decision --------------------------------------------------------------------------


def global_context(
    principal: policy.Principal, region: str, secure: bool
) -> dict[str, Sequence[str]]:
    return {
        **principal.context(),
        "aws:RequestedRegion": [region],
        "aws:SecureTransport": ["true" if secure else "false"],
    }


def bucket_policy(account: str, resource: str) -> Mapping[str, Any] | None:
    """The bucket policy that governs an S3 ARN, if its bucket has one."""
    path = resource.removeprefix(f"arn:{PARTITION}:s3:::")
    bucket = s3_backends[account][PARTITION].buckets.get(path.partition("/")[0])
    if bucket is None or not bucket.policy:
        return None
    try:
        document = json.loads(bucket.policy)
    except ValueError:
        return None
    return document if isinstance(document, dict) else None


def decide(
    caller: Caller, requested: Iterable[Authorization], region: str, secure: bool
) -> Denial | None:
    """The first authorization the caller may not make, or None when every one is allowed.

    Same account, so an S3 bucket policy can allow on its own; an explicit deny anywhere wins.
    """
    base = global_context(caller.principal, region, secure)
    for authorization in requested:
        request = policy.Request(
            action=authorization.action,
            resource=authorization.resource,
            principal=caller.principal,
            context={**base, **authorization.context},
        )
        identity = policy.evaluate(caller.policies, request)
        if identity.decision is policy.Decision.DENY:
            return Denial(
                authorization, caller, "with an explicit deny in an identity-based policy"
            )
        resource_policy = (
            bucket_policy(caller.principal.account, authorization.resource)
            if authorization.action.startswith("s3:")
            else None
        )
        by_resource = (
            policy.evaluate([resource_policy], request)
            if resource_policy is not None
            else policy.Evaluation(policy.Decision.IMPLICIT_DENY)
        )
        if by_resource.decision is policy.Decision.DENY:
            return Denial(authorization, caller, "with an explicit deny in a resource-based policy")
        if policy.Decision.ALLOW not in (identity.decision, by_resource.decision):
            return Denial(
                authorization,
                caller,
                f"because no identity-based policy allows the {authorization.action} action",
            )
    return None


def forward_access_denial(requested: Iterable[Authorization], region: str) -> str | None:
    """What a service doing work for the current caller may not do (None: all allowed).

    AWS Signer reads the source and writes the signed object with the credentials of the
    StartSigningJob caller (the Signer guide asks that caller for s3:GetObjectVersion and
    s3:PutObject), so the caller's identity policies and the bucket policy decide.
    """
    caller: Caller | None = getattr(_request, "caller", None)
    if caller is None:
        return None
    denial = decide(caller, requested, region, request_is_secure())
    return denial.message if denial else None


# -- moto's hook -------------------------------------------------------------------------------


def _lambda_or_signer_error(response: BaseResponse, service: str, message: str) -> HTTPException:
    # call_action answers with the exception's description and status; the error type travels
    # in the header botocore reads for restJson services, as Lambda's and Signer's do.
    response.response_headers["x-amzn-ErrorType"] = "AccessDeniedException"
    body = {"Type": "User", "Message": message} if service == "lambda" else {"message": message}
    error = JsonRESTError("AccessDeniedException", message)
    error.description = json.dumps(body)
    error.code = 403
    return error


class S3ActionDenied(S3ClientError):
    def __init__(self, message: str) -> None:
        super().__init__("AccessDenied", message)


class QueryActionDenied(JsonRESTError):
    """For the query-protocol services (IAM, STS): moto's AccessDenied, with AWS's message."""

    code = 403


def _denied(response: BaseResponse, service: str, message: str) -> Exception:
    if service == "s3":
        return S3ActionDenied(message)
    if service in ("lambda", "signer"):
        return _lambda_or_signer_error(response, service, message)
    from moto.core.exceptions import _RESTError

    if service in ("iam", "sts"):
        error = _RESTError("AccessDenied", message)
        error.code = 403
        return error
    return QueryActionDenied("AccessDeniedException", message)


def _parsed(response: BaseResponse, service: str, operation: str, resource: str) -> Parsed:
    body = response.body if isinstance(response.body, bytes) else str(response.body or "").encode()
    if service == "s3" and not body:
        body = response.raw_body if isinstance(getattr(response, "raw_body", b""), bytes) else b""
    uri_params = {
        str(k): unquote(str(v)) for k, v in (getattr(response, "uri_match", None) or {}).items()
    }
    return Parsed(
        service=service,
        operation=operation,
        method=response.method,
        region=response.region,
        account=response.current_account,
        uri_params=uri_params,
        query=response.querystring,
        headers=dict(response.headers),
        body=body,
        moto_resource=resource,
    )


def _profile_version(parsed: Parsed) -> str | None:
    """signer:ProfileVersion for StartSigningJob (the profile's) and RevokeSignature (the job's)."""
    from moto.signer.models import signer_backends

    backend = signer_backends[parsed.account][parsed.region]
    if parsed.operation == "StartSigningJob":
        profile = backend.signing_profiles.get(str(parsed.json_body().get("profileName")))
        return getattr(profile, "profile_version", None) if profile else None
    if parsed.operation == "RevokeSignature":
        job = getattr(backend, "signing_jobs", {}).get(parsed.uri_params.get("jobId", ""))
        return getattr(job, "profile_version", None) if job else None
    return None


def _role_path(parsed: Parsed) -> str | None:
    """The path of the existing role an IAM request names (its ARN has it)."""
    name = parsed.query_value("RoleName")
    if parsed.service != "iam" or not name or parsed.operation == "CreateRole":
        return None
    from moto.iam.exceptions import NotFoundException
    from moto.iam.models import iam_backends

    try:
        return str(iam_backends[parsed.account][PARTITION].get_role(name).path or "/")
    except NotFoundException:  # no such role: the handler answers NoSuchEntity
        return None


def _log(caller: Caller, requested: list[Authorization], denial: Denial | None) -> None:
    """One line per authorization in the server's log (what CloudTrail would show): which
    actions a principal used, e.g. to derive a least-privilege policy from a real run."""
    for authorization in requested:
        verdict = "DENY" if denial and denial.authorization == authorization else "ALLOW"
        line = f"{caller.principal.arn} {authorization.action} {authorization.resource}"
        print(f"iam: {verdict} {line}", file=sys.stderr, flush=True)
        if verdict == "DENY":
            return


def _checker(base: type[IAMRequest] | type[S3IAMRequest]) -> type:
    class EnforcedRequest(base):  # type: ignore[valid-type,misc]
        """moto's request authentication, with this package's policy check."""

        def _create_aws_request(self) -> AWSRequest:
            # moto signs ``self._body or self._data``: right for a form POST (werkzeug has
            # consumed the body into the form, which ``_data`` holds), but for a request
            # without body or query (a restJson GET) ``_data`` is the request's *headers*, so
            # every such request failed SignatureDoesNotMatch. The payload is the body alone.
            request = super()._create_aws_request()
            content_type = str(self._headers.get("Content-Type", "")).lower()
            if not self._body and "x-www-form-urlencoded" not in content_type:
                request.data = b""
            return request

        def check_action_permitted(self, resource: str) -> None:
            response: BaseResponse = _request.response
            caller = _caller(self)
            _request.caller = caller
            service, _, operation = self._action.partition(":")
            if self._action == "sts:GetCallerIdentity":  # AWS: always allowed
                return
            parsed = _parsed(response, service, operation, resource)
            profile_version = _profile_version(parsed) if service == "signer" else None
            requested = authorizations(parsed, profile_version, _role_path(parsed))
            denial = decide(caller, requested, parsed.region, request_is_secure())
            _log(caller, requested, denial)
            if denial is not None:
                raise _denied(response, service, denial.message)

    EnforcedRequest.__name__ = f"Enforced{base.__name__}"
    return EnforcedRequest


_ENFORCED = {IAMRequest: _checker(IAMRequest), S3IAMRequest: _checker(S3IAMRequest)}


def _authorize(self: BaseResponse, iam_request_cls: type, resource: str = "*") -> None:
    _request.response = self
    _request.caller = None
    admin = access_key_of(self.headers, self.querystring) == CLIENT_ACCESS_KEY_ID
    _request.admin_account = self.current_account if admin else None
    if ActionAuthenticatorMixin.request_count < settings.INITIAL_NO_AUTH_ACTION_COUNT:
        moto_authorize(self, iam_request_cls, resource)  # not enforcing: moto counts
    elif not admin:
        moto_authorize(self, _ENFORCED.get(iam_request_cls, iam_request_cls), resource)


def request_is_secure() -> bool:
    return bool(getattr(_request, "secure", False))


def set_request_secure(secure: bool) -> None:
    """Called once per request by the server's WSGI wrapper, before moto sees it."""
    _request.secure = secure
    _request.caller = None
    _request.admin_account = None


def authorized_caller() -> Caller | None:
    """The non-admin caller this request was already authorized for (its bucket policy
    included), if any: moto's own bucket-policy check then has nothing left to decide."""
    return getattr(_request, "caller", None)


def _key_response(self: S3Response, request: Any, full_url: str) -> Any:
    """moto checks the bucket policy of an object request (bare 403 on DENIED) before its
    handlers authorize the caller; authorize first, so a denial is S3's AccessDenied naming
    the action, decided with the caller's identity."""
    if request.method in S3_ACTION_MAP["KEY"]:  # not OPTIONS (CORS): moto answers it unsigned
        self._set_action("KEY", request.method, self.querystring)
        self._authenticate_and_authorize_s3_action(
            bucket_name=self.parse_bucket_name_from_url(request, full_url),
            key_name=self.parse_key_name(),
        )
    return moto_key_response(self, request, full_url)


def install(enforce: bool) -> None:
    """Route moto's authorization through :func:`_authorize` (idempotent); ``enforce`` turns
    IAM on for every caller but the admin keys, as moto's ``INITIAL_NO_AUTH_ACTION_COUNT=0``."""
    ActionAuthenticatorMixin._authenticate_and_authorize_action = _authorize  # type: ignore[method-assign]
    S3Response._key_response = _key_response  # type: ignore[method-assign]
    if enforce:
        settings.INITIAL_NO_AUTH_ACTION_COUNT = 0


def signing_job_denial(
    source_bucket: str, source_key: str, destination_bucket: str, signed_key: str, region: str
) -> str | None:
    """Why Signer may not read a job's source or write its signed object for the caller."""
    return forward_access_denial(
        [
            Authorization(
                "s3:GetObjectVersion", f"arn:{PARTITION}:s3:::{source_bucket}/{source_key}"
            ),
            Authorization(
                "s3:PutObject", f"arn:{PARTITION}:s3:::{destination_bucket}/{signed_key}"
            ),
        ],
        region,
    )
