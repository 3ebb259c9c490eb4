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
                   (both drawn by functional_draws.py)
  grad_graph       R small graphs (graph_draws.py): a convolution or pad, then ReLU, add/sub/mul with
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

from caselib import DROP_UNLESS_ERROR, OK, CaseWriter, keep_rejected, run_valid, torch  # noqa: E402
from functional_draws import draw_functional, draw_invalid, execute_functional  # noqa: E402
from graph_draws import draw_graph  # noqa: E402
from random_cases import draw_valid, execute  # noqa: E402

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


def draw_backward(rng):
    """How the loss is backpropagated (caselib's CaseWriter._backward)."""
    spec = {"loss": rng.choice(["backward", "sum"])}
    if rng.random() < 0.1:
        spec["times"] = 2
    return spec


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

    valid_raised = run_valid(args.valid, lambda i: execute(writer, "grad_valid", f"grad_valid/{i}", draw_valid(rng),
                                                           backward=draw_backward(rng)))

    for i in range(args.functional):
        cfg = draw_functional(rng)
        execute_functional(writer, "grad_functional", f"grad_functional/{i}_{cfg['name']}", cfg)

    def invalid(kept):
        rule, cfg = draw_invalid(rng)
        return execute_functional(writer, "grad_invalid", f"grad_invalid/{kept}_{cfg['name']}_{rule}", cfg,
                                  expect=DROP_UNLESS_ERROR, note=f"perturbation: {rule}")
    tries = keep_rejected(args.invalid, "invalid gradient calls", invalid)

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
