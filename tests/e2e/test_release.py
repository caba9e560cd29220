"""Safe releases on a real apply (tests/conftest.py's RELEASE_CONFIG): deploy v1, change the
code, deploy again with a canary alias, verify proves both versions, `make promote` moves the
alias fully to the newest version, verify again. Three applies: v1, v2, the promotion.

The function also carries every team setting (IAM statements, a managed policy, a VPC,
reserved concurrency, tags; its layer declares its architecture), so the real AWS provider
applies each against the local AWS.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from typing import Any

import pytest

from localaws.testing import running_local_aws
from tests.conftest import RELEASE_MANAGED_POLICY_ARN, REPO_ROOT, Synth, tool_env
from tests.e2e.deployment import Deployment

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def release(
    release_synths: tuple[Synth, Synth], tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Deployment]:
    v1, _ = release_synths
    with running_local_aws(tls=True) as local:
        local.client("iam").create_policy(
            PolicyName=RELEASE_MANAGED_POLICY_ARN.rpartition("/")[2],
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "dynamodb:Query", "Resource": "*"}],
                }
            ),
        )
        yield Deployment.apply(v1, tmp_path_factory.mktemp("release"), local)


def alias(deployment: Deployment) -> tuple[str, dict[str, float]]:
    """The ``live`` alias: its version and its additional version weights."""
    name = deployment.manifest["functions"]["hello"]["function_name"]
    found = deployment.client("lambda").get_alias(FunctionName=name, Name="live")
    weights = (found.get("RoutingConfig") or {}).get("AdditionalVersionWeights") or {}
    return found["FunctionVersion"], weights


def published(deployment: Deployment) -> list[str]:
    name = deployment.manifest["functions"]["hello"]["function_name"]
    listed = deployment.client("lambda").list_versions_by_function(FunctionName=name)
    return [v["Version"] for v in listed["Versions"] if v["Version"] != "$LATEST"]


def findings(report: dict[str, Any], check_id: str) -> dict[str, str]:
    """``{resource: status}`` of one check's findings."""
    return {c["resource"]: c["status"] for c in report["checks"] if c["id"] == check_id}


def promote(deployment: Deployment) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            sys.executable,
            str(REPO_ROOT / "scripts" / "promote.py"),
            "--stack-dir",
            str(deployment.workdir),
        ],
        env=tool_env(deployment.env),
        capture_output=True,
        text=True,
        timeout=600,
    )


def test_canary_release_then_promote(
    release: Deployment, release_synths: tuple[Synth, Synth]
) -> None:
    v1, v2 = release_synths
    # v1: the alias and the promoted version are the first build.
    assert published(release) == ["1"]
    assert alias(release) == ("1", {})
    code, report = release.verify()
    assert code == 0, report

    # v2, new code: a new signed build, published; the alias keeps 90% on v1.
    release.use_synth(v2)
    release.apply_changes()
    assert published(release) == ["1", "2"]
    assert alias(release) == ("1", {"2": 0.1})
    code, report = release.verify()
    assert code == 0, report
    function_arn = release.manifest["functions"]["hello"]["function_arn"]
    versions = findings(report, "versions.signed")
    # Both versions proven: v2 is the current build, v1 this function's own earlier build.
    assert versions == {f"{function_arn}:2": "pass", f"{function_arn}:1": "warn"}, versions
    (routes,) = [c for c in report["checks"] if c["id"] == "aliases.signed"]
    assert routes["status"] in ("pass", "warn")
    # The alias's own version is listed first, then each weighted one with its share.
    assert routes["actual"] == "alias live routes to 1: warn; 2 (10%): pass", routes
    assert findings(report, "alias.declared") == {f"{function_arn}:live": "pass"}

    # Promote refuses while anything else would change (here v1's code, synthesized again).
    release.use_synth(v1)
    refused = promote(release)
    assert refused.returncode == 2, refused.stderr
    assert "changes that are not deployed" in refused.stderr and "make deploy" in refused.stderr
    assert alias(release) == ("1", {"2": 0.1})

    # Promote: the alias moves fully to v2; state agrees, so the next deploy keeps it there.
    release.use_synth(v2)
    promoted = promote(release)
    assert promoted.returncode == 0, promoted.stderr
    assert promoted.stderr == "hello: alias live: 1 (90%) + 2 (10%) -> 2\n", promoted.stderr
    assert alias(release) == ("2", {})
    assert release.plan_exit_code() == 0
    code, report = release.verify()
    assert code == 0, report
    (routes,) = [c for c in report["checks"] if c["id"] == "aliases.signed"]
    assert routes["actual"] == "alias live routes to 2: pass", routes

    # A rollback out of band: the alias back on v1, a signed build of this very function, so
    # every code path is proven; but it is not what the stack declares (a downgrade).
    name = release.manifest["functions"]["hello"]["function_name"]
    lam = release.client("lambda")
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="1")
    code, report = release.verify()
    assert code == 1, report
    failing = {c["id"] for c in report["checks"] if c["status"] == "fail"}
    assert failing == {"alias.declared"}, failing
    (declared,) = [c for c in report["checks"] if c["id"] == "alias.declared"]
    assert declared["actual"] == "alias live routes to 1; the current build is 2", declared
    lam.update_alias(FunctionName=name, Name="live", FunctionVersion="2")
    code, report = release.verify()
    assert code == 0, report
