"""The verifier's integration fixtures, defined once: a signing world on the module's local AWS
and a boto3-built signed deployment on it. The server (``endpoint``) and the in-process
verifier pointed at it (``local_env``) are tests/conftest.py's; a module that talks to the local
AWS opts in with ``pytestmark = pytest.mark.usefixtures("local_env")``."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.localaws.localaws_support import SigningWorld
from tests.verifier.deployed import Deployed, deploy


@pytest.fixture(scope="module")
def world(endpoint: str) -> SigningWorld:
    """The module's signing world: its own profile, bucket and clients on the module's server."""
    return SigningWorld.create(endpoint)


@pytest.fixture
def deployed(world: SigningWorld, tmp_path: Path) -> Deployed:
    return deploy(world, tmp_path)
