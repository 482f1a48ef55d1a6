#!/usr/bin/env bash
# Regenerates the committed *.pb.go files (make proto). Needs protoc (apt: protobuf-compiler);
# the Go plugins are pinned as tools in proto/go.mod.
set -euo pipefail
cd "$(dirname "$0")"
gen=$(go tool -n protoc-gen-go)
grpcgen=$(go tool -n protoc-gen-go-grpc)
for f in $(find . -name '*.proto' | sort); do
  protoc -I . --plugin=protoc-gen-go="$gen" --plugin=protoc-gen-go-grpc="$grpcgen" \
    --go_out=. --go_opt=paths=source_relative \
    --go-grpc_out=. --go-grpc_opt=paths=source_relative "$f"
done
