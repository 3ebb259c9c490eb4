"""PyTorch's training step for the training bench (bench/train.ts), one process per thread count.

argv[1] is the request (bench/train/cells.ts TrainRequest) as JSON. For each cell the twin is built from
the same JSON as convkit's (`<kind>.json` in the request's folder: layer types mapped to torch.nn), loads
the same initial weights (`<kind>.safetensors`, read with tools/torch/to_safetensors.py) and trains on
the same batch (`images.f32`, `labels.i32`): zero_grad(set_to_none=True), forward, cross_entropy,
backward, Adam(lr=1e-3).step(), the loss read with .item(), as convkit's trainStep does. Each result is
one JSON line on stdout, as the Node children send theirs; the last line gives this process's CPU time.

The file is not named torch.py: Python puts the script's folder first on sys.path, and the script would
then import itself instead of PyTorch.
"""
import json
import os
import resource
import sys
import time

import numpy as np
import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'tools', 'torch'))
from to_safetensors import from_safetensors  # noqa: E402

IMAGE_SIZE = 28


class DepthwiseSeparableConv2d(torch.nn.Module):
    """The tutorial's block, with convkit's state-dict keys (depthwise.*, pointwise.*)."""

    def __init__(self, in_channels, out_channels, kernel_size=3, padding=1, stride=1, dilation=1, bias=True):
        super().__init__()
        self.depthwise = torch.nn.Conv2d(in_channels, in_channels, kernel_size, stride=stride, padding=padding,
                                         dilation=dilation, groups=in_channels, bias=bias)
        self.pointwise = torch.nn.Conv2d(in_channels, out_channels, 1, bias=bias)

    def forward(self, x):
        return self.pointwise(self.depthwise(x))


def pair(value):
    return tuple(value) if isinstance(value, list) else value


def layer_of(spec):
    """One layer of the JSON (convkit's camelCase arguments) as its torch.nn module."""
    kind = spec['type']
    a = {k: v for k, v in spec.items() if k != 'type'}
    if kind == 'Conv2d':
        return torch.nn.Conv2d(a['inChannels'], a['outChannels'], pair(a['kernelSize']), stride=pair(a.get('stride', 1)),
                               padding=pair(a.get('padding', 0)), dilation=pair(a.get('dilation', 1)),
                               groups=a.get('groups', 1), bias=a.get('bias', True))
    if kind == 'DepthwiseSeparableConv2d':
        return DepthwiseSeparableConv2d(a['inChannels'], a['outChannels'], pair(a.get('kernelSize', 3)), padding=pair(a.get('padding', 1)),
                                        stride=pair(a.get('stride', 1)), dilation=pair(a.get('dilation', 1)), bias=a.get('bias', True))
    if kind == 'BatchNorm2d':
        return torch.nn.BatchNorm2d(a['numFeatures'], eps=a.get('eps', 1e-5), momentum=a.get('momentum', 0.1))
    if kind == 'ReLU':
        return torch.nn.ReLU()
    if kind == 'MaxPool2d':
        return torch.nn.MaxPool2d(pair(a['kernelSize']), stride=pair(a.get('stride')), padding=pair(a.get('padding', 0)),
                                  dilation=pair(a.get('dilation', 1)), ceil_mode=a.get('ceilMode', False))
    if kind == 'AdaptiveAvgPool2d':
        return torch.nn.AdaptiveAvgPool2d(pair(a['outputSize']))
    if kind == 'Flatten':
        return torch.nn.Flatten(a.get('startDim', 1), a.get('endDim', -1))
    if kind == 'Linear':
        return torch.nn.Linear(a['inFeatures'], a['outFeatures'], bias=a.get('bias', True))
    raise ValueError('layer type %r is not mapped to torch.nn here' % kind)


def build(folder, kind):
    with open(os.path.join(folder, kind + '.json')) as f:
        spec = json.load(f)
    model = torch.nn.Sequential(*[layer_of(layer) for layer in spec['layers']])
    state, _ = from_safetensors(os.path.join(folder, kind + '.safetensors'))
    # convkit keeps num_batches_tracked as float32; load_state_dict copies it into torch's int64 buffer.
    model.load_state_dict(state, strict=True)
    return model.train()


def read_batch(folder, batch):
    images = np.fromfile(os.path.join(folder, 'images.f32'), dtype='<f4')[:batch * IMAGE_SIZE * IMAGE_SIZE]
    labels = np.fromfile(os.path.join(folder, 'labels.i32'), dtype='<i4')[:batch]
    return (torch.from_numpy(images.reshape(batch, 1, IMAGE_SIZE, IMAGE_SIZE).copy()),
            torch.from_numpy(labels.astype(np.int64)))


def run_cell(request, cell):
    model = build(request['dir'], cell['model'])
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x, y = read_batch(request['dir'], cell['batch'])

    def step():
        optimizer.zero_grad(set_to_none=True)
        loss = torch.nn.functional.cross_entropy(model(x), y)
        loss.backward()
        optimizer.step()
        return loss.item()

    first = last = step()
    for _ in range(1, request['warmup']):
        last = step()
    step_ms = []
    for _ in range(request['steps']):
        start = time.perf_counter()
        last = step()
        step_ms.append((time.perf_counter() - start) * 1000.0)
    ordered = sorted(step_ms)
    mid = len(ordered) // 2
    median = ordered[mid] if len(ordered) % 2 == 1 else (ordered[mid - 1] + ordered[mid]) / 2
    return {'model': cell['model'], 'batch': cell['batch'], 'firstLoss': first, 'lastLoss': last, 'stepMs': step_ms,
            'medianMs': median, 'threads': torch.get_num_threads(), 'backend': 'cpu'}


def cpu_ms():
    """This process's CPU time so far, all threads: the bench counts it as the contender's own, not as other load."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return (usage.ru_utime + usage.ru_stime) * 1000.0


def emit(message):
    print(json.dumps(message), flush=True)


def main():
    request = json.loads(sys.argv[1])
    torch.set_num_threads(request['spec']['threads'])
    emit({'type': 'info', 'info': {'torch': torch.__version__, 'threads': torch.get_num_threads()}})
    for cell in request['cells']:
        try:
            result = run_cell(request, cell)
        except Exception as err:  # reported as this cell's error; the next may still run
            result = {'model': cell['model'], 'batch': cell['batch'], 'error': '%s: %s' % (type(err).__name__, err)}
        emit({'type': 'cell', 'result': result})
    emit({'type': 'done', 'cpuMs': cpu_ms()})


if __name__ == '__main__':
    main()
