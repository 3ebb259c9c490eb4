"""Draw random gradient configurations, run them through PyTorch and write a
convkit case file: the gradient half of the live random suite (tools/torch/live.ts,
i.e. `npm run test:torch`), which replays it with test/support/grad-cases.ts.

  grad_valid       G configurations drawn exactly as random_cases.py draws its valid
                   ones (F.conv2d in every argument form, nn.Conv2d in every padding
                   mode, DepthwiseSeparableConv, Sequential with ReLU, F.pad in every
                   mode); torch backpropagates a random R, as y.backward(R) or as
                   (y * R).sum().backward(), sometimes twice (gradients accumulate), and
                   the gradient of the input and of every weight / bias / parameter is
                   recorded
  grad_functional  F valid calls of torch.nn.grad.conv2d_input / conv2d_weight
  grad_invalid     I such calls with one rule broken, kept only where torch raises
  grad_graph       R small graphs: a convolution or pad, then ReLU, add/sub/mul with
                   broadcast operands, pad, sum/mean over some dimensions, reshape,
                   flatten; every leaf's gradient recorded
  grad_large       L convolutions of a real network's size (F.conv2d or nn.Conv2d,
                   backpropagated): long sums, and the blocked and threaded paths of
                   convkit's wasm kernels that the small draws do not reach

Left out on purpose (torch 1.13 quirks, see test/fixtures/README.md): groups=0
in torch.nn.grad kills the process (SIGFPE), so it is never drawn; rules torch
enforces on one kernel path and not another (a grad_output of another batch
size, dilation 0, shapes that disagree on an empty batch) are drawn, but kept
only where torch raises, like every invalid draw.

Deterministic for a given seed.  Run:

    /usr/bin/python3 tools/torch/random_grad_cases.py --seed 1 --valid 1000 --functional 300 \\
        --invalid 200 --graphs 200 --large 60 --out /tmp/cases   # writes /tmp/cases/random-grad-cases.{json,bin}
"""

import argparse
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from caselib import DROP_UNLESS_ERROR, OK, CaseWriter, randn, run_step, torch  # noqa: E402
from random_cases import draw_conv2d, draw_valid, execute, out_size, pair  # noqa: E402

FUNCTIONS = ["conv2d_input", "conv2d_weight"]
# MACs of a large draw's forward: each case also runs two gradients of that size on every backend
# config, the reference backend's in plain loops (about a second per case there)
MAX_LARGE_MACS = 20_000_000


