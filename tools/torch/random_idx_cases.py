"""Random IDX files and what a correct reader makes of them, for the live suite (`npm run test:torch`).

    /usr/bin/python3 tools/torch/random_idx_cases.py [--seed N] [--count 300] --out DIR

writes DIR/random-idx-cases.json. Half the files are valid (every element type, 0 to 4 dimensions,
sizes 0 to 6, floats over a wide exponent range with -0, inf and NaN); their elements are numpy's
big-endian read (the format's definition), and for uint8 files of 1 to 3 non-empty dimensions also
torchvision's reader (asserted equal). The other half are damaged copies (cut short, bytes appended,
a size changed, a bad magic number or type code) that a reader must refuse. Values are JSON numbers,
non-finite ones as the strings 'nan', 'inf', '-inf'.
"""
import argparse
import json
import os
import struct
import sys
import tempfile

try:
    import numpy as np
    import torch
    from torchvision.datasets.mnist import read_sn3_pascalvincent_tensor
except Exception as exc:
    sys.stderr.write(f"error: torch / torchvision not importable by {sys.executable}: {exc}\n")
    sys.exit(3)

TYPES = {0x08: '>u1', 0x09: '>i1', 0x0B: '>i2', 0x0C: '>i4', 0x0D: '>f4', 0x0E: '>f8'}
NAMES = {0x08: 'uint8', 0x09: 'int8', 0x0B: 'int16', 0x0C: 'int32', 0x0D: 'float32', 0x0E: 'float64'}


def value(v):
    v = v.item()
    if isinstance(v, float) and v != v:
        return 'nan'
    if v in (float('inf'), float('-inf')):
        return 'inf' if v > 0 else '-inf'
    return v


def valid(rng):
    code = int(rng.choice(list(TYPES)))
    dtype = TYPES[code]
    shape = [int(s) for s in rng.integers(0, 7, int(rng.integers(0, 5)))]
    n = int(np.prod(shape)) if shape else 1
    if NAMES[code].startswith('float'):
        with np.errstate(over='ignore'):  # float32 overflows to inf: wanted
            values = (rng.standard_normal(n) * 10.0 ** rng.integers(-40, 40, n)).astype(dtype)
        specials = np.array([-0.0, np.inf, -np.inf, np.nan], dtype=dtype)
        picks = rng.random(n) < 0.1
        values[picks] = specials[rng.integers(0, 4, int(picks.sum()))]
    else:
        info = np.iinfo(dtype)
        values = rng.integers(info.min, int(info.max) + 1, n, dtype=np.int64).astype(dtype)
    data = struct.pack('>BBBB', 0, 0, code, len(shape)) + struct.pack('>%dI' % len(shape), *shape) + values.tobytes()
    parsed = np.frombuffer(data, dtype=dtype, offset=4 + 4 * len(shape))
    if code == 0x08 and 1 <= len(shape) <= 3 and n > 0:  # torchvision's limits
        with tempfile.NamedTemporaryFile(suffix='.idx') as f:
            f.write(data)
            f.flush()
            t = read_sn3_pascalvincent_tensor(f.name)
        assert list(t.shape) == shape and t.flatten().tolist() == parsed.tolist()
    return data, {'type': NAMES[code], 'shape': shape, 'values': [value(v) for v in parsed]}


def expected_of(data):
    """The reference reader: what the format allows, or None for a file a reader must refuse."""
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in TYPES or len(data) < 4 + 4 * data[3]:
        return None
    code, ndim = data[2], data[3]
    shape = list(struct.unpack('>%dI' % ndim, data[4:4 + 4 * ndim]))
    size = np.dtype(TYPES[code]).itemsize
    if int(np.prod(shape, dtype=object) if shape else 1) * size != len(data) - 4 - 4 * ndim:
        return None
    parsed = np.frombuffer(data, dtype=TYPES[code], offset=4 + 4 * ndim)
    return {'type': NAMES[code], 'shape': shape, 'values': [value(v) for v in parsed]}


def damaged(rng, data):
    data = bytearray(data)
    kind = int(rng.integers(0, 5))
    if kind == 0:
        data = data[:int(rng.integers(0, len(data)))]
    elif kind == 1:
        data += bytes(rng.integers(0, 256, int(rng.integers(1, 9))).astype(np.uint8))
    elif kind == 2 and data[3] > 0:
        i = int(rng.integers(0, data[3]))
        data[4 + 4 * i:8 + 4 * i] = struct.pack('>I', int(rng.choice([0, 1, 7, 2 ** 16, 2 ** 31, 2 ** 32 - 1])))
    elif kind == 3:
        data[int(rng.integers(0, 2))] = int(rng.integers(1, 256))
    else:
        data[2] = int(rng.choice([0, 1, 7, 0x0A, 0x0F, 0x1F, 0xFF]))
    return bytes(data), kind


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument('--seed', type=int, default=0)
    parser.add_argument('--count', type=int, default=300)
    parser.add_argument('--out', required=True)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    cases = []
    for i in range(args.count):
        data, expected = valid(rng)
        if i % 2:
            data, kind = damaged(rng, data)
            expected = expected_of(data)  # a damage may leave a valid file (a size set to what it was)
            cases.append({'id': f'damaged{kind}-{i}', 'hex': data.hex(), 'expected': expected})
        else:
            assert expected_of(data) == expected
            cases.append({'id': f'valid-{i}', 'hex': data.hex(), 'expected': expected})
    with open(os.path.join(args.out, 'random-idx-cases.json'), 'w') as f:
        json.dump({'torch': torch.__version__, 'cases': cases}, f)
    print(f"{torch.__version__}: {len(cases)} IDX files, {sum(c['expected'] is None for c in cases)} to refuse")


if __name__ == '__main__':
    main()
