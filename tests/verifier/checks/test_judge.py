"""Running the registry (verifier.checks.judge): the two stages (every code path, then aliases),
what each finding is tagged with, the blast radius of a job or profile version (verifier.checks.
scope), and the fleet's Region findings."""

from __future__ import annotations

from dataclasses import replace

import pytest

from tests.verifier import builders as b
from tests.verifier.builders import World
from verifier.checks.findings import Finding, Reason, Status
from verifier.checks.judge import (
    BLAST_RADIUS_CHECKS,
    Judged,
    judge,
    judge_aliases,
    judge_function,
    needs_aliases,
    nothing_found_anywhere,
    ordered,
    region_findings,
    subjects,
    with_routes,
)
from verifier.checks.registry import REGISTRY, Mode
from verifier.checks.rules import LATEST_CHECKS
from verifier.checks.scope import Scope
from verifier.evidence.model import (
    LATEST,
    AliasEvidence,
    FunctionEvidence,
    Missing,
    RevocationEvidence,
    Unavailable,
)

FLEET = Mode.FLEET


def not_passing(findings: list[Finding]) -> set[tuple[str, Status]]:
    return {(f.check_id, f.status) for f in findings if f.status is not Status.PASS}


def stage_one(w: World, scope: Scope | None = None) -> Judged | None:
    subject = w.subject()
    affected = scope.affected_sha256(w.evidence.store) if scope else frozenset()
    return judge_function(subject, w.context, scope, affected)


def with_other_job(mode: Mode = FLEET, **changes: object) -> World:
    """Version 2 runs the earlier build, whose job is the one a scope names."""
    pieces: dict[str, object] = {
        "versions": (b.code_path("1"), b.earlier_version("2")),
        "aliases": (AliasEvidence("live", "1", additional_weights=(("2", 0.25),)),),
        **changes,
    }
    return b.world(mode, earlier=True, **pieces)


# --- stage 1: every code path ----------------------------------------------------------------


def test_stage_one_judges_every_code_path_and_records_its_worst_status() -> None:
    w = b.world(FLEET, versions=(b.code_path("1"), b.code_path("2", code_sha256=b.TAMPERED_SHA256)))
    judged = stage_one(w)
    assert judged is not None
    assert [path.version for path in judged.paths] == [LATEST, "1", "2"]
    assert judged.path_statuses == {LATEST: Status.PASS, "1": Status.PASS, "2": Status.FAIL}
    assert judged.has_unproven_path
    assert "aliases.signed" not in {f.check_id for f in judged.findings}


def test_findings_are_tagged_with_their_code_path() -> None:
    judged = stage_one(b.world())
    assert judged is not None
    for finding in judged.findings:
        check = REGISTRY[finding.check_id]
        if check.scope == "path":
            assert finding.code_path in (LATEST, "1"), finding
        elif finding.check_id in LATEST_CHECKS:
            assert finding.code_path == LATEST, finding
        elif finding.check_id == "versions.signed":
            assert finding.code_path == "1"
        else:
            assert finding.code_path is None, finding
        assert (finding.account, finding.region) == (b.ACCOUNT, b.REGION)


def test_a_latest_check_failing_makes_latest_unproven() -> None:
    """function.code_sha256 is about $LATEST: an alias to $LATEST runs that code."""
    judged = stage_one(b.world(latest=b.latest(code_sha256=b.TAMPERED_SHA256)))
    assert judged is not None
    assert judged.path_statuses[LATEST] is Status.FAIL
    assert judged.path_statuses["1"] is Status.PASS


# --- stage 2: aliases ----------------------------------------------------------------------------


def test_stage_two_judges_each_alias_by_what_stage_one_found() -> None:
    w = b.world(
        FLEET,
        versions=(b.code_path("1"), b.code_path("2", code_sha256=b.TAMPERED_SHA256)),
        aliases=(
            AliasEvidence("live", "1"),
            AliasEvidence("canary", "1", additional_weights=(("2", 0.25),)),
        ),
    )
    judged = stage_one(w)
    assert judged is not None
    by_alias = {f.resource.rsplit(":", 1)[-1]: f for f in judge_aliases(judged, w.context)}
    assert by_alias["live"].status is Status.PASS
    assert by_alias["canary"].status is Status.FAIL
    assert by_alias["canary"].reason is Reason.ALIAS_UNPROVEN
    assert by_alias["canary"].actual == "alias canary routes to 1: pass; 2 (25%): fail"


