"""Shared helpers for writing convkit case files from PyTorch results.

A *case file* is a JSON manifest plus one little-endian float32 blob (the
format is documented in test/fixtures/README.md).  This module knows how to

* translate a case written in convkit's JavaScript argument forms (numbers,
  ``[h, w]`` pairs, ``'same'`` / ``'valid'``, camelCase option names) into the
  equivalent PyTorch call,
* run that call and record either torch's output tensor or the exception
  torch raised (with the stage that raised it, for modules),
* for gradient cases, backpropagate a random gradOutput through the call and
  record every leaf's gradient (the ``backward`` field), or call
  torch.nn.grad.conv2d_input / conv2d_weight,
* store the tensors in the blob and write the manifest.

It is imported by make_fixtures.py / make_grad_fixtures.py (committed fixtures)
and random_cases.py / random_grad_cases.py (the live random suite); it is not meant to be run directly.
Run those scripts with Debian's PyTorch: ``/usr/bin/python3 tools/torch/...``.
"""

import argparse
import json
import os
import sys
import warnings
import zlib

FORMAT = "convkit-torch-cases"
FORMAT_VERSION = 1
MAX_MESSAGE_CHARS = 300

# What a case expects of torch (see CaseWriter._add).
OK, ERROR, DROP_UNLESS_ERROR = "ok", "error", "drop-unless-error"


# Set before torch loads, so that the files are reproducible byte for byte:
# - PYTHONHASHSEED: some torch error messages print Python sets (e.g. the allowed padding modes),
#   whose order depends on string hashing;
# - OPENBLAS_NUM_THREADS: where Debian's BLAS is OpenBLAS, torch's BLAS calls round differently
#   with its thread count (a 24-channel 3x3 stride-2 layer's weight gradient did on 2 cores).
STABLE_ENVIRONMENT = {"PYTHONHASHSEED": "0", "OPENBLAS_NUM_THREADS": "1"}


def ensure_stable_environment():
    """Re-run the current script with STABLE_ENVIRONMENT unless it already has it."""
    if any(os.environ.get(key) != value for key, value in STABLE_ENVIRONMENT.items()):
        os.environ.update(STABLE_ENVIRONMENT)
        os.execv(sys.executable, [sys.executable] + sys.argv)


def import_torch():
    """Import torch or exit with status 3 and a clear message."""
    try:
        import torch  # noqa: F401
        import numpy  # noqa: F401
    except Exception as exc:  # ImportError, or a broken installation
        sys.stderr.write(
            f"error: PyTorch (with numpy) is not importable by {sys.executable}: {exc}\n"
            "Install Debian's python3-torch or point CONVKIT_TORCH_PYTHON at a python with torch.\n"
        )
        sys.exit(3)
    warnings.filterwarnings("ignore")
    torch.set_num_threads(1)  # small tensors: threads only add noise
    return torch


ensure_stable_environment()
torch = import_torch()
nn = torch.nn
F = torch.nn.functional


# ---------------------------------------------------------------------------
# The tutorial's depthwise-separable module (the reference for convkit's
# DepthwiseSeparableConv2d).  stride/dilation/bias are extensions that apply
# to the depthwise convolution (bias to both convolutions), with defaults that
# give exactly the tutorial's module.
# ---------------------------------------------------------------------------


class DepthwiseSeparableConv(nn.Module):
    def __init__(self, in_channels, out_channels, kernel_size=3, padding=1,
                 stride=1, dilation=1, bias=True):
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, kernel_size,
                                   stride=stride, padding=padding, dilation=dilation,
                                   groups=in_channels, bias=bias)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=bias)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


# ---------------------------------------------------------------------------
# JS argument forms -> torch arguments
# ---------------------------------------------------------------------------


def to_torch_arg(value):
    """A JS option value as torch wants it: arrays become tuples."""
    if isinstance(value, list):
        return tuple(value)
    return value


def conv2d_kwargs(options):
    """conv2d(..., options) -> keyword arguments of F.conv2d."""
    return {key: to_torch_arg(value) for key, value in options.items()}


