"""Random cases of F.linear / nn.Linear and F.batch_norm / nn.BatchNorm2d, as PyTorch computes them.

    /usr/bin/python3 tools/torch/linear_bn_cases.py [--seed 1] [--count 160] > test/fixtures/torch-linear-bn.json
    /usr/bin/python3 tools/torch/linear_bn_cases.py --seed N --count 400 --out DIR   # the live suite: DIR/linear-bn-cases.json

Four kinds of case, drawn in turn (test/support/linear-bn-cases.ts replays them):
- linear: F.linear(input, weight[, bias]) with random leading dimensions, sizes (0 included), a bias
  absent, None, (out) or another shape that broadcasts, a 1-D weight; torch's output and the gradient
  of sum(out * R) for each operand that requires grad, or the error torch raised;
- batch_norm: F.batch_norm(input, running_mean, running_var, weight, bias, training, momentum, eps)
  on inputs of rank 2 to 5, any of the per-channel tensors None; output, gradients, and the running
  statistics after the call, or the error;
- Linear: nn.Linear(in, out, bias) with torch's initial parameters loaded, one or two forward and
  backward passes; or the error of the constructor or of forward;
- BatchNorm2d: nn.BatchNorm2d(C, eps, momentum (None included), affine, track_running_stats) with
  random affine parameters, run for several steps in train or eval mode (each one a forward and maybe a
  backward): each step's output, gradients and state dict after it; a step torch rejects records the
  error and the state dict after it (torch counts the batch before it checks it).
Left out as torch 1.13 quirks: per-channel tensors of the wrong size with an empty input (torch checks
no sizes then), and a non-integer num_features with affine and track_running_stats off (torch allocates
nothing, so it constructs).
Tensors are {"shape", "values"} with float32 values as JSON numbers (NaN as null). Each case seeds
torch from its index, so the file is the same on every run.
"""
import argparse
import copy
import json
import math
import os
import random
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from caselib import ensure_stable_environment, import_torch  # noqa: E402

ensure_stable_environment()
import_torch()
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402


def tensor_json(t, exact=None):
    """t's shape and values; with `exact` (the same computation in float64), also `slack`: how far torch's
    float32 result is from it at most, where that is more than nothing."""
    t = t.detach()
    out = {'shape': list(t.shape), 'values': [None if v != v else float(v) for v in t.flatten().tolist()]}
    if exact is not None and t.numel() > 0:
        error = (t.double() - exact.detach()).abs().nan_to_num(0.0).max().item()
        if error > 0:
            out['slack'] = error
    return out


def message(e):
    return f'{type(e).__name__}: {str(e).splitlines()[0][:200]}'


def maybe_grad(t, exact=None):
    return None if t is None or t.grad is None else tensor_json(t.grad, exact.grad)


def double(t):
    """A float64 copy of a leaf, requiring grad as it does."""
    return None if t is None else t.detach().double().requires_grad_(t.requires_grad)


def draw_linear(rng):
    in_f, out_f = rng.choice([0, 1, 2, 3, 5, 8]), rng.choice([0, 1, 2, 4, 7])
    lead = [rng.choice([0, 1, 2, 3]) if rng.random() < 0.1 else rng.choice([1, 2, 3, 4]) for _ in range(rng.randint(0, 3))]
    x_shape = lead + [in_f]
    w_shape = [out_f, in_f]
    bias = rng.choice(['absent', 'none', 'vector', 'vector', 'vector', 'broadcast'])
    b_shape = None
    if bias == 'vector':
        b_shape = [out_f]
    elif bias == 'broadcast':
        out_shape = lead + [out_f]
        keep = rng.randint(0, len(out_shape))
        b_shape = [s if rng.random() < 0.5 else 1 for s in out_shape[len(out_shape) - keep:]]
    if rng.random() < 0.06:
        w_shape = [in_f]
        bias = rng.choice(['absent', 'none', 'broadcast'])
        b_shape = [1] * rng.randint(0, 1) if bias == 'broadcast' else None
    invalid = rng.random() < 0.15
    if invalid:
        rule = rng.choice(['in', 'bias', 'scalar', 'weight3d'])
        if rule == 'in':
            x_shape = lead + [in_f + rng.randint(1, 2)]
        elif rule == 'bias':
            bias, b_shape = 'vector', [out_f + rng.randint(1, 2)]
        elif rule == 'scalar':
            x_shape = []
        else:
            w_shape = [2] + w_shape
    return x_shape, w_shape, bias, b_shape


