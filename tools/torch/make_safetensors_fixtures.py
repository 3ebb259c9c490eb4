"""Writes the safetensors fixtures that test/io/safetensors.test.ts reads without Python:

    /usr/bin/python3 tools/torch/make_safetensors_fixtures.py

test/fixtures/torch-conv-bn.safetensors  the state dict of a seeded nn.Sequential(Conv2d, BatchNorm2d)
                                         after three training steps (num_batches_tracked is int64 3)
test/fixtures/torch-dtypes.safetensors   one tensor per dtype convkit converts, with special values
                                         (subnormals, infinities, -0, NaN, F64 rounding ties, ±2^24)
test/fixtures/torch-safetensors.json     for every tensor of both files: dtype, shape, and the bits of
                                         torch's tensor.float() (what convkit must load), as uint32

Deterministic: the same bytes on every run.
"""
import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(__file__))
from to_safetensors import DTYPES, to_safetensors  # noqa: E402

FIXTURES = os.path.join(os.path.dirname(__file__), '..', '..', 'test', 'fixtures')


def conv_bn():
    torch.manual_seed(14)
    model = torch.nn.Sequential(torch.nn.Conv2d(3, 4, 3, padding=1), torch.nn.BatchNorm2d(4))
    model.train()
    with torch.no_grad():
        for _ in range(3):
            model(torch.randn(2, 3, 5, 5))
    return model.state_dict()


def bits(tensor, dtype):
    return torch.tensor(tensor, dtype=torch.int16).view(dtype)


def dtypes():
    generator = torch.Generator().manual_seed(14)

    def random_ints(low, high, count, dtype):
        return torch.randint(low, high, (count,), generator=generator, dtype=torch.int64).to(dtype)

    half_special = [0x0000, 0x8000, 0x0001, 0x8001, 0x03ff, 0x0400, 0x3c00, 0x3555, 0x7bff, 0xfbff, 0x7c00, 0xfc00, 0x7e00]
    bf16_special = [0x0000, 0x8000, 0x0001, 0x807f, 0x0080, 0x3f80, 0x7f7f, 0xff7f, 0x7f80, 0xff80, 0x7fc0]
    signed = lambda values: [v - 0x10000 if v >= 0x8000 else v for v in values]  # noqa: E731
    f64 = [0.1, -0.0, 1e-40, 1e-46, 3.4028234663852886e38, 3.4028235677973366e38, 1e39, -1e39, float('inf'),
           float('nan'), 1 + 2 ** -24, 1 + 3 * 2 ** -24, -(1 + 2 ** -24)]
    limit = 2 ** 24
    return {
        'f16': torch.cat([bits(signed(half_special), torch.float16),
                          random_ints(-0x8000, 0x8000, 200, torch.int16).view(torch.float16)]),
        'bf16': torch.cat([bits(signed(bf16_special), torch.bfloat16),
                           random_ints(-0x8000, 0x8000, 199, torch.int16).view(torch.bfloat16)]).reshape(3, 7, 10),
        'f64': torch.cat([torch.tensor(f64, dtype=torch.float64),
                          torch.randn(50, generator=generator, dtype=torch.float64) * 1e3]),
        'i64': torch.cat([torch.tensor([0, 1, -1, 3, limit, -limit], dtype=torch.int64),
                          random_ints(-limit, limit + 1, 30, torch.int64)]),
        'i32': torch.cat([torch.tensor([limit, -limit], dtype=torch.int32), random_ints(-limit, limit + 1, 30, torch.int32)]),
        'i16': random_ints(-0x8000, 0x8000, 40, torch.int16).reshape(5, 8),
        'i8': random_ints(-128, 128, 40, torch.int8),
        'u8': random_ints(0, 256, 40, torch.uint8),
        'bool': random_ints(0, 2, 12, torch.bool).reshape(3, 4),
        'scalar': torch.tensor(2.5),
        'empty': torch.zeros(0, 3),
        'num_batches_tracked': torch.tensor(7, dtype=torch.int64),
    }


def expected(state):
    return {
        name: {'dtype': DTYPES[t.dtype], 'shape': list(t.shape),
               'float32_bits': [b & 0xffffffff for b in t.float().flatten().view(torch.int32).tolist()]}
        for name, t in state.items()
    }


def main():
    files = {'torch-conv-bn': (conv_bn(), {'format': 'pt', 'model': 'Sequential(Conv2d(3, 4, 3, padding=1), BatchNorm2d(4))'}),
             'torch-dtypes': (dtypes(), None)}
    record = {}
    for name, (state, metadata) in files.items():
        to_safetensors(state, os.path.join(FIXTURES, f'{name}.safetensors'), metadata)
        record[name] = {'metadata': metadata or {}, 'tensors': expected(state)}
    with open(os.path.join(FIXTURES, 'torch-safetensors.json'), 'w') as f:
        json.dump(record, f, separators=(',', ':'))
        f.write('\n')


if __name__ == '__main__':
    main()
