"""Runs ONNX's own checker on the models convkit exported (tools/onnx/runtime-parity.ts calls it).

    /usr/bin/python3 tools/onnx/check_models.py DIR

Checks every DIR/*.onnx whose opset the installed onnx package knows with
onnx.checker.check_model(full_check=True): the operator schemas, and strict shape inference, which
fails where a declared shape differs from the inferred one. A pool in ceil mode whose last window
would start in the padding is reported skipped on onnx before 1.16, whose shape inference kept that
window (fixed in onnx#5741 for every opset, as PyTorch and onnxruntime compute it). Prints one JSON object per line:
{"file", "status": "ok" | "failed" | "skipped", "message"}. Exit status 2 where the onnx package is
missing (Debian: python3-onnx).
"""
import json
import os
import sys

try:
    import onnx
    import onnx.checker
    import onnx.shape_inference
except ImportError:
    print("the onnx package is missing (Debian: apt-get install python3-onnx)", file=sys.stderr)
    sys.exit(2)


def check(path):
    model = onnx.load(path)
    opset = max(o.version for o in model.opset_import if o.domain in ("", "ai.onnx"))
    if opset > onnx.defs.onnx_opset_version():
        return "skipped", f"opset {opset} is newer than onnx {onnx.__version__} knows"
    # full_check adds strict shape inference, which also fails where the declared output shape differs
    try:
        onnx.checker.check_model(model, full_check=True)
    except onnx.shape_inference.InferenceError as e:
        if predates_ceil_fix(model, str(e)):
            return "skipped", f"onnx {onnx.__version__} predates onnx#5741 (1.16): {e}"[:300]
        raise
    return "ok", ""


def predates_ceil_fix(model, message):
    """Whether the error is the one onnx before 1.16 made on every opset: ceil_mode pools kept a last window
    that starts in the end padding, where PyTorch, onnxruntime and onnx since 1.16 drop it."""
    version = tuple(int(x) for x in onnx.__version__.split(".")[:2])
    ceil_pools = [n.op_type for n in model.graph.node if n.op_type in ("MaxPool", "AveragePool")
                  and any(a.name == "ceil_mode" and a.i == 1 for a in n.attribute)]
    return version < (1, 16) and any(f"op_type:{op}" in message for op in ceil_pools)


def main():
    folder = sys.argv[1]
    for name in sorted(os.listdir(folder)):
        if not name.endswith(".onnx"):
            continue
        try:
            status, message = check(os.path.join(folder, name))
        except Exception as e:  # the checker's own exceptions, reported per file
            status, message = "failed", f"{type(e).__name__}: {e}"[:500]
        print(json.dumps({"file": name, "status": status, "message": message}))


if __name__ == "__main__":
    main()