def test_aliases_listed_after_stage_one_are_judged_with_them() -> None:
    """The fleet lists aliases between the stages, only where a code path did not pass."""
    w = b.world(FLEET, versions=(b.code_path("1", signing_job_arn=None),), aliases=None)
    judged = stage_one(w)
    assert judged is not None
    assert judge_aliases(judged, w.context) == []  # not listed yet: nothing to judge
    assert needs_aliases(judged, None)
    listed = replace(w.function, aliases=(AliasEvidence("live", "1"),))
    (alias,) = judge_aliases(judged, w.context, listed)
    assert alias.status is Status.FAIL
    annotated = with_routes(judged.findings, listed)
    (unsigned,) = [f for f in annotated if f.check_id == "code.signed" and f.code_path == "1"]
    assert unsigned.actual.endswith("[aliases: live]")


def test_aliases_that_could_not_be_listed_are_an_error_naming_the_failing_paths() -> None:
    w = b.world(FLEET, versions=(b.code_path("1", signing_job_arn=None),), aliases=None)
    judged = stage_one(w)
    assert judged is not None
    failed = replace(w.function, aliases=Unavailable("ListAliases", "AccessDenied: no"))
    (alias,) = judge_aliases(judged, w.context, failed)
    assert (alias.status, alias.reason) == (Status.ERROR, Reason.UNREADABLE)
    assert "the aliases routing to 1 could not be listed (ListAliases: AccessDenied" in alias.actual


def test_the_fleet_lists_aliases_only_where_a_code_path_is_unproven() -> None:
    clean = stage_one(b.world(FLEET))
    assert clean is not None and not needs_aliases(clean, None)
    image = stage_one(b.world(FLEET, latest=b.latest(package_type="Image"), versions=()))
    assert image is not None and not needs_aliases(image, None)
    assert judge_aliases(image, b.context(mode=FLEET)) == []


def test_revoked_version_fails_and_its_aliases_are_named() -> None:
    """The audit's case: a version from a revoked job, 25% of an alias's traffic."""
    revoked = b.earlier_job(revocation=RevocationEvidence("drill", b.NOW))
    w = with_other_job(
        jobs={b.JOB_ID: b.job(), b.LAYER_JOB_ID: b.layer_job(), b.EARLIER_JOB_ID: revoked}
    )
    findings = w.findings()
    assert not_passing(findings) == {
        ("code.signed", Status.FAIL),
        ("aliases.signed", Status.FAIL),
    }
    (version,) = [f for f in findings if f.check_id == "code.signed" and f.code_path == "2"]
    assert "was revoked" in version.actual and "[aliases: live (25%)]" in version.actual
    (alias,) = [f for f in findings if f.check_id == "aliases.signed"]
    assert alias.resource.endswith(":live") and "2 (25%): fail" in alias.actual


def test_an_unread_job_is_an_error_and_lists_the_aliases() -> None:
    w = b.world(
        FLEET,
        jobs={
            b.JOB_ID: Unavailable("DescribeSigningJob", "AccessDenied: no"),
            b.LAYER_JOB_ID: b.layer_job(),
        },
    )
    assert not_passing(w.findings()) == {
        ("code.signed", Status.ERROR),
        ("aliases.signed", Status.ERROR),
    }
    judged = stage_one(w)
    assert judged is not None and needs_aliases(judged, None)


def test_a_missing_function_skips_the_alias_stage() -> None:
    w = b.world(latest=Missing("function", b.FUNCTION_NAME), versions=None, csc_attachment=None)
    judged = stage_one(w)
    assert judged is not None
    assert judge_aliases(judged, w.context) == []


# --- the blast radius of a job or a profile version ------------------------------------------


def test_a_job_scope_keeps_only_the_code_paths_that_run_its_code() -> None:
    w = with_other_job()
    findings = w.findings(Scope(job_id=b.EARLIER_JOB_ID))
    assert {f.check_id for f in findings} <= BLAST_RADIUS_CHECKS
    code = [(f.check_id, f.code_path) for f in findings if f.check_id == "code.signed"]
    assert code == [("code.signed", "2")]
    (alias,) = [f for f in findings if f.check_id == "aliases.signed"]
    assert "2 (25%)" in alias.actual  # the alias routing to the affected version is named


