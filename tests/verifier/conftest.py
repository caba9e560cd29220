"""The verifier's integration fixtures, defined once: a local AWS per test module, a signing
world on it, the in-process verifier pointed at it (``local_env``), and a boto3-built signed
deployment. A module that talks to the local AWS opts in with
``pytestmark = pytest.mark.usefixtures("local_env")``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localaws.testing import running_server
from tests.conftest import use_local_aws
from tests.localaws.localaws_support import SigningWorld
from tests.verifier.deployed import Deployed, deploy


@pytest.fixture(scope="module")
def endpoint() -> Iterator[str]:
    with running_server() as endpoint_url:
        yield endpoint_url


@pytest.fixture(scope="module")
def world(endpoint: str) -> SigningWorld:
    return SigningWorld.create(endpoint)


@pytest.fixture
def local_env(endpoint: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # Only AWS_REGION, as the README's local setup has it (boto3 alone reads AWS_DEFAULT_REGION).
    use_local_aws(monkeypatch, tmp_path, endpoint, max_attempts=2)


@pytest.fixture
def deployed(world: SigningWorld, tmp_path: Path) -> Deployed:
    return deploy(world, tmp_path)
