"""scripts/quiet.sh, which keeps `make deploy`, `make synth` and `make destroy` quiet off a
terminal: progress lines on stderr, everything in the log, the command's exit code."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import REPO_ROOT

QUIET = str(REPO_ROOT / "scripts" / "quiet.sh")
#: What `cdktf deploy` prints, spinners and colours included (shortened).
NOISY = r"""
printf '\033[2K\033[1A\xe2\xa0\x8b  Synthesizing\n'
printf 'stack  \033[1mInitializing the backend...\033[0m\n'
printf 'stack  Plan: 3 to add, 0 to change, 0 to destroy.\n'
printf '  stack  Apply complete! Resources: 3 added, 0 changed, 0 destroyed.\n'
printf 'The outputs have been written to out.json\n'
exit "${1:-0}"
"""


def run(
    tmp_path: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [
            QUIET,
            str(tmp_path / "logs" / "step.log"),
            "cdktf deploy",
            "bash",
            "-c",
            NOISY,
            "-",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin", **(env or {})},
    )


def test_off_a_terminal_only_progress_reaches_stderr(tmp_path: Path) -> None:
    result = run(tmp_path)
    assert result.returncode == 0
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f"cdktf deploy: full log in {tmp_path}/logs/step.log",
        "stack  Plan: 3 to add, 0 to change, 0 to destroy.",
        "stack  Apply complete! Resources: 3 added, 0 changed, 0 destroyed.",
        "The outputs have been written to out.json",
    ]
    log = (tmp_path / "logs" / "step.log").read_text()
    assert "Initializing the backend" in log and "Synthesizing" in log  # everything, as printed


def test_a_failure_shows_the_end_of_the_log_and_keeps_the_exit_code(tmp_path: Path) -> None:
    result = run(tmp_path, "3")
    assert result.returncode == 3
    lines = result.stderr.splitlines()
    assert (
        f"error: cdktf deploy failed (exit 3); the last lines of {tmp_path}/logs/step.log:" in lines
    )
    assert "stack  Initializing the backend..." in lines  # from the tail, without ANSI codes
    assert "\x1b[" not in result.stderr


def test_verbose_prints_everything(tmp_path: Path) -> None:
    result = run(tmp_path, env={"SIGNED_LAMBDA_VERBOSE": "1"})
    assert result.returncode == 0
    assert "Initializing the backend" in result.stdout
    assert not (tmp_path / "logs").exists()


#: How `cdktf synth` reports our app stopping on a config error: the app's line with cdktf's
#: log prefix, cdktf's own summary repeating it, spinner frames, and cdktf's exit code 1.
CDKTF_CONFIG_ERROR = r"""
printf '[2026-12-02T06:40:10.162] [ERROR] default - error: config functions[bad].source_dir: '
printf 'no --hash\n'
printf 'Error:         non-zero exit code 2\n'
printf '\xe2\xa0\x8b  Synthesizing\nERROR: cdktf encountered an error while synthesizing\n'
printf 'Command output on stderr:\n\n    error: config functions[bad].source_dir: no --hash\n'
exit 1
"""


def test_our_config_errors_are_shown_once_with_exit_2_and_no_wrapper(tmp_path: Path) -> None:
    log = tmp_path / "logs" / "step.log"
    log.parent.mkdir()
    log.write_text("error: config from an earlier step is not this run's\n")
    result = subprocess.run(
        [QUIET, str(log), "cdktf synth", "bash", "-c", CDKTF_CONFIG_ERROR],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        f"cdktf synth: full log in {log}",
        "error: config functions[bad].source_dir: no --hash",
        f"error: cdktf synth stopped on the config errors above (full log in {log})",
    ]
    assert "ERROR: cdktf encountered" in log.read_text()  # the log keeps everything


def test_a_failure_without_our_errors_keeps_the_command_s_exit_code(tmp_path: Path) -> None:
    log = tmp_path / "step.log"
    log.write_text("error: config from an earlier step is not this run's\n")
    result = subprocess.run(
        [QUIET, str(log), "cdktf deploy", "bash", "-c", "echo 'Error: creating bucket'; exit 1"],
        capture_output=True,
        text=True,
        timeout=60,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert result.returncode == 1
    assert "Error: creating bucket" in result.stderr.splitlines()
    assert f"error: cdktf deploy failed (exit 1); the last lines of {log}:" in result.stderr
