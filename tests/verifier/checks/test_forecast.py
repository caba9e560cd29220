"""The audit's expiry forecast (verifier.checks.forecast): signatures in use that expire inside
the warning window, soonest first, with every code path that runs them."""

from __future__ import annotations

from datetime import timedelta

from tests.verifier import builders as b
from verifier.checks.findings import Reason, Status
from verifier.checks.forecast import expiring
from verifier.checks.registry import Mode
from verifier.checks.scope import Scope

FLEET = Mode.FLEET


def test_a_signature_inside_the_window_is_listed_with_what_runs_it() -> None:
    soon = b.NOW + timedelta(days=3)
    w = b.world(FLEET, job=b.job(signature_expires_at=soon))
    (item,) = expiring(w.evidence, w.context)
    assert (item.job_id, item.expires_at) == (b.JOB_ID, soon)
    assert item.profile == f"{b.PROFILE_NAME}/{b.PROFILE_VERSION}"
    assert item.used_by == (f"{b.FUNCTION_NAME}:$LATEST", f"{b.FUNCTION_NAME}:1")
    # The same signature warns in the findings.
    code = [f for f in w.findings() if f.check_id == "code.signed"]
    assert {(f.status, f.reason) for f in code} == {(Status.WARN, Reason.EXPIRES_SOON)}


def test_a_layers_signature_names_the_layer() -> None:
    w = b.world(
        FLEET,
        jobs={
            b.JOB_ID: b.job(),
            b.LAYER_JOB_ID: b.layer_job(signature_expires_at=b.NOW + timedelta(days=5)),
        },
    )
    (item,) = expiring(w.evidence, w.context)
    assert item.job_id == b.LAYER_JOB_ID
    assert item.used_by[0] == f"{b.FUNCTION_NAME}:$LATEST (layer {b.LAYER_NAME})"


def test_soonest_first_and_nothing_outside_the_window() -> None:
    w = b.world(
        FLEET,
        jobs={
            b.JOB_ID: b.job(signature_expires_at=b.NOW + timedelta(days=20)),
            b.LAYER_JOB_ID: b.layer_job(signature_expires_at=b.NOW + timedelta(days=2)),
        },
    )
    assert [item.job_id for item in expiring(w.evidence, w.context)] == [
        b.JOB_ID and b.LAYER_JOB_ID,
        b.JOB_ID,
    ]
    assert expiring(b.world(FLEET).evidence, b.context(mode=FLEET)) == []
    narrow = b.context(mode=FLEET, expiry_warning_days=10)
    assert [item.job_id for item in expiring(w.evidence, narrow)] == [b.LAYER_JOB_ID]


def test_expired_signatures_and_images_are_not_forecast() -> None:
    expired = b.world(FLEET, job=b.job(signature_expires_at=b.NOW - timedelta(days=1)))
    assert [item.job_id for item in expiring(expired.evidence, expired.context)] == []
    image = b.world(
        FLEET,
        latest=b.latest(package_type="Image"),
        versions=(),
        job=b.job(signature_expires_at=b.NOW + timedelta(days=1)),
    )
    assert expiring(image.evidence, image.context) == []


def test_a_scope_forecasts_only_its_code() -> None:
    w = b.world(
        FLEET,
        jobs={
            b.JOB_ID: b.job(signature_expires_at=b.NOW + timedelta(days=2)),
            b.LAYER_JOB_ID: b.layer_job(signature_expires_at=b.NOW + timedelta(days=2)),
        },
    )
    scoped = expiring(w.evidence, w.context, Scope(function_prefix="other-"))
    assert scoped == []
    assert len(expiring(w.evidence, w.context, Scope(function_prefix="signed-lambda-"))) == 2
