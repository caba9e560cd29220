"""``exclude`` patterns: gitignore's glob syntax, matched against paths in the package.

- ``name`` (no ``/``): that file or directory name at any depth (``*.pyc``, ``.env*``);
- ``dir/``: a directory (and everything under it), never a file of that name;
- ``a/b``, ``/a``: anchored at the package root (a ``/`` anywhere but at the end anchors);
- ``*`` and ``?`` stop at ``/``; ``**`` spans directories (``**/fixtures/``, ``docs/**``);
- ``[abc]`` character classes. There is no ``!`` negation: list what to leave out.

Patterns apply to the whole package: the source, and the dependencies pip or npm installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from verifier.package.errors import PackageError

#: Left out of every package unless the build needs them. The README lists them.
DEFAULT_EXCLUDES: tuple[str, ...] = (
    # version control
    ".git/",
    ".hg/",
    ".svn/",
    ".bzr/",
    ".gitignore",
    ".gitattributes",
    ".gitmodules",
    # caches, bytecode, local environments
    "__pycache__/",
    "*.pyc",
    "*.pyo",
    ".pytest_cache/",
    ".mypy_cache/",
    ".ruff_cache/",
    ".tox/",
    ".nox/",
    ".cache/",
    ".venv/",
    # files that hold secrets
    ".env*",
    ".npmrc",
    ".pypirc",
    # editors and operating systems
    ".idea/",
    ".vscode/",
    ".DS_Store",
    "*.swp",
)


def _translate(glob: str) -> str:
    """A glob body (no anchoring) as a regular expression."""
    out, index = [], 0
    while index < len(glob):
        char = glob[index]
        if glob.startswith("**/", index):
            out.append("(?:.*/)?")
            index += 3
            continue
        if glob.startswith("**", index):
            out.append(".*")
            index += 2
            continue
        if char == "*":
            out.append("[^/]*")
        elif char == "?":
            out.append("[^/]")
        elif char == "[":
            end = glob.find("]", index + 1)
            if end == -1:
                out.append(re.escape(char))
            else:
                body = glob[index + 1 : end]
                if body.startswith("!"):
                    body = "^" + body[1:]
                out.append(f"[{body}]")
                index = end
        else:
            out.append(re.escape(char))
        index += 1
    return "".join(out)


@dataclass(frozen=True)
class _Pattern:
    text: str
    regex: re.Pattern[str]
    directories_only: bool


def _compile(pattern: str) -> _Pattern:
    text = pattern.strip()
    if not text or text in {"/", "**"}:
        raise PackageError(f"exclude pattern {pattern!r} would leave out everything or nothing")
    if text.startswith("!"):
        raise PackageError(
            f"exclude pattern {pattern!r}: negation is not supported; list what to leave out"
        )
    directories_only = text.endswith("/")
    body = text.rstrip("/")
    anchored = "/" in body
    body = body.lstrip("/")
    prefix = "" if anchored else "(?:.*/)?"
    return _Pattern(pattern, re.compile(f"^{prefix}{_translate(body)}$"), directories_only)


class Excludes:
    """A compiled set of patterns; ``excluded(path, is_dir)`` for paths relative to the root."""

    def __init__(self, patterns: Iterable[str]) -> None:
        self.patterns = tuple(patterns)
        self._compiled = tuple(_compile(pattern) for pattern in self.patterns)

    def excluded(self, path: str, *, is_dir: bool) -> bool:
        return any(
            pattern.regex.match(path) and (is_dir or not pattern.directories_only)
            for pattern in self._compiled
        )

    def excludes_file(self, path: str) -> bool:
        """A file is left out if a pattern matches it or any directory above it."""
        parts = path.split("/")
        for depth in range(1, len(parts)):
            if self.excluded("/".join(parts[:depth]), is_dir=True):
                return True
        return self.excluded(path, is_dir=False)


def effective_excludes(user_patterns: Iterable[str]) -> tuple[str, ...]:
    """The defaults followed by the user's patterns (duplicates dropped), each one checked."""
    patterns = tuple(dict.fromkeys((*DEFAULT_EXCLUDES, *user_patterns)))
    Excludes(patterns)
    return patterns
