"""One package, from a source directory and its lock to a reproducible zip and its SBOM.

The steps, in order (each kind adds its own):

1. The source's files: excludes applied, symlinks resolved or refused (``tree``).
2. The cache key over everything the bytes depend on; a hit ends the build (``cache``).
3. Dependencies, for the target and not the build machine: pip for ``requirements.txt``
   (``python``), ``npm ci`` for ``package-lock.json`` (``node``), into a scratch directory,
   then normalized. A function gets them at its root; a layer under ``python/`` (or
   ``python/lib/python3.X/site-packages/`` per version when it lists several) or
   ``nodejs/node_modules/``, where Lambda looks for them.
4. Checks: ``bootstrap`` for custom runtimes; no path both in the source and installed.
5. The zip (``archive``), then the CycloneDX SBOM beside it (``sbom``).
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier.contract.manifest import BUILDER_VERSION, Dependency, PackageBuild, parse_package
from verifier.errors import InputError
from verifier.package import node, python, sbom
from verifier.package.archive import Archive, Entry, file_digests, file_sha256, write_zip
from verifier.package.cache import BuildCache, copy_atomically
from verifier.package.errors import PackageError
from verifier.package.excludes import DEFAULT_EXCLUDES, Excludes
from verifier.package.runtimes import ARCHITECTURES, PackageKind, kind_of, runtime
from verifier.package.sbom import Installation
from verifier.package.tools import Toolchain
from verifier.package.tree import TreeFile, walk

# BUILDER_VERSION (the contract's): 1 was the deflated zip of the source alone; 2 stores the
# entries, installs dependencies, keeps the execute bit. A change to any byte written bumps it.
BOOTSTRAP = "bootstrap"


@dataclass(frozen=True)
class BuildSpec:
    """What to build. ``exclude`` is the whole list in force (see ``effective_excludes``)."""

    source: Path
    #: The source directory as the manifest names it (``functions/web``): messages, SBOM.
    label: str
    runtimes: tuple[str, ...] = ("python3.12",)
    architecture: str = "x86_64"
    layer: bool = False
    exclude: tuple[str, ...] = DEFAULT_EXCLUDES
    npm_install_scripts: bool = False

    @property
    def kind(self) -> PackageKind:
        return kind_of(self.runtimes)

    @classmethod
    def from_declaration(
        cls, source: Path, label: str, declared: PackageBuild, *, layer: bool
    ) -> BuildSpec:
        """The spec a manifest entry says its package was built with."""
        return cls(
            source=source,
            label=label,
            runtimes=declared.runtimes,
            architecture=declared.architecture,
            layer=layer,
            exclude=declared.exclude,
            npm_install_scripts=declared.npm_install_scripts,
        )


@dataclass(frozen=True)
class BuiltPackage:
    path: Path
    sha256_hex: str
    size: int
    unzipped_size: int
    files: int
    sbom_path: Path
    sbom_sha256: str
    kind: PackageKind
    installation: Installation
    #: What the manifest records about this build.
    declaration: PackageBuild
    cache_hit: bool = False

    @property
    def dependencies(self) -> tuple[Dependency, ...]:
        return self.installation.dependencies


def sbom_path_for(package: Path) -> Path:
    """``build/packages/hello.zip`` -> ``build/packages/hello.cdx.json``."""
    return package.with_name(f"{package.stem}.cdx.json")


@dataclass
class _Plan:
    spec: BuildSpec
    kind: PackageKind
    excludes: Excludes
    source_files: list[TreeFile]
    requirements: Path | None = None
    node_install: bool = False
    lock_files: list[Path] = field(default_factory=list)


def _plan(spec: BuildSpec) -> _Plan:
    if spec.architecture not in ARCHITECTURES:
        raise PackageError(f"{spec.architecture!r} is not a Lambda architecture (x86_64, arm64)")
    for name in spec.runtimes:
        runtime(name)
    kind = spec.kind
    excludes = Excludes(spec.exclude)
    if not spec.source.is_dir():
        raise PackageError(f"{spec.label} is not a directory")
    requirements = spec.source / python.REQUIREMENTS_FILE
    if len({runtime(name).kind for name in spec.runtimes}) > 1:
        # A layer for several languages is shipped as it is: a lock it holds would be ignored.
        locks = [requirements, *(spec.source / name for name in node.LOCK_FILES)]
        found = next((lock for lock in locks if lock.is_file()), None)
        if found is not None:
            raise PackageError(
                f"{spec.label} is for runtimes of several languages ({', '.join(spec.runtimes)}), "
                f"so it is shipped as it is, and its {found.name} would not be installed: "
                "publish one layer per language"
            )
    plan = _Plan(spec, kind, excludes, [])
    skip: frozenset[str] = frozenset()
    if kind is PackageKind.PYTHON and requirements.is_file():
        plan.requirements = requirements
        plan.lock_files = python.requirement_files(requirements)
    elif kind is PackageKind.NODE and node.needs_install(spec.source, spec.label):
        plan.node_install = True
        lock = node.lock_file(spec.source)
        assert lock is not None
        plan.lock_files = [spec.source / node.PACKAGE_JSON, lock]
        # The developer's own node_modules (dev dependencies, another platform) is replaced.
        skip = frozenset({"node_modules"})
    plan.source_files = walk(spec.source, excludes, label=spec.label, skip=skip)
    if not plan.source_files:
        raise PackageError(f"{spec.label} has no files to package")
    return plan


def source_digests(spec: BuildSpec) -> dict[str, str]:
    """The digests (``archive.entry_digests``) of the entries the source itself puts in the
    package, without installing anything: what can still be compared when the dependencies
    cannot be installed here."""
    return file_digests(
        Entry(item.name, item.path, item.executable) for item in _plan(spec).source_files
    )


def _cache_key(plan: _Plan) -> str:
    spec = plan.spec
    digest = hashlib.sha256()
    header = {
        "builder": BUILDER_VERSION,
        "kind": plan.kind.value,
        "runtimes": list(spec.runtimes),
        "architecture": spec.architecture,
        "layer": spec.layer,
        "exclude": list(spec.exclude),
        "npm_install_scripts": spec.npm_install_scripts,
        "label": spec.label,
    }
    digest.update(json.dumps(header, sort_keys=True).encode() + b"\0")
    for item in plan.source_files:
        digest.update(f"{item.name}\0{int(item.executable)}\0{file_sha256(item.path)}\0".encode())
    for lock in plan.lock_files:
        digest.update(f"lock\0{lock}\0{file_sha256(lock) if lock.is_file() else '-'}\0".encode())
    return digest.hexdigest()


def build_package(
    spec: BuildSpec | Path,
    destination: Path,
    *,
    cache: BuildCache | None = None,
    tools: Toolchain | None = None,
) -> BuiltPackage:
    """Build ``spec`` into ``destination`` (and its SBOM beside it), both written atomically.

    A bare directory builds as a Python 3.12 function without dependencies would."""
    if isinstance(spec, Path):
        spec = BuildSpec(source=spec, label=spec.name)
    tools = tools or Toolchain()
    plan = _plan(spec)
    key = _cache_key(plan) if cache is not None else ""
    sbom_destination = sbom_path_for(destination)
    entry = cache.get(key) if cache is not None else None
    hit = _from_record(entry.record, destination, sbom_destination) if entry else None
    if entry is not None and hit is not None:
        copy_atomically(entry.package, destination)
        copy_atomically(entry.sbom, sbom_destination)
        return hit

    with tempfile.TemporaryDirectory(prefix="signed-lambda-build-") as scratch_name:
        scratch = Path(scratch_name)
        installed_files, installation = _install(plan, scratch, tools)
        entries = _entries(plan, installed_files)
        archive = write_zip(entries, destination)
    return _finish(plan, archive, installation, sbom_destination, cache, key)


def _install(plan: _Plan, scratch: Path, tools: Toolchain) -> tuple[list[TreeFile], Installation]:
    spec = plan.spec
    if plan.requirements is not None:
        return _pip(plan, scratch, tools)
    if plan.node_install:
        staging = scratch / "npm"
        installation = node.npm_install(
            spec.source,
            staging,
            architecture=spec.architecture,
            label=spec.label,
            install_scripts=spec.npm_install_scripts,
            tools=tools,
        )
        prefix = "nodejs/node_modules/" if spec.layer else "node_modules/"
        files = walk(
            staging / "node_modules",
            plan.excludes,
            label=f"{spec.label} (node_modules installed by npm)",
            prefix=prefix,
        )
        return files, installation
    return [], Installation()


def _pip(plan: _Plan, scratch: Path, tools: Toolchain) -> tuple[list[TreeFile], Installation]:
    spec = plan.spec
    assert plan.requirements is not None
    targets = {runtime(name).python_version: runtime(name) for name in spec.runtimes}
    files: list[TreeFile] = []
    merged: dict[Dependency, tuple[Dependency, ...]] = {}
    direct: dict[Dependency, None] = {}
    for version, target in sorted(targets.items()):
        if not spec.layer:
            prefix = ""
        elif len(targets) == 1:
            prefix = "python/"
        else:
            prefix = f"python/lib/python{version}/site-packages/"
        label = f"{spec.label}/{python.REQUIREMENTS_FILE}"
        pins = python.read_requirements(
            plan.requirements, label, python.target_environment(target, spec.architecture)
        )
        staging = scratch / f"pip-{version}"
        work = scratch / f"pip-{version}-work"
        work.mkdir()
        installation = python.pip_install(
            pins,
            staging,
            work,
            target=target,
            architecture=spec.architecture,
            label=label,
            tools=tools,
        )
        if not staging.is_dir():
            continue
        _prune(staging, plan.excludes, prefix)
        python.normalize(staging)
        files += walk(staging, plan.excludes, label=f"{label} (installed by pip)", prefix=prefix)
        merged.update(installation.requires)
        direct.update(dict.fromkeys(installation.direct))
    dependencies = tuple(
        sorted(set(merged) | set(direct), key=lambda d: (d.name.lower(), d.version))
    )
    return files, Installation(dependencies=dependencies, direct=tuple(direct), requires=merged)


def _prune(staging: Path, excludes: Excludes, prefix: str) -> None:
    """Remove what the excludes leave out before RECORD is written from what remains."""
    for path in sorted(staging.rglob("*"), reverse=True):
        name = prefix + path.relative_to(staging).as_posix()
        if path.is_file() and excludes.excludes_file(name):
            path.unlink()


def _entries(plan: _Plan, installed: list[TreeFile]) -> list[Entry]:
    spec = plan.spec
    by_name: dict[str, TreeFile] = {}
    for item in plan.source_files:
        by_name[item.name] = item
    for item in installed:
        if item.name in by_name:
            raise PackageError(
                f"{spec.label}/{item.name} is in the source and also installed as a dependency: "
                "remove the copy from the source (or exclude it) so the package has one"
            )
        by_name[item.name] = item
    if plan.kind is PackageKind.CUSTOM and not spec.layer:
        bootstrap = by_name.get(BOOTSTRAP)
        if bootstrap is None or not bootstrap.executable:
            state = "is not executable" if bootstrap else "is missing"
            raise PackageError(
                f"{spec.runtimes[0]} runs the executable `bootstrap` at the package root, and "
                f"{spec.label}/bootstrap {state}: build it first (e.g. `GOOS=linux "
                f"GOARCH={'arm64' if spec.architecture == 'arm64' else 'amd64'} go build -tags "
                f"lambda.norpc -o {spec.label}/bootstrap .`, or `cargo lambda build --release` "
                "and copy target/lambda/<name>/bootstrap), then `chmod +x` it"
            )
    return [Entry(item.name, item.path, item.executable) for item in by_name.values()]


def _declaration(
    spec: BuildSpec, kind: PackageKind, sbom_sha256: str, deps: tuple[Dependency, ...]
) -> PackageBuild:
    return PackageBuild(
        kind=kind.value,
        runtimes=spec.runtimes,
        architecture=spec.architecture,
        exclude=spec.exclude,
        npm_install_scripts=spec.npm_install_scripts,
        builder_version=BUILDER_VERSION,
        sbom_sha256=sbom_sha256,
        dependencies=deps,
    )


def _finish(
    plan: _Plan,
    archive: Archive,
    installation: Installation,
    sbom_destination: Path,
    cache: BuildCache | None,
    key: str,
) -> BuiltPackage:
    spec = plan.spec
    data = sbom.render(
        sbom.document(
            label=spec.label,
            kind=plan.kind.value,
            runtimes=spec.runtimes,
            architecture=spec.architecture,
            package_sha256=archive.sha256_hex,
            installation=installation,
            builder_version=BUILDER_VERSION,
        )
    )
    tmp = sbom_destination.with_name(sbom_destination.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(sbom_destination)
    built = BuiltPackage(
        path=archive.path,
        sha256_hex=archive.sha256_hex,
        size=archive.size,
        unzipped_size=archive.unzipped_size,
        files=archive.entries,
        sbom_path=sbom_destination,
        sbom_sha256=sbom.sha256_hex(data),
        kind=plan.kind,
        installation=installation,
        declaration=_declaration(spec, plan.kind, sbom.sha256_hex(data), installation.dependencies),
    )
    if cache is not None:
        cache.put(key, built.path, built.sbom_path, _record(built))
    return built


def _record(built: BuiltPackage) -> dict[str, Any]:
    installation = built.installation
    index = {dependency: position for position, dependency in enumerate(installation.dependencies)}
    return {
        "sha256_hex": built.sha256_hex,
        "size": built.size,
        "unzipped_size": built.unzipped_size,
        "files": built.files,
        "sbom_sha256": built.sbom_sha256,
        "kind": built.kind.value,
        "declaration": {**built.declaration.to_output()},
        "direct": [index[d] for d in installation.direct],
        "requires": {
            str(index[d]): [index[n] for n in needs] for d, needs in installation.requires.items()
        },
    }


def _from_record(record: dict[str, Any], path: Path, sbom_path: Path) -> BuiltPackage | None:
    """A cache entry's record as the build it stands for; None if it is not one (a damaged or
    older entry is rebuilt, never trusted)."""
    try:
        return _record_to_package(record, path, sbom_path)
    except (InputError, KeyError, ValueError, IndexError, TypeError):
        return None


def _record_to_package(record: dict[str, Any], path: Path, sbom_path: Path) -> BuiltPackage:
    declaration = parse_package(record["declaration"], "the build cache", "declaration")
    dependencies = declaration.dependencies
    installation = Installation(
        dependencies=dependencies,
        direct=tuple(dependencies[i] for i in record["direct"]),
        requires={
            dependencies[int(i)]: tuple(dependencies[n] for n in needs)
            for i, needs in record["requires"].items()
        },
    )
    return BuiltPackage(
        path=path,
        sha256_hex=record["sha256_hex"],
        size=record["size"],
        unzipped_size=record["unzipped_size"],
        files=record["files"],
        sbom_path=sbom_path,
        sbom_sha256=record["sbom_sha256"],
        kind=PackageKind(record["kind"]),
        installation=installation,
        declaration=declaration,
        cache_hit=True,
    )
