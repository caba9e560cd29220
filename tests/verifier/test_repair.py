"""verifier.repair without AWS: when it refuses, what it leaves, the environment it puts back,
and that it is the verifier's only module that changes AWS (its runs against a real deploy:
tests/e2e/test_repair.py)."""

from __future__ import annotations

import ast
from dataclasses import replace
from pathlib import Path

import pytest

import verifier
from tests.verifier import builders as b
from verifier.checks import Mode
from verifier.checks.findings import Finding, Reason, Severity, Status
from verifier.checks.registry import checks_for
from verifier.contract.manifest import environment_digest
from verifier.repair import (
    EVIDENCE_CHECKS,
    LEFT_AS_IS,
    REPAIRED_CHECKS,
    RepairRefused,
    _refuse_bad_evidence,
    _refuse_unpinned_declarations,
    declared_environment,
)

#: The Lambda and S3 calls that change AWS, as botocore client methods.
WRITE_CALLS = {
    "update_function_code",
    "update_function_configuration",
    "put_function_code_signing_config",
    "update_code_signing_config",
    "delete_function",
    "delete_alias",
    "update_alias",
    "put_object",
    "delete_object",
    "put_bucket_versioning",
}


def finding(check_id: str, status: Status = Status.FAIL, function: str = "hello") -> Finding:
    return Finding(
        check_id=check_id,
        title="t",
        status=status,
        severity=Severity.CRITICAL,
        function=function,
        resource="r",
        expected="e",
        actual="what was found",
        remediation="do this",
    )


def test_every_check_is_repaired_refused_or_left_with_advice() -> None:
    """A new check must say which: the sets are disjoint and name every check a stack's
    verify runs (repair works from the stack's manifest)."""
    assert not EVIDENCE_CHECKS & REPAIRED_CHECKS
    assert not set(LEFT_AS_IS) & (EVIDENCE_CHECKS | REPAIRED_CHECKS)
    manifest_checks = {c.id for c in checks_for(Mode.MANIFEST)}
    assert EVIDENCE_CHECKS | REPAIRED_CHECKS | set(LEFT_AS_IS) == manifest_checks


@pytest.mark.parametrize("status", [Status.FAIL, Status.ERROR])
@pytest.mark.parametrize("check_id", sorted(EVIDENCE_CHECKS))
def test_bad_or_unprovable_evidence_is_refused(check_id: str, status: Status) -> None:
    with pytest.raises(RepairRefused) as raised:
        _refuse_bad_evidence([finding("function.code_sha256"), finding(check_id, status)])
    line = raised.value.diagnostics()
    assert line.startswith(
        f"refusing to repair: the signed evidence itself is bad (hello: {check_id}"
    )
    assert "only a redeploy with a new signature helps" in line
    assert raised.value.exit_code == 1


def test_repairable_failures_are_not_refused() -> None:
    _refuse_bad_evidence([finding(check_id) for check_id in sorted(REPAIRED_CHECKS)])


def test_the_environment_is_put_back_to_what_was_declared() -> None:
    """Undeclared variables are removed; a declared one with another value cannot be put back
    (the manifest holds its digest only) and is named for make deploy."""
    declared = replace(
        b.function_manifest(),
        environment=(
            ("LEVEL", environment_digest("debug")),
            ("MODE", environment_digest("strict")),
        ),
    )
    live = {"LEVEL": "debug", "MODE": "lax", "AWS_LAMBDA_EXEC_WRAPPER": "/tmp/w", "X": "1"}
    assert declared_environment(declared, live) == ({"LEVEL": "debug", "MODE": "lax"}, ["MODE"])
    assert declared_environment(b.function_manifest(), {}) == ({}, ["LOG_LEVEL"])


def test_only_the_repair_module_calls_aws_to_change_it() -> None:
    """The verifier proves; only verifier/repair.py changes AWS (the collector's calls are
    also checked at run time: tests/verifier/collect/test_targeted.py)."""
    root = Path(verifier.__file__).parent
    callers = {}
    for path in sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text())
        called = {
            node.func.attr
            for node in ast.walk(tree)
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
        }
        if called & WRITE_CALLS:
            callers[path.relative_to(root).as_posix()] = sorted(called & WRITE_CALLS)
    assert callers == {
        "repair.py": [
            "put_function_code_signing_config",
            "update_code_signing_config",
            "update_function_code",
            "update_function_configuration",
        ]
    }


def test_a_declaration_the_lock_does_not_pin_is_refused() -> None:
    """A lock written before declarations were pinned: lock.anchor only warns, but repair
    would put back what Terraform state declares, so it changes nothing."""
    unpinned = replace(finding("lock.anchor", Status.WARN), reason=Reason.DECLARATIONS_UNPINNED)
    with pytest.raises(RepairRefused) as raised:
        _refuse_unpinned_declarations([unpinned, finding("function.configuration")])
    assert "the lock does not pin the functions' declarations" in raised.value.diagnostics()
    assert "make lock" in raised.value.diagnostics()
    _refuse_unpinned_declarations([finding("lock.anchor", Status.PASS)])


def test_a_declaration_the_lock_disagrees_with_is_refused() -> None:
    assert "lock.anchor" in EVIDENCE_CHECKS
    with pytest.raises(RepairRefused):
        _refuse_bad_evidence([finding("function.configuration"), finding("lock.anchor")])
