"""``signed-lambda.lock.json``: the reviewed trust anchor, outside Terraform state.

Like Terraform's dependency lock file it is written by a command (``signed-lambda lock``, run by
``make deploy`` and ``make lock``) and committed, so every change of trust shows up in review.
Per stack it pins the account, the region, the signing profile's name and the profile version
ARNs whose signatures are trusted, the code signing config ARN and its policy. ``verify`` and
``drift`` compare the stack's outputs (state) with it and judge every signature against its
pinned profile versions, never against state or the live CSC's list.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from verifier.contract.arns import (
    CSC_ARN,
    CSC_ARN_FORMAT,
    PROFILE_VERSION_ARN,
    PROFILE_VERSION_ARN_FORMAT,
    account_of,
)
from verifier.contract.manifest import POLICIES, Manifest
from verifier.contract.reader import Reader, json_type
from verifier.errors import InputError

LOCK_FILE_NAME = "signed-lambda.lock.json"
LOCK_VERSION = 1
CREATE_HINT = (
    "create it after a deploy with `make lock` (signed-lambda lock --outputs cdktf-outputs.json), "
    "review and commit it; or pass --no-lock to trust the stack's outputs alone"
)


@dataclass(frozen=True)
class StackLock:
    stack: str
    account_id: str
    region: str
    signing_profile_name: str
    #: Every profile version whose signatures are trusted (the current one, plus the previous
    #: one while a rotation is under way).
    signing_profile_version_arns: tuple[str, ...]
    code_signing_config_arn: str
    policy: str

    def to_json(self) -> dict[str, Any]:
        return {
            "account_id": self.account_id,
            "region": self.region,
            "signing_profile_name": self.signing_profile_name,
            "signing_profile_version_arns": sorted(self.signing_profile_version_arns),
            "code_signing_config_arn": self.code_signing_config_arn,
            "policy": self.policy,
        }


@dataclass(frozen=True)
class Lock:
    path: str
    stacks: tuple[StackLock, ...]

    def stack(self, name: str) -> StackLock | None:
        return next((entry for entry in self.stacks if entry.stack == name), None)

    def for_stack(self, name: str | None) -> StackLock:
        """The entry for ``name``; without a name, the only entry."""
        if name is None:
            if len(self.stacks) == 1:
                return self.stacks[0]
            names = ", ".join(entry.stack for entry in self.stacks) or "none"
            raise InputError(
                f"{self.path}: locks several stacks ({names}); choose one with --stack"
            )
        entry = self.stack(name)
        if entry is None:
            names = ", ".join(entry.stack for entry in self.stacks) or "none"
            raise InputError(
                f"{self.path}: has no entry for stack {name} (it locks: {names})",
                "run `make lock` after deploying that stack, review and commit the change",
            )
        return entry


def parse(data: Any, origin: str) -> Lock:
    reader = Reader(origin)
    document = reader.mapping(data, "the document")
    version = reader.integer(document, "lock_version", "")
    if version != LOCK_VERSION:
        raise reader.fail("lock_version", f"is {version}; this verifier reads {LOCK_VERSION}")
    stacks_data = reader.obj(document, "stacks", "")
    entries = []
    for name in sorted(stacks_data):
        where = f"stacks.{name}"
        entry = reader.mapping(stacks_data[name], where)
        account = reader.string(entry, "account_id", where)
        if not (account.isdigit() and len(account) == 12):
            raise reader.fail(f"{where}.account_id", f"is not a 12-digit account id ({account!r})")
        arns = reader.strings(entry, "signing_profile_version_arns", where)
        if not arns:
            raise reader.fail(
                f"{where}.signing_profile_version_arns", "is empty: nothing would be trusted"
            )
        for index, arn in enumerate(arns):
            if not PROFILE_VERSION_ARN.match(arn):
                raise reader.fail(
                    f"{where}.signing_profile_version_arns[{index}]",
                    f"is not a signing profile version ARN ({arn!r}; expected "
                    f"{PROFILE_VERSION_ARN_FORMAT})",
                )
        region = reader.string(entry, "region", where)
        for index, arn in enumerate(arns):
            match = PROFILE_VERSION_ARN.match(arn)
            if match and (match.group(1), match.group(2)) != (region, account):
                raise reader.fail(
                    f"{where}.signing_profile_version_arns[{index}]",
                    f"is in {match.group(1)}/{match.group(2)}, not this entry's {region}/{account}",
                )
        policy = reader.string(entry, "policy", where)
        if policy not in POLICIES:
            raise reader.fail(f"{where}.policy", f"is {policy!r}; expected Enforce or Warn")
        entries.append(
            StackLock(
                stack=name,
                account_id=account,
                region=region,
                signing_profile_name=reader.string(entry, "signing_profile_name", where),
                signing_profile_version_arns=arns,
                code_signing_config_arn=reader.pattern(
                    entry,
                    "code_signing_config_arn",
                    where,
                    CSC_ARN,
                    f"a CSC ARN ({CSC_ARN_FORMAT})",
                ),
                policy=policy,
            )
        )
    if not entries:
        raise reader.fail("stacks", "is empty: nothing is locked", CREATE_HINT)
    return Lock(path=origin, stacks=tuple(entries))


def load(path: Path) -> Lock:
    """The lock at ``path``; a missing or malformed lock is one InputError line (exit 2)."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no lock file", CREATE_HINT) from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, expected the lock file") from None
    except (OSError, UnicodeDecodeError) as error:
        raise InputError(f"{path}: cannot read the lock file: {error}") from None
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise InputError(
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})"
        ) from None
    if not isinstance(data, dict):
        raise InputError(f"{path}: must be a JSON object, not {json_type(data)}")
    return parse(data, str(path))


def entry_from_manifest(stack: str, manifest: Manifest, *, keep: tuple[str, ...] = ()) -> StackLock:
    """What the lock should say for a deployed stack (``keep``: extra trusted versions)."""
    account = account_of(manifest.code_signing_config_arn)
    if account is None:
        raise InputError(f"{manifest.code_signing_config_arn}: no account id in the CSC ARN")
    arns = tuple(sorted({manifest.signing_profile_version_arn, *keep}))
    return StackLock(
        stack=stack,
        account_id=account,
        region=manifest.region,
        signing_profile_name=manifest.signing_profile_name,
        signing_profile_version_arns=arns,
        code_signing_config_arn=manifest.code_signing_config_arn,
        policy=manifest.expected_policy,
    )


def render(stacks: tuple[StackLock, ...]) -> str:
    document = {
        "_comment": (
            "Trust anchor for signed-lambda verify/drift/audit. Written by `make lock`; review "
            "every change and commit it."
        ),
        "lock_version": LOCK_VERSION,
        "stacks": {entry.stack: entry.to_json() for entry in sorted(stacks, key=lambda e: e.stack)},
    }
    return json.dumps(document, indent=2) + "\n"
