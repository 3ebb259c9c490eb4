"""Random cases of softmax, log_softmax, nll_loss, cross_entropy and mse_loss (functional and as
nn.CrossEntropyLoss / NLLLoss / MSELoss), forward and backward, as PyTorch 1.13 computes them.

    /usr/bin/python3 tools/torch/loss_cases.py [--seed N] [--count 400] [--out test/fixtures]

writes <out>/torch-loss.json (the committed fixture with the defaults; the live suite passes its own
seed, count and a temporary folder). Each case names the op, its arguments in convkit's forms (class
indices as a tensor of integer values, or as a plain array for `form` 'array' / 'int32'), R (the
output's gradient) and torch's output and the gradients of sum(out * R) for the input (and a
probability target), or the message torch raised. Inputs mix ordinary logits with extreme ones (+-80)
that overflow exp in float32 without the max subtraction. Values are float32 written as JSON numbers
(exact), NaN as null.
"""
import argparse
import json
import os
import random
import sys
import warnings

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
try:
    import torch
except Exception as exc:  # ImportError, or a broken installation
    sys.stderr.write(f"error: PyTorch is not importable by {sys.executable}: {exc}\n")
    sys.exit(3)
F = torch.nn.functional
torch.set_num_threads(1)
warnings.filterwarnings("ignore")  # mse_loss's size warning: the case says the shapes differ

REDUCTIONS = ["none", "mean", "sum"]
MODULES = {"crossEntropy": torch.nn.CrossEntropyLoss, "nllLoss": torch.nn.NLLLoss, "mseLoss": torch.nn.MSELoss}


def values(t):
    return [None if v != v else float(v) for v in t.detach().flatten().tolist()]


def tensor_json(t):
    return {"shape": list(t.shape), "values": values(t)}


def logits(rng, shape):
    x = torch.randn(shape) * rng.choice([1.0, 3.0])
    if rng.random() < 0.25 and x.numel() > 0:  # extreme logits: exp(80) overflows float32
        mask = torch.rand(shape) < 0.4
        x = torch.where(mask, torch.sign(torch.randn(shape)) * 80 + torch.randn(shape), x)
    return x


def input_shape(rng, allow_empty=True):
    """(C), (N, C) or (N, C, d1, ...), the last ones rarer; sizes 0 only where allowed."""
    rank = rng.choice([1, 2, 2, 2, 3, 4, 4, 5])
    c = rng.randint(1, 6)
    n = rng.randint(0 if allow_empty and rng.random() < 0.08 else 1, 4)
    spatial = [rng.randint(1, 3) for _ in range(rank - 2)]
    if spatial and allow_empty and rng.random() < 0.05:
        spatial[0] = 0
    return [c] if rank == 1 else [n, c] + spatial


def class_target(rng, shape, ignore_index):
    """Integer class indices for an input of `shape`, some of them ignore_index."""
    c = shape[0] if len(shape) == 1 else shape[1]
    tshape = [] if len(shape) == 1 else [shape[0]] + shape[2:]
    t = torch.randint(0, c, tshape)
    if rng.random() < 0.4:
        t = torch.where(torch.rand(tshape) < 0.3, torch.full(tshape, ignore_index), t)
    return t


def options_for(rng, op, c):
    opts = {}
    if op != "mseLoss":
        if rng.random() < 0.4:
            opts["weight"] = torch.rand(c) + 0.1
        if rng.random() < 0.4:
            opts["ignoreIndex"] = rng.choice([-100, -1, rng.randrange(c)])
    if rng.random() < 0.7:
        opts["reduction"] = rng.choice(REDUCTIONS)
    if op == "crossEntropy" and rng.random() < 0.5:
        opts["labelSmoothing"] = rng.choice([0.0, 0.1, 0.25, 0.6, 1.0, -0.2])
    return opts


def torch_kwargs(opts):
    names = {"weight": "weight", "ignoreIndex": "ignore_index", "reduction": "reduction", "labelSmoothing": "label_smoothing"}
    return {names[k]: v for k, v in opts.items()}


def options_json(opts):
    return {k: tensor_json(v) if isinstance(v, torch.Tensor) else v for k, v in opts.items()}


