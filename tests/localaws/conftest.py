"""Fixtures for the local AWS tests: one server per session, clients, and a signing helper.

Every server listens on a free port and keeps its files in a temporary directory, so these
tests can run in parallel (pytest-xdist: one session server per worker).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from localaws.testing import LocalAws, running_local_aws
from localaws.world import Clients, World


@pytest.fixture(scope="session")
def local_http() -> Iterator[LocalAws]:
    """A plain-HTTP local AWS shared by this session's API tests."""
    with running_local_aws(tls=False) as local:
        yield local


@pytest.fixture(scope="session")
def local_aws_endpoint(local_http: LocalAws) -> str:
    """The endpoint URL of the session's local AWS."""
    return local_http.endpoint_url


@pytest.fixture(scope="session")
def world(local_aws_endpoint: str) -> World:
    return World.create(Clients.for_endpoint(local_aws_endpoint))


@pytest.fixture(scope="session")
def clients(world: World) -> Clients:
    return world.clients