def draw_large(rng):
    """A plain, grouped or depthwise layer with 8-48 channels per group on 10-40 pixel images, batch 1-4,
    as F.conv2d or as nn.Conv2d in any padding mode."""
    while True:
        kind = rng.choice(["plain", "grouped", "depthwise"])
        if kind == "plain":
            groups, cin, cout = 1, rng.randint(8, 48), rng.randint(8, 48)
        elif kind == "grouped":
            groups = rng.choice([2, 4])
            cin, cout = groups * rng.randint(8, 24), groups * rng.randint(8, 24)
        else:
            groups = cin = rng.randint(8, 48)
            cout = cin * rng.randint(1, 2)
        k = rng.choice([1, 3, 3, 3, 5, 7])
        stride, dilation = rng.choice([1, 1, 2]), rng.choice([1, 1, 1, 2])
        padding = "same" if stride == 1 and rng.random() < 0.3 else rng.choice([0, dilation * (k // 2)])
        span = dilation * (k - 1) + 1
        h, w = rng.randint(max(10, span), 40), rng.randint(max(10, span), 40)
        n = rng.randint(1, 4)
        geometry = {"stride": stride, "padding": padding, "dilation": dilation, "groups": groups}
        out_h = out_w = None
        if padding != "same":
            out_h, out_w = ((size + 2 * padding - span) // stride + 1 for size in (h, w))
        macs = n * cout * (cin // groups) * k * k * (out_h or h) * (out_w or w)
        if macs <= MAX_LARGE_MACS:
            break
    if rng.random() < 0.5:
        return {"kind": "conv2d", "x": (n, cin, h, w), "w": (cout, cin // groups, k, k),
                "b": rng.choice([(cout,), "null"]), "options": geometry}
    mode = rng.choice(["zeros", "reflect", "replicate", "circular"])
    spec = {"type": "Conv2d", "inChannels": cin, "outChannels": cout, "kernelSize": k,
            "options": dict(geometry, paddingMode=mode, bias=rng.random() < 0.7)}
    return {"kind": "module", "spec": spec, "x": (n, cin, h, w)}


# ---------------------------------------------------------------------------
# Graphs: the running value y goes through a list of steps (caselib.run_step),
# each drawn for y's shape at that point, found by running the steps so far.
# ---------------------------------------------------------------------------


def operand(rng, shape):
    """A tensor shape that broadcasts against `shape` to `shape`, or a number."""
    form = rng.choice(["same", "ones", "suffix", "number"])
    if form == "number":
        return rng.choice([2.5, -0.5, 3])
    if form == "same":
        return tuple(shape)
    if form == "ones":
        return tuple(1 if rng.random() < 0.5 else size for size in shape)
    return tuple(shape[rng.randint(0, len(shape)):])


def draw_pad_step(rng, shape):
    h, w = shape[-2:]
    mode = rng.choice(["constant", "reflect", "replicate"] + (["circular"] if len(shape) == 4 else []))
    limit = {"constant": (2, 2), "replicate": (2, 2), "reflect": (w - 1, h - 1), "circular": (w, h)}[mode]
    step = {"op": "pad", "pads": [rng.randint(0, min(2, limit[i // 2])) for i in range(4)], "mode": mode}
    if mode == "constant" and rng.random() < 0.5:
        step["value"] = 1.5
    return step


def draw_step(rng, shape, leaves):
    """A step for a running value of `shape` (a leaf it needs is added to `leaves`), or None."""
    kind = rng.choice(["relu", "binary", "binary", "reduce", "reshape", "pad"])
    if kind == "relu":
        return {"op": "relu"}
    if kind == "binary":
        form = operand(rng, shape)
        step = {"op": rng.choice(["add", "sub", "mul"]), "other": form}
        if isinstance(form, tuple):
            step["other"] = name = f"c{len(leaves)}"
            leaves[name] = randn(*form)
        if rng.random() < 0.5:
            step["swap"] = True
        return step
    if len(shape) == 0:
        return None
    if kind == "reduce":
        step = {"op": rng.choice(["sum", "mean"])}
        if rng.random() < 0.85:
            dims = rng.sample(range(len(shape)), rng.randint(1, len(shape)))
            step["dims"] = [d - len(shape) if rng.random() < 0.3 else d for d in dims]  # some from the end
            step["keepdim"] = rng.random() < 0.5
        return step
    if kind == "reshape":
        if rng.random() < 0.5:
            # [0, -1] is ambiguous (torch raises): an empty batch is only flattened whole
            return {"op": "reshape", "shape": rng.choice([[-1], [shape[0], -1]] if shape[0] else [[-1]])}
        start = rng.randint(0, len(shape) - 1)
        return {"op": "flatten", "start": start, "end": rng.randint(start, len(shape) - 1)}
    if len(shape) in (3, 4) and min(shape[-2:]) >= 1:
        return draw_pad_step(rng, shape)
    return None


def draw_graph(rng):
    """(leaves, steps): x (3-D, 4-D, sometimes an empty batch) through a convolution or a pad, then
    2-5 more steps."""
    c, h, w = rng.randint(1, 4), rng.randint(3, 8), rng.randint(3, 8)
    n = 0 if rng.random() < 0.1 else rng.randint(1, 3)
    leaves = {"x": randn(*((n, c, h, w) if rng.random() < 0.8 else (c, h, w)))}
    if rng.random() < 0.75:
        k = rng.randint(1, 3)
        leaves["w"] = randn(rng.randint(1, 4), c, k, k)
        first = {"op": "conv2d", "weight": "w", "options": {"padding": rng.choice([0, 1, "same"])}}
        if rng.random() < 0.7:
            leaves["b"] = randn(leaves["w"].shape[0])
            first["bias"] = "b"
    else:
        first = draw_pad_step(rng, leaves["x"].shape)
    steps = [first]
    with torch.no_grad():
        y = run_step(leaves["x"], first, leaves)
        while len(steps) < 3 or (len(steps) < 6 and rng.random() < 0.6):
            step = draw_step(rng, tuple(y.shape), leaves)
            if step is None:
                continue
            try:
                y = run_step(y, step, leaves)
            except RuntimeError:
                continue  # torch rejects it for this y (replicate-padding a 3-D y with no channels): another
            steps.append(step)
    return leaves, steps


def draw_backward(rng):
    """How the loss is backpropagated (caselib's CaseWriter._backward)."""
    spec = {"loss": rng.choice(["backward", "sum"])}
    if rng.random() < 0.1:
        spec["times"] = 2
    return spec


# ---------------------------------------------------------------------------
# Functional gradients: a config is {"name", "x": input shape, "w": weight shape,
# "go": grad_output shape, "options": dict or None (omitted)}.
# ---------------------------------------------------------------------------


def output_shape(x, w, options):
    """F.conv2d's output shape (padding int or pair), or None when the kernel does not fit."""
    options = options or {}
    stride, padding, dilation = (pair(options.get(key, default)) for key, default
                                 in (("stride", 1), ("padding", 0), ("dilation", 1)))
    sizes = [out_size(x[2 + i], padding[i], padding[i], w[2 + i], stride[i], dilation[i]) for i in range(2)]
    return None if min(sizes) < 1 else (x[0], w[0], *sizes)


def largest_input(go, w, options):
    """The largest input size per dimension with F.conv2d's output size go[2:]: a stride s leaves
    s - 1 more rows and columns that no output reads."""
    options = options or {}
    stride, padding, dilation = (pair(options.get(key, default)) for key, default
                                 in (("stride", 1), ("padding", 0), ("dilation", 1)))
    return [(go[2 + i] - 1) * stride[i] - 2 * padding[i] + dilation[i] * (w[2 + i] - 1) + 1 + stride[i] - 1
            for i in range(2)]


def draw_functional(rng):
    """A valid torch.nn.grad call on a random conv2d draw's geometry. torch.nn.grad takes neither
    'same'/'valid' nor unbatched input: those become symmetric int padding and a batch."""
    while True:
        cfg = draw_conv2d(rng)
        options = cfg["options"]
        padding = (options or {}).get("padding")
        if padding == "valid":
            options["padding"] = 0
        elif padding == "same":
            total = [d * (k - 1) for d, k in zip(pair(options.get("dilation", 1)), cfg["w"][2:])]
            options["padding"] = [t // 2 for t in total]
        x = list(cfg["x"]) if len(cfg["x"]) == 4 else [rng.randint(0, 3)] + list(cfg["x"])
        go = output_shape(x, cfg["w"], options)
        if go is None:
            continue  # 'same' lost a row or column of padding and the kernel no longer fits
        if rng.random() < 0.3:
            x[2:] = largest_input(go, cfg["w"], options)  # the rows and columns no output reads
        return {"name": rng.choice(FUNCTIONS), "x": x, "w": list(cfg["w"]), "go": list(go), "options": options}


def execute_functional(writer, group, case_id, cfg, expect=OK, note=None):
    go = randn(*cfg["go"])
    if cfg["name"] == "conv2d_input":
        first, second = cfg["x"], randn(*cfg["w"])
    else:
        first, second = randn(*cfg["x"]), cfg["w"]
    return writer.conv2d_grad(group, case_id, cfg["name"], first, second, go, cfg["options"],
                              expect=expect, note=note)


def options_of(cfg):
    if cfg["options"] is None:
        cfg["options"] = {}
    return cfg["options"]


def shape_argument(cfg):
    """The key of the shape torch takes as a list (input_size or weight_size)."""
    return "x" if cfg["name"] == "conv2d_input" else "w"


def bump(rng, shape, dim, choices=(1, 2)):
    shape[dim] += rng.choice(choices)


def perturb_groups_negative(rng, cfg):
    options_of(cfg)["groups"] = rng.choice([-1, -2])  # never 0: torch 1.13 dies of it


def perturb_groups_mismatch(rng, cfg):
    options_of(cfg)["groups"] = options_of(cfg).get("groups", 1) + rng.randint(1, 2)


def perturb_input_channels(rng, cfg):
    bump(rng, cfg["x"], 1)


def perturb_weight_out_channels(rng, cfg):
    bump(rng, cfg["w"], 0)


def perturb_weight_in_channels(rng, cfg):
    bump(rng, cfg["w"], 1, (1, 2) if cfg["w"][1] == 1 else (-1, 1))


def perturb_kernel(rng, cfg):
    dim = rng.choice([2, 3])
    bump(rng, cfg["w"], dim, (1, 2) if cfg["w"][dim] == 1 else (-1, 1, 2))


def perturb_grad_output_channels(rng, cfg):
    bump(rng, cfg["go"], 1)


def perturb_grad_output_size(rng, cfg):
    dim = rng.choice([2, 3])
    bump(rng, cfg["go"], dim, (1, 2) if cfg["go"][dim] == 1 else (-1, 1))


def perturb_grad_output_batch(rng, cfg):
    bump(rng, cfg["go"], 0)


def perturb_input_size(rng, cfg):
    """One past the largest input size whose output is go's, or one below the smallest."""
    dim = rng.choice([0, 1])
    largest = largest_input(cfg["go"], cfg["w"], cfg["options"])[dim]
    stride = pair((cfg["options"] or {}).get("stride", 1))[dim]
    cfg["x"][2 + dim] = rng.choice([largest + 1, max(0, largest - stride)])


def perturb_kernel_too_large(rng, cfg):
    """An input smaller than the (dilated, padded) kernel, with the empty grad_output it would give."""
    dim = rng.choice([0, 1])
    options = cfg["options"] or {}
    span = pair(options.get("dilation", 1))[dim] * (cfg["w"][2 + dim] - 1) + 1
    small = span - 2 * pair(options.get("padding", 0))[dim] - 1
    if small < 0:
        return False
    cfg["x"][2 + dim] = small
    cfg["go"][2 + dim] = 0


def perturb_rank(rng, cfg):
    key = rng.choice(["x", "w", "go"])
    shape = cfg[key]
    cfg[key] = rng.choice([shape[1:], shape[:3], shape[2:], [1] + shape])


def perturb_nonpositive(rng, cfg):
    key = rng.choice(["stride", "padding", "dilation"])
    bad = {"stride": [0, -1], "padding": [-1, -2], "dilation": [0, -1]}[key]
    value = rng.choice(bad)
    options_of(cfg)[key] = rng.choice([value, [value, 1], [1, value]])


def perturb_padding_string(rng, cfg):
    options_of(cfg)["padding"] = rng.choice(["same", "valid"])


def perturb_non_integer(rng, cfg):
    key = rng.choice(["stride", "padding", "dilation", "groups", "shape"])
    fraction = rng.choice([0.5, 1.5, 2.5])
    if key == "shape":
        cfg[shape_argument(cfg)][rng.randint(0, 3)] = fraction
    elif key == "groups":
        options_of(cfg)[key] = fraction
    else:
        options_of(cfg)[key] = rng.choice([fraction, [1, fraction]])


def perturb_pair_length(rng, cfg):
    key = rng.choice(["stride", "padding", "dilation"])
    options_of(cfg)[key] = rng.choice([[1, 1, 1], []])


def perturb_negative_size(rng, cfg):
    cfg[shape_argument(cfg)][rng.randint(0, 3)] = -1


PERTURBATIONS = [
    perturb_groups_negative, perturb_groups_mismatch, perturb_input_channels, perturb_weight_out_channels,
    perturb_weight_in_channels, perturb_kernel, perturb_grad_output_channels, perturb_grad_output_size, perturb_grad_output_batch,
    perturb_input_size, perturb_kernel_too_large, perturb_rank, perturb_nonpositive,
    perturb_padding_string, perturb_non_integer, perturb_pair_length, perturb_negative_size,
]


def draw_invalid(rng):
    """(rule name, config): a valid functional draw with one rule broken (torch decides if it raises);
    a perturbation returns False where it does not apply to the draw."""
    while True:
        perturb = rng.choice(PERTURBATIONS)
        cfg = draw_functional(rng)
        if perturb(rng, cfg) is not False:
            return perturb.__name__[len("perturb_"):], cfg


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, required=True)
    parser.add_argument("--valid", type=int, default=1000)
    parser.add_argument("--functional", type=int, default=300)
    parser.add_argument("--invalid", type=int, default=200)
    parser.add_argument("--graphs", type=int, default=200)
    parser.add_argument("--large", type=int, default=60)
    parser.add_argument("--out", required=True, help="directory for random-grad-cases.{json,bin}")
    args = parser.parse_args()

    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    writer = CaseWriter("tools/torch/random_grad_cases.py", seed=args.seed)
    writer.group("grad_valid", "random valid configurations, backpropagated: every leaf's gradient")
    writer.group("grad_functional", "random valid torch.nn.grad.conv2d_input / conv2d_weight calls")
    writer.group("grad_invalid", "random torch.nn.grad calls with one rule broken, kept where torch raises")
    writer.group("grad_graph", "random small graphs of convkit's differentiable ops, backpropagated")
    writer.group("grad_large", "random convolutions of a real network's size, backpropagated")

    valid_raised = 0
    for i in range(args.valid):
        case = execute(writer, "grad_valid", f"grad_valid/{i}", draw_valid(rng), backward=draw_backward(rng))
        if "error" in case:
            valid_raised += 1
            sys.stderr.write(f"note: valid draw {case['id']} raised in torch: {case['torch']}: "
                             f"{case['error']['message']}\n")

    for i in range(args.functional):
        cfg = draw_functional(rng)
        execute_functional(writer, "grad_functional", f"grad_functional/{i}_{cfg['name']}", cfg)

    kept = tries = 0
    while kept < args.invalid:
        tries += 1
        if tries > 50 * max(1, args.invalid):
            sys.exit("error: could not draw enough invalid gradient calls torch rejects")
        rule, cfg = draw_invalid(rng)
        case = execute_functional(writer, "grad_invalid", f"grad_invalid/{kept}_{cfg['name']}_{rule}", cfg,
                                  expect=DROP_UNLESS_ERROR, note=f"perturbation: {rule}")
        kept += case is not None

    for i in range(args.graphs):
        leaves, steps = draw_graph(rng)
        writer.graph("grad_graph", f"grad_graph/{i}", leaves, steps, backward=draw_backward(rng), expect=OK)

    for i in range(args.large):
        execute(writer, "grad_large", f"grad_large/{i}", draw_large(rng), expect=OK, backward=draw_backward(rng))

    writer.write(args.out, "random-grad-cases")
    print(f"seed {args.seed}: {args.valid} valid backward ({valid_raised} raised in torch), "
          f"{args.functional} functional, {args.invalid} invalid (from {tries} perturbed draws), "
          f"{args.graphs} graphs, {args.large} large")


if __name__ == "__main__":
    main()
