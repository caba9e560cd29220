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

And its access role had no permissions; AWS attaches the ``AdministratorAccess`` managed policy
to it (Organizations User Guide, "Accessing member accounts ... OrganizationAccountAccessRole"),
which matters once IAM is enforced (``--iam``): the role's sessions may then do everything in
the member account, as in AWS. moto loads AWS managed policies only with
``MOTO_IAM_LOAD_MANAGED_POLICIES`` (seconds to parse), so this one is made where it is needed.
"""

from __future__ import annotations

import json
from typing import Any

from moto.iam.models import AWSManagedPolicy, iam_backends
from moto.organizations.exceptions import (
    AWSOrganizationsNotInUseException,
    InvalidInputException,
    OrganizationsClientError,
)
from moto.organizations.models import OrganizationsBackend, organizations_backends
from moto.utilities.paginator import paginate

#: botocore: ListAccounts MaxResults is 1..20.
MAX_LIST_ACCOUNTS = 20
#: The access role CreateAccount makes in a member when no RoleName is given (botocore's model).
MEMBER_ROLE_NAME = "OrganizationAccountAccessRole"
ADMINISTRATOR_ACCESS = "AdministratorAccess"
#: The AdministratorAccess managed policy's document (AWS managed policy reference, v1).
ADMINISTRATOR_ACCESS_DOCUMENT = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}],
}


def grant_administrator_access(account_id: str, partition: str, role_name: str) -> None:
    """Attach AWS's AdministratorAccess managed policy to a member's access role, as
    Organizations does (see the module docstring)."""
    iam = iam_backends[account_id][partition]
    arn = f"arn:{partition}:iam::aws:policy/{ADMINISTRATOR_ACCESS}"
    if arn not in iam.managed_policies:
        iam.managed_policies[arn] = AWSManagedPolicy(
            ADMINISTRATOR_ACCESS,
            account_id=account_id,
            region=partition,
            default_version_id="v1",
            document=json.dumps(ADMINISTRATOR_ACCESS_DOCUMENT),
            path="/",
        )
    attached, _ = iam.list_attached_role_policies(role_name)
    if all(policy.arn != arn for policy in attached):
        iam.attach_role_policy(arn, role_name)


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
    def create_account(self, **kwargs: Any) -> dict[str, Any]:
        status = super().create_account(**kwargs)
        grant_administrator_access(
            status["CreateAccountStatus"]["AccountId"],
            self.partition,
            kwargs.get("RoleName") or MEMBER_ROLE_NAME,
        )
        return status

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
