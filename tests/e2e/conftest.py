"""Fixtures for end-to-end tests: real Terraform applies against the local AWS.

Applies are the expensive part (a local AWS, `terraform init` and `apply`: 10 s and more each),
so there are few of them:

- ``deployment``: one apply per xdist worker, shared by every *reversible* scenario that runs
  there (a worker runs one test at a time). After each test the fixture puts back what the test
  changed out of band and asserts that the live AWS matches the snapshot taken right after the
  apply, so no scenario leaks into the next.
- ``own_deployment``: an apply of its own, for irreversible changes (revocations, cancels).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localaws.testing import running_local_aws
from tests.conftest import Synth
from tests.e2e.deployment import Deployment


@pytest.fixture(scope="session")
def shared_deployment(
    synth: Synth, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    with running_local_aws(tls=True) as local:
        deployment = Deployment.apply(synth, tmp_path_factory.mktemp("shared"), local)
        yield deployment


@pytest.fixture
def deployment(shared_deployment: Deployment) -> Iterator[Deployment]:
    """The shared apply, restored after the test (the restore is asserted)."""
    baseline = shared_deployment.baseline
    yield shared_deployment
    shared_deployment.restore()
    assert shared_deployment.live_state() == baseline, "the restore left the deployment changed"


@pytest.fixture
def own_deployment(synth: Synth, tmp_path: Path) -> Iterator[Deployment]:
    """The default stack applied to a local AWS of its own, for changes that cannot be undone."""
    with running_local_aws(tls=True) as local:
        yield Deployment.apply(synth, tmp_path, local)
