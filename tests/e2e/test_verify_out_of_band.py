"""After a real Terraform deploy, the verifier passes, and out-of-band changes that only the
verifier sees (not in the drift table) fail the right checks.

These run on the shared apply (tests/conftest.py restores it after each test). Every
verifier scenario also runs against a boto3-built world in under a second
(test_verify_world.py), and the drift table's scenarios assert the verifier's failing checks
through `signed-lambda drift` on a real deploy (test_drift.py).
"""

from __future__ import annotations

import pytest

from tests.e2e.deployment import Deployment
from tests.e2e.scenarios import (
    add_extra_publisher,
    check_statuses,
    publish_unsigned_version_behind_an_alias,
)
from verifier.checks import Mode
from verifier.checks.registry import checks_for

pytestmark = pytest.mark.e2e


def test_clean_deploy_verifies(deployment: Deployment) -> None:
    code, report = deployment.verify()
    assert code == 0, report
    assert report["result"] == "pass"
    assert check_statuses(report).keys() == {"pass"}
    # Every registered check ran for every function (some report one finding per layer or
    # source directory).
    for key in deployment.manifest["functions"]:
        assert {c["id"] for c in report["checks"] if c["function"] == key} == {
            c.id for c in checks_for(Mode.MANIFEST)
        }


def test_unsigned_version_behind_an_alias_fails(deployment: Deployment) -> None:
    publish_unsigned_version_behind_an_alias(deployment)
    code, report = deployment.verify()
    failed = check_statuses(report, "hello").get("fail", set())
    assert code == 1, report
    assert {"versions.signed", "aliases.signed"} <= failed, sorted(failed)
    assert not check_statuses(report).get("error"), report
    # The other function is untouched.
    assert check_statuses(report, "audit").keys() == {"pass"}


def test_an_extra_publisher_fails(deployment: Deployment) -> None:
    """The lock pins the trusted profile versions: any other publisher the CSC allows could
    sign code these functions accept."""
    add_extra_publisher(deployment)
    code, report = deployment.verify()
    assert code == 1, report
    assert check_statuses(report).get("fail") == {"csc.publishers"}
