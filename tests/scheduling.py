"""The order tests run in, so that pytest-xdist's workers finish together.

``--dist worksteal`` hands each worker a contiguous slice of the collected items (worker i gets
``len(remaining) // (workers - i)`` of them, in order) and, when one runs dry, moves the *tail*
of another's queue to it. So the order decides the balance:

1. Tests that share expensive set-up form one group: every test on the per-worker shared apply
   (one apply, restored between tests, when the whole group runs on one worker), and otherwise
   one module (its module-scoped servers and fixtures are set up once).
2. Groups go, longest first, to the worker with the least estimated work (LPT); each worker's
   slice is then topped up with quick tests so its length is what worksteal will hand it.
3. Each slice runs its longest groups first and its quick tests last, so what another worker
   steals at the end is quick; a worker other than the first starts with a group that does not
   need the session synth, instead of waiting for the synth the first worker is running.

The costs are measured seconds (a fresh-clone ``make test``'s ``build/test-timeline.tsv``, 3
workers on this 2-core machine), rounded; a test not listed costs ``DEFAULT_COST``. They only
steer the order: a wrong number costs time, never a test.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

import pytest

DEFAULT_COST = 0.02
#: Set-up shared by a group, paid once per worker that runs any of its tests.
SHARED_APPLY_FIXTURE = "shared_deployment"
SHARED_APPLY_COST = 30.0
#: Seconds per node id prefix; a prefix's cost is split over the tests it matches (the longest
#: matching prefix wins).
COSTS: dict[str, float] = {
    "tests/e2e/test_attacks.py::test_7_irreversible_in_order": 100.0,
    "tests/e2e/test_shared_state.py": 91.0,
    "tests/e2e/test_verify_throttled.py": 85.0,
    "tests/e2e/test_release.py": 85.0,
    "tests/e2e/test_drift.py::test_reversible_changes_are_drift": 59.0,
    "tests/e2e/test_attacks.py": 45.0,
    "tests/e2e/test_demo.py": 44.0,
    "tests/verifier/test_verify_local.py": 40.0,
    "tests/stacks/test_packages.py": 35.0,
    "tests/verifier/package/test_python.py": 19.0,
    "tests/verifier/package/test_reproducible.py": 10.0,
    "tests/verifier/package/test_provenance.py": 15.0,
    "tests/verifier/package/test_node.py": 11.0,
    "tests/verifier/package/test_cache.py": 4.0,
    "tests/verifier/package/test_sbom.py": 2.0,
    "tests/verifier/test_audit.py": 32.0,
    "tests/packaging/test_wheel.py": 27.0,
    "tests/stacks/test_terraform.py": 27.0,
    "tests/stacks/test_toolchains.py::test_state_written_through_cdktf": 26.0,
    "tests/e2e/test_attacks.py::test_4_state_rewritten": 25.0,
    "tests/scripts/test_conformance.py": 23.0,
    "tests/e2e/test_drift.py::test_clean_deploy_has_no_drift": 23.0,
    "tests/e2e/test_verify_world.py": 22.0,
    "tests/localaws/test_localaws_cli.py": 19.0,
    "tests/verifier/test_audit_throttled.py": 18.0,
    # measured with -n 0 on the shared machine (not in a fresh-clone timeline yet)
    "tests/verifier/test_audit_organization.py": 20.0,
    "tests/scripts/test_bench_audit_org.py": 13.0,
    "tests/e2e/test_attacks.py::test_1_to_3_and_5_each_fail_drift": 18.0,
    "tests/e2e/test_repair.py": 30.0,
    "tests/e2e/test_verify_out_of_band.py": 8.0,
    "tests/e2e/test_guardrails.py": 14.0,
    "tests/localaws/test_localaws_limits.py": 7.0,
    "tests/scripts/test_bench_audit.py": 7.0,
    "tests/verifier/commands/test_cli.py": 7.0,
    "tests/verifier/collect/": 5.0,
    "tests/localaws/test_localaws_fleet.py": 5.0,
    "tests/localaws/test_localaws_signer.py": 4.0,
    "tests/e2e/test_deployed_stack.py": 4.0,
    "tests/localaws/test_localaws_s3_policy.py": 3.0,
    "tests/localaws/test_guardrail_takeovers.py": 7.0,
    "tests/localaws/test_localaws_iam.py": 3.0,
    "tests/localaws/test_localaws_lambda_fidelity.py": 3.0,
    "tests/stacks/test_toolchains.py": 3.0,
    "tests/localaws/test_localaws_deploy_validation.py": 2.0,
    "tests/localaws/test_moto_contract.py": 2.0,
    "tests/localaws/test_localaws_code_signing_configs.py": 1.5,
    "tests/stacks/test_config.py": 1.0,
    "tests/stacks/test_synth.py": 1.0,
}


@dataclass
class Group:
    key: str
    items: list[pytest.Item] = field(default_factory=list)
    cost: float = 0.0

    @property
    def needs_synth(self) -> bool:
        return any("synth" in getattr(item, "fixturenames", ()) for item in self.items)


def _prefix(nodeid: str) -> str | None:
    matching = [prefix for prefix in COSTS if nodeid.startswith(prefix)]
    return max(matching, key=len) if matching else None


def item_costs(items: list[pytest.Item]) -> dict[str, float]:
    prefixes = {item.nodeid: _prefix(item.nodeid) for item in items}
    sharing: dict[str, int] = defaultdict(int)
    for prefix in prefixes.values():
        if prefix is not None:
            sharing[prefix] += 1
    return {
        nodeid: COSTS[prefix] / sharing[prefix] if prefix is not None else DEFAULT_COST
        for nodeid, prefix in prefixes.items()
    }


def group_key(item: pytest.Item) -> str:
    fixtures = getattr(item, "fixturenames", ())
    if SHARED_APPLY_FIXTURE in fixtures:
        return "the shared apply"
    return item.nodeid.split("::", 1)[0]


def slice_sizes(count: int, workers: int) -> list[int]:
    """How many items worksteal's first distribution gives each worker, in order."""
    sizes, remaining = [], count
    for index in range(workers):
        size = remaining // (workers - index)
        sizes.append(size)
        remaining -= size
    return sizes


