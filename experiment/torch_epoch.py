"""PyTorch's cost of an epoch of each twin, for the experiment's table: the same model (the twin's JSON,
layers mapped to torch.nn by bench/peers/torch_train.py), the same batch size, Adam, on one thread;
CPU seconds of a training step (the median of 20 after 3 untimed), times the epoch's batches.

    /usr/bin/python3 experiment/torch_epoch.py REQUEST.json   # {"batchSize": 128, "batches": 469, "twins": {kind: json}}

Prints one JSON object: {kind: CPU seconds an epoch}.
"""
import json
import os
import statistics
import sys
import time

import torch

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'bench', 'peers'))
from torch_train import layer_of  # noqa: E402

UNTIMED, TIMED = 3, 20


def epoch_seconds(spec, batch_size, batches):
    torch.manual_seed(0)
    model = torch.nn.Sequential(*[layer_of(layer) for layer in spec['layers']]).train()
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3)
    x = torch.rand(batch_size, 1, 28, 28)
    y = torch.randint(0, 10, (batch_size,))
    times = []
    for i in range(UNTIMED + TIMED):
        started = time.process_time()
        optimizer.zero_grad(set_to_none=True)
        torch.nn.functional.cross_entropy(model(x), y).backward()
        optimizer.step()
        if i >= UNTIMED:
            times.append(time.process_time() - started)
    return statistics.median(times) * batches


def main():
    torch.set_num_threads(1)
    with open(sys.argv[1]) as f:
        request = json.load(f)
    print(json.dumps({kind: epoch_seconds(spec, request['batchSize'], request['batches']) for kind, spec in request['twins'].items()}))


if __name__ == '__main__':
    main()
