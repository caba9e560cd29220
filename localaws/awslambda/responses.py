"""Lambda restJson handlers: moto's LambdaResponse plus the code-signing-config operations."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import unquote

from moto.awslambda.responses import LambdaResponse
from moto.core.responses import TYPE_RESPONSE

from .exceptions import InvalidParameterValueException
from .models import ExtendedLambdaBackend

MAX_ITEMS = 10000


def _page(
    items: list[Any], marker: str | None, max_items: str | None
) -> tuple[list[Any], str | None]:
    try:
        start = int(marker) if marker else 0
        limit = int(max_items) if max_items else 50
    except ValueError:
        raise InvalidParameterValueException("Invalid Marker or MaxItems") from None
    if not 1 <= limit <= MAX_ITEMS:
        raise InvalidParameterValueException(f"MaxItems must be between 1 and {MAX_ITEMS}")
    end = start + limit
    return items[start:end], (str(end) if end < len(items) else None)


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
        configs = [c.to_dict() for c in self.backend.list_code_signing_configs()]
        page, marker = _page(configs, self._query("Marker"), self._query("MaxItems"))
        result: dict[str, Any] = {"CodeSigningConfigs": page}
        if marker:
            result["NextMarker"] = marker
        return json.dumps(result)

    def list_functions_by_code_signing_config(self) -> str:
        config = self.backend.get_code_signing_config(self._csc_from_path())
        arns = [fn.function_arn for fn in self.backend.functions_using(config.arn)]
        page, marker = _page(arns, self._query("Marker"), self._query("MaxItems"))
        result: dict[str, Any] = {"FunctionArns": page}
        if marker:
            result["NextMarker"] = marker
        return json.dumps(result)

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
