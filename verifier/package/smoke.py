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

from verifier.package.errors import PackageError
from verifier.package.runtimes import MANYLINUX_MACHINE, NODE_CPU, PackageKind, runtime
from verifier.package.tools import Toolchain

#: Top-level modules the Lambda Python runtimes provide (the AWS SDK and its dependencies).
PYTHON_PROVIDED = ("boto3", "botocore", "s3transfer", "jmespath", "dateutil", "urllib3", "six")
SMOKE_TIMEOUT_SECONDS = 120

_PYTHON_CHECK = r"""
import importlib, importlib.abc, importlib.machinery, json, sys, types
task, opt, version, module_name, function_name, provided = sys.argv[1:7]
sys.path[:0] = [task, f"{opt}/python/lib/python{version}/site-packages", f"{opt}/python"]
provided = set(provided.split(","))

class _Stub(type):
    def __getattr__(cls, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return _Stub(name, (), {})
    def __call__(cls, *args, **kwargs):
        return cls
    def __getitem__(cls, key):
        return cls
    def __iter__(cls):
        return iter(())

class _Provided(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    # Last on the meta path: only what the package and its layers do not hold reaches it.
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in provided:
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None
    def create_module(self, spec):
        module = types.ModuleType(spec.name)
        module.__path__ = []
        module.__getattr__ = lambda attr: _Stub(attr, (), {})
        return module
    def exec_module(self, module):
        pass

sys.meta_path.append(_Provided())
try:
    module = importlib.import_module(module_name)
except ModuleNotFoundError as error:
    print(json.dumps({"missing": error.name or str(error), "message": str(error)}))
    sys.exit(0)
except Exception as error:
    print(json.dumps({"raised": f"{type(error).__name__}: {error}"}))
    sys.exit(0)
handler = getattr(module, function_name, None)
print(json.dumps({"handler": callable(handler)}))
"""

_NODE_HOOKS = r"""
import { readFileSync } from "node:fs";
const PROVIDED = /^(@aws-sdk\/|@smithy\/)/;
const STUB = "const s = new Proxy(function () {}, { get: (t, p) => (p === 'then' ? undefined : s), apply: () => s, construct: () => s });";
function named(parentURL, specifier) {
  if (!parentURL || !parentURL.startsWith("file:")) return [];
  const source = readFileSync(new URL(parentURL), "utf8");
  const quoted = specifier.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&");
  const pattern = new RegExp(`import\\s*(?:[\\w$]+\\s*,\\s*)?\\{([^}]*)\\}\\s*from\\s*['"]${quoted}['"]`, "g");
  const names = new Set();
  for (const match of source.matchAll(pattern)) {
    for (const part of match[1].split(",")) {
      const name = part.trim().split(/\s+as\s+/)[0].trim();
      if (/^[\w$]+$/.test(name)) names.add(name);
    }
  }
  return [...names];
}
export async function resolve(specifier, context, next) {
  try {
    return await next(specifier, context);
  } catch (error) {
    if (PROVIDED.test(specifier) && error.code === "ERR_MODULE_NOT_FOUND") {
      const names = named(context.parentURL, specifier).filter((n) => n !== "default");
      return { url: `signed-lambda-provided:${specifier}?${names.join(",")}`, shortCircuit: true };
    }
    throw error;
  }
}
export async function load(url, context, next) {
  if (url.startsWith("signed-lambda-provided:")) {
    const names = url.split("?")[1].split(",").filter(Boolean);
    const source = `${STUB} export default s; ${names.map((n) => `export const ${n} = s;`).join(" ")}`;
    return { format: "module", source, shortCircuit: true };
  }
  return next(url, context);
}
"""

_NODE_CHECK = r"""
const Module = require("node:module");
const { pathToFileURL } = require("node:url");
const [file, functionName, hooks] = process.argv.slice(1);
const PROVIDED = /^(@aws-sdk\/|@smithy\/)/;
const stub = new Proxy(function () {}, { get: (t, p) => (p === "then" ? undefined : stub), apply: () => stub, construct: () => stub });
const load = Module._load;
Module._load = function (request, ...rest) {
  try {
    return load.call(this, request, ...rest);
  } catch (error) {
    if (PROVIDED.test(request) && error.code === "MODULE_NOT_FOUND") return stub;
    throw error;
  }
};
if (Module.register) Module.register("data:text/javascript," + encodeURIComponent(hooks));
const report = (value) => process.stdout.write(JSON.stringify(value) + "\n");
import(pathToFileURL(file).href).then(
  (module) => {
    const handler = module[functionName] ?? (module.default && module.default[functionName]);
    report({ handler: typeof handler === "function" });
  },
  (error) => {
    if (error && (error.code === "ERR_MODULE_NOT_FOUND" || error.code === "MODULE_NOT_FOUND")) {
      const name = /(?:Cannot find (?:module|package) )'([^']+)'/.exec(error.message);
      report({ missing: name ? name[1] : error.message, message: String(error.message).split("\n")[0] });
    } else {
      report({ raised: `${error && error.name}: ${error && String(error.message).split("\n")[0]}` });
    }
  },
);
"""


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
            probe = "import platform, sys; print(f'{sys.version_info[0]}.{sys.version_info[1]} {platform.machine()}')"
            if _probe([candidate, "-I", "-S", "-c", probe]) == wanted:
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
                "-c",
                _PYTHON_CHECK,
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
            command = [interpreter, "-e", _NODE_CHECK, str(file), function, _NODE_HOOKS]
        try:
            result = subprocess.run(
                command,
                cwd=task,
                env=env,
                capture_output=True,
                text=True,
                timeout=SMOKE_TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL,
            )
        except subprocess.TimeoutExpired:
            return SmokeResult(False, f"importing the handler took over {SMOKE_TIMEOUT_SECONDS} s")
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
