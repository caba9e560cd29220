"""Python dependencies: ``requirements.txt`` installed by pip for the function's runtime and
architecture, never the build machine's, then normalized so the bytes do not depend on where
or when it ran.

1. The requirements file is read here first (pip's format: continuations, comments,
   ``${VAR}``, ``-r``/``-c`` includes, index options). Every requirement must be pinned
   (``==``) with ``--hash``; editables and ``--no-binary`` are refused.
2. Environment markers are evaluated for the *target* (CPython 3.X on Linux, x86_64 or
   aarch64): pip evaluates them for the interpreter running it even with ``--python-version``
   (pypa/pip#11010), so pip gets a file with the markers already decided.
3. ``pip install --no-deps --require-hashes --only-binary=:all: --platform manylinux_2_N_<arch>
   ... --python-version 3.X --implementation cp --target <staging> --no-compile --report``.
   ``--no-deps``: the hash-pinned file is the whole resolution; step 4 checks it is complete.
4. Every installed distribution's ``Requires-Dist`` (markers for the target, extras followed)
   must be satisfied by a pinned one, else the build stops naming what is missing.
5. What pip writes that depends on the machine is rewritten: console-script shims (pip writes
   the build interpreter's path into them) become fixed shims with ``#!/usr/bin/env python3``;
   a wheel's own scripts lose pip's absolute shebang the same way; ``direct_url.json`` that
   names a local ``file:`` path is removed; ``RECORD`` is written again from the final files
   (pip's names ``../../bin``). ``INSTALLER`` and ``REQUESTED`` are constant and stay.
"""

from __future__ import annotations

import base64
import csv
import hashlib
import io
import json
import os
import re
import sys
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from verifier.contract.manifest import Dependency
from verifier.package.errors import FetchFailed, PackageError, ToolMissing
from verifier.package.runtimes import MANYLINUX_MACHINE, Runtime
from verifier.package.sbom import Installation
from verifier.package.tools import Toolchain, last_error_line, run

REQUIREMENTS_FILE = "requirements.txt"
HASH_TOOLS = "pip-compile --generate-hashes, or uv pip compile --generate-hashes"
#: What a console-script shim runs with; Lambda's runtimes put their python3 on PATH.
SHEBANG = b"#!/usr/bin/env python3\n"

_COMMENT = re.compile(r"(^|\s+)#.*$")
_ENV_VAR = re.compile(r"\$\{(?P<name>[A-Z0-9_]+)\}")
_INCLUDE_OPTIONS = {"-r": "requirement", "--requirement": "requirement"}
_CONSTRAINT_OPTIONS = {"-c", "--constraint"}
_PATH_OPTIONS = {"-f", "--find-links"}
_PASSED_OPTIONS = {
    "-i",
    "--index-url",
    "--extra-index-url",
    "--no-index",
    "--trusted-host",
    "--pre",
    "--prefer-binary",
    "--only-binary",
    "--require-hashes",
    "--use-feature",
}
_FLAG_OPTIONS = {"--no-index", "--pre", "--prefer-binary", "--require-hashes"}
_REFUSED_OPTIONS = {
    "-e": "editable requirements are built from source: pin a wheel with its hash instead",
    "--editable": "editable requirements are built from source: pin a wheel with its hash",
    "--no-binary": "packages are built from wheels only (--only-binary=:all:): remove it",
}


def _packaging() -> Any:
    """pip's own copy of ``packaging``: the same requirement and marker rules pip applies,
    available wherever pip is (the plain verifier install has no ``packaging``)."""
    try:
        from pip._vendor.packaging import markers, requirements, specifiers, utils, version
    except ImportError:
        raise ToolMissing(
            f"pip is not installed in {sys.executable} (needed to read requirements.txt)"
        ) from None
    return markers, requirements, specifiers, utils, version


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def target_environment(target: Runtime, architecture: str) -> dict[str, str]:
    """PEP 508 marker values of the Lambda runtime (the patch version is not known: .0)."""
    full = f"{target.python_version}.0"
    return {
        "implementation_name": "cpython",
        "implementation_version": full,
        "os_name": "posix",
        "platform_machine": MANYLINUX_MACHINE[architecture],
        "platform_python_implementation": "CPython",
        "platform_release": "",
        "platform_system": "Linux",
        "platform_version": "",
        "python_full_version": full,
        "python_version": target.python_version,
        "sys_platform": "linux",
        "extra": "",
    }


