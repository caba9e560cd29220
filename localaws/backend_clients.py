"""The signed-world builder's client interface on moto's backends, in the server's process.

:func:`backend_clients` gives :class:`localaws.world.Clients` whose methods take the same
requests as boto3's (method names and request members) and call the backend methods the
server's HTTP responses call, so a world built through them is what the HTTP API would have
built (deploy-time signature validation included). It skips HTTP, request parsing and reply
serialization: that is the seeder's speed (:mod:`localaws.seed`).

Replies are the JSON documents the HTTP API sends, before botocore parses them: timestamps are
numbers or strings, not datetimes. Only the calls in :mod:`localaws.world`'s protocols exist:
teardown and waiters need boto3. Call under the server's moto lock (:mod:`localaws.admin`),
from one thread.
"""

from __future__ import annotations

import base64
import io
from typing import Any

from moto.awslambda.exceptions import FunctionAlreadyExists, UnknownFunctionException
from moto.awslambda.models import lambda_backends
from moto.iam.models import iam_backends
from moto.s3.exceptions import MissingKey
from moto.s3.models import s3_backends
from moto.signer.models import signer_backends
from moto.utilities.utils import get_partition

from localaws.awslambda.models import ExtendedLambdaBackend
from localaws.signer.exceptions import ValidationException
from localaws.signer.models import ExtendedSignerBackend
from localaws.world import Clients


class PatchesNotInstalled(RuntimeError):
    """The backends are moto's own: localaws.patches did not run in this process."""


def backend_clients(account_id: str, region: str) -> Clients:
    """The builder's clients for ``account_id`` in ``region``, on this process's backends."""
    partition = get_partition(region)
    signer = signer_backends[account_id][region]
    lambda_ = lambda_backends[account_id][region]
    if not isinstance(signer, ExtendedSignerBackend) or not isinstance(
        lambda_, ExtendedLambdaBackend
    ):
        raise PatchesNotInstalled("localaws patches are not installed in this process")
    return Clients(
        s3=BackendS3(s3_backends[account_id][partition], region),
        iam=BackendIam(iam_backends[account_id][partition]),
        signer=BackendSigner(signer),
        lambda_=BackendLambda(lambda_),
        region=region,
    )


class BackendS3:
    def __init__(self, backend: Any, region: str) -> None:
        self._backend = backend
        self._region = region

    def create_bucket(self, **request: Any) -> dict[str, Any]:
        location = (request.get("CreateBucketConfiguration") or {}).get("LocationConstraint")
        self._backend.create_bucket(request["Bucket"], location or self._region)
        return {"Location": f"/{request['Bucket']}"}

    def put_bucket_versioning(self, **request: Any) -> dict[str, Any]:
        self._backend.put_bucket_versioning(
            request["Bucket"], request["VersioningConfiguration"]["Status"]
        )
        return {}

    def put_public_access_block(self, **request: Any) -> dict[str, Any]:
        # As the HTTP API's XML body parses: "true"/"false" strings.
        settings = request["PublicAccessBlockConfiguration"]
        self._backend.put_public_access_block(
            request["Bucket"], {name: str(value).lower() for name, value in settings.items()}
        )
        return {}

    def put_object(self, **request: Any) -> dict[str, Any]:
        key = self._backend.put_object(request["Bucket"], request["Key"], request["Body"])
        return {"VersionId": key.version_id, "ETag": key.etag}

    def head_object(self, **request: Any) -> dict[str, Any]:
        key = self._object(request)
        return {"VersionId": key.version_id, "ContentLength": key.size}

    def get_object(self, **request: Any) -> dict[str, Any]:
        key = self._object(request)
        return {"VersionId": key.version_id, "Body": io.BytesIO(bytes(key.value))}

    def _object(self, request: dict[str, Any]) -> Any:
        key = self._backend.get_object(
            request["Bucket"], request["Key"], version_id=request.get("VersionId")
        )
        if key is None:
            raise MissingKey(key=request["Key"])
        return key


