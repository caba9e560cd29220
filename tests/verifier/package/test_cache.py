"""The build cache: an unchanged package is not built again (pip and npm do not run: the
tests make them unavailable and still get the package), anything the bytes depend on changes
the key, and a damaged entry is rebuilt."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

import pytest

from tests.conftest import REPO_ROOT
from tests.verifier.package import indexes
from verifier.package import BuildCache, BuildSpec, Toolchain, ToolMissing, build_package

#: pip and npm nowhere to be found: a build that needs either fails with ToolMissing.
NO_TOOLS = Toolchain(pip=("/nonexistent/pip",), search_path="/nonexistent")


@pytest.fixture
def python_function(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    wheel = indexes.wheel(tmp_path / "wheels", "purelib", "1.0", {"purelib/__init__.py": ""})
    indexes.pip_env(monkeypatch, tmp_path / "wheels")
    source = tmp_path / "functions" / "api"
    source.mkdir(parents=True)
    (source / "handler.py").write_text("import purelib\n")
    (source / "requirements.txt").write_text(wheel.requirement() + "\n")
    return source


def test_a_cache_hit_runs_no_pip(python_function: Path, tmp_path: Path) -> None:
    cache = BuildCache(tmp_path / "cache")
    spec = BuildSpec(python_function, "functions/api")
    cold = build_package(spec, tmp_path / "out" / "api.zip", cache=cache)
    warm = build_package(spec, tmp_path / "again" / "api.zip", cache=cache, tools=NO_TOOLS)
    assert (cold.cache_hit, warm.cache_hit) == (False, True)
    assert warm.path.read_bytes() == cold.path.read_bytes()
    assert warm.sbom_path.read_bytes() == cold.sbom_path.read_bytes()
    assert (warm.declaration, warm.installation) == (cold.declaration, cold.installation)
    # Not a vacuous proof: the same tools fail as soon as pip would be needed.
    (python_function / "handler.py").write_text("import purelib  # changed\n")
    with pytest.raises(ToolMissing, match="/nonexistent/pip is not available"):
        build_package(spec, tmp_path / "third" / "api.zip", cache=cache, tools=NO_TOOLS)


def test_a_cache_hit_runs_no_npm(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    indexes.npm_env(monkeypatch, tmp_path / "npm-cache")
    tarball = indexes.npm_package(tmp_path / "vendor", "beta", "2.0.0", {"index.js": ""})
    web = tmp_path / "functions" / "web"
    web.mkdir(parents=True)
    (web / "index.js").write_text("exports.handler = async () => require('beta');\n")
    spec_text = f"file:{Path('..') / '..' / 'vendor' / tarball.name}"
    (web / "package.json").write_text(
        json.dumps({"name": "web", "dependencies": {"beta": spec_text}})
    )
    indexes.lock(web)
    cache = BuildCache(tmp_path / "cache")
    spec = BuildSpec(web, "functions/web", runtimes=("nodejs22.x",))
    tools = Toolchain(project_root=REPO_ROOT)
    cold = build_package(spec, tmp_path / "a" / "web.zip", cache=cache, tools=tools)
    warm = build_package(spec, tmp_path / "b" / "web.zip", cache=cache, tools=NO_TOOLS)
    assert warm.cache_hit and warm.path.read_bytes() == cold.path.read_bytes()
    (web / "index.js").write_text("// changed\n")
    with pytest.raises(ToolMissing, match="npm is not on PATH"):
        build_package(spec, tmp_path / "c" / "web.zip", cache=cache, tools=NO_TOOLS)


def plain(tmp_path: Path) -> Path:
    source = tmp_path / "functions" / "plain"
    (source / "lib").mkdir(parents=True)
    (source / "handler.py").write_text("def handler(e, c):\n    return 1\n")
    (source / "lib" / "tool").write_text("#!/bin/sh\n")
    return source


def write(path: Path, text: str) -> None:
    path.write_text(text)


#: One change each to something the package's bytes depend on: (edit the source, new spec).
CHANGES: dict[str, Callable[[Path, BuildSpec], BuildSpec]] = {
    "a file's bytes": lambda s, spec: write(s / "handler.py", "# edited\n") or spec,
    "a new file": lambda s, spec: write(s / "lib" / "more.py", "") or spec,
    "an execute bit": lambda s, spec: (s / "lib" / "tool").chmod(0o755) or spec,
    "the architecture": lambda s, spec: replace(spec, architecture="arm64"),
    "the runtime": lambda s, spec: replace(spec, runtimes=("python3.13",)),
    "the excludes": lambda s, spec: replace(spec, exclude=("lib/",)),
    "layer or function": lambda s, spec: replace(spec, layer=True),
}


@pytest.mark.parametrize("change", CHANGES)
def test_anything_the_bytes_depend_on_is_in_the_key(tmp_path: Path, change: str) -> None:
    source = plain(tmp_path)
    cache = BuildCache(tmp_path / "cache")
    spec = BuildSpec(source, "functions/plain")
    assert not build_package(spec, tmp_path / "1.zip", cache=cache).cache_hit
    assert build_package(spec, tmp_path / "2.zip", cache=cache).cache_hit
    changed = CHANGES[change](source, spec)
    assert not build_package(changed, tmp_path / "3.zip", cache=cache).cache_hit


def test_a_damaged_entry_is_built_again(tmp_path: Path) -> None:
    source = plain(tmp_path)
    cache = BuildCache(tmp_path / "cache")
    spec = BuildSpec(source, "functions/plain")
    good = build_package(spec, tmp_path / "1.zip", cache=cache)
    (stored,) = (tmp_path / "cache").glob("*/*/package.zip")
    stored.write_bytes(b"PK tampered")
    rebuilt = build_package(spec, tmp_path / "2.zip", cache=cache)
    assert not rebuilt.cache_hit and rebuilt.path.read_bytes() == good.path.read_bytes()
    assert build_package(spec, tmp_path / "3.zip", cache=cache).cache_hit
