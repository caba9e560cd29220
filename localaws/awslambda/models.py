"""Lambda backend extended with code signing configs and deploy-time signature validation.

:func:`localaws.patches.install` makes moto's ``lambda_backends`` instantiate
:class:`ExtendedLambdaBackend`. Package bytes are resolved here (ZipFile, or S3 bucket/key with
an optional object *version*, which moto ignores), validated, and handed to moto as a ZipFile,
so the function's ``CodeSha256`` is the SHA-256 of exactly the bytes that were validated.
"""

from __future__ import annotations

import base64
import copy
import functools
import secrets
import string
from datetime import UTC, datetime
from typing import Any, cast

from moto.awslambda.models import LambdaBackend, LambdaFunction, LayerVersion, lambda_backends
from moto.cloudformation.exceptions import UnformattedGetAttTemplateException
from moto.core.common_models import CloudFormationModel
from moto.s3.exceptions import MissingBucket
from moto.s3.models import s3_backends
from moto.utilities.paginator import paginate
from moto.utilities.utils import get_partition

from localaws import signing
from localaws.cloudformation.models import ResourceFailed, resource_handler
from localaws.signer.models import signer_for

from .exceptions import (
    CodeSigningConfigNotFoundException,
    InvalidMarkerException,
    InvalidParameterValueException,
    ResourceConflictException,
    ResourceNotFoundException,
)
from .validation import Verdict, apply_policy, check_artifact

POLICIES = ("Warn", "Enforce")
_ID_ALPHABET = string.ascii_lowercase + string.digits
#: ListFunctions and ListVersionsByFunction return at most 50 items a page, whatever MaxItems
#: asks for (Lambda API reference, ListFunctions: "returns a maximum of 50 items in each
#: response, even if you set the number higher").
MAX_FUNCTIONS_PAGE = 50
#: Other Lambda list operations: botocore's MaxListItems (1..10000), default page 50.
DEFAULT_PAGE = 50

# Paging uses moto's paginator; the Marker is its opaque token, checked against the filters.
_PAGED = {
    "input_token": "marker",
    "limit_key": "max_items",
    "limit_default": DEFAULT_PAGE,
    "fail_on_invalid_token": InvalidMarkerException,
}
PAGINATION_MODEL = {
    "list_function_versions": {**_PAGED, "unique_attribute": "function_arn"},
    "list_versions_page": {**_PAGED, "unique_attribute": "function_arn"},
    "list_function_arns_by_code_signing_config": {**_PAGED, "unique_attribute": "arn"},
    "list_code_signing_configs_page": {**_PAGED, "unique_attribute": "arn"},
}

# No lock here: the server runs one AWS request at a time inside moto
# (localaws.server.SerializingMiddleware), and admin endpoints take the same lock.