def test_a_path_with_the_jobs_bytes_but_no_signing_arns_is_in_the_blast_radius() -> None:
    """A package whose signature failed validation under Warn deploys without signing ARNs,
    but its CodeSha256 is the scoped job's signed object."""
    unvalidated = b.code_path(
        "3", code_sha256=b.EARLIER_SHA256, signing_job_arn=None, signing_profile_version_arn=None
    )
    w = with_other_job(versions=(b.code_path("1"), b.earlier_version("2"), unvalidated))
    scope = Scope(job_id=b.EARLIER_JOB_ID)
    assert scope.affected_sha256(w.evidence.store) == {b.EARLIER_SHA256}
    findings = w.findings(scope)
    code = {f.code_path: f for f in findings if f.check_id == "code.signed"}
    assert set(code) == {"2", "3"}
    assert (code["3"].status, code["3"].reason) == (Status.FAIL, Reason.NOT_VALIDATED)
    # ARNs alone would have missed it.
    assert not Scope(job_id=b.EARLIER_JOB_ID).selects_path(unvalidated, w.evidence.store)


def test_a_profile_version_scope_selects_what_that_version_signed() -> None:
    w = with_other_job(
        jobs={
            b.JOB_ID: b.job(),
            b.LAYER_JOB_ID: b.layer_job(),
            b.EARLIER_JOB_ID: b.earlier_job(profile_version=b.PREVIOUS_PROFILE_VERSION),
        },
        versions=(
            b.code_path("1"),
            b.earlier_version("2", signing_profile_version_arn=b.PREVIOUS_PROFILE_VERSION_ARN),
        ),
    )
    scope = Scope(profile_version_arn=b.PREVIOUS_PROFILE_VERSION_ARN)
    code = [f.code_path for f in w.findings(scope) if f.check_id == "code.signed"]
    assert code == ["2"]
    assert "code signed by" in scope.describe()


def test_a_layer_from_the_scoped_job_brings_every_path_using_it() -> None:
    w = b.world(FLEET)
    findings = w.findings(Scope(job_id=b.LAYER_JOB_ID))
    layers = [(f.code_path, f.resource) for f in findings if f.check_id == "layers.signed"]
    assert layers == [(LATEST, b.LAYER_VERSION_ARN), ("1", b.LAYER_VERSION_ARN)]


def test_a_scope_nothing_runs_is_an_answer_not_a_doubt() -> None:
    findings = b.world(FLEET).findings(Scope(job_id="00000000-0000-4000-8000-000000000000"))
    (only,) = findings
    assert (only.check_id, only.status, only.reason) == (
        "fleet.scope",
        Status.PASS,
        Reason.NOTHING_AFFECTED,
    )
    assert "no code path of the 1 function(s)" in only.actual


def test_a_function_prefix_does_not_narrow_the_checks() -> None:
    scope = Scope(function_prefix="signed-lambda-")
    assert not scope.narrowed
    assert scope.selects_name(b.FUNCTION_NAME) and not scope.selects_name("other")
    assert {f.check_id for f in b.world(FLEET).findings(scope)} == {
        f.check_id for f in b.world(FLEET).findings()
    }


# --- the fleet's Region findings ---------------------------------------------------------------


def empty(**evidence_changes: object) -> World:
    w = b.world(FLEET)
    return replace(w, evidence=replace(w.evidence, functions=(), **evidence_changes))


def test_an_empty_region_is_a_pass_with_a_note() -> None:
    w = empty()
    findings, notes = region_findings(w.evidence, w.context, None, judged=0, listed=0)
    (scope,) = findings
    assert (scope.status, scope.reason) == (Status.PASS, Reason.EMPTY_REGION)
    assert (scope.account, scope.region) == (b.ACCOUNT, b.REGION)
    assert notes == [f"{b.ACCOUNT} {b.REGION}: no Lambda functions"]


