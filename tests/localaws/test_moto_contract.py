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
from moto.awslambda import exceptions as moto_lambda_exceptions
from moto.awslambda import models as moto_lambda
from moto.awslambda import responses as moto_lambda_responses
from moto.awslambda import urls as moto_lambda_urls
from moto.cloudformation import models as moto_cloudformation
from moto.cloudformation import parsing as moto_cloudformation_parsing
from moto.cloudformation import responses as moto_cloudformation_responses
from moto.cloudformation import urls as moto_cloudformation_urls
from moto.core import exceptions as moto_exceptions
from moto.core import responses as moto_core_responses
from moto.core import routing as moto_routing
from moto.core.base_backend import BackendDict, BaseBackend
from moto.iam import access_control as moto_iam_access
from moto.iam import models as moto_iam
from moto.moto_server import werkzeug_app
from moto.organizations import exceptions as moto_org_exceptions
from moto.organizations import models as moto_organizations
from moto.organizations import responses as moto_organizations_responses
from moto.s3 import exceptions as moto_s3_exceptions
from moto.s3 import models as moto_s3
from moto.s3 import responses as moto_s3_responses
from moto.securityhub import models as moto_securityhub
from moto.securityhub import responses as moto_securityhub_responses
from moto.securityhub import urls as moto_securityhub_urls
from moto.signer import models as moto_signer
from moto.signer import responses as moto_signer_responses
from moto.signer import urls as moto_signer_urls
from moto.sts import exceptions as moto_sts_exceptions
from moto.sts import models as moto_sts
from moto.sts import responses as moto_sts_responses
from moto.utilities import paginator as moto_paginator
from werkzeug.serving import BaseWSGIServer

