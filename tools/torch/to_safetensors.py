"""PyTorch state dicts to and from safetensors files, with torch and numpy only (no `safetensors` package).

    /usr/bin/python3 tools/torch/to_safetensors.py MODEL.pt OUT.safetensors   # convert a saved state dict or module
    /usr/bin/python3 tools/torch/to_safetensors.py --dump FILE.safetensors     # print a file as JSON

In Python: `to_safetensors(module_or_state_dict, path, metadata)` and `from_safetensors(path)`.
The layout follows the reference serializer (huggingface/safetensors, tensor.rs): tensors sorted by
dtype alignment (largest first), then by name; `__metadata__` first; the header padded with spaces to
a multiple of 8 bytes. Dtypes are kept (BatchNorm's num_batches_tracked stays I64); convkit's
loadSafetensors converts them to float32.
"""
import json
import struct
import sys

import numpy as np
import torch

DTYPES = {
    torch.bool: 'BOOL', torch.uint8: 'U8', torch.int8: 'I8', torch.int16: 'I16', torch.float16: 'F16',
    torch.bfloat16: 'BF16', torch.int32: 'I32', torch.float32: 'F32', torch.float64: 'F64', torch.int64: 'I64',
}
TORCH_DTYPES = {name: dtype for dtype, name in DTYPES.items()}
# The reference's Dtype enum order, which is increasing alignment.
ALIGNMENT_RANK = ['BOOL', 'U8', 'I8', 'F8_E5M2', 'F8_E4M3', 'I16', 'U16', 'F16', 'BF16', 'I32', 'U32', 'F32', 'F64', 'I64', 'U64']
# numpy has no bfloat16: those tensors travel as int16 bit patterns.
NUMPY_DTYPES = {'BOOL': '?', 'U8': 'u1', 'I8': 'i1', 'I16': '<i2', 'F16': '<f2', 'BF16': '<i2', 'I32': '<i4',
                'F32': '<f4', 'F64': '<f8', 'I64': '<i8'}
MAX_HEADER_BYTES = 100_000_000


def _tensor_bytes(tensor):
    tensor = tensor.detach().cpu().contiguous()
    if tensor.dtype == torch.bfloat16:
        tensor = tensor.view(torch.int16)
    array = tensor.numpy()
    return array.astype(array.dtype.newbyteorder('<'), copy=False).tobytes()


def to_safetensors(state, path=None, metadata=None):
    """Serializes a module's state_dict() or a dict of tensors; writes it to `path` if given, returns the bytes."""
    if isinstance(state, torch.nn.Module):
        state = state.state_dict()
    items = []
    for name, tensor in state.items():
        if not isinstance(tensor, torch.Tensor):
            raise TypeError(f'{name!r} is not a tensor')
        if tensor.dtype not in DTYPES:
            raise TypeError(f'{name!r} has dtype {tensor.dtype}, which safetensors cannot hold')
        items.append((DTYPES[tensor.dtype], name, tensor))
    items.sort(key=lambda item: (-ALIGNMENT_RANK.index(item[0]), item[1].encode('utf-8')))
    header = {}
    if metadata is not None:
        header['__metadata__'] = {str(key): str(value) for key, value in metadata.items()}
    chunks, offset = [], 0
    for dtype, name, tensor in items:
        data = _tensor_bytes(tensor)
        header[name] = {'dtype': dtype, 'shape': list(tensor.shape), 'data_offsets': [offset, offset + len(data)]}
        chunks.append(data)
        offset += len(data)
    text = json.dumps(header, separators=(',', ':'), ensure_ascii=False).encode('utf-8')
    text += b' ' * (-len(text) % 8)
    blob = struct.pack('<Q', len(text)) + text + b''.join(chunks)
    if path is not None:
        with open(path, 'wb') as f:
            f.write(blob)
    return blob


def from_safetensors(source):
    """Reads a file (path or bytes) into ({name: tensor}, metadata), checking the layout as the reference does."""
    if isinstance(source, (bytes, bytearray)):
        blob = bytes(source)
    else:
        with open(source, 'rb') as f:
            blob = f.read()
    (length,) = struct.unpack('<Q', blob[:8])
    if length > MAX_HEADER_BYTES or 8 + length > len(blob):
        raise ValueError(f'bad header length {length}')
    header = json.loads(blob[8:8 + length].decode('utf-8'))
    metadata = header.pop('__metadata__', {})
    data = blob[8 + length:]
    tensors, end = {}, 0
    for name, entry in sorted(header.items(), key=lambda item: item[1]['data_offsets']):
        begin, stop = entry['data_offsets']
        dtype, shape = entry['dtype'], entry['shape']
        count = int(np.prod(shape, dtype=np.int64))
        if begin != end or stop - begin != count * np.dtype(NUMPY_DTYPES[dtype]).itemsize:
            raise ValueError(f'bad data_offsets for {name!r}')
        array = np.frombuffer(data[begin:stop], dtype=NUMPY_DTYPES[dtype])
        # torch.from_numpy needs native byte order and a writable array.
        tensor = torch.from_numpy(array.astype(array.dtype.newbyteorder('='))).reshape(shape)
        tensors[name] = tensor.view(torch.bfloat16) if dtype == 'BF16' else tensor
        end = stop
    if end != len(data):
        raise ValueError('the tensors do not cover the data')
    return tensors, metadata


def _dump(path):
    tensors, metadata = from_safetensors(path)
    return {
        'metadata': metadata,
        'tensors': {name: {'dtype': DTYPES[t.dtype], 'shape': list(t.shape), 'values': t.float().flatten().tolist()}
                    for name, t in tensors.items()},
    }


def main(argv):
    if len(argv) == 2 and argv[0] == '--dump':
        json.dump(_dump(argv[1]), sys.stdout)
        return
    if len(argv) != 2:
        sys.exit(__doc__)
    state = torch.load(argv[0], map_location='cpu')
    to_safetensors(state, argv[1], {'format': 'pt'})


if __name__ == '__main__':
    main(sys.argv[1:])
