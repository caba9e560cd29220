"""Signer errors in the AWS wire format (restJson: ``X-Amzn-ErrorType`` header + JSON body)."""

from __future__ import annotations

from moto.core.exceptions import JsonRESTError


class ResourceNotFoundException(JsonRESTError):
    code = 404

    def __init__(self, message: str) -> None:
        super().__init__("ResourceNotFoundException", message)


class ValidationException(JsonRESTError):
    code = 400

    def __init__(self, message: str) -> None:
        super().__init__("ValidationException", message)


class AccessDeniedException(JsonRESTError):
    code = 403

    def __init__(self, message: str) -> None:
        super().__init__("AccessDeniedException", message)


class InvalidNextTokenException(ValidationException):
    """A nextToken this server did not issue for the same filters (moto's paginator raises it)."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__(f"Invalid nextToken: {token}")