def _timestamp() -> str:
    """Lambda's timestamp format, e.g. 2026-11-27T03:04:05.123+0000."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "+0000"


def _cfn_tags(properties: dict[str, Any]) -> dict[str, str]:
    """CloudFormation's Tags list ([{"Key", "Value"}]) as the API's map."""
    return {str(tag["Key"]): str(tag["Value"]) for tag in properties.get("Tags") or []}


def _refuse_unsupported(
    properties: dict[str, Any], supported: set[str], kwargs: dict[str, Any]
) -> None:
    """A property the local AWS would drop fails the resource instead of being ignored."""
    unsupported = sorted(set(properties) - supported)
    if unsupported:
        raise ResourceFailed(
            str(kwargs.get("LogicalId", "")),
            str(kwargs.get("ResourceType", "")),
            f"Properties not supported by the local AWS's CloudFormation: {', '.join(unsupported)}",
        )


def _backend(account_id: str, region_name: str) -> ExtendedLambdaBackend:
    return cast(ExtendedLambdaBackend, lambda_backends[account_id][region_name])


def _updated_resource(resource: Any, resource_type: str) -> dict[str, Any]:
    """What moto passes a create handler (LogicalId, ResourceType), for an update handler."""
    return {
        "LogicalId": getattr(resource, "logical_resource_id", ""),
        "ResourceType": resource_type,
    }


@functools.cache
def _api_members(operation: str) -> frozenset[str]:
    import botocore.session

    model = botocore.session.get_session().get_service_model("lambda")
    shape = model.operation_model(operation).input_shape
    return frozenset(shape.members) if shape is not None else frozenset()


#: AWS::Lambda::CodeSigningConfig's properties (CloudFormation template reference).
CSC_PROPERTIES = {"AllowedPublishers", "CodeSigningPolicies", "Description", "Tags"}


class CodeSigningConfig(CloudFormationModel):
    """A Lambda code signing config; also CloudFormation's AWS::Lambda::CodeSigningConfig."""

    def __init__(
        self,
        region: str,
        account_id: str,
        allowed_publishers: list[str],
        policy: str,
        description: str,
        tags: dict[str, str],
    ) -> None:
        self.config_id = "csc-" + "".join(secrets.choice(_ID_ALPHABET) for _ in range(17))
        partition = get_partition(region)
        self.arn = (
            f"arn:{partition}:lambda:{region}:{account_id}:code-signing-config:{self.config_id}"
        )
        self.allowed_publishers = allowed_publishers
        self.policy = policy
        self.description = description
        self.tags = dict(tags)
        self.last_modified = _timestamp()

    # -- CloudFormation: Ref and Fn::GetAtt CodeSigningConfigArn give the ARN --

    @property
    def physical_resource_id(self) -> str:
        return self.arn

    @staticmethod
    def cloudformation_name_type() -> str:
        return ""  # no name property

    @staticmethod
    def cloudformation_type() -> str:
        return "AWS::Lambda::CodeSigningConfig"

    @classmethod
    def has_cfn_attr(cls, attr: str) -> bool:
        return attr in ("CodeSigningConfigArn", "CodeSigningConfigId")

    def get_cfn_attribute(self, attribute_name: str) -> str:
        if attribute_name == "CodeSigningConfigArn":
            return self.arn
        if attribute_name == "CodeSigningConfigId":
            return self.config_id
        raise UnformattedGetAttTemplateException()

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> CodeSigningConfig:
        properties = cloudformation_json["Properties"]
        _refuse_unsupported(properties, CSC_PROPERTIES, kwargs)
        backend = _backend(account_id, region_name)
        with resource_handler(kwargs, "Lambda"):
            return backend.create_code_signing_config(
                allowed_publishers=properties.get("AllowedPublishers"),
                policies=properties.get("CodeSigningPolicies"),
                description=properties.get("Description", ""),
                tags=_cfn_tags(properties),
            )

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: CodeSigningConfig,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> CodeSigningConfig:
        properties = cloudformation_json["Properties"]
        kwargs = _updated_resource(original_resource, cls.cloudformation_type())
        _refuse_unsupported(properties, CSC_PROPERTIES, kwargs)
        backend = _backend(account_id, region_name)
        with resource_handler(kwargs, "Lambda"):
            return backend.update_code_signing_config(
                original_resource.arn,
                allowed_publishers=properties.get("AllowedPublishers"),
                policies=properties.get("CodeSigningPolicies") or {},
                description=properties.get("Description", ""),
            )

    @classmethod
    def delete_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> None:
        backend = _backend(account_id, region_name)
        backend.delete_code_signing_config(resource_name)

    def delete(self, account_id: str, region_name: str) -> None:
        backend = _backend(account_id, region_name)
        backend.delete_code_signing_config(self.arn)

    def is_created(self) -> bool:
        return True

    def to_dict(self) -> dict[str, Any]:
        return {
            "CodeSigningConfigId": self.config_id,
            "CodeSigningConfigArn": self.arn,
            "Description": self.description,
            "AllowedPublishers": {"SigningProfileVersionArns": list(self.allowed_publishers)},
            "CodeSigningPolicies": {"UntrustedArtifactOnDeployment": self.policy},
            "LastModified": self.last_modified,
        }


def _validate_publishers(value: Any) -> list[str]:
    arns = (value or {}).get("SigningProfileVersionArns") if isinstance(value, dict) else None
    if not isinstance(arns, list) or not 1 <= len(arns) <= 20:
        raise InvalidParameterValueException(
            "AllowedPublishers.SigningProfileVersionArns must list 1 to 20 signing profile "
            "version ARNs (arn:aws:signer:REGION:ACCOUNT:/signing-profiles/NAME/VERSION)."
        )
    for arn in arns:
        if not isinstance(arn, str) or not arn.startswith("arn:") or ":signer:" not in arn:
            raise InvalidParameterValueException(f"Invalid signing profile version ARN: {arn}")
    return list(dict.fromkeys(arns))


