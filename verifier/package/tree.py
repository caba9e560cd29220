"""The files of a directory as they go into a package: excludes applied, symlinks resolved.

- A symlink whose target stays inside the root is stored as the target's contents under the
  link's own path (a linked directory too, as in pnpm's ``node_modules``), so the package
  never depends on how links resolve elsewhere.
- A symlink that leaves the root, dangles, or loops back into its own parent is refused,
  naming it: the package would otherwise depend on the machine that built it.
- Sockets, FIFOs and devices are refused. Empty directories are not stored.
- Each file keeps one bit of its mode: executable (any ``x`` bit) or not.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from verifier.package.errors import PackageError
from verifier.package.excludes import Excludes


@dataclass(frozen=True)
class TreeFile:
    #: POSIX path inside the package.
    name: str
    #: Where the bytes are read from (a symlink's path resolves to its target's bytes).
    path: Path
    executable: bool


def _display(root_label: str, relative: str) -> str:
    return f"{root_label.rstrip('/')}/{relative}"


def walk(
    root: Path,
    excludes: Excludes,
    *,
    label: str,
    prefix: str = "",
    skip: frozenset[str] = frozenset(),
) -> list[TreeFile]:
    """Every file under ``root`` to package, named ``prefix + relative path``.

    ``label`` names the root in errors (``functions/web``). ``skip`` holds top-level names
    that the build replaces (a source's own ``node_modules`` when a lock is installed).
    Excludes are matched against the name in the package (with ``prefix``)."""
    root_real = Path(os.path.realpath(root))
    if not root_real.is_dir():
        raise PackageError(f"{label} is not a directory")
    files: list[TreeFile] = []

    def visit(directory: Path, relative: str, ancestors: frozenset[str]) -> None:
        try:
            entries = sorted(os.scandir(directory), key=lambda entry: entry.name)
        except OSError as error:
            raise PackageError(
                f"cannot read {_display(label, relative or '.')}: {error.strerror}"
            ) from None
        for entry in entries:
            child = f"{relative}/{entry.name}" if relative else entry.name
            if not relative and entry.name in skip:
                continue
            name = prefix + child
            shown = _display(label, child)
            try:
                entry.name.encode("utf-8", "strict")
            except UnicodeError:
                raise PackageError(f"{shown}: the name is not valid UTF-8 text") from None
            if entry.is_symlink():
                target = os.path.realpath(entry.path)
                is_dir = os.path.isdir(target)
                if excludes.excluded(name, is_dir=is_dir):
                    continue
                if not os.path.exists(target):
                    raise PackageError(
                        f"{shown} is a symlink to {os.readlink(entry.path)}, which does not "
                        "exist: remove the link or restore its target"
                    )
                if not Path(target).is_relative_to(root_real):
                    raise PackageError(
                        f"{shown} is a symlink to {target}, outside {label}: a package must "
                        "not depend on files elsewhere on the build machine; copy the file "
                        "into the source, or remove the link"
                    )
            mode = os.stat(entry.path).st_mode
            if stat.S_ISDIR(mode):
                if excludes.excluded(name, is_dir=True):
                    continue
                real = os.path.realpath(entry.path)
                if real in ancestors:
                    raise PackageError(
                        f"{shown} is a symlink to {Path(real).relative_to(root_real) or '.'}, "
                        "one of its own parent directories: the package would never end; "
                        "remove the link"
                    )
                visit(Path(entry.path), child, ancestors | {real})
            elif stat.S_ISREG(mode):
                if excludes.excluded(name, is_dir=False):
                    continue
                files.append(TreeFile(name, Path(entry.path), bool(mode & 0o111)))
            else:
                raise PackageError(f"{shown} is not a regular file (a socket, FIFO or device)")

    visit(root_real, "", frozenset({str(root_real)}))
    return files


def iter_files(root: Path) -> Iterator[Path]:
    """Every regular file under ``root`` (no links followed): for normalizing installs."""
    for directory, _dirs, names in os.walk(root):
        for name in names:
            path = Path(directory) / name
            if path.is_file() and not path.is_symlink():
                yield path
