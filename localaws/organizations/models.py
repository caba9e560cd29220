"""Organizations backend extended where ListAccounts differed from AWS.

moto 5.2.5 creates the organization, its accounts (``Status``/``State`` ``ACTIVE``; CloseAccount
makes both ``SUSPENDED``) and, in each new account, an ``OrganizationAccountAccessRole`` whose
trust policy allows the management account's root (so every principal of the management account
may assume it; see :mod:`localaws.sts.trust`). Its ListAccounts differed from AWS's:

- it paged 100 accounts by default and accepted any ``MaxResults``; AWS allows 1 to 20
  (botocore's model), and this server pages 20 by default;
- its page token named an account by ``JoinedTimestamp``, which two accounts created in the
  same instant share; tokens here name the account ``Id``;
- it answered a member account with an empty list and an account outside any organization with
  an empty list; AWS answers AccessDeniedException (only the management account or a delegated
  administrator may list) and AWSOrganizationsNotInUseException.
"""

from __future__ import annotations

from typing import Any

from moto.organizations.exceptions import (
    AWSOrganizationsNotInUseException,
    InvalidInputException,
    OrganizationsClientError,
)
from moto.organizations.models import OrganizationsBackend, organizations_backends
from moto.utilities.paginator import paginate

#: botocore: ListAccounts MaxResults is 1..20.
MAX_LIST_ACCOUNTS = 20


class AccessDeniedException(OrganizationsClientError):
    def __init__(self) -> None:
        super().__init__(
            "AccessDeniedException", "You don't have permissions to access this resource."
        )


class InvalidNextTokenException(InvalidInputException):
    def __init__(self, token: str | None = None) -> None:
        super().__init__("You specified an invalid value for nextToken.")
        self.reason = "INVALID_NEXT_TOKEN"


PAGINATION_MODEL = {
    "_list_accounts_page": {
        "input_token": "next_token",
        "limit_key": "max_results",
        "limit_default": MAX_LIST_ACCOUNTS,
        "unique_attribute": "Id",
        "fail_on_invalid_token": InvalidNextTokenException,
    },
}


class ExtendedOrganizationsBackend(OrganizationsBackend):
    def _listing_backend(self) -> OrganizationsBackend:
        """The backend whose accounts this account may list (see the module docstring)."""
        if self.org is not None:
            return self
        owner = organizations_backends.master_accounts.get(self.account_id)
        if owner is None:
            raise AWSOrganizationsNotInUseException
        management = organizations_backends[owner[0]][owner[1]]
        if any(admin.account.id == self.account_id for admin in management.admins):
            return management
        raise AccessDeniedException

    def list_accounts(  # type: ignore[override]
        self, max_results: int | None = None, next_token: str | None = None
    ) -> tuple[list[dict[str, Any]], str | None]:
        if max_results is not None and not 1 <= max_results <= MAX_LIST_ACCOUNTS:
            error = InvalidInputException(f"MaxResults must be between 1 and {MAX_LIST_ACCOUNTS}.")
            error.reason = "MAX_VALUE_EXCEEDED" if max_results > 1 else "MIN_VALUE_EXCEEDED"
            raise error
        return self._list_accounts_page(  # type: ignore[no-any-return]
            max_results=max_results, next_token=next_token
        )

    @paginate(pagination_model=PAGINATION_MODEL)
    def _list_accounts_page(self) -> list[dict[str, Any]]:
        source = self._listing_backend()
        accounts = [account.describe() for account in source.accounts]
        return sorted(accounts, key=lambda account: (account["JoinedTimestamp"], account["Id"]))
