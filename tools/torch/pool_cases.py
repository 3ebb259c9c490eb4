"""Pooling cases from PyTorch: F.max_pool2d (with its indices), F.avg_pool2d and
F.adaptive_avg_pool2d on random geometries, each output with the input's gradient
for a random R (y.backward(R)); nn.MaxPool2d / nn.AvgPool2d / nn.AdaptiveAvgPool2d
with their repr; and configurations torch rejects, with its error. Replayed by
test/support/pool-cases.ts.

  valid     every argument form: int or pair kernel, stride (omitted, null, int, pair),
            padding up to half the kernel, dilation, ceil_mode (incl. the rule that the
            last window must start inside the input or the left padding),
            count_include_pad, divisor_override (negative too); 3-D and 4-D input, an
            empty batch; ties (inputs rounded to halves), NaN and +-inf for max;
            adaptive sizes that do not divide the input, larger than it, 0, null
  module    the same through the modules (their repr recorded)
  invalid   one rule broken, kept only where torch raises

Left out (a torch 1.13 bug): a max pool whose dilated window has every tap in the
padding gives -inf there in torch, with an index outside the plane that its backward
writes to (it corrupts memory); such draws keep the output only (convkit's index is -1).

Fixtures (deterministic):  /usr/bin/python3 tools/torch/pool_cases.py
    writes test/fixtures/torch-pool.{json,bin}
Live suite:  /usr/bin/python3 tools/torch/pool_cases.py --seed 1 --count 300 --out DIR
    writes DIR/pool-cases.{json,bin}
"""

import argparse
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from caselib import DROP_UNLESS_ERROR, CaseWriter, error_info, keep_rejected, leaf, randn, seed_for, torch  # noqa: E402

nn = torch.nn
F = torch.nn.functional

KINDS = ("maxPool2d", "avgPool2d", "adaptiveAvgPool2d")
OPTION_NAMES = {"stride": "stride", "padding": "padding", "dilation": "dilation", "ceilMode": "ceil_mode",
                "countIncludePad": "count_include_pad", "divisorOverride": "divisor_override"}
# a draw that must be valid: redrawn where torch rejects it
DROP_UNLESS_OK = "drop-unless-ok"
MODULES = {"maxPool2d": "MaxPool2d", "avgPool2d": "AvgPool2d", "adaptiveAvgPool2d": "AdaptiveAvgPool2d"}


def py(value):
    """convkit's JS form as torch takes it: arrays become tuples."""
    return tuple(value) if isinstance(value, list) else value


def kwargs_of(options):
    return {OPTION_NAMES[k]: py(v) for k, v in (options or {}).items()}


def describe(case):
    args = [f"input[{', '.join(map(str, case['input']['shape']))}]"]
    if case["kind"] == "adaptiveAvgPool2d":
        args.append(repr(py(case["outputSize"])))
    else:
        args.append(repr(py(case["kernelSize"])))
        args += [f"{k}={v!r}" for k, v in kwargs_of(case.get("options")).items()]
    name = MODULES[case["kind"]] if case.get("module") else {"maxPool2d": "F.max_pool2d", "avgPool2d": "F.avg_pool2d",
                                                             "adaptiveAvgPool2d": "F.adaptive_avg_pool2d"}[case["kind"]]
    return f"{name}({', '.join(args)})"


def has_empty_window(size, kernel, stride, pad, dilation, out):
    """Whether some max-pool window along an axis has all its taps in the padding."""
    return any(all(not 0 <= o * stride - pad + t * dilation < size for t in range(kernel)) for o in range(out))


def pair_of(v):
    return (v, v) if isinstance(v, int) else tuple(v)


