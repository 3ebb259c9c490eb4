"""ReLU6, Hardswish, Dropout, Flatten and Identity as PyTorch computes them: random cases for convkit.

    /usr/bin/python3 tools/torch/activation_cases.py [--seed 0] [--count 80] --out DIR

writes DIR/torch-activation.json (the committed fixture: --seed 0 --count 80 --out test/fixtures; the
live suite, tools/torch/live.ts, draws its own seed). Replayed by test/support/activation-cases.ts.

Groups:
- activation: relu6 / hardswish of random inputs (boundary values -3, 0, 3, 6 and their float32
  neighbours, NaN, +-inf, -0 among them), y.backward(R) with R holding NaN and inf too: output and
  input gradient, compared bit for bit.
- dropout: p outside [0, 1] (torch's error), eval and p = 0 (torch returns the input itself), p = 1
  (x * 0), and p in (0, 1) on 1024 elements: torch's scale (its masks convkit does not reproduce: the
  script checks that torch's output and gradient are x * noise and R * noise with noise 0 or scale, and
  the replay asks the same of convkit's).
- flatten: torch.flatten and nn.Flatten on random shapes and dims: the output shape or the error.
- repr: repr() of each module with random arguments.

torch 1.13's CPU kernels run a tensor's elements in vectorised chunks and the last few (fewer than the
chunk, 16 floats with AVX2) in a scalar loop, and the two disagree on the gradient at NaN (relu6,
hardswish) and at x = 3 (hardswish). convkit follows the vectorised loop, so those values go only into
the first 64 * k elements; the script checks torch's gradients against that rule and stops if they differ.
Values are float32 written as the shortest JSON numbers that read back to them; NaN, inf and -inf as the strings "nan", "inf", "-inf".
"""
import argparse
import json
import math
import os
import random
import sys

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

torch.set_num_threads(1)
f32 = np.float32
BOUNDARIES = [-3.0, 0.0, 3.0, 6.0]
CHUNK = 64  # a multiple of every vectorised chunk of torch's CPU kernels (16 floats AVX2, 32 AVX-512)


def encode(values):
    """float32 values as the shortest decimals that read back to them (through Math.fround / a Float32Array)."""
    out = []
    for v in values:
        v = float(v)
        out.append('nan' if v != v else 'inf' if v == math.inf else '-inf' if v == -math.inf else float(repr(f32(v))))
    return out


def flat(t):
    return encode(t.detach().reshape(-1).tolist())


def specials(rng):
    """Values at and next to the kinks, and the non-finite ones."""
    picks = [math.nan, math.inf, -math.inf, -0.0]
    for b in BOUNDARIES:
        picks += [b, float(np.nextafter(f32(b), f32(-math.inf))), float(np.nextafter(f32(b), f32(math.inf)))]
    return picks + [rng.randint(-16, 16) / 2 for _ in range(8)]


def random_shape(rng):
    if rng.random() < 0.5:
        k = rng.randint(1, 2)
        return rng.choice([[k * CHUNK], [k, CHUNK], [k, 4, 4, 4], [1, k, 8, 8]])
    return [rng.randint(1, 5) for _ in range(rng.randint(0, 4))]


