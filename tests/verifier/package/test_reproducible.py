"""Reproducible, for every kind: the same source and lock give byte-identical packages (and
SBOMs) from two checkouts at different paths, written under different umasks, with different
file times, time zones and locales, with pip's and npm's caches cold in one and warm in the
other. Each checkout builds in its own process, as two machines would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.verifier.package import indexes

#: (label, runtimes, architecture, layer): one of each kind the builder knows.
KINDS = {
    "python": ("functions/py", ["python3.12"], "arm64", False),
    "python-layer": ("layers/py", ["python3.12", "python3.13"], "x86_64", True),
    "node": ("functions/web", ["nodejs22.x"], "x86_64", False),
    "custom": ("functions/go", ["provided.al2023"], "arm64", False),
    "prebuilt": ("functions/java", ["java21"], "x86_64", False),
}

# Copy the template the way a clone writes files (modes from the umask, an execute bit where
# git keeps one), stamp every file with this checkout's time, then build every kind.
BUILD = r"""
import json, os, shutil, sys
from pathlib import Path
from verifier.package import BuildSpec, Toolchain, build_package

template, checkout, umask, mtime, out, kinds = sys.argv[1:7]
os.umask(int(umask, 8))
template, checkout, out = Path(template), Path(checkout), Path(out)
for directory, _, names in os.walk(template):
    target = checkout / Path(directory).relative_to(template)
    target.mkdir(parents=True, exist_ok=True)
    for name in names:
        shutil.copyfile(Path(directory) / name, target / name)
        if os.stat(Path(directory) / name).st_mode & 0o100:
            os.chmod(target / name, 0o777 & ~int(umask, 8))
for path in checkout.rglob("*"):
    os.utime(path, (float(mtime), float(mtime)), follow_symlinks=False)
os.environ["PIP_FIND_LINKS"] = str(checkout / "wheels")
tools = Toolchain(project_root=Path(os.environ["REPO_ROOT"]))
for kind, (label, runtimes, architecture, layer) in json.loads(kinds).items():
    spec = BuildSpec(checkout / label, label, tuple(runtimes), architecture, layer)
    build_package(spec, out / f"{kind}.zip", tools=tools)
"""


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("reproducible") / "template"
    requirements = indexes.function_wheels(root / "wheels")
    py = root / "functions" / "py"
    (py / "lib").mkdir(parents=True)
    (py / "handler.py").write_text("import fastlib, purelib\n")
    (py / "lib" / "util.py").write_text("X = 1\n")
    (py / "requirements.txt").write_text(requirements)
    layer = root / "layers" / "py"
    (layer / "python").mkdir(parents=True)
    (layer / "python" / "shared.py").write_text("")
    (layer / "requirements.txt").write_text(requirements.splitlines()[0] + "\n")

    with pytest.MonkeyPatch.context() as patch:
        indexes.npm_env(patch, root.parent / "npm-cache-template")
        indexes.npm_package(root / "vendor", "beta", "2.0.0", {"index.js": "module.exports = 2;\n"})
        web = root / "functions" / "web"
        web.mkdir(parents=True)
        (web / "index.js").write_text("exports.handler = async () => require('beta');\n")
        dependencies = {"beta": "file:../../vendor/beta-2.0.0.tgz"}
        (web / "package.json").write_text(json.dumps({"name": "web", "dependencies": dependencies}))
        indexes.lock(web)

    go = root / "functions" / "go"
    go.mkdir(parents=True)
    (go / "bootstrap").write_bytes(b"\x7fELF a go binary")
    (go / "bootstrap").chmod(0o755)
    java = root / "functions" / "java"
    (java / "lib").mkdir(parents=True)
    (java / "lib" / "app.jar").write_bytes(b"PK a jar")
    (java / "Handler.class").write_bytes(b"\xca\xfe\xba\xbe")
    return root


def build_checkout(
    template: Path, checkout: Path, out: Path, *, umask: str, mtime: int, tz: str, cache: Path
) -> None:
    env = {
        **os.environ,
        "TZ": tz,
        "LC_ALL": "C" if tz == "UTC" else "C.UTF-8",
        "REPO_ROOT": str(REPO_ROOT),
        "PIP_CONFIG_FILE": os.devnull,
        "PIP_NO_INDEX": "1",
        "PIP_CACHE_DIR": str(cache / "pip"),
        "npm_config_cache": str(cache / "npm"),
        "npm_config_registry": "http://127.0.0.1:9/",
    }
    out.mkdir(parents=True)
    result = subprocess.run(
        [
            sys.executable,
            "-c",
            BUILD,
            str(template),
            str(checkout),
            umask,
            str(mtime),
            str(out),
            json.dumps(KINDS),
        ],
        cwd=checkout.parent if checkout.parent.exists() else out,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]


def test_every_kind_builds_to_the_same_bytes_from_two_checkouts(
    template: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"  # cold for the first checkout, warm (filled by it) for the second
    first, second = tmp_path / "one" / "out", tmp_path / "b" / "second-checkout-here" / "out"
    build_checkout(
        template,
        tmp_path / "one" / "src",
        first,
        umask="022",
        mtime=978307200,
        tz="UTC",
        cache=cache,
    )
    assert (cache / "npm").is_dir()  # npm kept the tarball; pip caches downloads only
    build_checkout(
        template,
        tmp_path / "b" / "second-checkout-here" / "deep" / "src",
        second,
        umask="077",
        mtime=1893456000,
        tz="Pacific/Chatham",
        cache=cache,
    )
    for kind in KINDS:
        one, two = first / f"{kind}.zip", second / f"{kind}.zip"
        assert one.read_bytes() == two.read_bytes(), kind
        assert (first / f"{kind}.cdx.json").read_bytes() == (
            second / f"{kind}.cdx.json"
        ).read_bytes()