MODULE_OPTION_NAMES = {
    "stride": "stride",
    "padding": "padding",
    "dilation": "dilation",
    "groups": "groups",
    "bias": "bias",
    "paddingMode": "padding_mode",
}


def module_kwargs(options):
    """Conv2d / DepthwiseSeparableConv2d options -> torch keyword arguments."""
    unknown = set(options) - set(MODULE_OPTION_NAMES)
    if unknown:
        raise ValueError(f"harness: unknown module options {sorted(unknown)}")
    return {MODULE_OPTION_NAMES[key]: to_torch_arg(value) for key, value in options.items()}


def build_module(spec):
    """Build the torch module described by a module spec (see README)."""
    kind = spec["type"]
    options = module_kwargs(spec.get("options", {}))
    if kind == "Conv2d":
        return nn.Conv2d(spec["inChannels"], spec["outChannels"],
                         to_torch_arg(spec["kernelSize"]), **options)
    if kind == "DepthwiseSeparableConv2d":
        return DepthwiseSeparableConv(spec["inChannels"], spec["outChannels"],
                                      to_torch_arg(spec.get("kernelSize", 3)), **options)
    if kind == "ReLU":
        return nn.ReLU()
    if kind == "Sequential":
        return nn.Sequential(*[build_module(child) for child in spec["modules"]])
    raise ValueError(f"harness: unknown module type {kind!r}")


# ---------------------------------------------------------------------------
# Human-readable descriptions (used in failure messages)
# ---------------------------------------------------------------------------


def shape_str(t):
    return "x".join(str(d) for d in t.shape) if t.dim() else "scalar"


def kwargs_str(kwargs):
    return ", ".join(f"{key}={value!r}" for key, value in kwargs.items())


def describe_conv2d(x, w, b, options):
    args = [f"input[{shape_str(x)}]", f"weight[{shape_str(w)}]"]
    if b is not None:
        args.append(f"bias[{shape_str(b)}]")
    if options:
        args.append(kwargs_str(conv2d_kwargs(options)))
    return f"F.conv2d({', '.join(args)})"


def describe_pad(x, pads, mode, value):
    args = [f"input[{shape_str(x)}]", repr(tuple(pads))]
    if mode is not None:
        args.append(f"mode={mode!r}")
    if value is not None:
        args.append(f"value={value!r}")
    return f"F.pad({', '.join(args)})"


def describe_conv2d_grad(name, first, second, grad_out, options):
    """torch.nn.grad.conv2d_input(input_size, weight, ...) / conv2d_weight(input, weight_size, ...)."""
    describe = lambda a: repr(a) if isinstance(a, (list, tuple)) else f"[{shape_str(a)}]"  # noqa: E731
    args = [describe(first), describe(second), f"grad_output[{shape_str(grad_out)}]"]
    if options:
        args.append(kwargs_str(conv2d_kwargs(options)))
    return f"torch.nn.grad.{name}({', '.join(args)})"


def describe_graph(leaves, steps):
    inputs = ", ".join(f"{name}[{shape_str(t)}]" for name, t in leaves.items())
    return f"graph({inputs}): x -> " + " -> ".join(describe_step(step) for step in steps)


def describe_step(step):
    args = {key: value for key, value in step.items() if key != "op"}
    return f"{step['op']}({', '.join(f'{k}={v!r}' for k, v in args.items())})"


def describe_module(spec):
    kind = spec["type"]
    if kind == "Sequential":
        return "nn.Sequential(" + ", ".join(describe_module(c) for c in spec["modules"]) + ")"
    if kind == "ReLU":
        return "nn.ReLU()"
    name = "nn.Conv2d" if kind == "Conv2d" else "DepthwiseSeparableConv"
    args = [repr(spec["inChannels"]), repr(spec["outChannels"])]
    if "kernelSize" in spec:
        args.append(repr(to_torch_arg(spec["kernelSize"])))
    options = module_kwargs(spec.get("options", {}))
    if options:
        args.append(kwargs_str(options))
    return f"{name}({', '.join(args)})"


# ---------------------------------------------------------------------------
# Recording torch's behaviour
# ---------------------------------------------------------------------------