def run(case, call, leaves):
    """Calls torch, records its output and the leaves' gradients of sum(out * R), or its error."""
    try:
        out = call()
    except (RuntimeError, ValueError, IndexError) as e:
        case["error"] = str(e).split("\n")[0][:300]
        return case
    r = torch.randn(out.shape)
    if out.requires_grad:
        (out * r).sum().backward()
    case["R"] = values(r)
    case["out"] = tensor_json(out)
    case["grads"] = {name: None if t.grad is None else values(t.grad) for name, t in leaves.items()}
    return case


def softmax_case(rng, valid):
    op = rng.choice(["softmax", "logSoftmax"])
    rank = rng.randint(0, 4)
    shape = [rng.randint(1 if rng.random() < 0.9 else 0, 5) for _ in range(rank)]
    span = max(rank, 1)
    dim = rng.randint(-span, span - 1) if valid else rng.choice([span, -span - 1, span + 2])
    x = logits(rng, shape).requires_grad_()
    case = {"op": op, "input": tensor_json(x), "dim": dim}
    fn = torch.softmax if op == "softmax" else torch.log_softmax
    return run(case, lambda: fn(x, dim), {"input": x})


def class_loss_case(rng, op, module):
    shape = input_shape(rng, allow_empty=True)
    c = shape[0] if len(shape) == 1 else shape[1]
    opts = options_for(rng, op, c)
    x = logits(rng, shape)
    if op == "nllLoss" and rng.random() < 0.7:
        x = torch.log_softmax(x, 0 if len(shape) == 1 else 1)
    x = x.detach().requires_grad_()
    leaves = {"input": x}
    prob = op == "crossEntropy" and rng.random() < 0.35
    if prob:
        if opts.get("ignoreIndex", -1) >= 0:  # torch refuses it with probabilities: an invalid case's rule
            del opts["ignoreIndex"]
        t = torch.softmax(torch.randn(shape) * 2, 0 if len(shape) == 1 else 1) if rng.random() < 0.7 else torch.rand(shape)
        t.requires_grad_(rng.random() < 0.6)
        if t.requires_grad:
            leaves["target"] = t
        target, form = t, "tensor"
    else:
        target = class_target(rng, shape, opts.get("ignoreIndex", -100))
        form = rng.choice(["tensor", "tensor", "array", "int32"])
    case = {"op": op, "module": module, "input": tensor_json(x), "form": form, "options": options_json(opts)}
    case["target"] = tensor_json(target) if form == "tensor" else {"values": [int(v) for v in target.flatten().tolist()]}
    kwargs = torch_kwargs(opts)
    tgt = target if prob else target.long()
    if module:
        call = lambda: MODULES[op](**kwargs)(x, tgt)  # noqa: E731
    else:
        call = lambda: getattr(F, "nll_loss" if op == "nllLoss" else "cross_entropy")(x, tgt, **kwargs)  # noqa: E731
    return run(case, call, leaves)


def mse_case(rng, module):
    rank = rng.randint(0, 4)
    shape = [rng.randint(1, 4) for _ in range(rank)]
    tshape = list(shape)
    if rng.random() < 0.3:  # broadcast either way, as torch does (with a warning)
        tshape = [s if rng.random() < 0.6 else 1 for s in shape][rng.randint(0, rank):]
        if rng.random() < 0.5:
            shape, tshape = tshape, shape
    x = (torch.randn(shape) * 2).requires_grad_()
    t = torch.randn(tshape).requires_grad_(rng.random() < 0.5)
    opts = options_for(rng, "mseLoss", 1)
    case = {"op": "mseLoss", "module": module, "input": tensor_json(x), "form": "tensor", "target": tensor_json(t), "options": options_json(opts)}
    kwargs = torch_kwargs(opts)
    call = (lambda: torch.nn.MSELoss(**kwargs)(x, t)) if module else (lambda: F.mse_loss(x, t, **kwargs))
    return run(case, call, {"input": x, "target": t} if t.requires_grad else {"input": x})