class PoolWriter(CaseWriter):
    def pool(self, group, case_id, kind, x, args, *, module=False, expect=None, note=None):
        """Run F.<kind> (or its module, built from the same arguments) on x; record the output, the
        input's gradient for a random R, max's indices, the module's repr; or torch's error."""
        self._checkpoint()
        case = {"id": case_id, "group": group, "kind": kind, "input": self.tensor(x), **args}
        if module:
            case["module"] = True
        case["torch"] = describe(case)
        if note:
            case["note"] = note
        stage = "construct" if module else "call"
        try:
            if kind == "adaptiveAvgPool2d":
                size = py(args["outputSize"])
                fn = nn.AdaptiveAvgPool2d(size) if module else (lambda t: F.adaptive_avg_pool2d(t, size))
            else:
                kernel, kw = py(args["kernelSize"]), kwargs_of(args.get("options"))
                cls, f = (nn.MaxPool2d, F.max_pool2d) if kind == "maxPool2d" else (nn.AvgPool2d, F.avg_pool2d)
                fn = cls(kernel, **kw) if module else (lambda t: f(t, kernel, **kw))
            if module:
                case["repr"] = repr(fn)
            stage = "forward" if module else "call"
            xin = leaf(x)
            out = fn(xin)
            case["output"] = self.tensor(out)
        except Exception as exc:
            case["error"] = error_info(exc, stage)
            if expect == DROP_UNLESS_OK:
                self._rollback()
                return None
            return self._add(case, expect)
        empty = kind == "maxPool2d" and self.empty_windows(x, args, out)
        if empty:
            case["note"] = "a window has every tap in the padding: torch's index there is outside the plane"
        else:
            grad_out = randn(*out.shape)
            case["gradOutput"] = self.tensor(grad_out)
            try:
                out.backward(grad_out)
                case["gradInput"] = self.tensor(xin.grad)
            except Exception as exc:  # adaptive pooling's backward refuses an empty output plane or channel
                case["backwardError"] = error_info(exc, "backward")
            if kind == "maxPool2d" and not module:
                indices = F.max_pool2d(x, py(args["kernelSize"]), **kwargs_of(args.get("options")), return_indices=True)[1]
                case["indices"] = self.tensor(indices.to(torch.float32))
        return self._add(case, None if expect == DROP_UNLESS_OK else expect)

    @staticmethod
    def empty_windows(x, args, out):
        options = args.get("options") or {}
        k = pair_of(args["kernelSize"])
        s = pair_of(options.get("stride") or args["kernelSize"])
        p = pair_of(options.get("padding", 0))
        d = pair_of(options.get("dilation", 1))
        return any(has_empty_window(x.shape[-2 + a], k[a], s[a], p[a], d[a], out.shape[-2 + a]) for a in (0, 1))


# -- random draws ---------------------------------------------------------------


def int_or_pair(rng, a, b, *, same=False):
    """An int (or [x] / a pair) between a and b in convkit's JS forms."""
    h = rng.randint(a, b)
    w = h if same else rng.randint(a, b)
    if h == w and rng.random() < 0.6:
        return h
    return [h, w]