def run_step(y, step, leaves):
    """One step of a graph case (test/fixtures/README.md, "graph"): y -> op(y, ...), the
    other operands named leaves (or numbers)."""
    op = step["op"]
    if op == "conv2d":
        bias = leaves[step["bias"]] if step.get("bias") else None
        return F.conv2d(y, leaves[step["weight"]], bias, **conv2d_kwargs(step.get("options", {})))
    if op == "pad":
        return F.pad(y, tuple(step["pads"]), **{key: step[key] for key in ("mode", "value") if key in step})
    if op == "relu":
        return F.relu(y)
    if op in ("add", "sub", "mul"):
        other = leaves[step["other"]] if isinstance(step["other"], str) else step["other"]
        a, b = (other, y) if step.get("swap") else (y, other)
        return {"add": lambda: a + b, "sub": lambda: a - b, "mul": lambda: a * b}[op]()
    if op in ("sum", "mean"):
        reduce = getattr(torch, op)
        return reduce(y) if step.get("dims") is None else reduce(y, step["dims"], keepdim=step.get("keepdim", False))
    if op == "reshape":
        return y.reshape(step["shape"])
    if op == "flatten":
        return torch.flatten(y, step.get("start", 0), step.get("end", -1))
    raise ValueError(f"harness: unknown graph step {op!r}")


def magnitude_step(step):
    """The step of the magnitude graph (see graph_magnitudes): |a| + |b| for a - b, |value| for a
    constant fill; relu is left out by the caller (|relu(y)| <= |y|)."""
    step = dict(step, op="add") if step["op"] == "sub" else dict(step)
    if step["op"] in ("add", "mul") and not isinstance(step["other"], str):
        step["other"] = abs(step["other"])
    if "value" in step:
        step["value"] = abs(step["value"])
    return step


def graph_magnitudes(leaves, steps, grad_out, times):
    """For a graph case, bounds on the sum of |terms| behind each output and gradient element: the
    graph rerun in float64 on |leaf| with every step made sign-free (magnitude_step), backpropagating
    |R|.  Float32 rounding grows with these sums, not with the values (a sum of many large terms can
    be small), so test/support/grad-cases.ts allows a tiny fraction of them on top of its tolerance.
    Returns {"output": max bound, "grads": {name: max bound}}."""
    tracked = {name: t.detach().abs().double().requires_grad_(True) for name, t in leaves.items()}
    y = tracked["x"]
    for step in steps:
        if step["op"] != "relu":
            y = run_step(y, magnitude_step(step), tracked)
    r = torch.ones_like(y) if grad_out is None else grad_out.detach().abs().double()
    (y * r).sum().backward()
    def largest(t):  # NaN where the values are NaN too (a mean over nothing): no allowance there
        return float(torch.nan_to_num(t, nan=0.0, posinf=0.0).max()) if t is not None and t.numel() else 0.0

    return {"output": largest(y.detach()),
            "grads": {name: times * largest(t.grad) for name, t in tracked.items()}}


def error_info(exc, stage):
    lines = str(exc).strip().splitlines() or [""]
    message = lines[0][:MAX_MESSAGE_CHARS]
    return {"type": type(exc).__name__, "message": message, "stage": stage}


def seed_for(key):
    """Seed torch's global RNG from a string, so each case is reproducible alone."""
    torch.manual_seed(zlib.crc32(key.encode("utf-8")))


def zero_uninitialized_biases(module):
    """nn.Conv2d leaves its bias as uninitialized memory when the weight is
    empty (fan_in == 0, e.g. kernel_size=0); zero it so files are reproducible."""
    for child in module.modules():
        if isinstance(child, nn.Conv2d) and child.weight.numel() == 0 and child.bias is not None:
            with torch.no_grad():
                child.bias.zero_()


def randn(*shape):
    return torch.randn(shape, dtype=torch.float32)  # a tuple, so that randn() is a 0-d tensor


def leaf(t):
    """A copy of t that requires grad (None stays None): the original stays the recorded value."""
    return None if t is None else t.detach().clone().requires_grad_(True)


