#!/usr/bin/env bash
# Regenerates test/support/onnx_pb.ts, the onnx.proto schema the ONNX tests decode exported models with
# (@bufbuild/protobuf), from tools/onnx/onnx.proto: ONNX's own file (onnx/onnx.proto of ONNX 1.23.0,
# Apache-2.0), copied unchanged. Not needed to build or test; run it after replacing onnx.proto.
#   bash tools/onnx/generate-proto.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/proto/onnx"
cp tools/onnx/onnx.proto "$work/proto/onnx/onnx.proto"
cat > "$work/buf.gen.yaml" <<'YAML'
version: v2
plugins:
  - local: protoc-gen-es
    out: gen
    opt: [target=ts, import_extension=js]
YAML
(cd "$work" && npm init -y >/dev/null && npm install --silent --no-audit --no-fund @bufbuild/buf@1.75.0 @bufbuild/protoc-gen-es@2.17.0 \
  && PATH="$work/node_modules/.bin:$PATH" npx buf generate proto)
cp "$work/gen/onnx/onnx_pb.ts" test/support/onnx_pb.ts