def draw_args(rng, kind):
    if kind == "adaptiveAvgPool2d":
        r = rng.random()
        if r < 0.15:
            return {"outputSize": 1}
        if r < 0.45:
            return {"outputSize": rng.randint(0, 7)}
        return {"outputSize": [rng.choice([None, 1, rng.randint(0, 7), rng.randint(1, 4)]), rng.choice([None, rng.randint(0, 7), rng.randint(1, 4)])]}
    kernel = int_or_pair(rng, 1, 4)
    kh, kw = pair_of(kernel)
    options = {}
    if rng.random() < 0.7:
        options["stride"] = None if rng.random() < 0.15 else int_or_pair(rng, 1, 3)
    if rng.random() < 0.6:
        options["padding"] = [rng.randint(0, kh // 2), rng.randint(0, kw // 2)] if rng.random() < 0.5 else rng.randint(0, min(kh, kw) // 2)
    if kind == "maxPool2d" and rng.random() < 0.5:
        options["dilation"] = int_or_pair(rng, 1, 3)
    if rng.random() < 0.6:
        options["ceilMode"] = rng.random() < 0.7
    if kind == "avgPool2d":
        if rng.random() < 0.5:
            options["countIncludePad"] = rng.random() < 0.5
        if rng.random() < 0.25:
            options["divisorOverride"] = rng.choice([-3, -1, 1, 2, 3, 5, 7])
    args = {"kernelSize": kernel}
    if options:
        args["options"] = options
    return args


def draw_input(rng, kind, key):
    rank = rng.choice([3, 4])
    shape = [rng.randint(1, 3), rng.randint(1, 10), rng.randint(1, 10)]
    if rank == 4:
        shape.insert(0, 0 if rng.random() < 0.05 else rng.randint(1, 3))
    seed_for(key)
    x = randn(*shape)
    if kind == "maxPool2d":
        if rng.random() < 0.35:
            x = torch.round(x * 2) / 2  # ties
        flat = x.view(-1)
        if flat.numel() > 0 and rng.random() < 0.25:
            for _ in range(rng.randint(1, 3)):
                flat[rng.randrange(flat.numel())] = rng.choice([math.nan, math.nan, -math.inf, math.inf])
    return x


def add_valid(w, rng, group, i, module):
    """A valid draw (redrawn until torch accepts it)."""
    for attempt in range(100):
        kind = rng.choice(KINDS)
        case_id = f"{group}-{i}"
        args = draw_args(rng, kind)
        x = draw_input(rng, kind, f"{case_id}-{attempt}")
        case = w.pool(group, case_id, kind, x, args, module=module, expect=DROP_UNLESS_OK)
        if case is not None:
            return case
    sys.exit(f"error: could not draw a valid {group} case")


def perturb(rng, kind, args, shape):
    """One rule broken: (args, shape) torch should reject."""
    options = dict(args.get("options") or {})
    if kind == "adaptiveAvgPool2d":
        r = rng.randrange(4)
        if r == 0:
            return {"outputSize": rng.choice([-1, [-1, 2], [2, -3]])}, shape
        if r == 1:
            return {"outputSize": [2, 3]}, shape[-2:]  # a pair on a 2-D input
        if r == 2:
            return {"outputSize": rng.choice([2, [3, 2]])}, shape[:-2] + [0, shape[-1]]
        return {"outputSize": 2}, [2] + shape if len(shape) == 4 else shape[-2:]
    k = pair_of(args["kernelSize"])
    r = rng.randrange(9)
    if r == 0:
        options["padding"] = [k[0] // 2 + 1, 0] if rng.random() < 0.5 else max(k) // 2 + 1
    elif r == 1:
        options["stride"] = rng.choice([0, -1, [1, 0]])
    elif r == 2:
        return {"kernelSize": rng.choice([0, [0, 2], -1]), **({"options": options} if options else {})}, shape
    elif r == 3 and kind == "maxPool2d":
        options["dilation"] = rng.choice([0, [1, 0], -2])
    elif r == 3:
        options["divisorOverride"] = 0
    elif r == 4:
        options["padding"] = rng.choice([-1, [0, -1]])
    elif r == 5:  # output smaller than 1x1
        return {"kernelSize": [shape[-2] + 2 * 3 + 1, 2], "options": {"padding": 0}}, shape
    elif r == 6:
        return args, rng.choice([shape[-2:], [1] + shape if len(shape) == 4 else [1, 1] + shape])
    elif r == 7:
        return args, [0] + shape[-2:]  # 3-D with no channels
    else:
        return args, shape[:-3] + [shape[-3], 0, shape[-1]] if len(shape) == 4 else [shape[0], shape[1], 0]
    return {"kernelSize": args["kernelSize"], "options": options}, shape


def add_invalid(w, rng, group, kept, module):
    kind = rng.choice(KINDS)
    case_id = f"{group}-{kept}"
    args, shape = perturb(rng, kind, draw_args(rng, kind), list(draw_input(rng, kind, case_id).shape))
    seed_for(case_id)
    return w.pool(group, case_id, kind, randn(*shape), args, module=module, expect=DROP_UNLESS_ERROR)


def random_cases(w, rng, count):
    w.group("valid", "random functional calls: output, input gradient, max's indices")
    w.group("module", "random module calls: repr, output, input gradient")
    w.group("invalid", "random calls with one rule broken, kept where torch raises")
    for i in range(count):
        add_valid(w, rng, "valid", i, False)
    for i in range(max(1, count // 4)):
        add_valid(w, rng, "module", i, True)
    keep_rejected(max(1, count // 4), "pooling calls", lambda kept: add_invalid(w, rng, "invalid", kept, rng.random() < 0.3))


# -- hand-picked edge cases (fixtures only) ---------------------------------------


def edge_cases(w):
    w.group("edges", "hand-picked: ceil_mode's last-window rule, ties, NaN, -inf, the 1x1 mean path, empty batch")
    cases = [
        # ceil_mode: a last window that would start in the right padding is dropped (5 + 1 pad, k 2, s 2)
        ("ceil-dropped", "maxPool2d", [1, 1, 5, 5], {"kernelSize": 2, "options": {"stride": 2, "padding": 1, "ceilMode": True}}),
        ("ceil-kept", "maxPool2d", [1, 1, 5, 5], {"kernelSize": 2, "options": {"stride": 2, "ceilMode": True}}),
        ("ceil-avg-pad", "avgPool2d", [1, 2, 5, 5], {"kernelSize": 3, "options": {"stride": 2, "padding": 1, "ceilMode": True}}),
        ("ceil-avg-nopad", "avgPool2d", [1, 2, 6, 7], {"kernelSize": 3, "options": {"stride": 2, "padding": 1, "ceilMode": True, "countIncludePad": False}}),
        ("divisor-negative", "avgPool2d", [2, 6, 6], {"kernelSize": [2, 3], "options": {"divisorOverride": -2}}),
        ("global-mean", "adaptiveAvgPool2d", [2, 3, 7, 7], {"outputSize": 1}),
        ("global-mean-2d", "adaptiveAvgPool2d", [4, 5], {"outputSize": 1}),
        ("global-mean-empty-plane", "adaptiveAvgPool2d", [2, 0, 3], {"outputSize": 1}),
        ("adaptive-5-to-3", "adaptiveAvgPool2d", [1, 2, 5, 5], {"outputSize": 3}),
        ("adaptive-up", "adaptiveAvgPool2d", [2, 3, 4], {"outputSize": [7, None]}),
        ("adaptive-zero", "adaptiveAvgPool2d", [1, 1, 4, 4], {"outputSize": 0}),
        ("adaptive-empty-channels", "adaptiveAvgPool2d", [1, 0, 4, 4], {"outputSize": 3}),
        ("max-batch-0", "maxPool2d", [0, 2, 4, 4], {"kernelSize": 2}),
        ("avg-batch-0", "avgPool2d", [0, 2, 4, 4], {"kernelSize": 2}),
        ("dilated-padded", "maxPool2d", [1, 1, 9, 8], {"kernelSize": 3, "options": {"dilation": [2, 3], "padding": 1, "stride": 2}}),
        ("hot-path-2x2", "maxPool2d", [4, 8, 28, 28], {"kernelSize": 2, "options": {"stride": 2}}),
    ]
    for case_id, kind, shape, args in cases:
        seed_for(case_id)
        w.pool("edges", case_id, kind, randn(*shape), args)
    ties = torch.tensor([[[[2.0, 2.0, 1.0, 2.0], [2.0, 0.0, 2.0, 2.0], [1.0, 1.0, 1.0, 1.0]]]])
    w.pool("edges", "ties-first-wins", "maxPool2d", ties, {"kernelSize": [2, 3], "options": {"stride": 1}})
    nan = torch.tensor([[[[1.0, math.nan, 3.0, math.nan], [math.inf, 5.0, math.nan, 0.0]]]])
    w.pool("edges", "nan-last-wins", "maxPool2d", nan, {"kernelSize": [2, 4]})
    w.pool("edges", "nan-and-inf", "maxPool2d", nan, {"kernelSize": 2, "options": {"stride": 1}})
    seed_for("empty-window")
    w.pool("edges", "empty-window", "maxPool2d", randn(1, 1, 2, 4), {"kernelSize": [2, 1], "options": {"padding": [1, 0], "dilation": [3, 1]}})
    ninf = torch.full((1, 1, 2, 3), -math.inf)
    w.pool("edges", "all-minus-inf", "maxPool2d", ninf, {"kernelSize": 2, "options": {"stride": 1, "padding": 1}})


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    parser.add_argument("--seed", type=int, default=None, help="random mode: draw --count cases (else: the fixtures)")
    parser.add_argument("--count", type=int, default=300)
    parser.add_argument("--out", default=None)
    args = parser.parse_args()
    fixtures = args.seed is None
    w = PoolWriter("tools/torch/pool_cases.py", args.seed)
    rng = random.Random(12 if fixtures else args.seed)
    if fixtures:
        edge_cases(w)
    random_cases(w, rng, 120 if fixtures else args.count)
    out = args.out or os.path.join(root, "test", "fixtures")
    json_path, _ = w.write(out, "torch-pool" if fixtures else "pool-cases")
    errors = sum(1 for c in w.cases if "error" in c)
    print(f"{torch.__version__}: {len(w.cases)} pooling cases ({errors} errors) in {os.path.relpath(json_path)}")


if __name__ == "__main__":
    main()
