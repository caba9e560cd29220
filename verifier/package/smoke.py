"""The smoke check: import the handler from the built package, as Lambda would, before signing.

Only where this machine has an interpreter of exactly the runtime's version and the
function's architecture (``python3.12`` on ``PATH`` reporting ``x86_64`` for a ``python3.12``
x86_64 function; a ``node`` of major 22 reporting ``x64`` for ``nodejs22.x``): another
version or architecture could load other wheels or fail on the right ones. The package and
its layers are unpacked as Lambda lays them out (``/var/task``, ``/opt``), and the
interpreter sees nothing else: Python runs isolated (``-I -S``: no site-packages, no user
site, no ``PYTHON*`` variables), Node with ``NODE_PATH`` set to the layers' directories only.

The runtime's own AWS SDK (boto3 and botocore with their dependencies; ``@aws-sdk/*`` and
``@smithy/*``) is provided by Lambda, so a handler may import it without packaging it: where
the package does not hold it, a stand-in module answers the import.

A missing module (``ModuleNotFoundError``, ``ERR_MODULE_NOT_FOUND``) or a missing handler
function fails the build. Any other exception at import (code that needs Lambda's services
to start) is not a packaging problem: it is reported, not failed.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import zipfile
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from verifier.package.errors import BuildUnavailable, PackageError
from verifier.package.runtimes import MANYLINUX_MACHINE, NODE_CPU, PackageKind, runtime
from verifier.package.tools import Toolchain, run

#: Top-level modules the Lambda Python runtimes provide (the AWS SDK and its dependencies).
PYTHON_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
SMOKE_TIMEOUT_SECONDS = 120
_HERE = Path(__file__).resolve().parent
PYTHON_SCRIPT = _HERE / "smoke_python.py"
NODE_SCRIPT = _HERE / "smoke_node.cjs"
NODE_HOOKS = _HERE / "smoke_node_hooks.mjs"
_PYTHON_PROBE = (
    "import platform, sys; print('%d.%d %s' % (*sys.version_info[:2], platform.machine()))"
)
_NODE_PROBE = "process.versions.node.split('.')[0] + ' ' + process.arch"


@dataclass(frozen=True)
class SmokeResult:
    #: True: the handler imported; False: not checked (``note`` says why).
    checked: bool
    note: str = ""


def _unpack(package: Path, layers: Sequence[Path], root: Path) -> tuple[Path, Path]:
    task, opt = root / "task", root / "opt"
    task.mkdir()
    opt.mkdir()
    with zipfile.ZipFile(package) as archive:
        archive.extractall(task)
    for layer in layers:  # in order: a later layer's file replaces an earlier one's, as in /opt
        with zipfile.ZipFile(layer) as archive:
            archive.extractall(opt)
    return task, opt


def _probe(command: list[str]) -> str:
    try:
        return subprocess.run(
            command, capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def _interpreter(
    kind: PackageKind, version: tuple[int, ...], architecture: str, tools: Toolchain
) -> str | None:
    if kind is PackageKind.PYTHON:
        wanted = f"{version[0]}.{version[1]} {MANYLINUX_MACHINE[architecture]}"
        for candidate in tools.python_candidates(f"{version[0]}.{version[1]}"):
            if _probe([candidate, "-I", "-S", "-c", _PYTHON_PROBE]) == wanted:
                return candidate
        return None
    wanted = f"{version[0]} {NODE_CPU[architecture]}"
    for candidate in tools.node_candidates():
        if (
            _probe([candidate, "-p", "process.versions.node.split('.')[0] + ' ' + process.arch"])
            == wanted
        ):
            return candidate
    return None


def _lambda_environment(label: str, environment: Mapping[str, str], task: Path) -> dict[str, str]:
    return {
        "PATH": os.defpath,
        "LANG": "en_US.UTF-8",
        "TZ": ":UTC",
        "LAMBDA_TASK_ROOT": str(task),
        "AWS_REGION": "us-east-1",
        "AWS_DEFAULT_REGION": "us-east-1",
        "AWS_LAMBDA_FUNCTION_NAME": label,
        **environment,
    }


def smoke_check(
    *,
    label: str,
    package: Path,
    layers: Sequence[Path],
    handler: str,
    runtime_name: str,
    architecture: str,
    environment: Mapping[str, str],
    tools: Toolchain,
) -> SmokeResult:
    """Import ``handler`` from ``package`` (with ``layers``); PackageError if a module or the
    handler function is missing, else whether it could be checked here."""
    target = runtime(runtime_name)
    if target.kind not in (PackageKind.PYTHON, PackageKind.NODE):
        return SmokeResult(False, f"{target.kind.value} packages are not import-checked")
    interpreter = _interpreter(target.kind, target.version, architecture, tools)
    if interpreter is None:
        needed = (
            f"python{target.python_version}"
            if target.kind is PackageKind.PYTHON
            else f"Node {target.version[0]}"
        )
        return SmokeResult(False, f"no {needed} for {architecture} on this machine")
    module, _, function = handler.rpartition(".")
    with tempfile.TemporaryDirectory(prefix="signed-lambda-smoke-") as scratch:
        task, opt = _unpack(package, layers, Path(scratch))
        env = _lambda_environment(label, environment, task)
        if target.kind is PackageKind.PYTHON:
            command = [
                interpreter,
                "-I",
                "-S",
                str(PYTHON_SCRIPT),
                str(task),
                str(opt),
                target.python_version,
                module.replace("/", "."),
                function,
                ",".join(PYTHON_PROVIDED),
            ]
        else:
            file = next(
                (
                    task / f"{module}{suffix}"
                    for suffix in (".js", ".mjs", ".cjs")
                    if (task / f"{module}{suffix}").is_file()
                ),
                None,
            )
            if file is None:
                raise PackageError(
                    f"the handler {handler!r} names {module}.js (or .mjs, .cjs), which is not in "
                    "the package"
                )
            major = target.version[0]
            env["NODE_PATH"] = os.pathsep.join(
                [f"{opt}/nodejs/node{major}/node_modules", f"{opt}/nodejs/node_modules", str(task)]
            )
            command = [interpreter, str(NODE_SCRIPT), str(file), function, NODE_HOOKS.as_uri()]
        try:
            result = run(
                command, cwd=task, env=env, what="import the handler", timeout=SMOKE_TIMEOUT_SECONDS
            )
        except BuildUnavailable as error:
            return SmokeResult(False, str(error))
    outcome = _outcome(result.stdout)
    where = f"{runtime_name} {architecture}"
    if "missing" in outcome:
        raise PackageError(
            f"importing the handler {handler!r} from the built package fails on {where}: "
            f"{outcome.get('message', outcome['missing'])}; add the dependency to the lock "
            "(requirements.txt or package.json), or to a layer the function uses"
        )
    if "raised" in outcome:
        return SmokeResult(False, f"the handler module raised {outcome['raised']} at import")
    if outcome.get("handler") is not True:
        if "handler" in outcome:
            raise PackageError(
                f"the handler {handler!r}: the module imports on {where}, but has no function "
                f"{function!r}"
            )
        detail = (result.stderr.strip().splitlines() or ["no output"])[-1]
        return SmokeResult(False, f"the import check did not run ({detail})")
    return SmokeResult(True)


def _outcome(stdout: str) -> dict[str, object]:
    for line in reversed(stdout.splitlines()):
        try:
            value = json.loads(line)
        except ValueError:
            continue
        if isinstance(value, dict):
            return value
    return {}
