#!/usr/bin/env bash
# `scripts/quiet.sh LOG STEP COMMAND...`: run COMMAND, quietly when no one watches.
#
# On a terminal (stderr is a TTY) the command runs as it is: spinners, colours, the whole plan.
# Off one (CI, a pipe, a file) its whole output is appended to LOG and only progress reaches
# stderr: one line naming the STEP and the log, Terraform's plan and apply summaries, errors
# and the outputs file. When the command fails, the last lines of LOG follow. The exit code is
# the command's. SIGNED_LAMBDA_VERBOSE=1 prints everything anywhere.
set -uo pipefail

log=$1
step=$2
shift 2
if [[ -t 2 || -n "${SIGNED_LAMBDA_VERBOSE:-}" ]]; then
  exec "$@"
fi

# Terraform's summaries as cdktf prints them ("<stack>  Plan: 3 to add, ..."), its errors, and
# the outputs file; ANSI codes and cdktf's spinner frames never match.
progress='Plan: [0-9]+ to |Apply complete!|Destroy complete!|No changes\.|Error: |error: |outputs have been written'
mkdir -p "$(dirname "$log")"
printf '$ %s\n' "$*" >>"$log"
echo "$step: full log in $log" >&2
"$@" 2>&1 | tee -a "$log" | sed -u -E 's/\x1b\[[0-9;?]*[A-Za-z]//g; s/^[[:space:]]+//' |
  { grep -aE --line-buffered "$progress" || true; } >&2
status=${PIPESTATUS[0]}
if [[ $status != 0 ]]; then
  echo "error: $step failed (exit $status); the last lines of $log:" >&2
  tail -n 25 "$log" | sed -E 's/\x1b\[[0-9;?]*[A-Za-z]//g' >&2
fi
exit "$status"
