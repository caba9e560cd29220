"""Principals for tests against a local AWS started with ``iam=True``: a role with the given
identity policies, assumed through STS, with boto3 clients and a Terraform environment."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config

from localaws.testing import LocalAws

ACCOUNT = "123456789012"


def trust(principal: dict[str, str]) -> dict[str, Any]:
    """A role trust policy letting ``principal`` (``{"AWS": ...}`` or ``{"Service": ...}``)
    assume the role."""
    return {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": principal, "Action": "sts:AssumeRole"}],
    }


#: Who may assume the test roles: any principal of the account (the admin keys included).
TRUST_ACCOUNT = trust({"AWS": f"arn:aws:iam::{ACCOUNT}:root"})
ALLOW_ALL = {
    "Version": "2012-10-17",
    "Statement": [{"Sid": "AllowEverything", "Effect": "Allow", "Action": "*", "Resource": "*"}],
}


@dataclass(frozen=True)
class AssumedRole:
    local: LocalAws
    role_arn: str
    access_key_id: str
    secret_access_key: str
    session_token: str

    def client(self, service: str, **config: Any) -> Any:
        return boto3.client(
            service,
            endpoint_url=self.local.endpoint_url,
            verify=str(self.local.ca_bundle) if self.local.ca_bundle else None,
            region_name="us-east-1",
            aws_access_key_id=self.access_key_id,
            aws_secret_access_key=self.secret_access_key,
            aws_session_token=self.session_token,
            config=Config(**config) if config else None,
        )

    def env(self) -> dict[str, str]:
        """The local AWS's client environment with this role's credentials instead."""
        return {
            **self.local.env(),
            "AWS_ACCESS_KEY_ID": self.access_key_id,
            "AWS_SECRET_ACCESS_KEY": self.secret_access_key,
            "AWS_SESSION_TOKEN": self.session_token,
        }


def assume_role_with(
    local: LocalAws, name: str, policies: dict[str, dict[str, Any]], *, path: str = "/"
) -> AssumedRole:
    """Create role ``name`` (admin keys) with one inline policy per entry, and assume it."""
    iam = local.client("iam")
    role_arn = iam.create_role(
        RoleName=name, Path=path, AssumeRolePolicyDocument=json.dumps(TRUST_ACCOUNT)
    )["Role"]["Arn"]
    for policy_name, document in policies.items():
        iam.put_role_policy(
            RoleName=name, PolicyName=policy_name, PolicyDocument=json.dumps(document)
        )
    credentials = local.client("sts").assume_role(
        RoleArn=role_arn, RoleSessionName=f"{name}-session"
    )["Credentials"]
    return AssumedRole(
        local=local,
        role_arn=role_arn,
        access_key_id=credentials["AccessKeyId"],
        secret_access_key=credentials["SecretAccessKey"],
        session_token=credentials["SessionToken"],
    )


def denial(error: Any) -> tuple[int, str, str]:
    """(HTTP status, error code, message) of a ClientError raised by ``pytest.raises``."""
    response = error.value.response
    return (
        int(response["ResponseMetadata"]["HTTPStatusCode"]),
        str(response["Error"]["Code"]),
        str(response["Error"].get("Message", "")),
    )
