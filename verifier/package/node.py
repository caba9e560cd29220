"""Node dependencies: ``node_modules`` installed by ``npm ci`` from ``package-lock.json``.

``npm ci --omit=dev --ignore-scripts --cpu=<x64|arm64> --os=linux --libc=glibc`` (npm >= 10.3
for ``--libc``) runs in a scratch directory that holds only ``package.json`` (its ``scripts``
removed: the function's own lifecycle scripts never run at synth), the lock and the source's
``.npmrc``; npm checks every tarball against the lock's ``integrity``. ``file:`` tarball
dependencies are made absolute there, so a lock that names ``file:../vendor/x.tgz`` works.
Install scripts stay off unless the function opts in (``npm_install_scripts``): they run
arbitrary code at build time, and what they write is only as reproducible as they are.

npm's hidden lock (``node_modules/.package-lock.json``) is removed: it is npm's cache of the
tree, not part of the program.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path
from typing import Any

from verifier.contract.manifest import Dependency
from verifier.package.errors import FetchFailed, PackageError
from verifier.package.runtimes import NODE_CPU
from verifier.package.sbom import Installation
from verifier.package.tools import Toolchain, last_error_line, run

PACKAGE_JSON = "package.json"
LOCK_FILES = ("npm-shrinkwrap.json", "package-lock.json")
DEPENDENCY_FIELDS = ("dependencies", "optionalDependencies", "devDependencies", "peerDependencies")
_OFFLINE_CODES = (
    "ENOTFOUND",
    "ECONNREFUSED",
    "ETIMEDOUT",
    "EAI_AGAIN",
    "ENETUNREACH",
    "ENOTCACHED",
    "ECONNRESET",
)


def lock_file(source: Path) -> Path | None:
    return next((source / name for name in LOCK_FILES if (source / name).is_file()), None)


def _read_json(path: Path, label: str) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise PackageError(f"{label}/{path.name} is not readable JSON: {error}") from None


def needs_install(source: Path, label: str) -> bool:
    """Whether the source's ``package.json`` has dependencies to install (and a lock)."""
    manifest = source / PACKAGE_JSON
    if not manifest.is_file():
        return False
    data = _read_json(manifest, label)
    declared = any(data.get(name) for name in ("dependencies", "optionalDependencies"))
    if lock_file(source) is None:
        if declared and (source / "pnpm-lock.yaml").is_file():
            # pnpm's own install is shipped as it is: its links become their targets' files.
            if not (source / "node_modules").is_dir():
                raise PackageError(
                    f"{label} has a pnpm-lock.yaml but no node_modules: run `pnpm install "
                    "--prod --frozen-lockfile` there first (before synth and before verify "
                    "--source); the builder packages pnpm's layout as it is"
                )
            return False
        if declared:
            raise PackageError(
                f"{label}/package.json declares dependencies but there is no package-lock.json: "
                "run `npm install --package-lock-only` and commit the lock (npm ci installs "
                "exactly what it pins)"
            )
        return False
    return True


def _absolute_file_spec(spec: Any, base: Path) -> Any:
    if isinstance(spec, str) and spec.startswith("file:"):
        target = spec[len("file:") :]
        if not Path(target).is_absolute():
            return "file:" + str((base / target).resolve())
    return spec


def _check_lock(manifest: dict[str, Any], lock: dict[str, Any], label: str, name: str) -> None:
    """What npm ci would refuse, or would install from elsewhere than the lock, checked first."""
    version = lock.get("lockfileVersion")
    if not isinstance(version, int) or version < 2:
        raise PackageError(
            f"{label}/{name} is lockfileVersion {version}; npm 7 or later writes version 2 or "
            "3, with every package's integrity: run `npm install --package-lock-only`"
        )
    root = (lock.get("packages") or {}).get("", {})
    for field in DEPENDENCY_FIELDS:
        if (manifest.get(field) or {}) != (root.get(field) or {}):
            raise PackageError(
                f"{label}: package.json and {name} are not in sync ({field} differ): run "
                "`npm install` and commit the lock"
            )
    for key, entry in sorted((lock.get("packages") or {}).items()):
        if not key or entry.get("dev"):
            continue
        if entry.get("link"):
            raise PackageError(
                f"{label}/{name}: {key} is a link to {entry.get('resolved')}, a directory npm "
                "would link from the build machine; pack it (`npm pack`) and depend on the "
                "tarball (file:...tgz) or a registry version"
            )
        if not entry.get("integrity") and not entry.get("inBundle"):
            raise PackageError(
                f"{label}/{name}: {key} has no integrity, so npm cannot check its bytes "
                f"({entry.get('resolved', 'no resolved URL')}); depend on a registry version "
                "or a tarball"
            )