@dataclass(frozen=True)
class Pin:
    where: str
    text: str
    name: str
    extras: frozenset[str]
    hashes: tuple[str, ...]
    #: The requirement pip gets, markers removed (decided for the target already).
    line: str


@dataclass
class Requirements:
    #: Option lines for pip, in order (paths made absolute).
    options: list[str] = field(default_factory=list)
    pins: list[Pin] = field(default_factory=list)
    #: Every file read (the build cache's key covers them all).
    files: list[Path] = field(default_factory=list)


def _logical_lines(text: str) -> list[tuple[int, str]]:
    lines: list[tuple[int, str]] = []
    pending, start = "", 0
    for number, raw in enumerate(text.splitlines(), start=1):
        if not pending:
            start = number
        line = _COMMENT.sub("", raw) if not raw.rstrip().endswith("\\") else raw
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        whole = _COMMENT.sub("", pending + line).strip()
        pending = ""
        if whole:
            lines.append((start, whole))
    if pending.strip():
        lines.append((start, _COMMENT.sub("", pending).strip()))
    return lines


def _expand(value: str, where: str) -> str:
    def substitute(match: re.Match[str]) -> str:
        name = match.group("name")
        if name not in os.environ:
            raise PackageError(f"{where}: ${{{name}}} is not set in the environment")
        return os.environ[name]

    return _ENV_VAR.sub(substitute, value)


def _split_option(line: str) -> tuple[str, str]:
    """``-r x``, ``--find-links=x`` -> (option, value)."""
    if line.startswith("--") and "=" in line.split()[0]:
        option, _, value = line.partition("=")
        return option, value.strip()
    option, _, value = line.partition(" ")
    if not line.startswith("--") and len(option) > 2:  # -rfile.txt
        return option[:2], option[2:] + value
    return option, value.strip()


def _local_path(value: str, base: Path) -> str:
    """A relative ``--find-links`` or include path, made absolute against its file."""
    if re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", value):
        return value
    path = Path(value)
    return str(path if path.is_absolute() else (base / path).resolve())


def requirement_files(path: Path) -> list[Path]:
    """The file and every file it includes (``-r``, ``-c``), read without pip: the build
    cache's key covers them all, and a cache hit must not need pip."""
    found: list[Path] = []
    pending = [path]
    while pending:
        current = pending.pop()
        if current in found or not current.is_file():
            continue
        found.append(current)
        for _number, line in _logical_lines(current.read_text(encoding="utf-8", errors="replace")):
            option, value = _split_option(line) if line.startswith("-") else ("", "")
            if option in _INCLUDE_OPTIONS or option in _CONSTRAINT_OPTIONS:
                value = _ENV_VAR.sub(lambda m: os.environ.get(m.group("name"), ""), value)
                pending.append(Path(_local_path(value, current.parent)))
    return found


def read_requirements(
    path: Path, label: str, target: dict[str, str], found: Requirements | None = None
) -> Requirements:
    """``path`` parsed, its includes inlined, markers decided for ``target``."""
    markers, requirements, _specifiers, _utils, _version = _packaging()
    found = found if found is not None else Requirements()
    if path in found.files:
        return found
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as error:
        raise PackageError(f"cannot read {label}: {error.strerror}") from None
    found.files.append(path)
    for number, line in _logical_lines(text):
        where = f"{label} line {number}"
        line = _expand(line, where)
        if line.startswith("-"):
            option, value = _split_option(line)
            if option in _REFUSED_OPTIONS:
                raise PackageError(f"{where}: {option}: {_REFUSED_OPTIONS[option]}")
            if option in _INCLUDE_OPTIONS:
                include = Path(_local_path(value, path.parent))
                shown = f"{Path(label).parent.as_posix()}/{value}"
                read_requirements(include, shown, target, found)
            elif option in _CONSTRAINT_OPTIONS or option in _PATH_OPTIONS:
                found.options.append(f"{option} {_local_path(value, path.parent)}")
            elif option in _PASSED_OPTIONS:
                found.options.append(option if option in _FLAG_OPTIONS else f"{option} {value}")
            else:
                raise PackageError(f"{where}: {option} is not supported in a Lambda build")
            continue
        found.pins.extend(_pin(line, where, target, markers, requirements))
    return found


