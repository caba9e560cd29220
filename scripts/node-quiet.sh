#!/usr/bin/env bash
# `scripts/node-quiet.sh ARGS...`: Node without deprecation warnings, for the CDK CLI and for
# jsii's runtime (scripts/cdk-cli.sh runs the CLI with it and points JSII_NODE at it).
#
# cdktf's code calls util.isArray, deprecated in Node 22: one warning per Node process. The
# flag is given here, per process, rather than in NODE_OPTIONS: that reached every Node the
# CLI starts, and the cdktf CLI warned about a NODE_OPTIONS without --max-old-space-size.
exec node --no-deprecation "$@"
