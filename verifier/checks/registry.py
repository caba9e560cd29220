"""The one registry of checks: each id defined once, with its title, severity, remediation and
the modes it runs in. SARIF rules, JUnit names and the text report's reasons all come from it.

A check is a pure function of one function's evidence (a :class:`Subject`) and the run's
:class:`Context`. It is either function-wide (``scope="function"``: called once) or per code
path (``scope="path"``: called for ``$LATEST`` and each published version, its verdicts tagged
with the path). A check whose evidence is missing or could not be collected raises
:class:`NotEvaluated` and becomes an ERROR finding for that function or path, never a pass.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from verifier.checks.findings import Reason, Severity, Status
from verifier.contract.targets import Policy, Trust, VerificationTarget
from verifier.evidence.model import (
    CodePath,
    Evidence,
    FunctionEvidence,
    Missing,
    Store,
    Unavailable,
    absence,
)

if TYPE_CHECKING:
    from verifier.checks.proof import Prover

T = TypeVar("T")


class Mode(StrEnum):
    """Where the expectations come from: a stack's manifest (the whole declaration), flags
    (function, job, CSC and trust only), or the fleet (trust only, every function)."""

    MANIFEST = "manifest"
    FLAGS = "flags"
    FLEET = "fleet"


ALL_MODES = frozenset(Mode)
TARGETED = frozenset({Mode.MANIFEST, Mode.FLAGS})
DECLARED = frozenset({Mode.MANIFEST})


@dataclass(frozen=True)
class Context:
    """What every check of a run shares."""

    now: datetime
    trust: Trust
    mode: Mode = Mode.MANIFEST
    expiry_warning_days: int = 30
    #: Fleet: code-loading variables the team uses on purpose (--allow-env).
    allowed_environment: frozenset[str] = frozenset()
    #: Fleet: container images warn instead of failing (--allow-container-images).
    allow_container_images: bool = False
    #: The policy a CSC must have in the fleet (verify takes its target's expectation).
    fleet_policy: Policy = Policy.ENFORCE


@dataclass(frozen=True)
class Subject:
    """One function's evidence, what it is expected to be (``target``: None in the fleet),
    and the run's shared store."""

    function: FunctionEvidence
    store: Store
    target: VerificationTarget | None
    prover: Prover
    region: str
    account: str | None = None
    #: Filled by the follow-up stage: each code path's worst status so far (for aliases).
    path_statuses: Mapping[str, Status] = field(default_factory=dict)

    @property
    def key(self) -> str:
        return self.target.key if self.target is not None else self.function.name

    def expected(self) -> VerificationTarget:
        """The target (verify's modes only: registry modes guarantee it)."""
        if self.target is None:
            raise NotEvaluated("no expectation for this function (fleet mode)")
        return self.target


@dataclass(frozen=True)
class Verdict:
    status: Status
    expected: str
    actual: str
    resource: str
    reason: Reason = Reason.PROVEN


def verdict(
    status: Status, expected: str, actual: str, resource: str, reason: Reason | None = None
) -> Verdict:
    """A verdict; a PASS needs no reason, anything else must give one."""
    if reason is None:
        if status is not Status.PASS:
            raise ValueError("a verdict that is not a pass needs a reason")
        reason = Reason.PROVEN
    return Verdict(status, expected, actual, resource, reason)


class NotEvaluated(Exception):
    """The check could not run: its evidence is missing or could not be collected."""

    def __init__(self, reason: str, resource: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.resource = resource


def need(value: T | Missing | Unavailable | None, label: str, resource: str | None = None) -> T:
    """The evidence, or NotEvaluated saying why it is absent."""
    if value is None:
        raise NotEvaluated(f"{label} was not collected (a prerequisite is missing)", resource)
    if isinstance(value, Missing | Unavailable):
        raise NotEvaluated(f"{label}: {absence(value)}", resource)
    return value


FunctionEvaluate = Callable[[Subject, Context], "Verdict | Sequence[Verdict]"]
PathEvaluate = Callable[[CodePath, Subject, Context], "Verdict | Sequence[Verdict] | None"]


@dataclass(frozen=True)
class Check:
    id: str
    title: str
    severity: Severity
    remediation: str
    modes: frozenset[Mode]
    #: ``region``: about a whole account-region's listing, not a function; the judge makes its
    #: verdicts (``judge.region_findings``, ``judge.unreachable_findings``), so ``evaluate`` is
    #: None and the registry gives it its title, severity and remediation like any other.
    scope: Literal["function", "path", "region"]
    evaluate: Callable[..., Any] | None

    def runs_in(self, mode: Mode) -> bool:
        return mode in self.modes


REGISTRY: dict[str, Check] = {}


def _register(check_: Check) -> None:
    if check_.id in REGISTRY:
        raise ValueError(f"duplicate check id {check_.id}")
    REGISTRY[check_.id] = check_


def function_check(
    check_id: str, title: str, severity: Severity, remediation: str, *, modes: frozenset[Mode]
) -> Callable[[FunctionEvaluate], FunctionEvaluate]:
    def register(evaluate: FunctionEvaluate) -> FunctionEvaluate:
        _register(Check(check_id, title, severity, remediation, modes, "function", evaluate))
        return evaluate

    return register


def path_check(
    check_id: str, title: str, severity: Severity, remediation: str, *, modes: frozenset[Mode]
) -> Callable[[PathEvaluate], PathEvaluate]:
    def register(evaluate: PathEvaluate) -> PathEvaluate:
        _register(Check(check_id, title, severity, remediation, modes, "path", evaluate))
        return evaluate

    return register


def region_check(
    check_id: str, title: str, severity: Severity, remediation: str, *, modes: frozenset[Mode]
) -> str:
    """Register a check the judge evaluates over an account-region; returns its id."""
    _register(Check(check_id, title, severity, remediation, modes, "region", None))
    return check_id


def checks_for(mode: Mode) -> tuple[Check, ...]:
    return tuple(check_ for check_ in REGISTRY.values() if check_.runs_in(mode))


__all__ = [
    "ALL_MODES",
    "DECLARED",
    "REGISTRY",
    "TARGETED",
    "Check",
    "Context",
    "Evidence",
    "Mode",
    "NotEvaluated",
    "Subject",
    "Verdict",
    "checks_for",
    "function_check",
    "need",
    "path_check",
    "region_check",
    "verdict",
]