def invalid_case(rng):
    """A call torch rejects, one rule at a time (each kept only where torch does raise)."""
    kind = rng.choice(["bounds", "fraction", "batch", "rank", "spatial", "weight", "smoothing", "reduction",
                       "prob-ignore", "prob-weight", "mse-shape", "scalar", "softmax-dim"])
    if kind == "softmax-dim":
        return softmax_case(rng, False)
    shape = input_shape(rng, allow_empty=False)
    c = shape[0] if len(shape) == 1 else shape[1]
    op = rng.choice(["nllLoss", "crossEntropy"])
    opts = {}
    x = logits(rng, shape)
    target = class_target(rng, shape, -100)
    if kind == "bounds":
        flat = target.flatten()
        flat[rng.randrange(flat.numel())] = rng.choice([c, c + 7, -1, -3])
        target = flat.reshape(target.shape)
    elif kind == "fraction":
        target = target.float()
        target.view(-1)[0] += 0.5
    elif kind == "batch" and len(shape) > 1:
        target = torch.zeros([shape[0] + rng.randint(1, 2)] + list(target.shape[1:]), dtype=torch.long)
    elif kind == "rank":
        target = target.unsqueeze(-1) if rng.random() < 0.5 or target.dim() == 0 else target[..., 0]
    elif kind == "spatial" and len(shape) > 2:
        tshape = list(target.shape)
        tshape[-1] += 1
        target = torch.zeros(tshape, dtype=torch.long)
    elif kind == "weight":
        opts["weight"] = torch.rand(c + rng.choice([-1, 1, 2])) if c > 1 else torch.rand(3)
    elif kind == "smoothing":
        op = "crossEntropy"
        opts["labelSmoothing"] = rng.choice([1.5, 3.0])
    elif kind == "reduction":
        opts["reduction"] = rng.choice(["elementwise_mean", "avg", "Mean"])
    elif kind == "prob-ignore":
        op, target = "crossEntropy", torch.rand(shape)
        opts["ignoreIndex"] = rng.randrange(c)
    elif kind == "prob-weight":
        op, target = "crossEntropy", torch.rand(shape)
        opts["weight"] = torch.rand(c + 1)
    elif kind == "mse-shape":
        x, target = torch.randn(shape), torch.randn(shape[:-1] + [shape[-1] + 1])
        op = "mseLoss"
    elif kind == "scalar":
        x, target = torch.randn([]), torch.zeros([], dtype=torch.long)
    if target.dtype == torch.long and list(target.shape) == list(x.shape):
        return None  # convkit reads a target of the input's shape as probabilities: not an error there
    x.requires_grad_()
    case = {"op": op, "module": False, "input": tensor_json(x), "form": "tensor", "target": tensor_json(target), "options": options_json(opts)}
    kwargs = torch_kwargs(opts)
    fn = {"nllLoss": F.nll_loss, "crossEntropy": F.cross_entropy, "mseLoss": F.mse_loss}[op]
    case = run(case, lambda: fn(x, target, **kwargs), {"input": x})
    return case if "error" in case else None


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--count", type=int, default=400)
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "..", "test", "fixtures"))
    args = parser.parse_args()
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    cases = []
    for i in range(args.count):
        slot = i % 10
        if slot < 2:
            case = softmax_case(rng, True)
        elif slot < 4:
            case = class_loss_case(rng, "nllLoss", rng.random() < 0.25)
        elif slot < 7:
            case = class_loss_case(rng, "crossEntropy", rng.random() < 0.25)
        elif slot < 8:
            case = mse_case(rng, rng.random() < 0.25)
        else:
            case = None
            while case is None:
                case = invalid_case(rng)
        case["id"] = f"loss-{i}"
        cases.append(case)
    path = os.path.join(args.out, "torch-loss.json")
    with open(path, "w") as f:
        json.dump({"torch": torch.__version__, "seed": args.seed, "cases": cases}, f, allow_nan=False, separators=(",", ":"))
        f.write("\n")
    errors = sum("error" in c for c in cases)
    print(f"{torch.__version__}, seed {args.seed}: {len(cases)} loss cases ({errors} raised in torch)")


if __name__ == "__main__":
    main()