class CaseWriter:
    """Collects cases and their tensors; writes NAME.json + NAME.bin."""

    def __init__(self, generator, seed=None):
        self.generator = generator
        self.seed = seed
        self.cases = []
        self.groups = {}
        self.ids = set()
        self._chunks = []
        self._length = 0  # in float32 elements
        self._seen = {}  # id(tensor) -> (tensor, ref)
        self._mark = None

    # -- tensors ------------------------------------------------------------

    def tensor(self, t):
        """Store a tensor (once per tensor object) and return its {shape, offset} ref."""
        if t is None:
            return None
        key = id(t)
        if key in self._seen:
            return self._seen[key][1]
        array = t.detach().to(torch.float32).contiguous().numpy().astype("<f4")
        ref = {"shape": list(t.shape), "offset": self._length}
        self._chunks.append(array.tobytes())
        self._length += array.size
        self._seen[key] = (t, ref)
        return ref

    def _checkpoint(self):
        self._mark = (len(self._chunks), self._length, set(self._seen))

    def _rollback(self):
        chunks, length, seen = self._mark
        del self._chunks[chunks:]
        self._length = length
        for key in set(self._seen) - seen:
            del self._seen[key]

    # -- cases --------------------------------------------------------------

    def group(self, name, description):
        self.groups[name] = description

    def _add(self, case, expect):
        """Keep the case; `expect` is None (keep whatever torch did), OK or
        ERROR (torch must agree, else AssertionError) or DROP_UNLESS_ERROR
        (silently discard the case, tensors included, when torch gave an
        output).  Returns the case, or None when it was dropped."""
        if case["id"] in self.ids:
            raise ValueError(f"harness: duplicate case id {case['id']}")
        if case["group"] not in self.groups:
            raise ValueError(f"harness: case {case['id']} has undeclared group {case['group']}")
        got = ERROR if "error" in case else OK
        if expect == DROP_UNLESS_ERROR:
            if got != ERROR:
                self._rollback()
                return None
        elif expect is not None and expect != got:
            detail = case["error"]["message"] if got == ERROR else "an output"
            raise AssertionError(
                f"case {case['id']} ({case['torch']}): expected torch to give "
                f"{'an error' if expect == ERROR else 'an output'}, but it gave {detail}")
        self.ids.add(case["id"])
        self.cases.append(case)
        return case

    def _backward(self, case, out, leaves, backward):
        """Backpropagate a random gradOutput R through `out` as the spec `backward` says, and record
        every leaf's .grad by name.  "loss": "backward" runs out.backward(R), "sum" runs
        (out * R).sum().backward(), "implicit" runs out.backward() (no R); "times": 2 runs it twice,
        the graph retained for the first (or as "retain" says), so gradients accumulate;
        "gradOutputShape" draws R of another shape than out's.  With "error": true torch must raise,
        and its error (stage "backward") is recorded in place of the gradients.  Returns R (None for
        "implicit")."""
        loss = backward["loss"]
        grad_out = None if loss == "implicit" else randn(*backward.get("gradOutputShape", out.shape))
        times = backward.get("times", 1)
        record = {key: value for key, value in backward.items() if key not in ("error", "gradOutputShape")}
        record["gradOutput"] = self.tensor(grad_out)
        case["backward"] = record
        try:
            for i in range(times):
                retain = backward.get("retain", i + 1 < times)
                if loss == "sum":
                    (out * grad_out).sum().backward(retain_graph=retain)
                elif loss == "implicit":
                    out.backward(retain_graph=retain)
                else:
                    out.backward(grad_out, retain_graph=retain)
        except Exception as exc:
            if not backward.get("error"):
                raise
            record["error"] = error_info(exc, "backward")
            return grad_out
        if backward.get("error"):
            raise AssertionError(f"case {case['id']} ({case['torch']}): expected torch's backward to raise")
        record["grads"] = {name: self.tensor(leaf.grad) for name, leaf in leaves.items()}
        return grad_out

    def conv2d(self, group, case_id, x, w, b=None, options=None, *, omit_bias=False,
               note=None, expect=None, backward=None):
        """F.conv2d(x, w, b, **options); options=None means 'argument omitted'. With `backward` (see
        _backward), x, w and b are leaves that require grad and their gradients are recorded."""
        self._checkpoint()
        case = {"id": case_id, "group": group, "kind": "conv2d",
                "torch": describe_conv2d(x, w, b, options or {}),
                "input": self.tensor(x), "weight": self.tensor(w)}
        if not omit_bias:
            case["bias"] = self.tensor(b)
        if options is not None:
            case["options"] = options
        if note:
            case["note"] = note
        try:
            leaves = {"input": leaf(x), "weight": leaf(w), "bias": leaf(b)} if backward else {}
            with torch.set_grad_enabled(bool(backward)):
                out = F.conv2d(leaves.get("input", x), leaves.get("weight", w), leaves.get("bias", b),
                               **conv2d_kwargs(options or {}))
            case["output"] = self.tensor(out)
        except Exception as exc:
            case["error"] = error_info(exc, "call")
        if backward and "output" in case:  # outside the try: a backward that raises is a harness error
            self._backward(case, out, {k: v for k, v in leaves.items() if v is not None}, backward)
        return self._add(case, expect)

    def pad(self, group, case_id, x, pads, mode=None, value=None, *, note=None, expect=None,
            backward=None):
        """F.pad(x, pads, mode, value); mode/value None means 'argument omitted'. With `backward`,
        the input's gradient is recorded."""
        self._checkpoint()
        case = {"id": case_id, "group": group, "kind": "pad",
                "torch": describe_pad(x, pads, mode, value),
                "input": self.tensor(x), "pads": list(pads)}
        kwargs = {}
        if mode is not None:
            case["mode"] = kwargs["mode"] = mode
        if value is not None:
            case["value"] = kwargs["value"] = value
        if note:
            case["note"] = note
        try:
            leaves = {"input": leaf(x)} if backward else {}
            out = F.pad(leaves.get("input", x), tuple(pads), **kwargs)
            case["output"] = self.tensor(out)
        except Exception as exc:
            case["error"] = error_info(exc, "call")
        if backward and "output" in case:
            self._backward(case, out, leaves, backward)
        return self._add(case, expect)

    def module(self, group, case_id, spec, x, *, note=None, expect=None, backward=None):
        """Build the module (torch's own random init), record its state dict, run x. With
        `backward`, the gradients of the input and of every parameter (by state-dict key) are
        recorded."""
        self._checkpoint()
        case = {"id": case_id, "group": group, "kind": "module",
                "torch": f"{describe_module(spec)}(input[{shape_str(x)}])",
                "module": spec, "stateDict": None, "input": self.tensor(x)}
        if note:
            case["note"] = note
        try:
            module = build_module(spec)
        except Exception as exc:
            case["error"] = error_info(exc, "construct")
            return self._add(case, expect)
        zero_uninitialized_biases(module)
        state = module.state_dict()
        case["stateDict"] = {key: self.tensor(value) for key, value in state.items()}
        try:
            leaves = {"input": leaf(x)} if backward else {}
            with torch.set_grad_enabled(bool(backward)):
                out = module(leaves.get("input", x))
            case["output"] = self.tensor(out)
        except Exception as exc:
            case["error"] = error_info(exc, "forward")
        if backward and "output" in case:
            self._backward(case, out, dict(leaves, **dict(module.named_parameters())), backward)
        return self._add(case, expect)

    def graph(self, group, case_id, leaves, steps, *, backward, note=None, expect=None):
        """Run steps (see run_step) from leaves["x"], every leaf requiring grad; record the output
        and, backpropagated as `backward` says, every leaf's gradient."""
        self._checkpoint()
        case = {"id": case_id, "group": group, "kind": "graph", "torch": describe_graph(leaves, steps),
                "inputs": {name: self.tensor(t) for name, t in leaves.items()}, "steps": steps}
        if note:
            case["note"] = note
        tracked = {name: leaf(t) for name, t in leaves.items()}
        try:
            out = tracked["x"]
            for step in steps:
                out = run_step(out, step, tracked)
            case["output"] = self.tensor(out)
        except Exception as exc:
            case["error"] = error_info(exc, "call")
        if "output" in case:
            grad_out = self._backward(case, out, tracked, backward)
            if "grads" in case["backward"]:  # not where torch's backward raised (R may not fit)
                case["magnitude"] = graph_magnitudes(leaves, steps, grad_out, backward.get("times", 1))
        return self._add(case, expect)

    def conv2d_grad(self, group, case_id, name, first, second, grad_out, options=None, *,
                    note=None, expect=None):
        """torch.nn.grad.conv2d_input(input_size=first, weight=second, grad_out, **options) or
        conv2d_weight(input=first, weight_size=second, ...) (`name` says which); a size is passed
        as it is (a list), options=None means 'argument omitted'."""
        self._checkpoint()
        case = {"id": case_id, "group": group, "kind": name + "_grad",
                "torch": describe_conv2d_grad(name, first, second, grad_out, options or {})}
        if name == "conv2d_input":
            case.update(inputShape=first, weight=self.tensor(second))
        else:
            case.update(input=self.tensor(first), weightShape=second)
        case["gradOutput"] = self.tensor(grad_out)
        if options is not None:
            case["options"] = options
        if note:
            case["note"] = note
        try:
            function = getattr(torch.nn.grad, name)
            with torch.no_grad():
                out = function(first, second, grad_out, **conv2d_kwargs(options or {}))
            case["output"] = self.tensor(out)
        except Exception as exc:
            case["error"] = error_info(exc, "call")
        return self._add(case, expect)

    # -- output -------------------------------------------------------------

    def write(self, directory, name):
        """Write DIRECTORY/NAME.json and DIRECTORY/NAME.bin; return their paths."""
        os.makedirs(directory, exist_ok=True)
        json_path = os.path.join(directory, name + ".json")
        bin_path = os.path.join(directory, name + ".bin")
        with open(bin_path, "wb") as f:
            for chunk in self._chunks:
                f.write(chunk)
        header = {
            "format": FORMAT,
            "version": FORMAT_VERSION,
            "generator": self.generator,
            "torch": torch.__version__,
            "seed": self.seed,
            "blob": name + ".bin",
            "blobFloats": self._length,
            "groups": self.groups,
        }
        head = json.dumps(header, indent=1)[:-2]  # drop the closing "\n}"
        body = ",\n".join(json.dumps(case, separators=(",", ":"), allow_nan=False) for case in self.cases)
        with open(json_path, "w") as f:
            f.write(head + ',\n "cases": [\n' + body + "\n ]\n}\n")
        return json_path, bin_path


