"""Fixtures for the local AWS tests: one server per session, clients, and a signing helper."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localaws.testing import running_server
from tests.localaws.localaws_support import Clients, SigningWorld


@pytest.fixture(scope="session")
def local_aws_endpoint() -> Iterator[str]:
    """The endpoint URL of a local AWS started for this test session."""
    with running_server() as endpoint_url:
        yield endpoint_url


@pytest.fixture(scope="session")
def world(local_aws_endpoint: str) -> SigningWorld:
    return SigningWorld.create(local_aws_endpoint)


@pytest.fixture(scope="session")
def clients(world: SigningWorld) -> Clients:
    return world.c