def _pin(
    line: str, where: str, target: dict[str, str], markers: Any, requirements: Any
) -> list[Pin]:
    tokens = line.split(" ")
    split = next((i for i, token in enumerate(tokens) if token.startswith("-")), len(tokens))
    text, options = " ".join(tokens[:split]).strip(), tokens[split:]
    try:
        requirement = requirements.Requirement(text)
    except requirements.InvalidRequirement as error:
        raise PackageError(
            f"{where}: {text!r} is not a requirement pip can read ({error}); name each "
            "dependency as name==version with --hash (a path or URL as name @ URL)"
        ) from None
    if requirement.marker is not None and not requirement.marker.evaluate(target):
        return []
    hashes: list[str] = []
    index = 0
    while index < len(options):
        option = options[index]
        if option.startswith("--hash="):
            hashes.append(option.split("=", 1)[1])
        elif option == "--hash" and index + 1 < len(options):
            index += 1
            hashes.append(options[index])
        elif option:
            raise PackageError(f"{where}: {option} is not supported on a requirement line")
        index += 1
    pinned = [spec for spec in requirement.specifier if spec.operator in ("==", "===")]
    if requirement.url is None and (
        len(pinned) != 1 or len(requirement.specifier) != 1 or "*" in pinned[0].version
    ):
        raise PackageError(
            f"{where}: {text} is not pinned to one version (name==version); a reproducible "
            f"package needs the exact version and its hashes ({HASH_TOOLS})"
        )
    if not hashes:
        raise PackageError(
            f"{where}: {text} has no --hash; pin every requirement with the hashes of its "
            f"files ({HASH_TOOLS})"
        )
    extras = f"[{','.join(sorted(requirement.extras))}]" if requirement.extras else ""
    spec = f" @ {requirement.url}" if requirement.url else str(requirement.specifier)
    pip_line = f"{requirement.name}{extras}{spec} " + " ".join(f"--hash={h}" for h in hashes)
    return [
        Pin(
            where=where,
            text=text,
            name=canonical(requirement.name),
            extras=frozenset(canonical(e) for e in requirement.extras),
            hashes=tuple(hashes),
            line=pip_line,
        )
    ]


# --- pip -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Installed:
    name: str
    version: str
    hash: str
    requires: tuple[str, ...]


def _describe_target(target: Runtime, architecture: str) -> str:
    machine = MANYLINUX_MACHINE[architecture]
    return f"{target.name} on {architecture} (CPython {target.python_version}, {machine})"