def case_linear(rng):
    x_shape, w_shape, bias, b_shape = draw_linear(rng)
    x = torch.randn(x_shape).requires_grad_(rng.random() < 0.85)
    w = torch.randn(w_shape).requires_grad_(rng.random() < 0.85)
    b = None if b_shape is None else torch.randn(b_shape).requires_grad_(rng.random() < 0.85)
    case = {'kind': 'linear', 'input': tensor_json(x), 'weight': tensor_json(w),
            'requiresGrad': {'input': x.requires_grad, 'weight': w.requires_grad}}
    if bias != 'absent':
        case['bias'] = None if b is None else tensor_json(b)
        if b is not None:
            case['requiresGrad']['bias'] = b.requires_grad
    run = (lambda x, w, b: F.linear(x, w)) if bias == 'absent' else F.linear
    try:
        out = run(x, w, b)
    except (RuntimeError, ValueError, TypeError) as e:
        case['error'] = message(e)
        return case
    r = torch.randn(out.shape)
    x64, w64, b64 = double(x), double(w), double(b)
    out64 = run(x64, w64, b64)
    case['output'] = tensor_json(out, out64)
    case['R'] = tensor_json(r)
    if out.requires_grad:
        (out * r).sum().backward()
        (out64 * r.double()).sum().backward()
    case['grads'] = {'input': maybe_grad(x, x64), 'weight': maybe_grad(w, w64), 'bias': maybe_grad(b, b64)}
    return case


def channel_values(rng, shape):
    """Inputs with a per-channel offset and spread, as activations have."""
    x = torch.randn(shape)
    if len(shape) >= 2 and shape[1] > 0:
        view = [1, shape[1]] + [1] * (len(shape) - 2)
        x = x * (torch.rand(view) * 2.5 + 0.5) + (torch.rand(view) * 4 - 2)
    return x


def case_batch_norm(rng):
    rank = rng.randint(2, 5)
    c = rng.choice([1, 2, 3, 5])
    shape = [rng.choice([1, 2, 3, 4]), c] + [rng.choice([1, 2, 3]) for _ in range(rank - 2)]
    if shape[0] * math.prod(shape[2:]) == 1:
        shape[0] = 2
    if rng.random() < 0.05:
        shape[0] = 0
    training = rng.random() < 0.65
    x = channel_values(rng, shape).requires_grad_(rng.random() < 0.9)
    have = {k: rng.random() < 0.8 for k in ('running_mean', 'running_var', 'weight', 'bias')}
    if not training and rng.random() < 0.9:
        have['running_mean'] = have['running_var'] = True
    sizes = {k: c for k in have}
    if rng.random() < 0.12 and shape[0] > 0:  # torch 1.13 checks no sizes on an empty input
        sizes[rng.choice(list(sizes))] = c + 1
    if rng.random() < 0.05:
        shape = [1, c] + [1] * (rank - 2)
        training = True
        x = channel_values(rng, shape).requires_grad_()
    rm = torch.randn(sizes['running_mean']) * 0.5 if have['running_mean'] else None
    rv = torch.rand(sizes['running_var']) + 0.5 if have['running_var'] else None
    w = (torch.randn(sizes['weight']) * 0.8 + 1).requires_grad_(rng.random() < 0.85) if have['weight'] else None
    b = torch.randn(sizes['bias']).requires_grad_(rng.random() < 0.85) if have['bias'] else None
    options = {'training': training}
    if rng.random() < 0.7:
        options['momentum'] = rng.choice([0.1, 0.0, 1.0, 0.3, 0.01])
    if rng.random() < 0.6:
        options['eps'] = rng.choice([1e-5, 1e-3, 0.1, 1.0])
    case = {'kind': 'batch_norm', 'input': tensor_json(x),
            'runningMean': None if rm is None else tensor_json(rm), 'runningVar': None if rv is None else tensor_json(rv),
            'weight': None if w is None else tensor_json(w), 'bias': None if b is None else tensor_json(b),
            'options': options,
            'requiresGrad': {'input': x.requires_grad, 'weight': w is not None and w.requires_grad, 'bias': b is not None and b.requires_grad}}
    rm0, rv0 = (None if t is None else t.clone() for t in (rm, rv))
    try:
        out = F.batch_norm(x, rm, rv, w, b, **options)
    except (RuntimeError, ValueError, TypeError) as e:
        case['error'] = message(e)
        return case
    r = torch.randn(out.shape)
    x64, w64, b64 = double(x), double(w), double(b)
    rm64, rv64 = (None if t is None else t.double() for t in (rm0, rv0))
    out64 = F.batch_norm(x64, rm64, rv64, w64, b64, **options)
    case.update(output=tensor_json(out, out64), R=tensor_json(r),
                runningMeanAfter=None if rm is None else tensor_json(rm, rm64), runningVarAfter=None if rv is None else tensor_json(rv, rv64))
    if out.requires_grad:
        (out * r).sum().backward()
        (out64 * r.double()).sum().backward()
    case['grads'] = {'input': maybe_grad(x, x64), 'weight': maybe_grad(w, w64), 'bias': maybe_grad(b, b64)}
    return case


def state_json(module, module64):
    exact = module64.state_dict()
    return {k: tensor_json(v, exact[k]) for k, v in module.state_dict().items()}


