"""The moto internals localaws relies on, pinned in one place.

localaws subclasses moto's backends and responses, reads private attributes and replaces one
method (see ``localaws/__init__.py``). A moto upgrade that changes any of them should fail
*here*, with a message naming what changed and which localaws module depends on it, rather
than as a 500 somewhere in an integration test. These checks are structural: they import and
inspect, and never touch moto's global backends (other tests may run moto in-process).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import moto
import pytest
from moto import backends as moto_backends
from moto import settings as moto_settings
from moto.awslambda import models as moto_lambda
from moto.awslambda import responses as moto_lambda_responses
from moto.awslambda import urls as moto_lambda_urls
from moto.core import exceptions as moto_exceptions
from moto.core import responses as moto_core_responses
from moto.core.base_backend import BackendDict, BaseBackend
from moto.iam import access_control as moto_iam_access
from moto.iam import models as moto_iam
from moto.moto_server import werkzeug_app
from moto.s3 import exceptions as moto_s3_exceptions
from moto.s3 import models as moto_s3
from moto.s3 import responses as moto_s3_responses
from moto.signer import models as moto_signer
from moto.signer import responses as moto_signer_responses
from moto.signer import urls as moto_signer_urls
from moto.sts import models as moto_sts
from moto.utilities import paginator as moto_paginator
from werkzeug.serving import BaseWSGIServer

from localaws import s3_listing
from localaws.awslambda.models import ExtendedLambdaBackend
from localaws.iam import enforce as iam_enforce
from localaws.signer.models import ExtendedSignerBackend

MOTO_VERSION = "5.2.5"
ACCOUNT, REGION = "123456789012", "us-east-1"


def test_moto_version_is_the_one_localaws_was_built_against() -> None:
    assert moto.__version__ == MOTO_VERSION, (
        f"moto is {moto.__version__}, localaws is written against {MOTO_VERSION}: re-check "
        "every item in this file and in localaws/__init__.py, then update MOTO_VERSION"
    )


def params(function: Callable[..., Any]) -> list[str]:
    return [name for name in inspect.signature(function).parameters if name != "self"]


def _lambda_backend() -> Any:
    return ExtendedLambdaBackend(REGION, ACCOUNT)


def _signer_backend() -> Any:
    return ExtendedSignerBackend(REGION, ACCOUNT)


def _moto_list_object_versions() -> Any:
    """moto's own, whether or not localaws.s3_listing replaced it in this process."""
    return s3_listing.moto_list_object_versions or moto_s3.S3Backend.list_object_versions


