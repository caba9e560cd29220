"""Where the builder finds pip, npm and Node, and how it runs them.

pip runs as ``sys.executable -m pip``: the interpreter running the stack or the verifier, so a
plain verifier install (which has pip) can rebuild Python packages. npm comes from ``PATH``,
with the project's own Node (``node_modules/.bin/node``, the Node 22 ``make install`` puts
there) first on it, so npm and any install script run on that Node. The user's pip and npm
configuration (``PIP_INDEX_URL``, ``pip.conf``, ``.npmrc``, a registry mirror) applies as
usual: every dependency is pinned by hash, so where it comes from cannot change the bytes.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from verifier.package.errors import BuildUnavailable, ToolMissing

#: The default pip: this interpreter's.
DEFAULT_PIP = (sys.executable, "-m", "pip")
#: A build step that runs longer than this is stopped (a hung index, a stuck script).
TOOL_TIMEOUT_SECONDS = 1800


@dataclass(frozen=True)
class Toolchain:
    """The tools one build uses. Tests replace one to prove a cached build never runs it."""

    pip: tuple[str, ...] = DEFAULT_PIP
    #: A checkout whose ``node_modules/.bin`` (the project's Node) goes first on PATH.
    project_root: Path | None = None
    #: The PATH to search; None: this process's PATH.
    search_path: str | None = None

    def path(self) -> str:
        base = os.environ.get("PATH", os.defpath) if self.search_path is None else self.search_path
        local = self.project_root / "node_modules" / ".bin" if self.project_root else None
        if local is not None and (local / "node").is_file():
            return os.pathsep.join([str(local), base])
        return base

    def environment(self) -> dict[str, str]:
        return {**os.environ, "PATH": self.path()}

    def pip_command(self, what: str) -> list[str]:
        """pip, or ToolMissing naming what needed it."""
        if self.pip == DEFAULT_PIP:
            if importlib.util.find_spec("pip") is None:
                raise ToolMissing(
                    f"pip is not installed in {sys.executable} (needed to install {what}): "
                    f"run `{sys.executable} -m ensurepip`, or install pip into this environment"
                )
        elif shutil.which(self.pip[0], path=self.path()) is None:
            raise ToolMissing(f"{self.pip[0]} is not available (needed to install {what})")
        return list(self.pip)

    def npm_command(self, what: str) -> list[str]:
        found = shutil.which("npm", path=self.path())
        if found is None:
            raise ToolMissing(
                f"npm is not on PATH (needed to install {what}): install Node.js with npm, "
                "or run `make install` in the checkout for its project-local Node"
            )
        return [found]

    def node_candidates(self) -> list[str]:
        """Every ``node`` on the search path, the project's first (for the smoke check)."""
        return _all_on_path("node", self.path())

    def python_candidates(self, version: str) -> list[str]:
        return _all_on_path(f"python{version}", self.path())


def _all_on_path(name: str, path: str) -> list[str]:
    found: list[str] = []
    for directory in path.split(os.pathsep):
        candidate = shutil.which(name, path=directory) if directory else None
        if candidate and os.path.realpath(candidate) not in map(os.path.realpath, found):
            found.append(candidate)
    return found


def run(
    command: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    what: str,
    timeout: int = TOOL_TIMEOUT_SECONDS,
) -> subprocess.CompletedProcess[str]:
    """Run a build tool, capturing its output; a tool that cannot start is ToolMissing, one
    that runs past ``timeout`` BuildUnavailable."""
    try:
        return subprocess.run(
            command,
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )
    except FileNotFoundError:
        raise ToolMissing(f"{command[0]} is not available (needed to {what})") from None
    except subprocess.TimeoutExpired:
        raise BuildUnavailable(
            f"{Path(command[0]).name} did not finish within {timeout} s (while trying to {what})"
        ) from None


def last_error_line(output: str) -> str:
    """The most telling line of a tool's output: its last ``error``/``ERROR`` line, else the
    last non-empty one."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    errors = [line for line in lines if "error" in line.lower()]
    return (errors or lines or ["(no output)"])[-1]