def npm_install(
    source: Path,
    staging: Path,
    *,
    architecture: str,
    label: str,
    install_scripts: bool,
    tools: Toolchain,
) -> Installation:
    """``npm ci`` into ``staging/node_modules``; one line on any failure."""
    lock_path = lock_file(source)
    assert lock_path is not None
    command = tools.npm_command(f"{label}/{lock_path.name}")
    manifest = _read_json(source / PACKAGE_JSON, label)
    lock = _read_json(lock_path, label)
    _check_lock(manifest, lock, label, lock_path.name)

    manifest.pop("scripts", None)
    for field in DEPENDENCY_FIELDS:
        if isinstance(manifest.get(field), dict):
            manifest[field] = {
                k: _absolute_file_spec(v, source) for k, v in manifest[field].items()
            }
    for key, entry in (lock.get("packages") or {}).items():
        if "resolved" in entry:
            entry["resolved"] = _absolute_file_spec(entry["resolved"], source)
        if key == "":
            entry.pop("scripts", None)
            for field in DEPENDENCY_FIELDS:
                if isinstance(entry.get(field), dict):
                    entry[field] = {
                        k: _absolute_file_spec(v, source) for k, v in entry[field].items()
                    }
    staging.mkdir(parents=True, exist_ok=True)
    (staging / PACKAGE_JSON).write_text(json.dumps(manifest, indent=2) + "\n")
    (staging / lock_path.name).write_text(json.dumps(lock, indent=2) + "\n")
    if (source / ".npmrc").is_file():
        (staging / ".npmrc").write_bytes((source / ".npmrc").read_bytes())

    command += [
        "ci",
        "--omit=dev",
        f"--cpu={NODE_CPU[architecture]}",
        "--os=linux",
        "--libc=glibc",
        "--no-audit",
        "--no-fund",
        "--no-update-notifier",
        "--loglevel=error",
    ]
    if not install_scripts:
        command.append("--ignore-scripts")
    result = run(command, cwd=staging, env=tools.environment(), what=f"install {label}")
    if result.returncode != 0:
        raise _npm_failure(result.stderr + result.stdout, label, lock_path.name)
    (staging / "node_modules" / ".package-lock.json").unlink(missing_ok=True)
    return _dependencies(lock, staging)


def _npm_failure(output: str, label: str, lock_name: str) -> Exception:
    code = re.search(r"npm (?:ERR!|error) code (\w+)", output)
    found = code.group(1) if code else ""
    line = last_error_line(output)
    if found in _OFFLINE_CODES:
        return FetchFailed(
            f"{label}: npm could not fetch a pinned package ({found}): the registry is "
            "unreachable and npm's cache does not hold it (npm's registry setting and "
            f".npmrc say where it looks): {line}"
        )
    if found == "EINTEGRITY":
        return FetchFailed(
            f"{label}: a tarball npm fetched does not match {lock_name}'s integrity: the "
            f"registry serves other bytes than the ones pinned: {line}"
        )
    if found in ("E404", "ENOENT"):
        return FetchFailed(f"{label}: a package {lock_name} pins cannot be found ({found}): {line}")
    if found == "EUSAGE" and "in sync" in output:
        return PackageError(
            f"{label}: package.json and {lock_name} are not in sync: run `npm install` and "
            "commit the lock"
        )
    if found == "EBADPLATFORM":
        return PackageError(
            f"{label}: a required (not optional) package is for another platform: {line}"
        )
    return FetchFailed(f"{label}: npm ci failed ({found or 'no error code'}): {line}")


_SRI_STRENGTH = {"sha1": 1, "sha256": 2, "sha384": 3, "sha512": 4}


def _integrity_hash(integrity: str) -> str:
    """npm's strongest SRI hash (``sha512-<base64>``) as ``sha512:<hex>``."""
    hashes = dict(item.partition("-")[::2] for item in integrity.split())
    known = [algorithm for algorithm in hashes if algorithm in _SRI_STRENGTH]
    if not known:
        return ""
    best = max(known, key=_SRI_STRENGTH.__getitem__)
    return f"{best}:{base64.b64decode(hashes[best]).hex()}"


def _resolve(key: str, name: str, installed: dict[str, Dependency]) -> Dependency | None:
    """Node's lookup from the package at ``key``: its own node_modules, then each parent's."""
    base = key
    while True:
        candidate = f"{base}/node_modules/{name}" if base else f"node_modules/{name}"
        if candidate in installed:
            return installed[candidate]
        if not base:
            return None
        base = base.rsplit("/node_modules/", 1)[0] if "/node_modules/" in base else ""


def _dependencies(lock: dict[str, Any], staging: Path) -> Installation:
    """The lock's packages npm actually installed (dev and other platforms' are not)."""
    packages = lock.get("packages") or {}
    installed: dict[str, Dependency] = {}
    for key, entry in sorted(packages.items()):
        if not key.startswith("node_modules/") or not (staging / key).is_dir():
            continue
        installed[key] = Dependency(
            name=entry.get("name") or key.rsplit("node_modules/", 1)[-1],
            version=str(entry.get("version", "")),
            hash=_integrity_hash(str(entry.get("integrity", ""))),
        )

    def needs(key: str) -> tuple[Dependency, ...]:
        entry = packages.get(key, {})
        names = [*(entry.get("dependencies") or {}), *(entry.get("optionalDependencies") or {})]
        found = (_resolve(key, name, installed) for name in sorted(names))
        return tuple(sorted({d for d in found if d is not None}, key=lambda d: (d.name, d.version)))

    unique = sorted(set(installed.values()), key=lambda d: (d.name, d.version))
    return Installation(
        dependencies=tuple(unique),
        direct=needs(""),
        requires={dependency: needs(key) for key, dependency in installed.items()},
    )
