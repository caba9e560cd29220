#!/usr/bin/env bash
# `scripts/quiet.sh LOG STEP COMMAND...`: run COMMAND, quietly when no one watches.
#
# On a terminal (stderr is a TTY) the command runs as it is: spinners, colours, the whole plan.
# Off one (CI, a pipe, a file) its whole output is appended to LOG and only progress reaches
# stderr: one line naming the STEP and the log, Terraform's plan and apply summaries, errors
# and the outputs file, each once. When the command fails, the last lines of LOG follow, unless
# our own app stopped it with its one-line errors (`error: config ...`, printed once): then those
# are the whole story, and the exit code is the app's (2, as `make validate`), not cdktf's 1.
# Otherwise the exit code is the command's. SIGNED_LAMBDA_VERBOSE=1 prints everything anywhere.
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
start=$(wc -l <"$log")
echo "$step: full log in $log" >&2
# ANSI codes, indentation and cdktf's log prefix ("[time] [ERROR] default - ") off; each line once
# (cdktf repeats the app's stderr in its own error summary, and adds "Error: non-zero exit code").
clean='s/\x1b\[[0-9;?]*[A-Za-z]//g; s/^[[:space:]]+//; s/^\[[^]]*\] \[[A-Z]+\] [a-z]+ - //'
"$@" 2>&1 | tee -a "$log" | sed -u -E "$clean" |
  { grep -aE --line-buffered "$progress" || true; } | awk '/^Error: +non-zero exit code/ { next } !seen[$0]++ { print; fflush() }' >&2
status=${PIPESTATUS[0]}
if [[ $status != 0 ]]; then
  if tail -n "+$((start + 1))" "$log" | sed -E "$clean" | grep -aqE '^error: config '; then
    echo "error: $step stopped on the config errors above (full log in $log)" >&2
    exit 2
  fi
  echo "error: $step failed (exit $status); the last lines of $log:" >&2
  tail -n 25 "$log" | sed -E 's/\x1b\[[0-9;?]*[A-Za-z]//g' >&2
fi
exit "$status"