def _validate_policy(value: Any) -> str:
    policy = (value or {}).get("UntrustedArtifactOnDeployment", "Warn") if value else "Warn"
    if policy not in POLICIES:
        raise InvalidParameterValueException(
            f"UntrustedArtifactOnDeployment must be one of {', '.join(POLICIES)}, not {policy!r}."
        )
    return str(policy)


class SignedLayerVersion(LayerVersion):
    """moto's LayerVersion plus the signing ARNs recorded at PublishLayerVersion."""

    signing_job_arn: str | None = None
    signing_profile_version_arn: str | None = None

    def get_layer_version(self) -> dict[str, Any]:
        result = super().get_layer_version()
        if self.signing_job_arn:
            result["Content"]["SigningJobArn"] = self.signing_job_arn
            result["Content"]["SigningProfileVersionArn"] = self.signing_profile_version_arn
        return result


UPDATE_STATUSES = ("Successful", "Failed", "InProgress")


def _file_system_configs(spec: dict[str, Any]) -> tuple[dict[str, str], ...]:
    """``FileSystemConfigs`` of a CreateFunction/UpdateFunctionConfiguration request."""
    found = []
    for entry in spec.get("FileSystemConfigs") or []:
        if not isinstance(entry, dict) or not entry.get("Arn") or not entry.get("LocalMountPath"):
            raise InvalidParameterValueException("FileSystemConfigs needs Arn and LocalMountPath")
        found.append({"Arn": str(entry["Arn"]), "LocalMountPath": str(entry["LocalMountPath"])})
    return tuple(found)


