#!/usr/bin/env bash
# Installs the real servers the tests start themselves (into $1, default $GOPATH/bin), once.
# Everything comes from the Go module proxy or Debian's packages.
set -euo pipefail
dir=${1:-$(go env GOPATH)/bin}
mkdir -p "$dir"
if [ ! -x "$dir/versitygw" ]; then
  echo "installing versitygw (S3 server for the S3 conformance tests)"
  GOFLAGS= GOBIN="$dir" go install github.com/versity/versitygw/cmd/versitygw@v1.8.0
fi
if [ ! -x "$dir/nats-server" ]; then
  echo "installing nats-server (NATS cluster for the cluster tests)"
  GOFLAGS= GOBIN="$dir" go install github.com/nats-io/nats-server/v2@v2.15.2
fi
if ! command -v chromium >/dev/null; then
  echo "installing chromium (web UI tests)"
  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