from localaws import s3_listing
from localaws.awslambda.models import ExtendedLambdaBackend
from localaws.cloudformation.models import ExtendedCloudFormationBackend
from localaws.iam import enforce as iam_enforce
from localaws.securityhub.models import ExtendedSecurityHubBackend
from localaws.signer.models import ExtendedSignerBackend
from localaws.sts.models import ExtendedSTSBackend

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
        "localaws.awslambda.models (listings, create_function, has_function)",
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
    (
        "SignerBackend.put_signing_profile replaces signing_profiles[name] with a new version "
        "(localaws refuses an existing name before calling it)",
        "localaws.signer.models.ExtendedSignerBackend.put_signing_profile",
        lambda: (
            "self.signing_profiles[profile_name] = profile"
            in inspect.getsource(moto_signer.SignerBackend.put_signing_profile)
        ),
    ),
    (
        "moto's router needs every required query parameter to match an operation "
        "(GetRevocationStatus without certificateHashes is routed by localaws)",
        "localaws.signer.responses.ExtendedSignerResponse._get_action",
        lambda: (
            "required_query_args" in inspect.getsource(moto_routing.SmithyRule)
            and "_get_action_from_method_and_request_uri"
            in inspect.getsource(moto_core_responses.BaseResponse._get_action)
        ),
    ),
    # -- Lambda: versions --
    (
        "LambdaStorage.publish_version numbers len(versions) + 1 (localaws re-implements it); "
        "LambdaFunction.set_version and code_or_config_updated; del_function leaves _arns",
        "localaws.awslambda.models.ExtendedLambdaBackend.publish_version, delete_function",
        lambda: (
            "new_version = len(all_versions) + 1"
            in inspect.getsource(moto_lambda.LambdaStorage.publish_version)
            and hasattr(moto_lambda.LambdaFunction, "set_version")
            and callable(getattr(_lambda_backend()._lambdas._arns, "pop", None))
            and params(moto_lambda.LambdaStorage.get_function_by_name_or_arn_forbid_qualifier)
            == ["name_or_arn"]
        ),
    ),
    # -- CloudFormation --
    (
        "cloudformation_backends is a BackendDict; CloudFormationBackend.create_stack stores the "
        "stack before create_resources(); execute_change_set/update_stack keep their parameters",
        "localaws.patches, localaws.cloudformation.models",
        lambda: (
            isinstance(moto_cloudformation.cloudformation_backends, BackendDict)
            and (
                inspect.getsource(moto_cloudformation.CloudFormationBackend.create_stack).index(
                    "self.stacks[stack_id] = new_stack"
                )
                < inspect.getsource(moto_cloudformation.CloudFormationBackend.create_stack).index(
                    "new_stack.create_resources()"
                )
            )
            and params(moto_cloudformation.CloudFormationBackend.execute_change_set)
            == ["change_set_name", "stack_name"]
            and params(moto_cloudformation.CloudFormationBackend.update_stack)[:1] == ["name"]
            and ExtendedCloudFormationBackend(REGION, ACCOUNT)._url_module.__name__
            == "localaws.cloudformation.urls"
        ),
    ),
    (
        "parsing.get_model_map() is one cached dict (localaws maps AWS::Lambda::Function and "
        "AWS::Lambda::CodeSigningConfig in it); parse_and_create_resource passes LogicalId and "
        "ResourceType",
        "localaws.patches, localaws.awslambda.models (CloudFormation classmethods)",
        lambda: (
            moto_cloudformation_parsing.get_model_map()
            is moto_cloudformation_parsing.get_model_map()
            and '"LogicalId": logical_id'
            in inspect.getsource(moto_cloudformation_parsing.parse_and_create_resource)
            and '"ResourceType": resource_type'
            in inspect.getsource(moto_cloudformation_parsing.parse_and_create_resource)
        ),
    ),
    (
        "ResourceMap/OutputMap create lazily from _resource_json_map/_parsed_resources; "
        "OutputMap(resources, template, stack_id); Stack has status, status_reason, events, "
        "resource_map, output_map, _add_stack_event; Event(...) keyword parameters",
        "localaws.cloudformation.models (failed stacks)",
        lambda: (
            "self._resource_json_map"
            in inspect.getsource(moto_cloudformation_parsing.ResourceMap.resources.fget)  # type: ignore[attr-defined]
            and "_parsed_resources" in inspect.getsource(moto_cloudformation_parsing.ResourceMap)
            and params(moto_cloudformation_parsing.OutputMap.__init__)
            == ["resources", "template", "stack_id"]
            and all(
                f"self.{name}" in inspect.getsource(moto_cloudformation.Stack)
                for name in ("status", "events", "resource_map", "output_map")
            )
            and "self.status_reason" in inspect.getsource(moto_cloudformation)
            and hasattr(moto_cloudformation.Stack, "_add_stack_event")
            and params(moto_cloudformation.Event.__init__)
            == [
                "stack_id",
                "stack_name",
                "logical_resource_id",
                "physical_resource_id",
                "resource_type",
                "resource_status",
                "resource_status_reason",
                "resource_properties",
            ]
        ),
    ),
    (
        "CloudFormationResponse.create_stack reads params itself (localaws wraps it for "
        "OnFailure/DisableRollback); urls map dispatch and cfnresponse",
        "localaws.cloudformation.responses, localaws.cloudformation.urls",
        lambda: (
            callable(moto_cloudformation_responses.CloudFormationResponse.create_stack)
            and {h.__name__ for h in moto_cloudformation_urls.url_paths.values()}
            == {"dispatch", "cfnresponse"}
            and "OnFailure"
            not in inspect.getsource(
                moto_cloudformation_responses.CloudFormationResponse.create_stack
            )
        ),
    ),
    # -- several accounts: STS keys accounts on access keys --
    (
        "sts/organizations/securityhub backends are BackendDicts; the extended classes route "
        "through their own urls modules",
        "localaws.patches, localaws.sts.urls, localaws.organizations.urls, "
        "localaws.securityhub.urls",
        lambda: (
            all(
                isinstance(backends, BackendDict)
                for backends in (
                    moto_sts.sts_backends,
                    moto_organizations.organizations_backends,
                    moto_securityhub.securityhub_backends,
                )
            )
            and ExtendedSTSBackend(REGION, ACCOUNT)._url_module.__name__ == "localaws.sts.urls"
            and ExtendedSecurityHubBackend(REGION, ACCOUNT)._url_module.__name__
            == "localaws.securityhub.urls"
            and not any("batchupdate" in path for path in moto_securityhub_urls.url_paths)
        ),
    ),
    (
        "a request's account: MOTO_ACCOUNT_ID, else x-moto-account-id, else "
        "iam.models.get_account_id_from(access key); STS AssumeRole puts a temporary key "
        "(create_temp_access_key) in the role's account",
        "localaws.limits.account_region, localaws.sts.models",
        lambda: (
            all(
                marker in inspect.getsource(moto_core_responses.BaseResponse.get_current_account)
                for marker in ('"MOTO_ACCOUNT_ID"', '"x-moto-account-id"', "get_account_id_from(")
            )
            and params(moto_iam.get_account_id_from) == ["access_key"]
            and "create_temp_access_key()"
            in inspect.getsource(moto_sts.STSBackend._create_access_key)
        ),
    ),
    (
        "STSBackend.assume_role(region_name, role_session_name, role_arn, policy, duration, "
        "external_id), get_assumed_role_from_access_key; AssumedRole has account_id, role_arn, "
        "arn; TokenResponse.backend is a property and assume_role reads RoleArn/ExternalId",
        "localaws.sts.models, localaws.sts.responses",
        lambda: (
            params(moto_sts.STSBackend.assume_role)
            == ["region_name", "role_session_name", "role_arn", "policy", "duration", "external_id"]
            and params(moto_sts.STSBackend.get_assumed_role_from_access_key) == ["access_key_id"]
            and all(
                f"self.{name}" in inspect.getsource(moto_sts.AssumedRole)
                for name in ("account_id", "role_arn", "access_key_id")
            )
            and isinstance(inspect.getattr_static(moto_sts.AssumedRole, "arn"), property)
            and isinstance(
                inspect.getattr_static(moto_sts_responses.TokenResponse, "backend"), property
            )
            and '"RoleArn"' in inspect.getsource(moto_sts_responses.TokenResponse.assume_role)
            and issubclass(moto_sts_exceptions.STSValidationError, Exception)
        ),
    ),
    (
        "IAM: get_role_by_arn raises NotFoundException, get_user_from_access_key_id, "
        "update_assume_role_policy(role_name, policy_document); Role keeps "
        "assume_role_policy_document and max_session_duration; AccessDeniedError is a 403",
        "localaws.sts.models, localaws.seed",
        lambda: (
            "raise NotFoundException" in inspect.getsource(moto_iam.IAMBackend.get_role_by_arn)
            and params(moto_iam.IAMBackend.get_user_from_access_key_id) == ["access_key_id"]
            and params(moto_iam.IAMBackend.update_assume_role_policy)
            == ["role_name", "policy_document"]
            and all(
                f"self.{name}" in inspect.getsource(moto_iam.Role.__init__)
                for name in ("assume_role_policy_document", "max_session_duration")
            )
            and moto_exceptions.AccessDeniedError("u", "a").code == 403
        ),
    ),
    # -- Organizations --
    (
        "OrganizationsResponse.list_accounts calls backend.list_accounts(max_results=, "
        "next_token=); the backend keeps org, accounts (describe() with Id/JoinedTimestamp), "
        "admins[].account; organizations_backends.master_accounts maps members",
        "localaws.organizations.models",
        lambda: (
            "list_accounts(\n            max_results=max_results, next_token=next_token"
            in inspect.getsource(moto_organizations_responses.OrganizationsResponse.list_accounts)
            and all(
                f"self.{name}" in inspect.getsource(moto_organizations.OrganizationsBackend._reset)
                for name in ("org", "accounts", "admins")
            )
            and '"JoinedTimestamp"' in inspect.getsource(moto_organizations.FakeAccount.describe)
            and "self.account = account"
            in inspect.getsource(moto_organizations.FakeDelegatedAdministrator.__init__)
            and isinstance(moto_organizations.organizations_backends.master_accounts, dict)
            and params(moto_org_exceptions.InvalidInputException.__init__) == ["message"]
        ),
    ),
    (
        "CreateAccount makes OrganizationAccountAccessRole (RoleName default) trusting the "
        "management account's root; create_account/create_organization take keyword specs",
        "localaws.seed, localaws.sts.trust (what the role's trust policy looks like)",
        lambda: (
            'kwargs.get("RoleName", "OrganizationAccountAccessRole")'
            in inspect.getsource(moto_organizations.FakeAccount.__init__)
            and ':root"}' in inspect.getsource(moto_organizations.FakeAccount.__init__)
            and params(moto_organizations.OrganizationsBackend.create_organization)
            == ["region", "kwargs"]
            and params(moto_organizations.OrganizationsBackend.create_account) == ["kwargs"]
        ),
    ),
    (
        "OrganizationsBackend.create_account returns {CreateAccountStatus: {AccountId}}; "
        "IAMBackend.managed_policies {arn: policy}, attach_role_policy(policy_arn, role_name), "
        "list_attached_role_policies(role_name) -> (policies, marker); AWSManagedPolicy(name, "
        "account_id=, region=, default_version_id=, document=, path=) with arn "
        "arn:<partition>:iam::aws:policy<path><name>",
        "localaws.organizations.models (AdministratorAccess on the member's access role)",
        lambda: (
            "return new_account.create_account_status"
            in inspect.getsource(moto_organizations.OrganizationsBackend.create_account)
            and "self.managed_policies = self._init_managed_policies()"
            in inspect.getsource(moto_iam.IAMBackend.__init__)
            and params(moto_iam.IAMBackend.attach_role_policy) == ["policy_arn", "role_name"]
            and params(moto_iam.IAMBackend.list_attached_role_policies)[0] == "role_name"
            and {"account_id", "region", "default_version_id", "document", "path"}
            <= set(params(moto_iam.AWSManagedPolicy.__init__))
            and "iam::aws:policy{self.path}{self.name}"
            in inspect.getsource(moto_iam.AWSManagedPolicy)
        ),
    ),
    (
        "STSBackend.assume_role stores the session in the *role's* account backend "
        "(sts_backends[account_id]...assumed_roles), where AssumedRoleAccessKey finds it",
        "localaws.iam.enforce (member-account sessions), localaws.sts.models",
        lambda: (
            "account_backend.assumed_roles.append(role)"
            in inspect.getsource(moto_sts.STSBackend.assume_role)
            and "sts_backends[account_id][partition].assumed_roles"
            in inspect.getsource(moto_iam_access.AssumedRoleAccessKey.__init__)
        ),
    ),
    # -- Security Hub --
    (
        "SecurityHubBackend keeps enabled, members {id: {MemberStatus}}, region_name; "
        "enable_security_hub(enable_default_standards, tags), "
        "enable_organization_admin_account(admin_account_id), create_members(account_details); "
        "Finding(finding_id, finding_data) with id/data; the response's securityhub_backend "
        "is a property",
        "localaws.securityhub.models, localaws.securityhub.responses, localaws.seed",
        lambda: (
            all(
                f"self.{name}" in inspect.getsource(moto_securityhub.SecurityHubBackend.__init__)
                for name in ("enabled", "members", "region_name")
            )
            and '"MemberStatus": "ENABLED"'
            in inspect.getsource(moto_securityhub.SecurityHubBackend.create_members)
            and params(moto_securityhub.SecurityHubBackend.enable_security_hub)
            == ["enable_default_standards", "tags"]
            and params(moto_securityhub.SecurityHubBackend.enable_organization_admin_account)
            == ["admin_account_id"]
            and params(moto_securityhub.SecurityHubBackend.create_members) == ["account_details"]
            and params(moto_securityhub.Finding.__init__) == ["finding_id", "finding_data"]
            and isinstance(
                inspect.getattr_static(
                    moto_securityhub_responses.SecurityHubResponse, "securityhub_backend"
                ),
                property,
            )
        ),
    ),
    # -- S3, IAM, paging, errors --
    (
        "S3Backend.get_object(bucket, key, version_id=...), put_object(bucket, key, value), "
        "create_bucket(name, region), put_bucket_versioning(name, status); MissingBucket",
        "localaws.signer.models, localaws.awslambda.models, localaws.backend_clients",
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
        "IAMRequestBase: _access_key (collect_policies(), _access_key_id, for users and "
        "assumed roles), account_id, _action ('svc:Op'), _body, _data, _headers, "
        "_create_aws_request() signing `self._body or self._data`, check_action_permitted; "
        "IAMPolicy(p)._policy_json",
        "localaws.iam.enforce (EnforcedRequest)",
        lambda: (
            all(
                hasattr(moto_iam_access.IAMRequestBase, name)
                for name in ("_create_aws_request", "check_action_permitted")
            )
            and "data=self._body or self._data"
            in inspect.getsource(moto_iam_access.IAMRequestBase._create_aws_request)
            and all(
                f"self.{name} =" in inspect.getsource(moto_iam_access.IAMRequestBase.__init__)
                for name in ("account_id", "_body", "_data", "_headers", "_action", "_access_key")
            )
            and all(
                hasattr(cls, "collect_policies")
                and "self._access_key_id = access_key_id" in inspect.getsource(cls)
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
        "localaws.backend_clients",
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
        "What the in-process transport calls as the HTTP responses do: "
        "IAMBackend.put_role_policy(role_name, policy_name, policy_json), "
        "S3Backend.put_public_access_block(bucket_name, config of XML strings), "
        "LambdaBackend.create_alias(name, function_name, function_version, description, "
        "routing_config), SigningProfile.to_dict(full=False), LambdaAlias.to_json, "
        "FunctionAlreadyExists(function_name), UnknownFunctionException(arn), MissingKey(key=)",
        "localaws.backend_clients",
        lambda: (
            params(moto_iam.IAMBackend.put_role_policy)
            == ["role_name", "policy_name", "policy_json"]
            and params(moto_s3.S3Backend.put_public_access_block)
            == ["bucket_name", "pub_block_config"]
            and 'pab_config["PublicAccessBlockConfiguration"]'
            in inspect.getsource(moto_s3_responses.S3Response._bucket_response_put)
            and params(moto_lambda.LambdaBackend.create_alias)
            == ["name", "function_name", "function_version", "description", "routing_config"]
            and params(moto_signer.SigningProfile.to_dict) == ["full"]
            and '"AliasArn"' in inspect.getsource(moto_lambda.LambdaAlias.to_json)
            and params(moto_lambda_exceptions.FunctionAlreadyExists.__init__) == ["function_name"]
            and params(moto_lambda_exceptions.UnknownFunctionException.__init__) == ["arn"]
            and params(moto_s3_exceptions.MissingKey.__init__) == ["key"]
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
