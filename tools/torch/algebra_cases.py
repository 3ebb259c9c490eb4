"""Random cases of the small algebra a loss needs (add, sub, mul, div with broadcasting; sum and mean
over dims; flatten; relu), forward and backward, as PyTorch computes them.

    /usr/bin/python3 tools/torch/algebra_cases.py [--seed N] [--count 300] > test/fixtures/torch-algebra.json

Each case: the op, its arguments, the operands (values and shapes), R (the output's gradient), and
torch's output and each operand's gradient, or the error torch raised. Values are float32, written as
JSON numbers (repr of a float32 converted to float64 reads back exactly), NaN as null.
"""
import argparse
import json
import random

import torch


def rand_shape(rng, rank):
    return [rng.choice([1, 1, 2, 3, 4]) for _ in range(rank)]


def broadcastable_pair(rng):
    rank = rng.randint(0, 4)
    out = rand_shape(rng, rank)
    def operand():
        keep = rng.randint(0, rank)  # leading dims dropped
        return [s if rng.random() < 0.6 else 1 for s in out[rank - keep:]]
    return operand(), operand()


def values(t):
    # JSON has no NaN: null stands for it (a mean over no elements)
    return [None if v != v else float(v) for v in t.detach().flatten().tolist()]


def case_binary(rng, valid):
    op = rng.choice(['add', 'sub', 'mul', 'div'])
    a_shape, b_shape = broadcastable_pair(rng)
    if not valid:
        a_shape = rand_shape(rng, rng.randint(1, 3))
        b_shape = [s + rng.randint(1, 2) if s > 1 else rng.randint(2, 3) for s in a_shape]
    scalar_b = valid and rng.random() < 0.15
    a = torch.randn(a_shape, requires_grad=True)
    b = rng.choice([-2.5, 0.5, 3.0]) if scalar_b else torch.randn(b_shape, requires_grad=rng.random() < 0.8)
    if op == 'div' and not scalar_b:
        with torch.no_grad():
            b += torch.sign(b) * 0.5  # keep away from 0
    case = {'op': op, 'a': {'shape': a_shape, 'values': values(a)}}
    case['b'] = b if scalar_b else {'shape': b_shape, 'values': values(b), 'requiresGrad': b.requires_grad}
    try:
        out = getattr(torch, op)(a, b)
    except RuntimeError as e:
        case['error'] = str(e).split('\n')[0][:200]
        return case
    r = torch.randn(out.shape)
    (out * r).sum().backward()
    case.update(R=values(r), out={'shape': list(out.shape), 'values': values(out)},
                grads={'a': values(a.grad), 'b': None if scalar_b or not b.requires_grad else values(b.grad)})
    return case


def case_reduce(rng, valid):
    op = rng.choice(['sum', 'mean'])
    rank = rng.randint(0, 4)
    shape = rand_shape(rng, rank)
    if rng.random() < 0.1 and rank > 0:
        shape[rng.randrange(rank)] = 0
    a = torch.randn(shape, requires_grad=True)
    span = max(rank, 1)
    if rng.random() < 0.25:
        dim = None
    elif rng.random() < 0.5:
        dim = rng.randint(-span, span - 1) if valid else rng.choice([span, -span - 1])
    else:
        dim = rng.sample(range(-span, span), rng.randint(0, span)) if valid else [0, -span]
        if valid:
            dim = sorted({d % span for d in dim}, key=lambda d: rng.random())
            dim = [d - span if rng.random() < 0.5 else d for d in dim]
    keepdim = rng.random() < 0.5
    case = {'op': op, 'a': {'shape': shape, 'values': values(a)}, 'dim': dim, 'keepdim': keepdim}
    try:
        out = getattr(torch, op)(a) if dim is None else getattr(torch, op)(a, dim, keepdim)
    except (RuntimeError, IndexError) as e:
        case['error'] = str(e).split('\n')[0][:200]
        return case
    if dim is None:
        case['keepdim'] = False
    r = torch.randn(out.shape)
    (out * r).sum().backward()
    case.update(R=values(r), out={'shape': list(out.shape), 'values': values(out)}, grads={'a': values(a.grad)})
    return case


def case_unary(rng, valid):
    op = rng.choice(['flatten', 'relu'])
    rank = rng.randint(0 if op == 'flatten' else 1, 4)
    shape = rand_shape(rng, rank)
    a = torch.randn(shape, requires_grad=True)
    case = {'op': op, 'a': {'shape': shape, 'values': values(a)}}
    try:
        if op == 'relu':
            out = torch.relu(a)
        else:
            span = max(rank, 1)
            lo, hi = (-span, span - 1) if valid else (span, span + 1)
            start, end = rng.randint(lo, hi), rng.randint(lo, hi)
            if valid and (start % span) > (end % span):
                start, end = end, start
            case.update(start=start, end=end)
            out = torch.flatten(a, start, end)
    except (RuntimeError, IndexError) as e:
        case['error'] = str(e).split('\n')[0][:200]
        return case
    r = torch.randn(out.shape)
    (out * r).sum().backward()
    case.update(R=values(r), out={'shape': list(out.shape), 'values': values(out)}, grads={'a': values(a.grad)})
    return case


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seed', type=int, default=7)
    parser.add_argument('--count', type=int, default=300)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    makers = [case_binary, case_reduce, case_unary]
    cases = [makers[i % 3](rng, rng.random() < 0.85) for i in range(args.count)]
    print(json.dumps(allow_nan=False, obj={'torch': torch.__version__, 'seed': args.seed, 'cases': cases}, separators=(',', ':')))


if __name__ == '__main__':
    main()