class BackendIam:
    def __init__(self, backend: Any) -> None:
        self._backend = backend

    def create_role(self, **request: Any) -> dict[str, Any]:
        role = self._backend.create_role(
            role_name=request["RoleName"],
            assume_role_policy_document=request["AssumeRolePolicyDocument"],
            path=request.get("Path", "/"),
            permissions_boundary=request.get("PermissionsBoundary"),
            description=request.get("Description", ""),
            tags=request.get("Tags", []),
            max_session_duration=request.get("MaxSessionDuration"),
        )
        return {"Role": {"RoleName": role.name, "Arn": role.arn, "RoleId": role.id}}

    def put_role_policy(self, **request: Any) -> dict[str, Any]:
        self._backend.put_role_policy(
            request["RoleName"], request["PolicyName"], request["PolicyDocument"]
        )
        return {}


class BackendSigner:
    def __init__(self, backend: ExtendedSignerBackend) -> None:
        self._backend = backend

    def put_signing_profile(self, **request: Any) -> dict[str, Any]:
        profile = self._backend.put_signing_profile(
            profile_name=request["profileName"],
            signature_validity_period=request.get("signatureValidityPeriod"),
            platform_id=request["platformId"],
            signing_material=request.get("signingMaterial") or {},
            tags=request.get("tags") or {},
        )
        return dict(profile.to_dict(full=False))

    def start_signing_job(self, **request: Any) -> dict[str, Any]:
        if not request.get("profileName"):
            raise ValidationException("profileName is required")
        job = self._backend.start_signing_job(
            source=request.get("source") or {},
            destination=request.get("destination") or {},
            profile_name=request["profileName"],
            client_request_token=request.get("clientRequestToken") or "",
        )
        return {"jobId": job.job_id, "jobOwner": job.account_id}

    def describe_signing_job(self, **request: Any) -> dict[str, Any]:
        return self._backend.describe_signing_job(request["jobId"]).to_dict()


class BackendLambda:
    def __init__(self, backend: ExtendedLambdaBackend) -> None:
        self._backend = backend

    def create_code_signing_config(self, **request: Any) -> dict[str, Any]:
        config = self._backend.create_code_signing_config(
            allowed_publishers=request.get("AllowedPublishers"),
            policies=request.get("CodeSigningPolicies"),
            description=request.get("Description", ""),
            tags=request.get("Tags") or {},
        )
        return {"CodeSigningConfig": config.to_dict()}

    def publish_layer_version(self, **request: Any) -> dict[str, Any]:
        layer_version = self._backend.publish_layer_version(_json_body(request))
        return dict(layer_version.get_layer_version())

    def create_function(self, **request: Any) -> dict[str, Any]:
        name = str(request["FunctionName"]).rsplit(":", 1)[-1]
        if self._backend.has_function(name):
            raise FunctionAlreadyExists(name)
        function = self._backend.create_function(_json_body(request))
        return dict(function.get_configuration(on_create=True))

    def publish_version(self, **request: Any) -> dict[str, Any]:
        published = self._backend.publish_version(
            request["FunctionName"], request.get("Description", "")
        )
        if published is None:
            raise UnknownFunctionException(request["FunctionName"])
        return dict(published.get_configuration())

    def create_alias(self, **request: Any) -> dict[str, Any]:
        alias = self._backend.create_alias(
            name=request["Name"],
            function_name=request["FunctionName"],
            function_version=request["FunctionVersion"],
            description=request.get("Description", ""),
            routing_config=request.get("RoutingConfig"),
        )
        return dict(alias.to_json())


def _json_body(request: dict[str, Any]) -> dict[str, Any]:
    """The request as the HTTP API parses its JSON body: ``ZipFile`` bytes base64-encoded (as
    boto3 sends them), and fresh containers (the backends keep parts of a request)."""
    body = dict(request)
    for member in ("Code", "Content"):
        if isinstance(body.get(member), dict):
            code = dict(body[member])
            if isinstance(code.get("ZipFile"), bytes):
                code["ZipFile"] = base64.b64encode(code["ZipFile"]).decode()
            body[member] = code
    if isinstance(body.get("Layers"), list):
        body["Layers"] = list(body["Layers"])
    if isinstance(body.get("Environment"), dict):
        body["Environment"] = {"Variables": dict(body["Environment"].get("Variables") or {})}
    return body
