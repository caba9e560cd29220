"""Lambda errors in the AWS wire format (``X-Amzn-ErrorType`` header, ``Type``/``Message`` body)."""

from __future__ import annotations

import json

from moto.core.exceptions import JsonRESTError


class LambdaError(JsonRESTError):
    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(error_type, message)
        self.description = json.dumps({"Type": "User", "Message": message, "message": message})


class ResourceNotFoundException(LambdaError):
    code = 404

    def __init__(self, message: str) -> None:
        super().__init__("ResourceNotFoundException", message)


class CodeSigningConfigNotFoundException(LambdaError):
    code = 404

    def __init__(self, arn: str) -> None:
        super().__init__(
            "CodeSigningConfigNotFoundException", f"The code signing config {arn} was not found."
        )


class ResourceConflictException(LambdaError):
    code = 409

    def __init__(self, message: str) -> None:
        super().__init__("ResourceConflictException", message)


class InvalidParameterValueException(LambdaError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidParameterValueException", message)


class CodeVerificationFailedException(LambdaError):
    """An untrusted artifact under an Enforce policy."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("CodeVerificationFailedException", message)


class InvalidCodeSignatureException(LambdaError):
    """The signature does not verify: the package was changed after signing (any policy)."""

    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("InvalidCodeSignatureException", message)


class InvalidMarkerException(InvalidParameterValueException):
    """A Marker this server did not issue for the same request (moto's paginator raises it)."""

    def __init__(self, marker: str | None = None) -> None:
        super().__init__(f"Invalid Marker: {marker}")