def pip_install(
    requirements: Requirements,
    staging: Path,
    scratch: Path,
    *,
    target: Runtime,
    architecture: str,
    label: str,
    tools: Toolchain,
) -> Installation:
    """Install the pins into ``staging`` for the target; one line on any failure."""
    command = tools.pip_command(label)
    if not requirements.pins:
        return Installation()
    filtered = scratch / "requirements.pinned.txt"
    filtered.write_text(
        "\n".join([*requirements.options, *(p.line for p in requirements.pins)]) + "\n"
    )
    report, log = scratch / "pip-report.json", scratch / "pip.log"
    platforms = [
        arg for tag in target.manylinux_platforms(architecture) for arg in ("--platform", tag)
    ]
    command += [
        "install",
        "--no-deps",
        "--require-hashes",
        "--only-binary=:all:",
        *platforms,
        "--implementation",
        "cp",
        "--python-version",
        target.python_version,
        "--target",
        str(staging),
        "--no-compile",
        "--no-warn-script-location",
        "--disable-pip-version-check",
        "--no-input",
        "--progress-bar",
        "off",
        "--quiet",
        "--report",
        str(report),
        "--log",
        str(log),
        "-r",
        str(filtered),
    ]
    env = tools.environment()
    # --user cannot be combined with --target; a user's PIP_USER=1 must not break the build.
    env["PIP_USER"] = "0"
    result = run(command, cwd=scratch, env=env, what=f"install {label}")
    if result.returncode != 0:
        log_text = log.read_text(errors="replace") if log.exists() else ""
        raise _pip_failure(
            result.stderr + result.stdout, log_text, requirements, target, architecture, label
        )
    installed = _installed(json.loads(report.read_text()))
    requires = _check_complete(installed, requirements, target, architecture, label)
    found = {canonical(dist.name): _dependency(dist) for dist in installed}
    needed = {name for names in requires.values() for name in names}
    return Installation(
        dependencies=tuple(found.values()),
        direct=tuple(dep for name, dep in found.items() if name not in needed),
        requires={
            found[name]: tuple(found[n] for n in sorted(names)) for name, names in requires.items()
        },
    )


def _dependency(dist: Installed) -> Dependency:
    return Dependency(name=dist.name, version=dist.version, hash=dist.hash)


def _pip_failure(
    output: str,
    log: str,
    requirements: Requirements,
    target: Runtime,
    architecture: str,
    label: str,
) -> Exception:
    where = _describe_target(target, architecture)
    if "No module named pip" in output:
        return ToolMissing(f"pip is not installed for {sys.executable} (needed to install {label})")
    mismatch = re.search(r"DO NOT MATCH THE HASHES.*?\n\s*(\S+)==(\S+).*?Got\s+(\w+)", output, re.S)
    if mismatch:
        name, version, got = mismatch.groups()
        return FetchFailed(
            f"{label}: the {name}=={version} file pip found for {where} has sha256 {got}, "
            "which requirements.txt does not list: the index serves other bytes than the ones "
            f"pinned (if you trust the new file, regenerate the hashes: {HASH_TOOLS})"
        )
    missing = re.search(r"No matching distribution found for (\S+)", output)
    if missing:
        wanted = missing.group(1)
        name = canonical(re.split(r"[=<>!~ @\[]", wanted, maxsplit=1)[0])
        version = wanted.split("==", 1)[1] if "==" in wanted else ""
        offline = re.search(
            r"(?:Could not fetch URL (\S+?):? .*|Retrying .* after connection broken by '(\w+)|"
            r"NewConnectionError|Network is unreachable|Name or service not known)",
            log,
        )
        if offline:
            return FetchFailed(
                f"{label}: {wanted} could not be fetched: the package index is unreachable "
                "and no cached or local copy was found (pip's PIP_INDEX_URL, PIP_FIND_LINKS "
                "or pip.conf name where it looks)"
            )
        return FetchFailed(f"{label}: {_why_no_wheel(name, version, wanted, log, where)}")
    return FetchFailed(f"{label}: pip failed for {where}: {last_error_line(output)}")


def _why_no_wheel(name: str, version: str, wanted: str, log: str, where: str) -> str:
    """Which files pip saw for the project and skipped, read from its debug log."""
    wheels, sources = [], []
    for reason, url in re.findall(r"Skipping link: (.*?): (\S+)$", log, re.M):
        filename = urllib.parse.unquote(url.rsplit("/", 1)[-1].split("#", 1)[0])
        parts = filename.split("-")
        if filename.endswith(".whl") and len(parts) >= 5:
            if canonical(parts[0]) == name and (not version or parts[1] == version):
                wheels.append("-".join(parts[-3:])[: -len(".whl")])
        elif "sources" in reason:  # pip: "No sources permitted for <name>" (--only-binary)
            sdist_name, sdist_version = _sdist_of(filename)
            if sdist_name == name and (not version or sdist_version == version):
                sources.append(filename)
    fix = "pick a version with a wheel for this platform, or build the wheel yourself"
    if wheels:
        return (
            f"no wheel of {wanted} for {where}: the index has wheels for "
            f"{', '.join(sorted(set(wheels)))} only; {fix}"
        )
    if sources:
        return (
            f"{wanted} has only a source distribution ({', '.join(sorted(set(sources)))}); "
            "Lambda packages are built from wheels only (--only-binary=:all:), for the "
            f"function's platform: {fix}"
        )
    return (
        f"no file of {wanted} on the package index (none for {where}); check the name and version"
    )