def order(items: list[pytest.Item], workers: int) -> list[pytest.Item]:
    costs = item_costs(items)
    groups: dict[str, Group] = {}
    for item in items:
        group = groups.setdefault(group_key(item), Group(group_key(item)))
        group.items.append(item)
        group.cost += costs[item.nodeid]
    if "the shared apply" in groups:
        groups["the shared apply"].cost += SHARED_APPLY_COST
    ranked = sorted(groups.values(), key=lambda g: -g.cost)
    if workers <= 1:
        return [item for group in ranked for item in group.items]

    # LPT: the next-longest group to the least-loaded worker.
    bins: list[list[Group]] = [[] for _ in range(workers)]
    loads = [0.0] * workers
    for group in ranked:
        index = loads.index(min(loads))
        bins[index].append(group)
        loads[index] += group.cost
    # A worker other than the first opens with a group that does not wait for the synth.
    for groups_of_worker in bins[1:]:
        free = next((g for g in groups_of_worker if not g.needs_synth), None)
        if free is not None:
            groups_of_worker.remove(free)
            groups_of_worker.insert(0, free)
    slices = [[item for group in b for item in group.items] for b in bins]
    # Each slice must be as long as what worksteal hands its worker: move quick tests from the
    # tail of a long slice (its cheapest groups) to the tail of a short one.
    sizes = slice_sizes(len(items), workers)
    for long_index, long_slice in enumerate(slices):
        for short_index, short_slice in enumerate(slices):
            while len(long_slice) > sizes[long_index] and len(short_slice) < sizes[short_index]:
                short_slice.append(long_slice.pop())
    ordered = [item for current in slices for item in current]
    assert sorted(i.nodeid for i in ordered) == sorted(i.nodeid for i in items)
    return ordered
