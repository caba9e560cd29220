#!/usr/bin/env bash
# make demo: the whole signed-deployment flow, offline, against a throwaway local AWS.
#   1. install, start the local AWS        2. real `cdktf deploy`
#   3. an unsigned deploy is rejected      4. the verifier's report
#   5. the local AWS stops (also on failure)   6. exit with the verifier's code
set -uo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
STATE_DIR=.local-aws/demo
# LOCAL_AWS_PORT as for `make local`; the demo's own default keeps clear of a running one (4566).
PORT="${LOCAL_AWS_PORT:-4570}"
OUTPUTS=build/demo-outputs.json
LOCK=build/demo.lock.json
DEPLOY_LOG=build/demo-deploy.log
export SIGNED_LAMBDA_CONFIG=demo/config.json
STACK=signed-lambda-demo
# The demo's one dependency (functions/table: tabulate, hash-pinned) comes from the wheelhouse in
# the repository, offline, for the demo only: synth installs it, `verify --source` rebuilds it.
export PIP_NO_INDEX=1 PIP_FIND_LINKS="$PWD/demo/wheelhouse"

# Bold step headers on a terminal only: a log keeps no ANSI codes.
if [ -t 2 ]; then
  step() { printf '\n\033[1m==> %s\033[0m\n' "$*" >&2; }
else
  step() { printf '\n==> %s\n' "$*" >&2; }
fi

step "1/5 install and start the local AWS"
make install-demo >&2 || exit 2
mkdir -p "$STATE_DIR" build
exports=$($PY -m localaws start --port "$PORT" --pid-file "$STATE_DIR/server.pid" \
  --log-file "$STATE_DIR/server.log") || { echo "error: the local AWS did not start; see $STATE_DIR/server.log" >&2; exit 3; }
stop_local() { $PY -m localaws stop --pid-file "$STATE_DIR/server.pid" >&2 || true; }
trap stop_local EXIT
eval "$exports"
export AWS_ACCESS_KEY_ID=demo AWS_SECRET_ACCESS_KEY=demo AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
unset AWS_PROFILE AWS_SESSION_TOKEN
echo "local AWS at $AWS_ENDPOINT_URL" >&2
# The demo's state belongs to this throwaway local AWS only; the real stack's state is untouched.
rm -f "terraform.$STACK.tfstate" "terraform.$STACK.tfstate.backup"

step "2/5 cdktf deploy (package, upload, sign, code signing config, deploy), then the lock"
# A plain `make deploy`: off a terminal (CI, a pipe) it prints progress lines and Terraform's
# summary, and the full log, plan included, goes to $DEPLOY_LOG (scripts/quiet.sh).
make deploy STACK="$STACK" OUTPUTS="$OUTPUTS" CDKTF_OUT=build/demo.out LOCK="$LOCK" \
  LOG="$DEPLOY_LOG" >&2 || { echo "error: cdktf deploy failed" >&2; exit 3; }

step "3/5 an unsigned package is rejected by the Enforce code signing config"
$PY scripts/demo_unsigned.py "$OUTPUTS" "$STACK" >&2 || exit 3

step "4/5 verify: does each function run exactly the signed object, built from this source?"
$PY -m verifier verify --outputs "$OUTPUTS" --stack "$STACK" --lock "$LOCK" --source . --verbose
code=$?

step "5/5 stop the local AWS (verifier exit code: $code)"
exit "$code"