def _sdist_of(filename: str) -> tuple[str, str]:
    """``Foo_Bar-1.0.tar.gz`` -> (``foo-bar``, ``1.0``)."""
    stem = re.sub(r"\.(tar\.gz|tar\.bz2|tar\.xz|tgz|zip)$", "", filename)
    name, _, version = stem.rpartition("-")
    return canonical(name), version


def _installed(report: Mapping[str, Any]) -> list[Installed]:
    found = []
    for item in report.get("install", []):
        metadata = item.get("metadata", {})
        archive = item.get("download_info", {}).get("archive_info", {})
        hashes = archive.get("hashes") or {}
        if not hashes and "hash" in archive:
            algorithm, _, value = archive["hash"].partition("=")
            hashes = {algorithm: value}
        algorithm = "sha256" if "sha256" in hashes else min(hashes, default="")
        found.append(
            Installed(
                name=metadata.get("name", ""),
                version=metadata.get("version", ""),
                hash=f"{algorithm}:{hashes[algorithm]}" if algorithm else "",
                requires=tuple(metadata.get("requires_dist", [])),
            )
        )
    return sorted(found, key=lambda dist: canonical(dist.name))


def _check_complete(
    installed: list[Installed],
    requirements: Requirements,
    target: Runtime,
    architecture: str,
    label: str,
) -> dict[str, set[str]]:
    """Every Requires-Dist that applies to the target must be pinned, at a version it allows.
    Returns which installed distribution needs which (canonical names)."""
    _markers, req_module, _specifiers, _utils, version_module = _packaging()
    by_name = {canonical(dist.name): dist for dist in installed}
    environment = target_environment(target, architecture)
    pending = [(pin.name, pin.extras) for pin in requirements.pins]
    done: set[tuple[str, frozenset[str]]] = set()
    requires: dict[str, set[str]] = {name: set() for name in by_name}
    where = f"{target.name} on {architecture}"
    while pending:
        name, extras = pending.pop()
        if (name, extras) in done or name not in by_name:
            continue
        done.add((name, extras))
        dist = by_name[name]
        for text in dist.requires:
            needed = req_module.Requirement(text)
            applies = needed.marker is None or any(
                needed.marker.evaluate({**environment, "extra": extra})
                for extra in ("", *sorted(extras))
            )
            if not applies:
                continue
            needed_name = canonical(needed.name)
            have = by_name.get(needed_name)
            if have is None:
                raise PackageError(
                    f"{label} does not pin {needed.name}, which {dist.name} {dist.version} "
                    f"needs on {where} (Requires-Dist: {text}); add it with its hashes "
                    f"({HASH_TOOLS})"
                )
            if needed.specifier and not needed.specifier.contains(
                version_module.Version(have.version), prereleases=True
            ):
                raise PackageError(
                    f"{label} pins {have.name} {have.version}, but {dist.name} {dist.version} "
                    f"needs {needed.name}{needed.specifier}; pin a version it accepts "
                    f"({HASH_TOOLS})"
                )
            requires[name].add(needed_name)
            pending.append((needed_name, frozenset(canonical(e) for e in needed.extras)))
    return requires


# --- normalizing what pip wrote ------------------------------------------------------------