class ExtendedLambdaFunction(LambdaFunction):
    """moto's LambdaFunction plus a settable State and LastUpdateStatus (with reasons).

    moto reports every function Active with LastUpdateStatus Successful. Tests set other values
    through the admin endpoint (:meth:`ExtendedLambdaBackend.set_function_status`); published
    versions are copies, so each version keeps its own status.
    """

    state_reason: str | None = None
    state_reason_code: str | None = None
    #: FileSystemConfigs (moto keeps none): EFS access points mounted into the function.
    file_system_configs: tuple[dict[str, str], ...] = ()
    last_update_status: str = "Successful"
    last_update_status_reason: str | None = None
    last_update_status_reason_code: str | None = None

    def get_configuration(self, on_create: bool = False) -> dict[str, Any]:
        config = super().get_configuration(on_create=on_create)
        if self.file_system_configs:
            config["FileSystemConfigs"] = [dict(entry) for entry in self.file_system_configs]
        for key, value in (
            ("StateReason", self.state_reason),
            ("StateReasonCode", self.state_reason_code),
        ):
            if value:
                config[key] = value
        if not on_create:
            config["LastUpdateStatus"] = self.last_update_status
            for key, value in (
                ("LastUpdateStatusReason", self.last_update_status_reason),
                ("LastUpdateStatusReasonCode", self.last_update_status_reason_code),
            ):
                if value:
                    config[key] = value
        return config

    def update_finished(self) -> None:
        """An update completed (this Lambda applies updates synchronously)."""
        self.last_update_status = "Successful"
        self.last_update_status_reason = None
        self.last_update_status_reason_code = None

    # -- CloudFormation: AWS::Lambda::Function through the same backend calls as the API --
    # moto's own CloudFormation handler dropped CodeSigningConfigArn, Layers, Architectures and
    # more, and its update wrote code straight into the function: an unsigned package deployed
    # under an Enforce config. These go through CreateFunction/UpdateFunctionCode's validation.

    @classmethod
    def _cloudformation_spec(
        cls, function_name: str, properties: dict[str, Any], kwargs: dict[str, Any]
    ) -> dict[str, Any]:
        """CreateFunction's request for the resource's properties (raises ResourceFailed)."""
        supported = set(_api_members("CreateFunction")) | {"ReservedConcurrentExecutions"}
        _refuse_unsupported(properties, supported, kwargs)
        spec = {key: value for key, value in properties.items() if key != "Tags"}
        spec["FunctionName"] = function_name
        spec["Tags"] = _cfn_tags(properties)
        code = dict(properties.get("Code") or {})
        if isinstance(code.get("ZipFile"), str):
            # CloudFormation's ZipFile is the handler's source text, which Lambda zips.
            code["ZipFile"] = base64.b64encode(
                cls._create_zipfile_from_plaintext_code(code["ZipFile"])
            ).decode()
        spec["Code"] = code
        return spec

    @classmethod
    def create_from_cloudformation_json(  # type: ignore[misc]
        cls,
        resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
        **kwargs: Any,
    ) -> LambdaFunction:
        spec = cls._cloudformation_spec(resource_name, cloudformation_json["Properties"], kwargs)
        backend = _backend(account_id, region_name)
        with resource_handler(kwargs, "Lambda"):
            return backend.create_function(spec)

    @classmethod
    def update_from_cloudformation_json(  # type: ignore[misc]
        cls,
        original_resource: LambdaFunction,
        new_resource_name: str,
        cloudformation_json: dict[str, Any],
        account_id: str,
        region_name: str,
    ) -> LambdaFunction:
        name = original_resource.function_name
        kwargs = _updated_resource(original_resource, cls.cloudformation_type())
        properties = cloudformation_json["Properties"]
        if properties.get("FunctionName", name) != name:
            raise ResourceFailed(
                kwargs["LogicalId"],
                kwargs["ResourceType"],
                "Renaming a function (replacement) is not supported by the local AWS's "
                "CloudFormation",
            )
        spec = cls._cloudformation_spec(name, properties, kwargs)
        backend = _backend(account_id, region_name)
        with resource_handler(kwargs, "Lambda"):
            # The config first, so the new code is judged by the config the template declares.
            config_arn = spec.get("CodeSigningConfigArn")
            if config_arn:
                backend.put_function_code_signing_config(name, config_arn)
            else:
                backend.delete_function_code_signing_config(name)
            configuration = {
                k: v
                for k, v in spec.items()
                if k in _api_members("UpdateFunctionConfiguration") and k != "FunctionName"
            }
            backend.update_function_configuration(name, "$LATEST", configuration)
            backend.update_function_code(name, "$LATEST", dict(spec["Code"]))
            if spec.get("Publish"):
                backend.publish_version(name)
        return backend.get_function(name)


