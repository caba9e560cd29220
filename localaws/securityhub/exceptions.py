"""Security Hub errors in the AWS wire format (restJson; the HTTP status comes from botocore's
model: InvalidInputException 400, InvalidAccessException 401, AccessDeniedException 403)."""

from __future__ import annotations

from moto.securityhub.exceptions import SecurityHubClientError


class InvalidInputException(SecurityHubClientError):
    def __init__(self, message: str) -> None:
        super().__init__("InvalidInputException", message)


class InvalidAccessException(SecurityHubClientError):
    def __init__(self, account_id: str) -> None:
        super().__init__(
            "InvalidAccessException", f"Account {account_id} is not subscribed to AWS Security Hub"
        )


class AccessDeniedException(SecurityHubClientError):
    def __init__(self, caller_arn: str, action: str, resource: str) -> None:
        super().__init__(
            "AccessDeniedException",
            f"User: {caller_arn} is not authorized to perform: securityhub:{action} on resource: "
            f"{resource}",
        )


class InvalidNextTokenException(InvalidInputException):
    """A NextToken this server did not issue for the same filters (moto's paginator raises it)."""

    def __init__(self, token: str | None = None) -> None:
        super().__init__(f"Invalid NextToken: {token}")