def _record_hash(data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"sha256={digest}"


def _entry_point_scripts(dist_info: Path) -> dict[str, str]:
    """``{script name: "module:attr"}`` of a distribution's console and GUI scripts."""
    path = dist_info / "entry_points.txt"
    if not path.is_file():
        return {}
    scripts: dict[str, str] = {}
    section = ""
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if line.startswith("[") and line.endswith("]"):
            section = line[1:-1].strip()
        elif "=" in line and section in ("console_scripts", "gui_scripts"):
            name, _, target = line.partition("=")
            scripts[name.strip()] = target.split("[", 1)[0].strip()
    return scripts


def _shim(dist: str, entry_point: str) -> bytes:
    """A console script as pip would run it, with a fixed shebang, and the package root on
    ``sys.path`` so ``python3 bin/<name>`` works from the unpacked package."""
    module, _, attribute = entry_point.partition(":")
    head = attribute.split(".", 1)[0] if attribute else ""
    call = attribute or "main"
    imported = f"from {module.strip()} import {head}" if head else f"import {module.strip()}"
    body = (
        f"# Console script of {dist}, written by signed-lambda's package builder (not pip), so\n"
        "# its bytes do not name the build machine's interpreter.\n"
        "import os\n"
        "import sys\n"
        "\n"
        "sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))\n"
        f"{imported}\n"
        "\n"
        'if __name__ == "__main__":\n'
        f"    sys.exit({call if head else module.strip() + '.' + call}())\n"
    )
    return SHEBANG + body.encode()


def _unpin_shebang(data: bytes, interpreters: tuple[str, ...]) -> bytes:
    """pip rewrites a wheel script's ``#!python`` to the build interpreter's absolute path (or,
    for long paths, a ``/bin/sh`` trampoline naming it): put ``#!/usr/bin/env python3`` back."""
    first, _, rest = data.partition(b"\n")
    if first.startswith(b"#!/bin/sh") and rest.startswith(b"'''exec'"):
        trampoline, _, after = rest.partition(b"\n' '''\n")
        if any(i.encode() in trampoline for i in interpreters):
            return SHEBANG + after
    if first.startswith(b"#!") and any(i.encode() in first for i in interpreters):
        return SHEBANG + rest
    return data


def normalize(staging: Path, interpreters: tuple[str, ...] = ()) -> None:
    """Rewrite what pip wrote that depends on the machine (see the module docstring)."""
    interpreters = interpreters or (sys.executable, os.path.realpath(sys.executable))
    dist_infos = sorted(staging.glob("*.dist-info"))
    shims: dict[str, tuple[str, str]] = {}
    for dist_info in dist_infos:
        for name, entry_point in _entry_point_scripts(dist_info).items():
            shims[name] = (dist_info.name.removesuffix(".dist-info"), entry_point)
    bin_dir = staging / "bin"
    if bin_dir.is_dir():
        for script in sorted(bin_dir.iterdir()):
            if not script.is_file():
                continue
            if script.name in shims:
                script.write_bytes(_shim(*shims[script.name]))
            else:
                script.write_bytes(_unpin_shebang(script.read_bytes(), interpreters))
            script.chmod(0o755)
    for dist_info in dist_infos:
        direct_url = dist_info / "direct_url.json"
        if direct_url.is_file():
            try:
                url = str(json.loads(direct_url.read_text()).get("url", ""))
            except ValueError:
                url = "file:"
            if url.startswith("file:"):
                direct_url.unlink()
        _rewrite_record(staging, dist_info)


def _rewrite_record(staging: Path, dist_info: Path) -> None:
    """``RECORD`` from the files as they are now: paths relative to the package root (pip's
    ``../../bin/x`` -> ``bin/x``), fresh hashes, files that are gone dropped, sorted."""
    record = dist_info / "RECORD"
    names: set[str] = set()
    if record.is_file():
        for row in csv.reader(io.StringIO(record.read_text(encoding="utf-8"))):
            if row:
                names.add(row[0][len("../../") :] if row[0].startswith("../../") else row[0])
    record_name = f"{dist_info.name}/RECORD"
    names.discard(record_name)
    rows = []
    for name in sorted(names):
        path = staging / name
        if path.is_file():
            data = path.read_bytes()
            rows.append([name, _record_hash(data), str(len(data))])
    rows.append([record_name, "", ""])
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerows(sorted(rows))
    record.write_text(buffer.getvalue(), encoding="utf-8")