def run_steps(module, steps, inputs):
    """Each step: zero the gradients, forward (train or eval), backward of sum(out * R); records all,
    with a float64 copy of the module run alongside for each value's slack."""
    module64 = copy.deepcopy(module).double()
    for mode, x in inputs:
        step = {'mode': mode, 'input': tensor_json(x)}
        steps.append(step)
        for m in (module, module64):
            m.train(mode == 'train')
            for p in m.parameters():
                p.grad = None
        x.requires_grad_()
        x64 = double(x)
        try:
            out = module(x)
        except (RuntimeError, ValueError, TypeError) as e:
            step['error'] = message(e)
            step['state'] = {k: tensor_json(v) for k, v in module.state_dict().items()}
            return
        out64 = module64(x64)
        r = torch.randn(out.shape)
        (out * r).sum().backward()
        (out64 * r.double()).sum().backward()
        params64 = dict(module64.named_parameters())
        step.update(output=tensor_json(out, out64), R=tensor_json(r), inputGrad=maybe_grad(x, x64),
                    grads={k: maybe_grad(p, params64[k]) for k, p in module.named_parameters()},
                    state=state_json(module, module64))


def case_linear_module(rng):
    in_f, out_f = rng.choice([1, 2, 3, 6]), rng.choice([1, 2, 5])
    bias = rng.random() < 0.7
    args = {'inFeatures': in_f, 'outFeatures': out_f}
    if not bias or rng.random() < 0.3:
        args['options'] = {'bias': bias}
    if rng.random() < 0.08:
        args['inFeatures'] = rng.choice([-1, 2.5])
    case = {'kind': 'Linear', 'args': args}
    try:
        module = torch.nn.Linear(args['inFeatures'], out_f, bias=bias)
    except (RuntimeError, ValueError, TypeError) as e:
        case['error'] = message(e)
        return case
    case['repr'] = repr(module)
    case['stateDict'] = {k: tensor_json(v) for k, v in module.state_dict().items()}
    inputs = []
    for _ in range(rng.randint(1, 2)):
        lead = [rng.choice([1, 2, 3]) for _ in range(rng.randint(0, 2))]
        last = in_f + 1 if rng.random() < 0.08 else in_f
        inputs.append(('train', torch.randn(lead + [last])))
    case['steps'] = []
    run_steps(module, case['steps'], inputs)
    return case


def case_batchnorm_module(rng):
    c = rng.choice([1, 2, 3, 4])
    options = {}
    if rng.random() < 0.3:
        options['eps'] = rng.choice([1e-3, 0.1, 1e-5])
    if rng.random() < 0.5:
        options['momentum'] = rng.choice([None, None, 0.5, 0.1, 0.0, 1.0])
    if rng.random() < 0.25:
        options['affine'] = False
    if rng.random() < 0.25:
        options['trackRunningStats'] = False
    args = {'numFeatures': c}
    if options:
        args['options'] = options
    if rng.random() < 0.04:  # with affine and running statistics off, torch allocates nothing and takes any value
        args = {'numFeatures': rng.choice([-1, 1.5])}
        options = {}
    case = {'kind': 'BatchNorm2d', 'args': args}
    torch_options = {'eps': options.get('eps', 1e-5), 'momentum': options.get('momentum', 0.1),
                     'affine': options.get('affine', True), 'track_running_stats': options.get('trackRunningStats', True)}
    try:
        module = torch.nn.BatchNorm2d(args['numFeatures'], **torch_options)
    except (RuntimeError, ValueError, TypeError) as e:
        case['error'] = message(e)
        return case
    case['repr'] = repr(module)
    with torch.no_grad():
        for p in module.parameters():
            p.copy_(torch.randn(p.shape) * 0.5 + (1 if p is module.weight else 0))
    case['stateDict'] = {k: tensor_json(v) for k, v in module.state_dict().items()}
    inputs = []
    for _ in range(rng.randint(2, 5)):
        mode = 'train' if rng.random() < 0.65 else 'eval'
        shape = [rng.choice([1, 2, 3]), c, rng.choice([1, 2, 3]), rng.choice([2, 3])]
        if rng.random() < 0.04:
            shape = [1, c, 1, 1]
        elif rng.random() < 0.04:
            shape = shape[1:]
        elif rng.random() < 0.04:
            shape[1] = c + 1
        inputs.append((mode, channel_values(rng, shape)))
    case['steps'] = []
    run_steps(module, case['steps'], inputs)
    return case


KINDS = [case_linear, case_batch_norm, case_linear_module, case_batchnorm_module]


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--seed', type=int, default=1)
    parser.add_argument('--count', type=int, default=160)
    parser.add_argument('--out', help='write DIR/linear-bn-cases.json and print the torch version (the live suite)')
    args = parser.parse_args()
    rng = random.Random(args.seed)
    cases = []
    for i in range(args.count):
        torch.manual_seed(args.seed * 100003 + i)
        case = KINDS[i % len(KINDS)](rng)
        case['id'] = f'{case["kind"]}-{i}'
        cases.append(case)
    text = json.dumps({'generator': 'tools/torch/linear_bn_cases.py', 'torch': torch.__version__, 'seed': args.seed, 'cases': cases},
                      separators=(',', ':'))
    if args.out:
        with open(os.path.join(args.out, 'linear-bn-cases.json'), 'w') as f:
            f.write(text)
        print(torch.__version__)
    else:
        sys.stdout.write(text + '\n')


if __name__ == '__main__':
    main()
