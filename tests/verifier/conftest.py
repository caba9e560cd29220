"""Fixtures of the verifier's tests against the local AWS (the server and the environment that
points the in-process verifier at it are tests/conftest.py's ``endpoint`` and ``local_env``)."""

from __future__ import annotations

import pytest

from tests.localaws.localaws_support import SigningWorld


@pytest.fixture(scope="module")
def world(endpoint: str) -> SigningWorld:
    """The module's signing world: its own profile, bucket and clients on the module's server."""
    return SigningWorld.create(endpoint)
