"""Lambda restJson handlers: moto's LambdaResponse plus the code-signing-config operations."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from moto.awslambda.responses import LambdaResponse
from moto.core.responses import TYPE_RESPONSE

from localaws.paging import service_token_errors

from .exceptions import (
    InvalidMarkerException,
    InvalidParameterValueException,
    ResourceNotFoundException,
)
from .models import MAX_FUNCTIONS_PAGE, ExtendedLambdaBackend

MAX_ITEMS = 10000  # botocore's MaxListItems


def _max_items(value: str | None, cap: int = MAX_ITEMS) -> int | None:
    """MaxItems as Lambda reads it: 1..10000 (None when absent), then capped at ``cap``."""
    if not value:
        return None
    try:
        limit = int(value)
    except ValueError:
        raise InvalidParameterValueException(f"Invalid MaxItems: {value}") from None
    if not 1 <= limit <= MAX_ITEMS:
        raise InvalidParameterValueException(f"MaxItems must be between 1 and {MAX_ITEMS}")
    return min(limit, cap)


def _listing(key: str, items: list[Any], marker: str | None) -> str:
    result: dict[str, Any] = {key: items}
    if marker:
        result["NextMarker"] = marker
    return json.dumps(result)


class ExtendedLambdaResponse(LambdaResponse):
    @property
    def backend(self) -> ExtendedLambdaBackend:  # type: ignore[override]
        backend = super().backend
        assert isinstance(backend, ExtendedLambdaBackend)
        return backend

    def _query(self, name: str) -> str | None:
        values = self.querystring.get(name)
        return values[0] if values else None

    def _csc_from_path(self) -> str:
        # /2020-04-22/code-signing-configs/{CodeSigningConfigArn}[/functions]
        parts = self.path.split("/")
        return unquote(parts[parts.index("code-signing-configs") + 1])

    def _function_from_path(self) -> str:
        # /2020-06-30/functions/{FunctionName}/code-signing-config
        return unquote(self.path.rstrip("/").split("/")[-2])

    # -- code signing configs --

    def create_code_signing_config(self) -> TYPE_RESPONSE:
        body = self.json_body
        config = self.backend.create_code_signing_config(
            allowed_publishers=body.get("AllowedPublishers"),
            policies=body.get("CodeSigningPolicies"),
            description=body.get("Description", ""),
            tags=body.get("Tags") or {},
        )
        return 201, {"status": 201}, json.dumps({"CodeSigningConfig": config.to_dict()})

    def get_code_signing_config(self) -> str:
        config = self.backend.get_code_signing_config(self._csc_from_path())
        return json.dumps({"CodeSigningConfig": config.to_dict()})

    def update_code_signing_config(self) -> str:
        body = self.json_body
        config = self.backend.update_code_signing_config(
            self._csc_from_path(),
            allowed_publishers=body.get("AllowedPublishers"),
            policies=body.get("CodeSigningPolicies"),
            description=body.get("Description"),
        )
        return json.dumps({"CodeSigningConfig": config.to_dict()})

    def delete_code_signing_config(self) -> TYPE_RESPONSE:
        self.backend.delete_code_signing_config(self._csc_from_path())
        return 204, {"status": 204}, ""

    def list_code_signing_configs(self) -> str:
        with service_token_errors(InvalidMarkerException, self._query("Marker")):
            configs, marker = self.backend.list_code_signing_configs_page(
                marker=self._query("Marker"), max_items=_max_items(self._query("MaxItems"))
            )
        return _listing("CodeSigningConfigs", [c.to_dict() for c in configs], marker)

    def list_functions_by_code_signing_config(self) -> str:
        with service_token_errors(InvalidMarkerException, self._query("Marker")):
            arns, marker = self.backend.list_function_arns_by_code_signing_config(
                config_arn=self.backend._csc_arn(self._csc_from_path()),
                marker=self._query("Marker"),
                max_items=_max_items(self._query("MaxItems")),
            )
        return _listing("FunctionArns", arns, marker)

    # -- functions and layers --

    def list_functions(self) -> str:
        with service_token_errors(InvalidMarkerException, self._query("Marker")):
            arns, marker = self.backend.list_function_versions(
                function_version=self._query("FunctionVersion"),
                marker=self._query("Marker"),
                max_items=_max_items(self._query("MaxItems"), cap=MAX_FUNCTIONS_PAGE),
            )
        return _listing("Functions", [self._configuration(arn) for arn in arns], marker)

    def list_versions_by_function(self) -> str:
        with service_token_errors(InvalidMarkerException, self._query("Marker")):
            arns, marker = self.backend.list_versions_page(
                function_name=unquote(self.path.rstrip("/").split("/")[-2]),
                marker=self._query("Marker"),
                max_items=_max_items(self._query("MaxItems"), cap=MAX_FUNCTIONS_PAGE),
            )
        return _listing("Versions", [self._configuration(arn) for arn in arns], marker)

    def _configuration(self, listed_arn: str) -> dict[str, Any]:
        configuration: dict[str, Any] = self.backend.listed_function(listed_arn).get_configuration()
        configuration["FunctionArn"] = listed_arn
        return configuration

    def get_layer_version_by_arn(self) -> str:
        # GET /2018-10-31/layers?find=LayerVersion&Arn=...; moto has no handler (HTTP 500).
        arn = self._query("Arn") or ""
        layer_version = self.backend.layers_versions_by_arn(arn) if ":layer:" in arn else None
        if layer_version is None:
            raise ResourceNotFoundException(f"Layer version {arn} does not exist")
        return json.dumps(layer_version.get_layer_version())

    # -- a function's code signing config --

    def put_function_code_signing_config(self) -> str:
        arn = self.json_body.get("CodeSigningConfigArn")
        if not arn:
            raise InvalidParameterValueException("CodeSigningConfigArn is required")
        fn = self.backend.put_function_code_signing_config(self._function_from_path(), arn)
        return json.dumps(
            {"CodeSigningConfigArn": fn.code_signing_config_arn, "FunctionName": fn.function_name}
        )

    def get_function_code_signing_config(self) -> str:
        # moto returns null for a function without a config; Lambda returns an empty string.
        fn = self.backend.get_function(self._function_from_path())
        return json.dumps(
            {
                "CodeSigningConfigArn": fn.code_signing_config_arn or "",
                "FunctionName": fn.function_name,
            }
        )

    def delete_function_code_signing_config(self) -> TYPE_RESPONSE:
        self.backend.delete_function_code_signing_config(self._function_from_path())
        return 204, {"status": 204}, ""