class ExtendedLambdaBackend(LambdaBackend):
    """moto's LambdaBackend plus code signing configs and deploy-time validation."""

    def __init__(self, region_name: str, account_id: str):
        super().__init__(region_name, account_id)
        self.code_signing_configs: dict[str, CodeSigningConfig] = {}
        # Listings are rebuilt only when a function or version is added or removed
        # (create_function, publish_version, delete_function bump the generation).
        self._listing_generation = 0
        self._listing_cache: dict[str | None, tuple[int, list[str]]] = {}
        #: The highest version number each function has published (Lambda never reuses one).
        self._highest_version: dict[str, int] = {}

    # -- code signing configs --

    def _csc_arn(self, arn_or_id: str) -> str:
        if arn_or_id.startswith("arn:"):
            return arn_or_id
        partition = get_partition(self.region_name)
        return (
            f"arn:{partition}:lambda:{self.region_name}:{self.account_id}"
            f":code-signing-config:{arn_or_id}"
        )

    def create_code_signing_config(
        self,
        allowed_publishers: Any,
        policies: Any,
        description: str,
        tags: dict[str, str],
    ) -> CodeSigningConfig:
        config = CodeSigningConfig(
            region=self.region_name,
            account_id=self.account_id,
            allowed_publishers=_validate_publishers(allowed_publishers),
            policy=_validate_policy(policies),
            description=description or "",
            tags=tags or {},
        )
        self.code_signing_configs[config.arn] = config
        return config

    def get_code_signing_config(self, arn_or_id: str) -> CodeSigningConfig:
        arn = self._csc_arn(arn_or_id)
        try:
            return self.code_signing_configs[arn]
        except KeyError:
            raise ResourceNotFoundException(
                f"The code signing config {arn} was not found."
            ) from None

    def update_code_signing_config(
        self, arn_or_id: str, allowed_publishers: Any, policies: Any, description: str | None
    ) -> CodeSigningConfig:
        config = self.get_code_signing_config(arn_or_id)
        if allowed_publishers is not None:
            config.allowed_publishers = _validate_publishers(allowed_publishers)
        if policies is not None:
            config.policy = _validate_policy(policies)
        if description is not None:
            config.description = description
        config.last_modified = _timestamp()
        return config

    def functions_using(self, config_arn: str) -> list[LambdaFunction]:
        return [fn for fn in self._lambdas.latest() if fn.code_signing_config_arn == config_arn]

    def delete_code_signing_config(self, arn_or_id: str) -> None:
        config = self.get_code_signing_config(arn_or_id)
        users = self.functions_using(config.arn)
        if users:
            raise ResourceConflictException(
                f"The code signing config {config.arn} is in use by "
                f"{len(users)} function(s): {', '.join(fn.function_name for fn in users)}."
            )
        del self.code_signing_configs[config.arn]

    def list_code_signing_configs(self) -> list[CodeSigningConfig]:
        return list(self.code_signing_configs.values())

    @paginate(PAGINATION_MODEL)
    def list_code_signing_configs_page(self) -> list[CodeSigningConfig]:
        """ListCodeSigningConfigs, paged by ``marker``/``max_items``."""
        return self.list_code_signing_configs()

    @paginate(PAGINATION_MODEL)
    def list_function_arns_by_code_signing_config(self, config_arn: str) -> list[str]:
        """ListFunctionsByCodeSigningConfig, paged by ``marker``/``max_items``."""
        config = self.get_code_signing_config(config_arn)
        return [fn.function_arn for fn in self.functions_using(config.arn)]

    # -- function listings: every version, paged (moto lists all at once, deep-copying each) --

    def _version_arns(self, name: str, qualify_latest: bool) -> list[str]:
        group = self._lambdas._functions[name]
        arns = []
        latest = group["latest"]
        if latest is not None:
            arn = latest.function_arn
            arns.append(f"{arn}:$LATEST" if qualify_latest else arn)
        arns += [fn.function_arn for fn in group["versions"]]
        return arns

    # The listings page over ARN strings, not objects: a page of a 10,000-function fleet lists
    # 20,000 entries, and strings (unlike tuples or dataclasses) are not tracked by the garbage
    # collector, whose passes over moto's large object graph would otherwise dominate.

    @paginate(PAGINATION_MODEL)
    def list_function_versions(self, function_version: str | None) -> list[str]:
        """ListFunctions' ARNs: $LATEST of each function, or with ``ALL`` every version too.

        Sorted by function name, then $LATEST and versions in publish order, so a Marker stays
        valid while functions are added. Under ALL, $LATEST has a ``:$LATEST`` ARN, as AWS and
        moto report it; :meth:`listed_function` resolves each ARN.
        """
        if function_version not in (None, "ALL"):
            raise InvalidParameterValueException(
                f"FunctionVersion must be ALL, not {function_version!r}"
            )
        cached = self._listing_cache.get(function_version)
        if cached is not None and cached[0] == self._listing_generation:
            return cached[1]
        every_version = function_version == "ALL"
        functions = self._lambdas._functions
        arns: list[str] = []
        add = arns.append
        for name in sorted(functions):
            group = functions[name]
            latest = group["latest"]
            if latest is not None:
                add(latest.function_arn + ":$LATEST" if every_version else latest.function_arn)
            if every_version:
                for fn in group["versions"]:
                    add(fn.function_arn)
        self._listing_cache[function_version] = (self._listing_generation, arns)
        return arns

    def has_function(self, function_name: str) -> bool:
        """Whether a function of that name exists (no exception built when it does not)."""
        return function_name in self._lambdas._functions

    def delete_function(self, function_name: str, qualifier: str | None = None) -> None:
        doomed = self.get_function(function_name, qualifier)
        try:
            super().delete_function(function_name, qualifier)
        finally:
            self._listing_generation += 1
        # moto keeps a deleted version's ARN in its ARN index; drop it.
        if doomed.version != "$LATEST":
            self._lambdas._arns.pop(doomed.function_arn, None)

    @paginate(PAGINATION_MODEL)
    def list_versions_page(self, function_name: str) -> list[str]:
        """ListVersionsByFunction's ARNs: $LATEST (``:$LATEST``), then versions."""
        fn = self.get_function(function_name)
        return self._version_arns(fn.function_name, qualify_latest=True)

    def listed_function(self, arn: str) -> LambdaFunction:
        """The function version a listing ARN names (an unqualified ARN names $LATEST)."""
        parts = arn.split(":")
        group = self._lambdas._functions[parts[6]]
        qualifier = parts[7] if len(parts) > 7 else "$LATEST"
        if qualifier == "$LATEST":
            return cast(LambdaFunction, group["latest"])
        return next(fn for fn in group["versions"] if str(fn.version) == qualifier)

    # -- function status (admin) --

    def set_function_status(
        self,
        function_name: str,
        qualifier: str | None,
        *,
        state: str | None = None,
        state_reason: str | None = None,
        state_reason_code: str | None = None,
        last_update_status: str | None = None,
        last_update_status_reason: str | None = None,
        last_update_status_reason_code: str | None = None,
    ) -> ExtendedLambdaFunction:
        """Set a function version's State and/or LastUpdateStatus, with reasons.

        A group left as None keeps its current value; setting a status replaces its reason and
        reason code (omitted ones are cleared). While LastUpdateStatus is InProgress, updates
        and PublishVersion are refused with ResourceConflictException, as in AWS.
        """
        fn = self.get_function(function_name, qualifier)
        if not isinstance(fn, ExtendedLambdaFunction):
            raise InvalidParameterValueException(f"{function_name} was not created by localaws")
        if state is not None:
            fn.state = state
            fn.state_reason = state_reason
            fn.state_reason_code = state_reason_code
        if last_update_status is not None:
            if last_update_status not in UPDATE_STATUSES:
                raise InvalidParameterValueException(
                    f"LastUpdateStatus must be one of {', '.join(UPDATE_STATUSES)}"
                )
            fn.last_update_status = last_update_status
            fn.last_update_status_reason = last_update_status_reason
            fn.last_update_status_reason_code = last_update_status_reason_code
        return fn

    @staticmethod
    def _refuse_while_updating(fn: LambdaFunction) -> None:
        if getattr(fn, "last_update_status", None) == "InProgress":
            raise ResourceConflictException(
                "The operation cannot be performed at this time. An update is in progress for "
                f"resource: {fn.function_arn}"
            )

    def put_function_code_signing_config(
        self, function_name: str, config_arn: str
    ) -> LambdaFunction:
        fn = self.get_function(function_name)
        arn = self._csc_arn(config_arn)
        if arn not in self.code_signing_configs:
            raise CodeSigningConfigNotFoundException(arn)
        fn.code_signing_config_arn = arn
        return fn

    def delete_function_code_signing_config(self, function_name: str) -> None:
        self.get_function(function_name).code_signing_config_arn = None

    # -- tags: moto resolves tag ARNs to functions/ESMs only --

    def _get_resource_by_arn(self, arn: str) -> Any:
        if ":code-signing-config:" in arn:
            return self.get_code_signing_config(arn)
        return super()._get_resource_by_arn(arn)

    # -- packages and validation --

    def _package_bytes(self, code: dict[str, Any]) -> bytes | None:
        """The bytes a Code/Content block deploys; None for container images."""
        if code.get("ZipFile"):
            try:
                return base64.b64decode(code["ZipFile"])
            except ValueError:
                raise InvalidParameterValueException("Could not unzip uploaded file.") from None
        if code.get("S3Bucket") and code.get("S3Key"):
            s3 = s3_backends[self.account_id][get_partition(self.region_name)]
            try:
                key = s3.get_object(
                    code["S3Bucket"], code["S3Key"], version_id=code.get("S3ObjectVersion")
                )
            except MissingBucket:
                raise InvalidParameterValueException(
                    "Error occurred while GetObject. S3 Error Code: NoSuchBucket. "
                    "S3 Error Message: The specified bucket does not exist"
                ) from None
            if key is None:
                raise InvalidParameterValueException(
                    "Error occurred while GetObject. S3 Error Code: NoSuchKey. "
                    "S3 Error Message: The specified key does not exist."
                )
            return bytes(key.value)
        return None

    @staticmethod
    def _as_zipfile(code: dict[str, Any], package: bytes | None) -> dict[str, Any]:
        if package is None:
            return dict(code)
        return {"ZipFile": base64.b64encode(package).decode()}

    def _check(self, config: CodeSigningConfig, data: bytes, label: str) -> Verdict:
        return check_artifact(data, config.allowed_publishers, signer_for, label)

    def _check_layers(self, config: CodeSigningConfig, layer_arns: list[str]) -> list[Verdict]:
        verdicts = []
        for arn in layer_arns:
            layer = self.layers_versions_by_arn(arn)
            if layer is not None:
                verdicts.append(self._check(config, layer.code_bytes, f"layer {arn}"))
        return verdicts

    def _annotate_layers(self, fn: LambdaFunction) -> None:
        for entry in fn.layers:
            layer = self.layers_versions_by_arn(entry["Arn"])
            if isinstance(layer, SignedLayerVersion) and layer.signing_job_arn:
                extra = cast(dict[str, Any], entry)
                extra["SigningJobArn"] = layer.signing_job_arn
                extra["SigningProfileVersionArn"] = layer.signing_profile_version_arn

    def create_function(self, spec: dict[str, Any]) -> LambdaFunction:
        spec = dict(spec)
        # Signing ARNs are outputs, never inputs.
        spec.pop("SigningJobArn", None)
        spec.pop("SigningProfileVersionArn", None)
        code = dict(spec.get("Code") or {})
        package = self._package_bytes(code)
        config_arn = spec.get("CodeSigningConfigArn")
        if config_arn:
            config_arn = self._csc_arn(config_arn)
            if config_arn not in self.code_signing_configs:
                raise CodeSigningConfigNotFoundException(config_arn)
            spec["CodeSigningConfigArn"] = config_arn
            config = self.code_signing_configs[config_arn]
            if package is not None:
                verdict = self._check(config, package, "function package")
                layer_verdicts = self._check_layers(config, spec.get("Layers") or [])
                apply_policy(config.policy, [verdict, *layer_verdicts])
                if verdict.trusted:
                    spec["SigningJobArn"] = verdict.signing_job_arn
                    spec["SigningProfileVersionArn"] = verdict.signing_profile_version_arn
        spec["Code"] = self._as_zipfile(code, package)
        return self._create_function(spec)

    def _create_function(self, spec: dict[str, Any]) -> LambdaFunction:
        """moto's LambdaBackend.create_function, building an ExtendedLambdaFunction."""
        function_name = spec.get("FunctionName")
        if function_name is None:
            raise InvalidParameterValueException("Missing FunctionName")
        fn = ExtendedLambdaFunction(  # type: ignore[abstract]
            account_id=self.account_id, spec=spec, region=self.region_name, version="$LATEST"
        )
        fn.file_system_configs = _file_system_configs(spec)
        self._annotate_layers(fn)
        self._lambdas.put_function(fn)
        # A new function numbers its versions from 1 (a deleted one's count is gone with it).
        self._highest_version.pop(fn.function_name, None)
        self._listing_generation += 1
        if spec.get("Publish"):
            published = self.publish_version(function_name)
            # The reply describes the new version; $LATEST stays as it is.
            fn = copy.copy(fn)
            fn.version = published.version  # type: ignore[union-attr]
        return fn

    def update_function_code(
        self, function_name: str, qualifier: str, body: dict[str, Any]
    ) -> dict[str, Any] | None:
        fn = self.get_function(function_name, qualifier)
        self._refuse_while_updating(fn)
        package = self._package_bytes(body)
        signing_arns: tuple[str | None, str | None] = (None, None)
        if fn.code_signing_config_arn and package is not None:
            config = self.get_code_signing_config(fn.code_signing_config_arn)
            verdict = self._check(config, package, "function package")
            apply_policy(config.policy, [verdict])
            signing_arns = (verdict.signing_job_arn, verdict.signing_profile_version_arn)
        if body.get("DryRun"):
            return fn.get_configuration()
        update = {
            k: v for k, v in body.items() if k not in ("S3Bucket", "S3Key", "S3ObjectVersion")
        }
        update.update(self._as_zipfile({}, package))
        fn.update_function_code(update)
        fn.signing_job_arn, fn.signing_profile_version_arn = signing_arns
        if isinstance(fn, ExtendedLambdaFunction):
            fn.update_finished()
        if body.get("Publish"):
            published = self.publish_version(fn.function_name)
            if published is not None:
                return published.get_configuration()
        return fn.get_configuration()

    def update_function_configuration(
        self, function_name: str, qualifier: str, body: dict[str, Any]
    ) -> dict[str, Any] | None:
        fn = self.get_function(function_name, qualifier)
        self._refuse_while_updating(fn)
        if fn.code_signing_config_arn and body.get("Layers"):
            config = self.get_code_signing_config(fn.code_signing_config_arn)
            apply_policy(config.policy, self._check_layers(config, body["Layers"]))
        body = dict(body)
        if "Environment" in body:
            # moto reads Environment["Variables"] unconditionally; {} clears the variables.
            body["Environment"] = {"Variables": (body["Environment"] or {}).get("Variables", {})}
        fn.update_configuration(body)
        self._annotate_layers(fn)
        if isinstance(fn, ExtendedLambdaFunction):
            if "FileSystemConfigs" in body:
                fn.file_system_configs = _file_system_configs(body)
                fn.code_or_config_updated = True
            fn.update_finished()
        return fn.get_configuration()

    def publish_version(self, function_name: str, description: str = "") -> LambdaFunction | None:
        """moto's LambdaStorage.publish_version, numbering as Lambda does.

        moto numbers a new version len(versions) + 1, so after DeleteFunction(Qualifier=N) the
        next version could take a number already used. Lambda never reuses one: the next
        version is one more than the highest this function ever published.
        """
        latest = self._lambdas.get_function_by_name_or_arn_forbid_qualifier(function_name)
        self._refuse_while_updating(latest)
        group = self._lambdas._functions[latest.function_name]
        versions = group["versions"]
        if versions and not latest.code_or_config_updated:
            # Nothing changed since the last version: Lambda returns that version.
            return cast(LambdaFunction, versions[-1])
        latest.code_or_config_updated = False
        number = 1 + max(
            [self._highest_version.get(latest.function_name, 0)]
            + [int(fn.version) for fn in versions]
        )
        self._highest_version[latest.function_name] = number
        published = copy.copy(latest)
        published.set_version(number)
        if description:
            published.description = description
        # copy.copy shares $LATEST's mutable members; a later update of $LATEST
        # (UpdateFunctionCode rewrites code["ZipFile"/"S3Key"]) must not change the version.
        published.code = dict(published.code)
        published.layers = [dict(entry) for entry in published.layers]  # type: ignore[misc]
        published.environment_vars = dict(published.environment_vars)
        versions.append(published)
        self._lambdas._arns[published.function_arn] = published
        self._listing_generation += 1
        return published

    def publish_layer_version(self, spec: dict[str, Any]) -> LayerVersion:
        for param in ("LayerName", "Content"):
            if not spec.get(param):
                raise InvalidParameterValueException(f"Missing {param}")
        spec = dict(spec)
        content = dict(spec["Content"])
        package = self._package_bytes(content)
        spec["Content"] = self._as_zipfile(content, package)
        # moto's CloudFormation base declares abstract hooks that LayerVersion leaves unset.
        layer_version = SignedLayerVersion(  # type: ignore[abstract]
            spec, account_id=self.account_id, region=self.region_name
        )
        if package is not None:
            self._record_layer_signature(layer_version, package)
        self._layers.put_layer_version(layer_version)
        return layer_version

    @staticmethod
    def _record_layer_signature(layer_version: SignedLayerVersion, package: bytes) -> None:
        """Record the signing ARNs of a layer whose signature verifies (checked again at deploy)."""
        try:
            envelope = signing.read_envelope(package)
        except signing.MalformedSignatureError:
            return
        if envelope is None:
            return
        signer = signer_for(envelope.profile_version_arn)
        key = signer.public_key(envelope.profile_version_arn) if signer else None
        if key is not None and signing.verify_integrity(package, envelope, key):
            layer_version.signing_job_arn = envelope.job_arn
            layer_version.signing_profile_version_arn = envelope.profile_version_arn
