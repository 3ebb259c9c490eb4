"""Checks convkit's analysis against PyTorch (run by tools/torch/analysis.ts, which writes the cases).

    /usr/bin/python3 tools/torch/analysis_check.py CASES.json

For each random stack (Sequential.toJSON() form): builds it in PyTorch, then compares convkit's
parameter count with sum(p.numel()) and its per-layer MACs with a forward hook on every nn.Conv2d
(output numel x in_channels/groups x kH x kW, counted from the tensors torch produced).
For each random dilated/strided stack: with all weights 1 and no bias, the gradient of the single
output position with respect to an input exactly the size of the receptive field counts the paths
from that output to each input position, which must equal convkit's coverage map.
Prints failures and a last line 'N passed, M failed'; exits 1 on any failure.
"""
import json
import sys
import warnings

warnings.filterwarnings("ignore")
import torch  # noqa: E402
import torch.nn as nn  # noqa: E402


class DepthwiseSeparableConv(nn.Module):
    """The tutorial's module, with stride, dilation and bias passed to both halves as convkit does."""

    def __init__(self, in_channels, out_channels, kernel_size=3, padding=1, stride=1, dilation=1, bias=True):
        super().__init__()
        self.depthwise = nn.Conv2d(in_channels, in_channels, kernel_size, stride=stride, padding=padding,
                                   dilation=dilation, groups=in_channels, bias=bias)
        self.pointwise = nn.Conv2d(in_channels, out_channels, 1, bias=bias)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


def pair_or_str(v):
    return v if isinstance(v, str) or isinstance(v, int) else tuple(v)


def build(spec):
    kind = spec["type"]
    if kind == "Sequential":
        return nn.Sequential(*[build(layer) for layer in spec["layers"]])
    if kind == "ReLU":
        return nn.ReLU()
    if kind == "Conv2d":
        return nn.Conv2d(spec["inChannels"], spec["outChannels"], pair_or_str(spec["kernelSize"]),
                         stride=pair_or_str(spec["stride"]), padding=pair_or_str(spec["padding"]),
                         dilation=pair_or_str(spec["dilation"]), groups=spec["groups"], bias=spec["bias"],
                         padding_mode=spec["paddingMode"])
    if kind == "DepthwiseSeparableConv2d":
        return DepthwiseSeparableConv(spec["inChannels"], spec["outChannels"], pair_or_str(spec["kernelSize"]),
                                      padding=pair_or_str(spec["padding"]), stride=pair_or_str(spec["stride"]),
                                      dilation=pair_or_str(spec["dilation"]), bias=spec["bias"])
    raise ValueError(f"unknown layer type {kind!r}")


def conv_macs_by_hooks(model, input_shape):
    """MACs of every nn.Conv2d in forward order, counted from the output tensors torch produced."""
    macs = []

    def hook(module, _inputs, output):
        kh, kw = module.kernel_size
        macs.append(output.numel() * (module.in_channels // module.groups) * kh * kw)

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, nn.Conv2d)]
    # An unbatched input runs as a batch of one (same MACs): PyTorch 1.13's circular padding rejects 3-D
    # input, a bug fixed in later releases, which convkit does not copy.
    unbatched = len(input_shape) == 3
    with torch.no_grad():
        out = model(torch.randn(1, *input_shape) if unbatched else torch.randn(*input_shape))
    for h in handles:
        h.remove()
    return macs, list(out.shape[1:] if unbatched else out.shape)


def check_stack(case):
    model = build(case["model"])
    params = sum(p.numel() for p in model.parameters())
    macs, out_shape = conv_macs_by_hooks(model, case["inputShape"])
    problems = []
    if params != case["parameters"]:
        problems.append(f"parameters: torch {params}, convkit {case['parameters']}")
    if macs != case["convMacs"]:
        problems.append(f"per-layer MACs: torch {macs}, convkit {case['convMacs']}")
    if out_shape != case["outputShape"]:
        problems.append(f"output shape: torch {out_shape}, convkit {case['outputShape']}")
    return problems


def check_map(case):
    layers = [nn.Conv2d(1, 1, tuple(l["kernel"]), stride=tuple(l["stride"]), dilation=tuple(l["dilation"]), bias=False)
              for l in case["layers"]]
    for conv in layers:
        nn.init.ones_(conv.weight)
    model = nn.Sequential(*layers).double()
    x = torch.zeros(1, 1, *case["size"], dtype=torch.float64, requires_grad=True)
    out = model(x)
    if list(out.shape[2:]) != [1, 1]:
        return [f"an input the size of the field {case['size']} gives output {list(out.shape)}, not one position"]
    out[0, 0, 0, 0].backward()
    paths = x.grad[0, 0].round().long().tolist()
    return [] if paths == case["counts"] else [f"paths: torch {paths}, convkit {case['counts']}"]


def main():
    cases = json.load(open(sys.argv[1]))
    torch.manual_seed(cases["seed"])
    passed = failed = 0
    for kind, check in (("stacks", check_stack), ("maps", check_map)):
        for i, case in enumerate(cases[kind]):
            try:
                problems = check(case)
            except Exception as exc:  # torch rejected a stack convkit accepted
                problems = [f"torch raised {type(exc).__name__}: {str(exc).splitlines()[0]}"]
            if problems:
                failed += 1
                if failed <= 20:
                    print(f"FAIL {kind}[{i}]: {'; '.join(problems)}\n  case: {json.dumps(case)[:400]}")
            else:
                passed += 1
    print(f"analysis: {len(cases['stacks'])} random stacks (parameters, per-layer MACs, output shape), "
          f"{len(cases['maps'])} coverage maps (paths = input gradient)")
    print(f"{passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
