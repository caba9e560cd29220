"""Node packages: real ``npm ci`` from a lock of local ``npm pack`` tarballs (no registry):
production dependencies only, optional ones for the function's CPU, install scripts off unless
opted in, and one line for every way the lock cannot be installed."""

from __future__ import annotations

import base64
import hashlib
import json
import shutil
import zipfile
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.verifier.package import indexes
from verifier.package import (
    BuildSpec,
    FetchFailed,
    PackageError,
    Toolchain,
    ToolMissing,
    build_package,
)
from verifier.package.build import BuiltPackage

TOOLS = Toolchain(project_root=REPO_ROOT)
POSTINSTALL = "node -e \"require('fs').writeFileSync('installed.txt', 'ran')\""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A checkout with ``vendor/`` tarballs and ``functions/web`` locked against them."""
    root = tmp_path_factory.mktemp("npm") / "checkout"
    vendor = root / "vendor"
    with pytest.MonkeyPatch.context() as patch:
        indexes.npm_env(patch, root.parent / "npm-cache")
        indexes.npm_package(
            vendor,
            "alpha",
            "1.0.0",
            {
                "index.js": "module.exports = () => 'alpha ' + require('beta')();\n",
                "cli.js": "#!/usr/bin/env node\n",
            },
            bin={"alpha": "cli.js"},
            dependencies={"beta": "^2.0.0"},
        )
        indexes.npm_package(
            vendor,
            "beta",
            "2.0.0",
            {"index.js": "module.exports = () => 'beta';\n"},
            scripts={"postinstall": POSTINSTALL},
        )
        for cpu in ("x64", "arm64"):
            indexes.npm_package(
                vendor,
                f"native-{cpu}",
                "1.0.0",
                {"index.js": f"module.exports = '{cpu}';\n"},
                cpu=[cpu],
                os=["linux"],
            )
        indexes.npm_package(vendor, "devonly", "1.0.0", {"index.js": ""})
        web = root / "functions" / "web"
        web.mkdir(parents=True)
        (web / "index.js").write_text("exports.handler = async () => require('alpha')();\n")
        versions = {"alpha": "1.0.0", "beta": "2.0.0"}

        def tarball(name: str) -> str:
            return f"file:../../vendor/{name}-{versions.get(name, '1.0.0')}.tgz"

        (web / "package.json").write_text(
            json.dumps(
                {
                    "name": "web",
                    "version": "1.0.0",
                    "private": True,
                    "scripts": {"postinstall": "exit 1"},
                    "dependencies": {"alpha": tarball("alpha"), "beta": tarball("beta")},
                    "optionalDependencies": {
                        f"native-{c}": tarball(f"native-{c}") for c in ("x64", "arm64")
                    },
                    "devDependencies": {"devonly": tarball("devonly")},
                },
                indent=2,
            )
        )
        indexes.lock(web)
    return root


@pytest.fixture
def checkout(template: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    copy = tmp_path / "checkout"
    shutil.copytree(template, copy)
    indexes.npm_env(monkeypatch, tmp_path / "npm-cache")  # cold: this test's own empty cache
    return copy


def build(source: Path, tmp_path: Path, tools: Toolchain = TOOLS, **spec: object) -> BuiltPackage:
    spec_ = BuildSpec(source=source, label="functions/web", runtimes=("nodejs22.x",), **spec)  # type: ignore[arg-type]
    return build_package(spec_, tmp_path / "web.zip", tools=tools)


def files(package: BuiltPackage) -> dict[str, tuple[int, bytes]]:
    with zipfile.ZipFile(package.path) as archive:
        return {i.filename: (i.external_attr >> 16, archive.read(i)) for i in archive.infolist()}


def integrity_hex(tarball: Path) -> str:
    return hashlib.sha512(tarball.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("architecture", "cpu", "other"), [("x86_64", "x64", "arm64"), ("arm64", "arm64", "x64")]
)
def test_npm_ci_installs_production_dependencies_for_the_function_cpu(
    checkout: Path, tmp_path: Path, architecture: str, cpu: str, other: str
) -> None:
    package = build(checkout / "functions" / "web", tmp_path, architecture=architecture)
    found = files(package)
    assert (
        found[f"node_modules/native-{cpu}/index.js"][1] == f"module.exports = '{cpu}';\n".encode()
    )
    assert not [
        n for n in found if n.startswith((f"node_modules/native-{other}/", "node_modules/devonly/"))
    ]
    assert {"index.js", "package.json", "package-lock.json", "node_modules/alpha/index.js"} <= set(
        found
    )
    # npm's .bin link is stored as the script it points to, still executable.
    assert found["node_modules/.bin/alpha"] == (0o100755, b"#!/usr/bin/env node\n")
    assert "node_modules/.package-lock.json" not in found
    # Install scripts are off: beta's postinstall did not run (nor the function's own).
    assert not [n for n in found if n.endswith("installed.txt")]
    vendor = checkout / "vendor"
    assert {(d.name, d.version, d.hash) for d in package.dependencies} == {
        ("alpha", "1.0.0", "sha512:" + integrity_hex(vendor / "alpha-1.0.0.tgz")),
        ("beta", "2.0.0", "sha512:" + integrity_hex(vendor / "beta-2.0.0.tgz")),
        (f"native-{cpu}", "1.0.0", "sha512:" + integrity_hex(vendor / f"native-{cpu}-1.0.0.tgz")),
    }
    alpha = next(d for d in package.dependencies if d.name == "alpha")
    assert [d.name for d in package.installation.requires[alpha]] == ["beta"]


def test_install_scripts_run_only_when_the_function_opts_in(checkout: Path, tmp_path: Path) -> None:
    found = files(build(checkout / "functions" / "web", tmp_path, npm_install_scripts=True))
    assert found["node_modules/beta/installed.txt"][1] == b"ran"


def test_a_layer_gets_nodejs_node_modules_and_the_source_own_node_modules_is_replaced(
    checkout: Path, tmp_path: Path
) -> None:
    web = checkout / "functions" / "web"
    (web / "node_modules" / "stale").mkdir(parents=True)
    (web / "node_modules" / "stale" / "index.js").write_text("// a developer's local install\n")
    found = files(build(web, tmp_path, layer=True))
    assert "nodejs/node_modules/alpha/index.js" in found
    assert not [n for n in found if "stale" in n]


def test_the_dependencies_as_npm_lists_them_in_integrity_form(
    checkout: Path, tmp_path: Path
) -> None:
    lock = json.loads((checkout / "functions" / "web" / "package-lock.json").read_text())
    integrity = lock["packages"]["node_modules/alpha"]["integrity"]
    package = build(checkout / "functions" / "web", tmp_path)
    alpha = next(d for d in package.dependencies if d.name == "alpha")
    assert alpha.hash == "sha512:" + base64.b64decode(integrity.removeprefix("sha512-")).hex()


# --- one line for each way the lock cannot be installed --------------------------------------


def one_line(error: type[Exception], source: Path, tmp_path: Path, **kwargs: object) -> str:
    with pytest.raises(error) as raised:
        build(source, tmp_path, **kwargs)  # type: ignore[arg-type]
    message = str(raised.value)
    assert "\n" not in message, message
    return message


def test_dependencies_without_a_lock_are_refused(checkout: Path, tmp_path: Path) -> None:
    web = checkout / "functions" / "web"
    (web / "package-lock.json").unlink()
    message = one_line(PackageError, web, tmp_path)
    assert (
        "functions/web/package.json declares dependencies but there is no package-lock.json"
        in message
    )
    assert "npm install --package-lock-only" in message


def test_a_lock_out_of_sync_with_package_json_is_refused(checkout: Path, tmp_path: Path) -> None:
    web = checkout / "functions" / "web"
    manifest = json.loads((web / "package.json").read_text())
    manifest["dependencies"]["left-pad"] = "^1.3.0"
    (web / "package.json").write_text(json.dumps(manifest))
    assert "package.json and package-lock.json are not in sync" in one_line(
        PackageError, web, tmp_path
    )


def test_a_linked_directory_dependency_is_refused(checkout: Path, tmp_path: Path) -> None:
    web = checkout / "functions" / "web"
    lock = json.loads((web / "package-lock.json").read_text())
    lock["packages"]["node_modules/alpha"] = {"resolved": "../../lib/alpha", "link": True}
    (web / "package-lock.json").write_text(json.dumps(lock))
    message = one_line(PackageError, web, tmp_path)
    assert "node_modules/alpha is a link to ../../lib/alpha" in message and "npm pack" in message


def test_a_pinned_tarball_that_cannot_be_fetched_is_a_fetch_failure(
    checkout: Path, tmp_path: Path
) -> None:
    (checkout / "vendor" / "beta-2.0.0.tgz").unlink()
    message = one_line(FetchFailed, checkout / "functions" / "web", tmp_path)
    assert "functions/web: a package package-lock.json pins cannot be found (ENOENT)" in message


def test_an_unreachable_registry_is_a_fetch_failure(
    checkout: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """beta from a registry (nothing listens there) and an empty npm cache: offline."""
    web = checkout / "functions" / "web"
    manifest = json.loads((web / "package.json").read_text())
    lock = json.loads((web / "package-lock.json").read_text())
    manifest["dependencies"]["beta"] = lock["packages"][""]["dependencies"]["beta"] = "^2.0.0"
    lock["packages"]["node_modules/beta"]["resolved"] = "http://127.0.0.1:9/beta/-/beta-2.0.0.tgz"
    (web / "package.json").write_text(json.dumps(manifest))
    (web / "package-lock.json").write_text(json.dumps(lock))
    monkeypatch.setenv("npm_config_fetch_retries", "0")
    message = one_line(FetchFailed, web, tmp_path)
    assert "npm could not fetch a pinned package (ECONNREFUSED)" in message


def test_npm_missing_is_its_own_error(checkout: Path, tmp_path: Path) -> None:
    tools = Toolchain(search_path=str(tmp_path / "no-tools"))
    message = one_line(ToolMissing, checkout / "functions" / "web", tmp_path, tools=tools)
    assert "npm is not on PATH (needed to install functions/web/package-lock.json)" in message


def test_a_package_json_without_dependencies_needs_no_lock_and_no_npm(tmp_path: Path) -> None:
    web = tmp_path / "web"
    web.mkdir()
    (web / "package.json").write_text(json.dumps({"name": "web", "type": "module"}))
    (web / "index.mjs").write_text("export const handler = async () => 1;\n")
    package = build(web, tmp_path, tools=Toolchain(search_path=str(tmp_path / "no-tools")))
    assert set(files(package)) == {"index.mjs", "package.json"} and package.dependencies == ()


def test_a_pnpm_project_ships_its_own_install(tmp_path: Path) -> None:
    web = tmp_path / "web"
    store = web / "node_modules" / ".pnpm" / "beta@2.0.0" / "node_modules" / "beta"
    store.mkdir(parents=True)
    (store / "index.js").write_text("module.exports = 2;\n")
    (web / "package.json").write_text(
        json.dumps({"name": "web", "dependencies": {"beta": "2.0.0"}})
    )
    (web / "pnpm-lock.yaml").write_text("lockfileVersion: '9.0'\n")
    (web / "index.js").write_text("exports.handler = async () => require('beta');\n")
    (web / "node_modules" / "beta").symlink_to(".pnpm/beta@2.0.0/node_modules/beta")
    package = build(web, tmp_path, tools=Toolchain(search_path=str(tmp_path / "no-npm")))
    assert files(package)["node_modules/beta/index.js"][1] == b"module.exports = 2;\n"
    shutil.rmtree(web / "node_modules")
    message = one_line(PackageError, web, tmp_path)
    assert "has a pnpm-lock.yaml but no node_modules: run `pnpm install --prod" in message