# (what localaws relies on, who relies on it, a check returning True while it holds)
CONTRACT: list[tuple[str, str, Callable[[], bool]]] = [
    # -- patches.install: the backend class swap and URL routing --
    (
        "signer_backends/lambda_backends are BackendDicts whose `.backend` class is built",
        "localaws.patches",
        lambda: (
            isinstance(moto_signer.signer_backends, BackendDict)
            and isinstance(moto_lambda.lambda_backends, BackendDict)
            and moto_lambda.lambda_backends.backend is not None
            and isinstance(
                BackendDict(ExtendedLambdaBackend, "lambda")[ACCOUNT][REGION], ExtendedLambdaBackend
            )
        ),
    ),
    (
        "BaseBackend._url_module derives '<pkg>.urls' from the backend class's module",
        "localaws.awslambda.urls, localaws.signer.urls",
        lambda: (
            _lambda_backend()._url_module.__name__ == "localaws.awslambda.urls"
            and _signer_backend()._url_module.__name__ == "localaws.signer.urls"
            and any("code-signing-configs" in path for path in _lambda_backend().url_paths)
            and any("signing-jobs" in path for path in _signer_backend().url_paths)
            and isinstance(BaseBackend.__dict__.get("flask_paths"), property)
        ),
    ),
    (
        "moto's urls modules expose url_bases and url_paths",
        "localaws.awslambda.urls, localaws.signer.urls",
        lambda: all(
            isinstance(module.url_bases, list) and isinstance(module.url_paths, dict)
            for module in (moto_lambda_urls, moto_signer_urls)
        ),
    ),
    (
        "moto_server.werkzeug_app has DomainDispatcherApplication, create_backend_app, "
        "MotoRequestHandler",
        "localaws.server",
        lambda: all(
            hasattr(werkzeug_app, name)
            for name in ("DomainDispatcherApplication", "create_backend_app", "MotoRequestHandler")
        ),
    ),
    (
        "werkzeug's server binds with SO_REUSEADDR (the free-port probe does the same)",
        "localaws.process.port_is_free",
        lambda: bool(BaseWSGIServer.allow_reuse_address),
    ),
    # -- Signer --
    (
        "SignerBackend.put_signing_profile(profile_name, signature_validity_period, "
        "platform_id, signing_material, tags)",
        "localaws.signer.models",
        lambda: (
            params(moto_signer.SignerBackend.put_signing_profile)
            == [
                "profile_name",
                "signature_validity_period",
                "platform_id",
                "signing_material",
                "tags",
            ]
        ),
    ),
    (
        "SignerBackend.platforms lists dicts with platformId/displayName; "
        "signing_profiles is a dict",
        "localaws.signer.models",
        lambda: (
            all(
                "platformId" in p and "displayName" in p
                for p in moto_signer.SignerBackend.platforms
            )
            and isinstance(_signer_backend().signing_profiles, dict)
        ),
    ),
    (
        "SigningProfile has name, profile_version(_arn), status, platform_id, signing_material, "
        "signature_validity_period, cancel() and to_dict()",
        "localaws.signer.models",
        lambda: all(
            name in inspect.getsource(moto_signer.SigningProfile)
            for name in (
                "self.name",
                "self.profile_version ",
                "self.profile_version_arn",
                "self.status",
                "self.platform_id",
                "self.signing_material",
                "self.signature_validity_period",
                "def cancel",
                "def to_dict",
            )
        ),
    ),
    (
        "SignerResponse.signer_backend is a property",
        "localaws.signer.responses",
        lambda: isinstance(
            inspect.getattr_static(moto_signer_responses.SignerResponse, "signer_backend"), property
        ),
    ),
    # -- Lambda --
    (
        "LambdaBackend keeps functions in _lambdas._functions {name: {'latest', 'versions'}} "
        "and layers in _layers (put_layer_version)",
        "localaws.awslambda.models (listings, create_function, seed)",
        lambda: (
            isinstance(_lambda_backend()._lambdas._functions, dict)
            and 'self._functions[fn.function_name] = {"latest": fn, "versions": []}'
            in inspect.getsource(moto_lambda.LambdaStorage.put_function)
            and hasattr(_lambda_backend()._layers, "put_layer_version")
        ),
    ),
    (
        "LambdaBackend methods localaws overrides or calls keep their parameters",
        "localaws.awslambda.models",
        lambda: (
            params(moto_lambda.LambdaBackend.update_function_code)
            == ["function_name", "qualifier", "body"]
            and params(moto_lambda.LambdaBackend.update_function_configuration)
            == ["function_name", "qualifier", "body"]
            and params(moto_lambda.LambdaBackend.publish_version)
            == ["function_name", "description"]
            and params(moto_lambda.LambdaBackend.get_function)
            == ["function_name_or_arn", "qualifier"]
            and params(moto_lambda.LambdaBackend._get_resource_by_arn) == ["arn"]
            and params(moto_lambda.LambdaBackend.layers_versions_by_arn) == ["layer_version_arn"]
            and params(moto_lambda.LambdaStorage.put_function) == ["fn"]
        ),
    ),
    (
        "LambdaFunction(account_id, spec, region, version) with the attributes localaws reads",
        "localaws.awslambda.models (ExtendedLambdaFunction, validation, publish_version)",
        lambda: (
            params(moto_lambda.LambdaFunction.__init__)
            == ["account_id", "spec", "region", "version"]
            and all(
                f"self.{name}" in inspect.getsource(moto_lambda.LambdaFunction)
                for name in (
                    "code",
                    "code_sha_256",
                    "code_bytes",
                    "layers",
                    "state",
                    "signing_job_arn",
                    "signing_profile_version_arn",
                    "code_signing_config_arn",
                    "environment_vars",
                    "code_or_config_updated",
                )
            )
        ),
    ),
    (
        "LambdaFunction.get_configuration(on_create) sets LastUpdateStatus only after create",
        "localaws.awslambda.models.ExtendedLambdaFunction",
        lambda: (
            params(moto_lambda.LambdaFunction.get_configuration) == ["on_create"]
            and 'config["LastUpdateStatus"] = "Successful"'
            in inspect.getsource(moto_lambda.LambdaFunction.get_configuration)
        ),
    ),
    (
        "LambdaStorage.publish_version copies $LATEST with copy.copy (shared members)",
        "localaws.awslambda.models.ExtendedLambdaBackend.publish_version",
        lambda: (
            'copy.copy(self._functions[name]["latest"])'
            in inspect.getsource(moto_lambda.LambdaStorage.publish_version)
        ),
    ),
    (
        "LayerVersion(spec, account_id, region) reads Content.ZipFile and keeps code_bytes, "
        "code_sha_256 and get_layer_version()['Content']",
        "localaws.awslambda.models.SignedLayerVersion",
        lambda: (
            params(moto_lambda.LayerVersion.__init__) == ["spec", "account_id", "region"]
            and '"Content"' in inspect.getsource(moto_lambda.LayerVersion.get_layer_version)
            and "self.code_bytes" in inspect.getsource(moto_lambda.LayerVersion.__init__)
        ),
    ),
    (
        "LambdaResponse has a `backend` property and json_body; GetLayerVersionByArn has no "
        "handler (localaws adds get_layer_version_by_arn)",
        "localaws.awslambda.responses",
        lambda: (
            isinstance(
                inspect.getattr_static(moto_lambda_responses.LambdaResponse, "backend"), property
            )
            and hasattr(moto_lambda_responses.LambdaResponse, "json_body")
            and not hasattr(moto_lambda_responses.LambdaResponse, "get_layer_version_by_arn")
        ),
    ),
    # -- S3, IAM, paging, errors --
    (
        "S3Backend.get_object(bucket, key, version_id=...), put_object(bucket, key, value), "
        "create_bucket(name, region), put_bucket_versioning(name, status); MissingBucket",
        "localaws.signer.models, localaws.awslambda.models, localaws.seed",
        lambda: (
            params(moto_s3.S3Backend.get_object)[:3] == ["bucket_name", "key_name", "version_id"]
            and params(moto_s3.S3Backend.put_object)[:3] == ["bucket_name", "key_name", "value"]
            and params(moto_s3.S3Backend.create_bucket)[:2] == ["bucket_name", "region_name"]
            and params(moto_s3.S3Backend.put_bucket_versioning) == ["bucket_name", "status"]
            and hasattr(moto_s3_exceptions, "MissingBucket")
        ),
    ),
    (
        "S3Backend.list_object_versions(bucket_name, delimiter, key_marker, max_keys, prefix, "
        "version_id_marker) deep-copies the bucket; its one caller, the response, reads only "
        "attributes of the versions",
        "localaws.s3_listing (replaces it)",
        lambda: (
            params(_moto_list_object_versions())
            == [
                "bucket_name",
                "delimiter",
                "key_marker",
                "max_keys",
                "prefix",
                "version_id_marker",
            ]
            and "copy.deepcopy(version_key)" in inspect.getsource(_moto_list_object_versions())
            and all(
                f"key.{name}"
                in inspect.getsource(moto_s3_responses.S3Response.list_object_versions)
                for name in ("name", "version_id", "last_modified_ISO8601", "etag", "size")
            )
        ),
    ),
    (
        "werkzeug_app routes with backends.list_of_moto_modules() (a directory listing)",
        "localaws.s3_listing (reads it once)",
        lambda: (
            "backends.list_of_moto_modules()"
            in inspect.getsource(werkzeug_app.DomainDispatcherApplication.get_backend_for_host)
            and callable(moto_backends.list_of_moto_modules)
        ),
    ),
    (
        "FakeBucket.get_permission(action, resource) and FakeBucket.policy (bytes); "
        "PermissionResult.DENIED/PERMITTED/NEUTRAL; a DENIED object request is a bare 403",
        "localaws.s3_policy (replaces FakeBucket.get_permission)",
        lambda: (
            params(moto_s3.FakeBucket.get_permission) == ["action", "resource"]
            and "self.policy" in inspect.getsource(moto_s3.FakeBucket)
            and {"DENIED", "PERMITTED", "NEUTRAL"}
            <= set(moto_iam_access.PermissionResult.__members__)
            and "bucket.get_permission(action, resource)"
            in inspect.getsource(iam_enforce.moto_key_response)
        ),
    ),
    # -- localaws.iam: moto's authorization hook, kept for authentication --
    (
        "ActionAuthenticatorMixin._authenticate_and_authorize_action(iam_request_cls, resource) "
        "gated by request_count vs settings.INITIAL_NO_AUTH_ACTION_COUNT; builds iam_request_cls("
        "account_id, method, path, data, body, headers, action), then check_signature() and "
        "check_action_permitted(resource)",
        "localaws.iam.enforce (replaces the method, keeps calling moto's)",
        lambda: (
            params(iam_enforce.moto_authorize) == ["iam_request_cls", "resource"]
            and all(
                part in inspect.getsource(iam_enforce.moto_authorize)
                for part in (
                    "ActionAuthenticatorMixin.request_count",
                    "settings.INITIAL_NO_AUTH_ACTION_COUNT",
                    "iam_request.check_signature()",
                    "iam_request.check_action_permitted(resource)",
                )
            )
            and hasattr(moto_settings, "INITIAL_NO_AUTH_ACTION_COUNT")
            and params(moto_iam_access.IAMRequestBase.__init__)
            == ["account_id", "method", "path", "data", "body", "headers", "action"]
        ),
    ),
    (
        "IAMRequestBase: _access_key (collect_policies(), arn, _access_key_id; assumed roles "
        "_owner_role_name), account_id, _action ('svc:Op'), _body, _data, _headers, "
        "_create_aws_request() signing `self._body or self._data`, _is_assuming_role_operation, "
        "_check_role_trust_relationship; IAMPolicy(p)._policy_json",
        "localaws.iam.enforce (EnforcedRequest)",
        lambda: (
            all(
                hasattr(moto_iam_access.IAMRequestBase, name)
                for name in (
                    "_create_aws_request",
                    "_is_assuming_role_operation",
                    "_check_role_trust_relationship",
                    "check_action_permitted",
                )
            )
            and "data=self._body or self._data"
            in inspect.getsource(moto_iam_access.IAMRequestBase._create_aws_request)
            and all(
                f"self.{name} =" in inspect.getsource(moto_iam_access.IAMRequestBase.__init__)
                for name in ("account_id", "_body", "_data", "_headers", "_action", "_access_key")
            )
            and "self._owner_role_name =" in inspect.getsource(moto_iam_access.AssumedRoleAccessKey)
            and "self._access_key_id =" in inspect.getsource(moto_iam_access.AssumedRoleAccessKey)
            and all(
                hasattr(cls, "collect_policies") and hasattr(cls, "arn")
                for cls in (moto_iam_access.IAMUserAccessKey, moto_iam_access.AssumedRoleAccessKey)
            )
            and moto_iam_access.IAMPolicy('{"Statement": []}')._policy_json == {"Statement": []}
        ),
    ),
    (
        "BaseResponse.setup_class falls back to the *headers* for querystring/data when a request "
        "has neither query nor body (why EnforcedRequest signs the body alone); call_action "
        "answers an HTTPException from the authorization with its description and "
        "self.response_headers",
        "localaws.iam.enforce",
        lambda: (
            "querystring.update(headers)"
            in inspect.getsource(moto_core_responses.BaseResponse.setup_class)
            and "self._authenticate_and_authorize_normal_action(resource)"
            in inspect.getsource(moto_core_responses.BaseResponse.call_action)
            and "headers = self.response_headers"
            in inspect.getsource(moto_core_responses.BaseResponse.call_action)
        ),
    ),
    (
        "StsBackend.get_assumed_role_from_access_key(access_key_id) -> AssumedRole with .role_arn",
        "localaws.iam.enforce (aws:PrincipalArn of an assumed role)",
        lambda: (
            params(moto_sts.STSBackend.get_assumed_role_from_access_key) == ["access_key_id"]
            and "self.role_arn = role_arn" in inspect.getsource(moto_sts.AssumedRole.__init__)
        ),
    ),
    (
        "S3Response._key_response(request, full_url), _set_action(type, method, query), "
        "parse_bucket_name_from_url, parse_key_name, _authenticate_and_authorize_s3_action("
        "bucket_name, key_name); S3Backend.buckets; S3ClientError(code, message)",
        "localaws.iam.enforce (authorizes object requests before moto's bucket-policy check)",
        lambda: (
            params(iam_enforce.moto_key_response) == ["request", "full_url"]
            and params(moto_s3_responses.S3Response._set_action)
            == ["action_resource_type", "method", "querystring"]
            and params(moto_s3_responses.S3Response._authenticate_and_authorize_s3_action)
            == ["bucket_name", "key_name"]
            and hasattr(moto_s3_responses.S3Response, "parse_bucket_name_from_url")
            and hasattr(moto_s3_responses.S3Response, "parse_key_name")
            and "self.buckets" in inspect.getsource(moto_s3.S3Backend.__init__)
            and moto_s3_exceptions.S3ClientError("AccessDenied", "m").message == "m"
            and {"GET", "HEAD", "PUT", "DELETE", "POST"} <= set(moto_s3_responses.ACTION_MAP["KEY"])
        ),
    ),
    (
        "IAMBackend.create_role keyword parameters",
        "localaws.seed",
        lambda: (
            params(moto_iam.IAMBackend.create_role)[:7]
            == [
                "role_name",
                "assume_role_policy_document",
                "path",
                "permissions_boundary",
                "description",
                "tags",
                "max_session_duration",
            ]
        ),
    ),
    (
        "@paginate(model) with input_token/limit_key/limit_default/unique_attribute/"
        "fail_on_invalid_token; InvalidToken for a token issued for other arguments",
        "localaws.signer.models, localaws.awslambda.models, localaws.paging",
        lambda: (
            all(
                key in inspect.getsource(moto_paginator)
                for key in (
                    '"input_token"',
                    '"limit_key"',
                    '"limit_default"',
                    '"unique_attribute"',
                    '"fail_on_invalid_token"',
                    'raise InvalidToken(f"Input inconsistent with page token',
                )
            )
            and issubclass(moto_exceptions.InvalidToken, Exception)
        ),
    ),
    (
        "JsonRESTError(error_type, message) with .code, .error_type, .message, .description",
        "localaws.*.exceptions, localaws.admin",
        lambda: (
            params(moto_exceptions.JsonRESTError.__init__)[:2] == ["error_type", "message"]
            and moto_exceptions.JsonRESTError("T", "m").message == "m"
            and moto_exceptions.JsonRESTError("T", "m").error_type == "T"
        ),
    ),
]


@pytest.mark.parametrize(
    ("relied_on", "user", "holds"), CONTRACT, ids=[item[0][:60] for item in CONTRACT]
)
def test_moto_internal_still_holds(relied_on: str, user: str, holds: Callable[[], bool]) -> None:
    try:
        ok = holds()
    except Exception as error:  # an attribute or module that is gone
        pytest.fail(f"moto changed: {relied_on} ({type(error).__name__}: {error}); used by {user}")
    assert ok, f"moto changed: {relied_on} no longer holds; used by {user}"
