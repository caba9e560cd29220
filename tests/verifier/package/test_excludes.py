"""``exclude`` patterns: gitignore's syntax, the defaults, and bad patterns."""

from __future__ import annotations

import pytest

from verifier.package import DEFAULT_EXCLUDES, PackageError, effective_excludes
from verifier.package.excludes import Excludes


@pytest.mark.parametrize(
    ("pattern", "excluded", "kept"),
    [
        ("tests/", ["tests/t.py", "lib/tests/t.py"], ["tests", "tests.py", "contests/t.py"]),
        ("/tests/", ["tests/t.py"], ["lib/tests/t.py"]),
        ("*.md", ["README.md", "docs/a/b.md"], ["md", "a.mdx"]),
        ("docs/**", ["docs/a", "docs/a/b/c.txt"], ["lib/docs/a"]),
        ("**/fixtures/*.json", ["fixtures/a.json", "a/b/fixtures/c.json"], ["fixtures/a/b.json"]),
        ("a/**/b.txt", ["a/b.txt", "a/x/y/b.txt"], ["x/a/b.txt"]),
        ("data?.csv", ["data1.csv", "x/dataZ.csv"], ["data10.csv", "data/.csv"]),
        ("[ab].py", ["a.py", "x/b.py"], ["c.py"]),
        ("bin/tool", ["bin/tool"], ["x/bin/tool"]),
    ],
)
def test_patterns_follow_gitignore(pattern: str, excluded: list[str], kept: list[str]) -> None:
    rules = Excludes([pattern])
    assert [p for p in excluded if not rules.excludes_file(p)] == []
    assert [p for p in kept if rules.excludes_file(p)] == []


def test_a_directory_pattern_never_matches_a_file_of_that_name() -> None:
    rules = Excludes(["build/"])
    assert rules.excluded("build", is_dir=True)
    assert not rules.excluded("build", is_dir=False)


@pytest.mark.parametrize(
    "path",
    [
        ".git/config",
        "sub/.hg/store",
        ".gitignore",
        "__pycache__/handler.cpython-312.pyc",
        "lib/stale.pyc",
        ".pytest_cache/v/x",
        ".venv/bin/python",
        ".env",
        ".env.production",
        "config/.envrc",
        ".npmrc",
        ".pypirc",
        ".DS_Store",
        ".idea/workspace.xml",
        "node_modules/.cache/babel/x.json",
    ],
)
def test_defaults_leave_out_vcs_caches_bytecode_and_secrets(path: str) -> None:
    assert Excludes(DEFAULT_EXCLUDES).excludes_file(path)


@pytest.mark.parametrize(
    "path",
    ["handler.py", "requirements.txt", "package.json", "environment.py", "bootstrap", "lib/env.js"],
)
def test_defaults_keep_the_program(path: str) -> None:
    assert not Excludes(DEFAULT_EXCLUDES).excludes_file(path)


def test_user_patterns_follow_the_defaults_once_each() -> None:
    patterns = effective_excludes(["tests/", ".env*", "tests/"])
    assert patterns == (*DEFAULT_EXCLUDES, "tests/")


@pytest.mark.parametrize(
    ("pattern", "message"),
    [
        ("!keep.py", "negation is not supported"),
        ("", "would leave out everything or nothing"),
        ("/", "would leave out everything or nothing"),
        ("**", "would leave out everything or nothing"),
    ],
)
def test_bad_patterns_are_refused(pattern: str, message: str) -> None:
    with pytest.raises(PackageError, match=message):
        effective_excludes([pattern])
