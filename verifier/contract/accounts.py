"""Which accounts and Regions an organization audit covers, validated before any AWS call.

The accounts come from AWS Organizations (``--organization``), from flags (``--account``,
repeatable) or from a file (``--accounts-file``: one 12-digit id per line, ``#`` comments), minus
``--exclude-account``; the caller's own account is audited with its own credentials unless it is
excluded. Every other account is entered through ``--role-name`` (assumed as
``arn:<partition>:iam::<account>:role/<name>``). ``--shard K/N`` keeps every N-th of the sorted
account ids, starting at the K-th: the same accounts always give the same split, the shards are
disjoint and together cover every account, and their sizes differ by at most one.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from verifier.errors import InputError

ACCOUNT_ID = re.compile(r"\d{12}")
#: STS: RoleSessionName is 2-64 characters of [\w+=,.@-].
ROLE_SESSION_NAME = re.compile(r"[\w+=,.@-]{2,64}")
#: IAM role names: 1-64 characters of [\w+=,.@-] (a path is not part of the name here).
ROLE_NAME = re.compile(r"[\w+=,.@-]{1,64}")
#: STS: ExternalId is 2-1224 characters of [\w+=,.@:/-].
EXTERNAL_ID = re.compile(r"[\w+=,.@:/-]{2,1224}")
DEFAULT_ROLE_SESSION_NAME = "signed-lambda-audit"
#: AssumeRole's DurationSeconds: 15 minutes to 12 hours (the role's MaxSessionDuration caps it).
MIN_SESSION_SECONDS = 900
MAX_SESSION_SECONDS = 43_200
DEFAULT_SESSION_SECONDS = 3600
MAX_ACCOUNTS_FILE_BYTES = 1024 * 1024


@dataclass(frozen=True)
class Shard:
    """``--shard K/N``: the K-th of N disjoint parts of the accounts (1-based)."""

    index: int
    count: int

    @classmethod
    def parse(cls, text: str) -> Shard:
        match = re.fullmatch(r"\s*(\d{1,4})\s*/\s*(\d{1,4})\s*", text)
        if match is None:
            raise InputError(f"--shard {text}: expected K/N, e.g. 1/4")
        index, count = int(match.group(1)), int(match.group(2))
        if not 1 <= index <= count:
            raise InputError(f"--shard {text}: K must be from 1 to N")
        return cls(index, count)

    def select(self, accounts: Sequence[str]) -> tuple[str, ...]:
        """This shard's accounts: every N-th of the sorted ids, from the K-th."""
        ordered = sorted(set(accounts))
        if len(ordered) < self.count:
            raise InputError(
                f"--shard {self}: {len(ordered)} account(s) cannot be split into {self.count} "
                "shards",
                "use at most as many shards as there are accounts",
            )
        return tuple(ordered[self.index - 1 :: self.count])

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


@dataclass(frozen=True)
class RoleOptions:
    """How every account but the caller's own is entered (``sts:AssumeRole``)."""

    name: str | None = None
    external_id: str | None = None
    session_name: str = DEFAULT_ROLE_SESSION_NAME
    duration_seconds: int = DEFAULT_SESSION_SECONDS

    def arn(self, partition: str, account_id: str) -> str:
        assert self.name is not None
        return f"arn:{partition}:iam::{account_id}:role/{self.name}"


@dataclass(frozen=True)
class AccountTargets:
    """The accounts of an organization audit (before discovery) and its Regions."""

    organization: bool = False
    accounts: tuple[str, ...] = ()
    exclude: frozenset[str] = frozenset()
    role: RoleOptions = field(default_factory=RoleOptions)
    #: The Regions named (``--region``), or none with ``all_regions``.
    regions: tuple[str, ...] = ()
    #: Every Region enabled for each account (``account:ListRegions``, else EC2).
    all_regions: bool = False
    #: The Region for STS, Organizations and the Region listings (and Security Hub's default).
    home_region: str = "us-east-1"
    shard: Shard | None = None

    def chosen(self, caller: str, organization: Iterable[str] = ()) -> tuple[str, ...]:
        """The accounts to audit: listed or given, the caller's own, minus the excluded ones,
        this shard's part (sorted)."""
        wanted = set(organization) | set(self.accounts) | {caller}
        wanted -= self.exclude
        if not wanted:
            raise InputError("no accounts to audit: every account is excluded (--exclude-account)")
        ordered = tuple(sorted(wanted))
        return self.shard.select(ordered) if self.shard is not None else ordered


def account_id(value: str, where: str) -> str:
    """A 12-digit account id, or an InputError naming where it came from."""
    text = value.strip()
    if not ACCOUNT_ID.fullmatch(text):
        raise InputError(f"{where} {value!r}: not a 12-digit AWS account id")
    return text


def read_accounts_file(path: Path) -> tuple[str, ...]:
    """One account id per line (blank lines and ``#`` comments ignored)."""
    try:
        if path.stat().st_size > MAX_ACCOUNTS_FILE_BYTES:
            raise InputError(f"--accounts-file {path}: larger than 1 MiB; is it the right file?")
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise InputError(f"--accounts-file {path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"--accounts-file {path}: is a directory") from None
    except UnicodeDecodeError:
        raise InputError(f"--accounts-file {path}: not UTF-8 text") from None
    except OSError as error:
        raise InputError(f"--accounts-file {path}: cannot be read ({error.strerror})") from None
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        content = line.split("#", 1)[0].strip()
        if content:
            found.append(account_id(content, f"--accounts-file {path}:{number}:"))
    if not found:
        raise InputError(f"--accounts-file {path}: no account ids in it")
    return tuple(found)


def validate_role(role: RoleOptions) -> RoleOptions:
    if role.name is not None and not ROLE_NAME.fullmatch(role.name):
        raise InputError(
            f"--role-name {role.name!r}: not an IAM role name (1-64 letters, digits and +=,.@_-)"
        )
    if role.external_id is not None and not EXTERNAL_ID.fullmatch(role.external_id):
        raise InputError("--external-id: must be 2-1224 letters, digits and +=,.@:/_-")
    if not ROLE_SESSION_NAME.fullmatch(role.session_name):
        raise InputError(
            f"--role-session-name {role.session_name!r}: must be 2-64 letters, digits and +=,.@_-"
        )
    if not MIN_SESSION_SECONDS <= role.duration_seconds <= MAX_SESSION_SECONDS:
        raise InputError(
            f"--session-duration {role.duration_seconds}: must be from {MIN_SESSION_SECONDS} "
            f"to {MAX_SESSION_SECONDS} seconds (AssumeRole's DurationSeconds)"
        )
    return role


def partition_of_region(region: str) -> str:
    """The AWS partition a Region name belongs to."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    if region.startswith("us-isob-"):
        return "aws-iso-b"
    if region.startswith("us-iso-"):
        return "aws-iso"
    return "aws"
