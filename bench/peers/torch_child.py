"""PyTorch's training step for the backward bench, driven by bench/peers/torch.ts.

Runs as a child of the bench's Node process: argv[1] is the thread count (torch.set_num_threads). It
prints one JSON line when ready, then answers each request line on stdin with one JSON line. A request
names a folder holding the workload's data as raw little-endian float32 files (input, grad_output,
weight<i>, bias<i>); the step is timed here, not across the pipe, with bench/timing.ts's policy (its
options come in the request), and the step's output and gradients are written back to that folder.

The file is not named torch.py: Python puts the script's folder first on sys.path, and the script
would then import itself instead of PyTorch.
"""
import json
import math
import os
import resource
import sys
import time

import numpy as np
import torch


def load(folder, name, shape):
    return np.fromfile(os.path.join(folder, name + '.f32'), dtype='<f4').reshape(shape)


def build(request):
    """The workload's layers as an nn.Sequential of nn.Conv2d with the bench's weights (leaves that require grad)."""
    layers = []
    for i, l in enumerate(request['layers']):
        conv = torch.nn.Conv2d(
            l['cIn'], l['cOut'], (l['kH'], l['kW']), stride=(l['strideH'], l['strideW']),
            padding=(l['padH'], l['padW']), dilation=(l['dilationH'], l['dilationW']), groups=l['groups'], bias=True)
        with torch.no_grad():
            conv.weight.copy_(torch.from_numpy(load(request['dir'], 'weight%d' % i, tuple(conv.weight.shape))))
            conv.bias.copy_(torch.from_numpy(load(request['dir'], 'bias%d' % i, tuple(conv.bias.shape))))
        layers.append(conv)
    return torch.nn.Sequential(*layers)


def time_calls(call, options, warmup_min_calls):
    """bench/timing.ts's timeCalls: warm-up, then budgeted samples of back-to-back calls; the median per call."""
    now = lambda: time.perf_counter() * 1000.0
    output = call()
    warmup_calls = 1
    warmup_start = now()
    steady_start = warmup_start
    while warmup_calls < warmup_min_calls or now() - warmup_start < options['warmupMs']:
        if warmup_calls == 1:
            steady_start = now()
        output = call()
        warmup_calls += 1
    per_call = (now() - steady_start) / (warmup_calls - 1) if warmup_calls > 1 else options['sampleMinMs']
    calls_per_sample = max(1, math.ceil(options['sampleMinMs'] / max(per_call, 1e-6)))
    samples = []
    timed_start = now()
    while len(samples) < options['minSamples'] or (
            len(samples) < options['maxSamples'] and now() - timed_start < options['budgetMs']):
        start = now()
        for _ in range(calls_per_sample):
            output = call()
        samples.append((now() - start) / calls_per_sample)
    ordered = sorted(samples)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 == 1 else (ordered[mid - 1] + ordered[mid]) / 2
    timing = {
        'medianMs': median, 'minMs': ordered[0], 'maxMs': ordered[-1], 'samples': len(samples),
        'callsPerSample': calls_per_sample, 'warmupCalls': warmup_calls,
    }
    return timing, output


def step_of(request):
    model = build(request)
    params = list(model.parameters())
    n, c, h, w = request['input']
    x_data = load(request['dir'], 'input', (n, c, h, w))
    grad_output = torch.from_numpy(load(request['dir'], 'grad_output', tuple(request['output'])))

    def step():
        # A training step as a user writes it: grads set to None (zero_grad(set_to_none=True), PyTorch
        # 2's default; 1.13's default fills zeros), the input wrapped without a copy and marked, forward,
        # backward from dL/dy; the graph goes when y does.
        for p in params:
            p.grad = None
        x = torch.from_numpy(x_data).requires_grad_()
        y = model(x)
        y.backward(grad_output)
        return x, y

    return model, step


def save(folder, name, tensor):
    tensor.detach().contiguous().numpy().astype('<f4', copy=False).tofile(os.path.join(folder, name + '.f32'))


def answer(request):
    model, step = step_of(request)
    timing, (x, y) = time_calls(step, request['timing'], request['warmupMinCalls'])
    names = request['names']
    save(request['dir'], names['y'], y)
    save(request['dir'], names['x'], x.grad)
    for i, conv in enumerate(model):
        save(request['dir'], names['weights'][i], conv.weight.grad)
        save(request['dir'], names['biases'][i], conv.bias.grad)
    return {'timing': timing, 'threads': torch.get_num_threads(), 'cpuMs': cpu_ms()}


def cpu_ms():
    """This process's CPU time so far, all threads: the bench counts it as the contender's own, not as other load."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000.0


def main():
    torch.set_num_threads(int(sys.argv[1]))
    print(json.dumps({'ready': True, 'torch': torch.__version__, 'threads': torch.get_num_threads()}), flush=True)
    for line in sys.stdin:
        if not line.strip():
            continue
        try:
            reply = answer(json.loads(line))
        except Exception as err:  # reported to the bench as this workload's error; the next may still run
            reply = {'error': '%s: %s' % (type(err).__name__, err), 'cpuMs': cpu_ms()}
        print(json.dumps(reply), flush=True)


if __name__ == '__main__':
    main()