def test_a_run_without_any_function_is_an_error_in_every_empty_region() -> None:
    w = empty()
    here, notes = region_findings(w.evidence, w.context, None, judged=0, listed=0)
    there = replace(w.evidence, region="us-west-2", account="222222222222")
    elsewhere, more = region_findings(there, w.context, None, judged=0, listed=0)
    findings, kept = nothing_found_anywhere(here + elsewhere, [*notes, *more, "other note"])
    assert [(f.check_id, f.status, f.reason, f.region) for f in findings] == [
        ("fleet.scope", Status.ERROR, Reason.NOTHING_FOUND, b.REGION),
        ("fleet.scope", Status.ERROR, Reason.NOTHING_FOUND, "us-west-2"),
    ]
    assert findings[0].actual == f"not evaluated: no Lambda functions found in {b.REGION}"
    assert kept == ["other note"]
    # One function anywhere in the run: the empty Regions stay passes with their notes.
    function = b.world(FLEET).findings()
    unchanged, kept = nothing_found_anywhere(here + elsewhere + function, notes + more)
    assert unchanged == here + elsewhere + function and kept == notes + more
    # The rule is the same over a world (one run of one Region): an empty Region alone.
    (alone,) = w.findings()
    assert (alone.status, alone.reason) == (Status.ERROR, Reason.NOTHING_FOUND)


def test_a_failed_listing_is_never_read_as_an_empty_region() -> None:
    failed = (Unavailable("ListFunctions", "ThrottlingException: slow down"),)
    w = empty(listing_errors=failed)
    findings, notes = region_findings(w.evidence, w.context, None, judged=0, listed=0)
    # One error naming the listing that failed and why; not "no functions" (unknown).
    assert [(f.check_id, f.status, f.reason) for f in findings] == [
        ("fleet.listed", Status.ERROR, Reason.LISTING_FAILED),
    ]
    assert (
        findings[0].actual == "not evaluated: ListFunctions failed: ThrottlingException: slow down"
    )
    assert notes == []
    # The run-wide rule leaves it alone: the run is an error already.
    assert nothing_found_anywhere(findings, notes) == (findings, notes)


def test_a_failed_listing_beside_judged_functions_is_reported() -> None:
    w = b.world(FLEET)
    failed = (
        Unavailable("ListFunctions", "ThrottlingException: slow down"),
        Unavailable("ListCodeSigningConfigs", "AccessDenied: no"),
    )
    w = replace(w, evidence=replace(w.evidence, listing_errors=failed))
    # One finding per account-region (one ASFF Id), naming both.
    (listed,) = [f for f in w.findings() if f.check_id == "fleet.listed"]
    assert listed.status is Status.ERROR
    assert listed.actual == (
        "not evaluated: ListFunctions failed: ThrottlingException: slow down; "
        "ListCodeSigningConfigs failed: AccessDenied: no"
    )


# --- order, subjects, both commands ------------------------------------------------------------


def test_ordered_keeps_registry_order_within_each_function() -> None:
    findings = b.world().findings()
    shuffled = list(reversed(findings))
    index = list(REGISTRY)
    result = ordered(shuffled)
    assert [index.index(f.check_id) for f in result] == sorted(
        index.index(f.check_id) for f in findings
    )


def test_subjects_take_each_functions_target_and_account() -> None:
    w = b.world()
    (subject,) = subjects(w.evidence, w.context, w.targets)
    assert subject.target == b.target() and subject.account == b.ACCOUNT
    (fleet,) = subjects(w.evidence, b.context(mode=FLEET))
    assert fleet.target is None and fleet.key == b.FUNCTION_NAME


@pytest.mark.parametrize("mode", list(Mode))
def test_judge_runs_both_stages(mode: Mode) -> None:
    w = b.world(mode)
    found = judge(w.evidence, w.context, w.targets)
    assert "aliases.signed" in {f.check_id for f in found}
    assert found[-1].check_id == "aliases.signed"  # stage 2 after stage 1


def test_an_image_is_judged_only_by_code_signed_in_the_fleet() -> None:
    image = b.world(FLEET, latest=b.latest(package_type="Image"), versions=())
    judged = stage_one(image)
    assert judged is not None
    assert {f.check_id for f in judged.findings} == {"code.signed"}


def test_subject_for_an_unlisted_function_has_no_target() -> None:
    w = b.world()
    stranger = FunctionEvidence(
        name="stranger", arn="stranger", region=b.REGION, latest=b.latest(), versions=(), csc=None
    )
    evidence = replace(w.evidence, functions=(*w.evidence.functions, stranger))
    found = {s.function.name: s.target for s in subjects(evidence, w.context, w.targets)}
    assert found == {b.FUNCTION_NAME: b.target(), "stranger": None}