def special_filled(rng, shape, scale):
    """randn * scale, with specials in the vectorised prefix (the first 64 * k elements)."""
    x = torch.randn(shape) * scale
    n = x.numel()
    prefix = n - n % CHUNK
    flat_x = x.view(-1)
    if prefix:
        for i in rng.sample(range(prefix), min(prefix, rng.randint(prefix // 4, prefix // 2))):
            flat_x[i] = rng.choice(specials(rng))
    return x


def vectorised_grad(op, x, r):
    """torch's vectorised backward loop, in float32 numpy (what convkit computes everywhere)."""
    x, r = x.numpy(), r.numpy()
    with np.errstate(invalid='ignore'):
        if op == 'relu6':
            return np.where((x > 0) & (x < 6), r, f32(0))
        slope = r * ((x / f32(3)) + f32(0.5))
        return np.where(x < -3, f32(0), np.where(x >= 3, r, slope))


def same_bits(a, b):
    a, b = np.asarray(a, dtype=f32), np.asarray(b, dtype=f32)
    return a.shape == b.shape and bool(np.all((a.view(np.uint32) == b.view(np.uint32)) | (np.isnan(a) & np.isnan(b))))


def activation_case(rng, i):
    op = rng.choice(['relu6', 'hardswish'])
    shape = random_shape(rng)
    x = special_filled(rng, shape, rng.choice([1.0, 3.0, 8.0])).requires_grad_()
    r = special_filled(rng, shape, 1.0) if rng.random() < 0.3 else torch.randn(shape)
    y = getattr(F, op)(x)
    y.backward(r)
    if not same_bits(x.grad.numpy(), vectorised_grad(op, x.detach(), r)):
        sys.exit(f'case {i}: torch {torch.__version__} computed {op}\'s gradient unlike its vectorised loop; see the docstring')
    return {'id': f'activation-{i}', 'group': 'activation', 'op': op, 'shape': shape,
            'x': flat(x), 'R': flat(r), 'y': flat(y), 'grad': flat(x.grad)}


def error_text(fn):
    try:
        fn()
    except Exception as e:  # torch raises ValueError or RuntimeError
        return str(e).split('\n')[0]
    return None


def dropout_cases(rng):
    cases = []
    x = torch.randn(3, 4)
    for p in [1.5, -0.1, 2, -1, math.nan, 1.0000001, -1e-9]:
        message = error_text(lambda: F.dropout(x, p))
        assert message is not None, p
        cases.append({'id': f'dropout-error-{p}', 'group': 'dropout', 'op': 'dropout', 'p': 'nan' if p != p else p,
                      'error': message, 'moduleError': error_text(lambda: nn.Dropout(p))})
    for p, training in [(0.5, False), (0.0, True), (0.0, False), (1.0, False), (rng.random(), False)]:
        shape = random_shape(rng)
        x = torch.randn(shape)
        module = nn.Dropout(p).train(training)
        cases.append({'id': f'dropout-same-{p}-{training}', 'group': 'dropout', 'op': 'dropout', 'p': p,
                      'training': training, 'shape': shape, 'x': flat(x),
                      'same': F.dropout(x, p, training) is x and module(x) is x})
    for trial in range(4):
        shape = random_shape(rng)
        x = special_filled(rng, shape, 2.0).requires_grad_()
        r = torch.randn(shape)
        y = F.dropout(x, 1.0)
        y.backward(r)
        cases.append({'id': f'dropout-one-{trial}', 'group': 'dropout', 'op': 'dropout', 'p': 1.0, 'training': True,
                      'shape': shape, 'x': flat(x), 'R': flat(r), 'y': flat(y), 'grad': flat(x.grad)})
    for trial in range(8):
        p = rng.choice([0.1, 0.2, 0.5, 0.8, round(rng.random(), 6), rng.random()])
        shape = [4, 16, 4, 4]
        x = special_filled(rng, shape, 2.0).requires_grad_()
        r = torch.randn(shape)
        y = F.dropout(x, p)
        y.backward(r)
        scale = F.dropout(torch.ones(CHUNK * 16), p).max().item()
        # torch's output and gradient are x * noise and R * noise, noise 0 or scale: what the replay asks of convkit's
        kept = x.grad != r * 0
        noise = torch.where(kept, torch.tensor(scale), torch.tensor(0.0))
        if not (same_bits(y.detach(), x.detach() * noise) and same_bits(x.grad, r * noise)):
            sys.exit(f'dropout p={p}: torch\'s output is not x * noise with noise 0 or {scale}')
        cases.append({'id': f'dropout-{trial}', 'group': 'dropout', 'op': 'dropout', 'p': p, 'training': True,
                      'shape': shape, 'x': flat(x), 'R': flat(r), 'scale': scale})
    return cases


def flatten_cases(rng, count):
    cases = []
    for i in range(count):
        shape = [rng.randint(0, 4) for _ in range(rng.randint(0, 4))]
        span = max(len(shape), 1)
        start, end = rng.randint(-span - 1, span), rng.randint(-span - 1, span)
        module = rng.random() < 0.5
        if module and rng.random() < 0.3:
            start, end = None, None  # nn.Flatten()'s defaults
        x = torch.zeros(shape)
        if module:
            call = lambda: nn.Flatten(*([] if start is None else [start, end]))(x)
        else:
            call = lambda: torch.flatten(x, start, end)
        case = {'id': f'flatten-{i}', 'group': 'flatten', 'op': 'Flatten' if module else 'flatten', 'shape': shape}
        if start is not None:
            case.update(start=start, end=end)
        try:
            case['outShape'] = list(call().shape)
        except (IndexError, RuntimeError) as e:
            case['error'] = str(e).split('\n')[0]
        cases.append(case)
    return cases


def repr_cases(rng):
    specs = [{'type': 'ReLU6'}, {'type': 'Hardswish'}, {'type': 'Identity'}, {'type': 'Dropout'}, {'type': 'Flatten'}]
    for p in [0.0, 1.0, 0.5, 0.1 + 0.2, 1 / 3, 1e-05, 1.5e-07, 0.0001, 0.00012, rng.random(), round(rng.random(), 3)]:
        specs.append({'type': 'Dropout', 'p': p})
    for _ in range(6):
        specs.append({'type': 'Flatten', 'startDim': rng.randint(-4, 3), 'endDim': rng.randint(-4, 3)})
    cases = []
    for i, spec in enumerate(specs):
        args = {'Dropout': [spec['p']] if 'p' in spec else [], 'Flatten': [spec['startDim'], spec['endDim']] if 'startDim' in spec else []}
        module = getattr(nn, spec['type'])(*args.get(spec['type'], []))
        cases.append({'id': f'repr-{i}', 'group': 'repr', 'op': 'repr', 'module': spec, 'repr': repr(module)})
    return cases


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--count', type=int, default=80)
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    torch.manual_seed(args.seed)
    cases = [activation_case(rng, i) for i in range(args.count)]
    cases += dropout_cases(rng) + flatten_cases(rng, args.count // 2) + repr_cases(rng)
    path = os.path.join(args.out, 'torch-activation.json')
    with open(path, 'w') as f:
        f.write('{"format": "convkit-torch-activation", "torch": %s, "seed": %d, "cases": [\n' % (json.dumps(torch.__version__), args.seed))
        f.write(',\n'.join(json.dumps(c, separators=(',', ':')) for c in cases))
        f.write('\n]}\n')
    print(torch.__version__)


if __name__ == '__main__':
    main()
