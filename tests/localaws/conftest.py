"""Fixtures for the local AWS tests: one server per session, clients, and a signing helper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localaws.testing import running_server
from tests.localaws.localaws_support import Clients, SigningWorld, make_client, unique


@pytest.fixture(scope="session")
def local_aws_endpoint() -> Iterator[str]:
    """The endpoint URL of a local AWS started for this test session."""
    with running_server() as endpoint_url:
        yield endpoint_url


@pytest.fixture(scope="session")
def clients(local_aws_endpoint: str) -> Clients:
    return Clients(
        s3=make_client(local_aws_endpoint, "s3"),
        signer=make_client(local_aws_endpoint, "signer"),
        lambda_=make_client(local_aws_endpoint, "lambda"),
        iam=make_client(local_aws_endpoint, "iam"),
    )


@pytest.fixture(scope="session")
def world(clients: Clients) -> SigningWorld:
    bucket = unique("artifacts-")
    clients.s3.create_bucket(Bucket=bucket)
    clients.s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    role = clients.iam.create_role(
        RoleName=unique("lambda-role-"),
        AssumeRolePolicyDocument='{"Version": "2012-10-17", "Statement": []}',
    )["Role"]["Arn"]
    return SigningWorld(clients, bucket, role)