# -- the scripts' loops -------------------------------------------------------


def run_valid(count, run):
    """Call run(i) for i < count (each adds a case drawn to be valid); note on stderr each case torch
    rejected all the same, and return how many there were."""
    raised = 0
    for i in range(count):
        case = run(i)
        if "error" in case:
            raised += 1
            sys.stderr.write(f"note: valid draw {case['id']} raised in torch: {case['torch']}: "
                             f"{case['error']['message']}\n")
    return raised


def keep_rejected(count, what, run):
    """Call run(kept) until `count` calls have kept a case (run returns None where torch accepted the
    perturbed draw, so that it was dropped); exits after 50 tries a case. Returns the number of tries."""
    kept = tries = 0
    while kept < count:
        tries += 1
        if tries > 50 * max(1, count):
            sys.exit(f"error: could not draw enough {what} torch rejects")
        kept += run(kept) is not None
    return tries


def write_fixtures(generator, default_name, makers, doc):
    """The fixture scripts' main: every maker adds its cases to one CaseWriter, written to --out (default
    test/fixtures) as --name.{json,bin}; prints the counts (errors: the forward's or the backward's)."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--out", default=os.path.join(root, "test", "fixtures"))
    parser.add_argument("--name", default=default_name)
    args = parser.parse_args()

    w = CaseWriter(generator)
    for make in makers:
        make(w)
    json_path, bin_path = w.write(args.out, args.name)
    errors = sum(1 for c in w.cases if "error" in c or "error" in c.get("backward", {}))
    print(f"wrote {len(w.cases)} cases ({errors} errors) in {len(w.groups)} groups")
    for path in (json_path, bin_path):
        print(f"  {os.path.relpath(path)}: {os.path.getsize(path)} bytes")
