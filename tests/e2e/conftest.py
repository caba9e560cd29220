"""Fixtures for end-to-end tests: a fresh local AWS and a real apply per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from localaws.testing import running_local_aws
from tests.conftest import Synth
from tests.e2e.deployment import Deployment


@pytest.fixture
def deployment(synth: Synth, tmp_path: Path) -> Iterator[Deployment]:
    """The default stack applied by Terraform to a local AWS of its own (so out-of-band
    changes, revocations included, never leak into another test)."""
    with running_local_aws(tls=True) as local:
        yield Deployment.apply(synth, tmp_path, local)
