import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConvkitArgumentError } from '../../src/errors.js';
import { loadSafetensors, saveSafetensors, type SafetensorsFile } from '../../src/io/safetensors.js';
import { Generator } from '../../src/random.js';
import { Tensor } from '../../src/tensor.js';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const PYTHON = '/usr/bin/python3';
const HELPER = new URL('../../tools/torch/to_safetensors.py', import.meta.url).pathname;

/** A file of `header` (text, or raw bytes) and `data`, with the true header length unless `length` says otherwise. */
function file(header: string | Uint8Array, data: ArrayLike<number> = [], length?: bigint): Uint8Array {
  const json = typeof header === 'string' ? new TextEncoder().encode(header) : header;
  const out = new Uint8Array(8 + json.length + data.length);
  new DataView(out.buffer).setBigUint64(0, length ?? BigInt(json.length), true);
  out.set(json, 8);
  out.set(data, 8 + json.length);
  return out;
}

function entry(dtype: string, shape: number[], begin: number, end: number): string {
  return JSON.stringify({ dtype, shape, data_offsets: [begin, end] });
}

function bytesOf(values: ArrayLike<number>, Type: Float32ArrayConstructor | Float64ArrayConstructor | Int32ArrayConstructor | BigInt64ArrayConstructor): Uint8Array {
  const typed = Type === BigInt64Array ? BigInt64Array.from(Array.from(values, BigInt)) : new (Type as Float32ArrayConstructor)(values);
  return new Uint8Array(typed.buffer);
}

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => loadSafetensors(bytes), (error: unknown) => {
    assert.ok(error instanceof ConvkitArgumentError, `expected ConvkitArgumentError, got ${String(error)}`);
    assert.ok(error.message.startsWith('loadSafetensors: '), error.message);
    assert.ok(error.message.length < 500, `message of ${error.message.length} characters`);
    assert.match(error.message, pattern);
    return true;
  });
}

function bitsOf(t: Tensor): number[] {
  return [...new Uint32Array(t.data.buffer, t.data.byteOffset, t.numel)];
}

interface Expected {
  metadata: Record<string, string>;
  tensors: Record<string, { dtype: string; shape: number[]; float32_bits: number[] }>;
}

test("PyTorch's files load with torch's float32 values, bit for bit, and the converted dtypes reported", () => {
  const expected = JSON.parse(readFileSync(new URL('torch-safetensors.json', FIXTURES), 'utf8')) as Record<string, Expected>;
  for (const [name, want] of Object.entries(expected)) {
    const loaded = loadSafetensors(readFileSync(new URL(`${name}.safetensors`, FIXTURES)));
    assert.deepEqual(loaded.metadata, want.metadata, name);
    assert.deepEqual(Object.keys(loaded.tensors).sort(), Object.keys(want.tensors).sort(), name);
    const converted = Object.fromEntries(Object.entries(want.tensors).filter(([, t]) => t.dtype !== 'F32').map(([key, t]) => [key, t.dtype]));
    assert.deepEqual(loaded.converted, converted, name);
    for (const [key, t] of Object.entries(want.tensors)) {
      assert.deepEqual(loaded.tensors[key].shape, t.shape, key);
      assert.deepEqual(bitsOf(loaded.tensors[key]), t.float32_bits, `${name} ${key} (${t.dtype})`);
    }
  }
  const convBn = loadSafetensors(readFileSync(new URL('torch-conv-bn.safetensors', FIXTURES)));
  assert.equal(convBn.tensors['1.num_batches_tracked'].data[0], 3);
  assert.deepEqual(convBn.converted, { '1.num_batches_tracked': 'I64' });
});

test("the writer's bytes are the reference serializer's (huggingface/safetensors tensor.rs tests)", () => {
  const six = () => new Float32Array([0, 1, 2, 3, 4, 5]);
  const header = (text: string, spaces: number) => [...new TextEncoder().encode(text + ' '.repeat(spaces))];
  const data = [...new Uint8Array(six().buffer)];
  const one = '{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}';
  assert.deepEqual([...saveSafetensors({ 'attn.0': new Tensor(six(), [1, 2, 3]) })], [64, 0, 0, 0, 0, 0, 0, 0, ...header(one, 0), ...data]);
  const padded = '{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}';
  assert.deepEqual([...saveSafetensors({ attn0: new Tensor(six(), [1, 1, 2, 3]) })], [72, 0, 0, 0, 0, 0, 0, 0, ...header(padded, 7), ...data]);
  assert.deepEqual([...saveSafetensors({})], [8, 0, 0, 0, 0, 0, 0, 0, ...header('{}', 6)]);
  assert.deepEqual([...saveSafetensors({}, { framework: 'pt' })], [40, 0, 0, 0, 0, 0, 0, 0, ...header('{"__metadata__":{"framework":"pt"}}', 5)]);
});

test('tensors are ordered by the UTF-8 bytes of their names, as a Rust sort does, in the file and on load', () => {
  const t = () => new Tensor(new Float32Array([1]), [1]);
  // UTF-16 order puts U+1F600 (a surrogate pair, 0xD83D...) before U+FFFF; UTF-8 order puts it after.
  const names = ['b', '\u{1F600}', '\uffff', 'a', 'B', ''];
  const bytes = saveSafetensors(Object.fromEntries(names.map((name) => [name, t()])));
  const length = Number(new DataView(bytes.buffer).getBigUint64(0, true));
  const header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + length))) as Record<string, { data_offsets: number[] }>;
  const byOffset = Object.entries(header).sort((x, y) => x[1].data_offsets[0] - y[1].data_offsets[0]).map(([name]) => name);
  assert.deepEqual(byOffset, ['', 'B', 'a', 'b', '\uffff', '\u{1F600}']);
  assert.deepEqual(Object.keys(loadSafetensors(bytes).tensors), byOffset);
});

test('seeded random state dicts round-trip exactly: names, shapes, bits and metadata', () => {
  const g = new Generator(1414);
  const pick = (n: number) => g.nextUint32() % n;
  const alphabet = ['a', 'Z', '.', '_', '0', '"', '\\', '\n', '\u0001', 'é', '\u{1F600}', '\uffff', '/', ' '];
  const word = () => Array.from({ length: 1 + pick(8) }, () => alphabet[pick(alphabet.length)]).join('');
  for (let round = 0; round < 200; round++) {
    const state: Record<string, Tensor> = {};
    for (let i = pick(6); i > 0; i--) {
      const shape = Array.from({ length: pick(4) }, () => pick(5));
      const t = new Tensor(new Float32Array(shape.reduce((a, b) => a * b, 1)), shape);
      const bits = new Uint32Array(t.data.buffer);
      for (let j = 0; j < bits.length; j++) bits[j] = g.nextUint32(); // every bit pattern, NaN payloads included
      Object.defineProperty(state, round % 10 === 0 && i === 1 ? '__proto__' : word(), { value: t, enumerable: true, writable: true, configurable: true });
    }
    const metadata = Object.fromEntries(Array.from({ length: pick(3) }, () => [word(), word()]));
    const bytes = saveSafetensors(state, metadata);
    assert.equal(new DataView(bytes.buffer).getBigUint64(0, true) % 8n, 0n, 'the data starts 8-aligned');
    const loaded = loadSafetensors(bytes);
    assert.deepEqual(Object.keys(loaded.tensors).sort(), Object.keys(state).sort());
    assert.deepEqual(loaded.metadata, metadata);
    assert.deepEqual(loaded.converted, {});
    for (const [key, t] of Object.entries(state)) {
      assert.ok(Object.hasOwn(loaded.tensors, key));
      assert.deepEqual(loaded.tensors[key].shape, t.shape);
      assert.deepEqual(bitsOf(loaded.tensors[key]), bitsOf(t));
    }
  }
});

test('unaligned tensors and a buffer at an odd offset load (bytes are copied, not viewed)', () => {
  const f32 = bytesOf([1.5, -2, 3.25], Float32Array);
  const f64 = bytesOf([0.1, 1e39], Float64Array);
  const i64 = bytesOf([-5, 16777216], BigInt64Array);
  const header = `{"u":${entry('U8', [1], 0, 1)},"f":${entry('F32', [3], 1, 13)},"d":${entry('F64', [2], 13, 29)},"i":${entry('I64', [2], 29, 45)}}`;
  const bytes = file(header, [200, ...f32, ...f64, ...i64]);
  const shifted = new Uint8Array(bytes.length + 1).subarray(1);
  shifted.set(bytes);
  for (const input of [bytes, shifted]) {
    const { tensors, converted } = loadSafetensors(input);
    assert.deepEqual(Object.keys(tensors), ['d', 'f', 'i', 'u']);
    assert.deepEqual([...tensors.u.data], [200]);
    assert.deepEqual([...tensors.f.data], [1.5, -2, 3.25]);
    assert.deepEqual([...tensors.d.data], [Math.fround(0.1), Infinity]);
    assert.deepEqual([...tensors.i.data], [-5, 16777216]);
    assert.deepEqual(converted, { u: 'U8', d: 'F64', i: 'I64' });
  }
});

test('keys such as __proto__ load as own entries, not as a prototype', () => {
  const { tensors, metadata } = loadSafetensors(file(`{"__metadata__":{"__proto__":"x"},"__proto__":${entry('F32', [], 0, 4)}}`, bytesOf([7], Float32Array)));
  assert.equal(Object.getPrototypeOf(tensors), Object.prototype);
  assert.ok(Object.hasOwn(tensors, '__proto__') && Object.hasOwn(metadata, '__proto__'));
  assert.equal(tensors['__proto__'].data[0], 7);
  assert.equal(metadata['__proto__'], 'x');
});

test('integers load only where float32 holds every value exactly (|v| <= 2^24), BOOL only as 0 or 1', () => {
  const one = (dtype: string, data: Uint8Array) => file(`{"x":${entry(dtype, [data.length / sizeOf(dtype)], 0, data.length)}}`, data);
  const sizeOf = (dtype: string) => ({ I64: 8, I32: 4, U8: 1, BOOL: 1 })[dtype] as number;
  assert.deepEqual([...loadSafetensors(one('I64', bytesOf([2 ** 24, -(2 ** 24)], BigInt64Array))).tensors.x.data], [2 ** 24, -(2 ** 24)]);
  rejects(one('I64', bytesOf([2 ** 24 + 1], BigInt64Array)), /tensor 'x' \(I64\) holds 16777217, outside ±2\^24/);
  rejects(one('I64', bytesOf([-(2 ** 24) - 2], BigInt64Array)), /holds -16777218/);
  rejects(one('I64', new Uint8Array([255, 255, 255, 255, 255, 255, 255, 127])), /holds 9223372036854775807,/);
  rejects(one('I32', bytesOf([2 ** 30], Int32Array)), /\(I32\) holds 1073741824/);
  const unsigned = (dtype: string, values: number[]) => {
    const size = ({ U16: 2, U32: 4, U64: 8 } as Record<string, number>)[dtype];
    const view = new DataView(new ArrayBuffer(size * values.length));
    values.forEach((v, i) => (size === 2 ? view.setUint16(2 * i, v, true) : size === 4 ? view.setUint32(4 * i, v, true) : view.setBigUint64(8 * i, BigInt(v), true)));
    return file(`{"x":${entry(dtype, [values.length], 0, view.byteLength)}}`, new Uint8Array(view.buffer));
  };
  assert.deepEqual([...loadSafetensors(unsigned('U16', [65535, 0])).tensors.x.data], [65535, 0]);
  assert.deepEqual([...loadSafetensors(unsigned('U64', [2 ** 24])).tensors.x.data], [2 ** 24]);
  rejects(unsigned('U32', [2 ** 24 + 1]), /\(U32\) holds 16777217/);
  rejects(file(`{"x":${entry('U64', [1], 0, 8)}}`, new Uint8Array(8).fill(255)), /\(U64\) holds 18446744073709551615,/);
  assert.deepEqual([...loadSafetensors(one('BOOL', new Uint8Array([0, 1, 1]))).tensors.x.data], [0, 1, 1]);
  rejects(one('BOOL', new Uint8Array([0, 2])), /\(BOOL\) holds 2, not 0 or 1/);
});

test('hostile files fail with a short ConvkitArgumentError naming what is wrong', () => {
  const f32 = (n: number) => new Uint8Array(4 * n);
  const x = (text: string) => `{"x":${text}}`;
  rejects(new Uint8Array(5), /the file is 5 bytes, too short/);
  rejects(file('{}', [], 2n ** 53n), /2\^53 bytes or more/);
  rejects(file('{}', [], 2n ** 64n - 1n), /2\^53 bytes or more/);
  rejects(file('{}', [], 2n ** 53n - 1n), /exceeds the 100000000-byte limit/);
  rejects(file('{}', [], 100_000_001n), /the header length 100000001 exceeds/);
  rejects(file('{}', [], 3n), /the header length 3 runs past the end of the 10-byte file/);
  rejects(file(new Uint8Array([0x7b, 0xff, 0x7d])), /not valid UTF-8/);
  rejects(file(new Uint8Array([0x7b, 0xed, 0xa0, 0x80, 0x7d])), /not valid UTF-8/); // an encoded surrogate
  rejects(file('\ufeff{}'), /must be a JSON object starting with '\{'/);
  rejects(file(' {}'), /starting with '\{'/);
  for (const text of ['', '[]', '"x"', '123', 'null', '[{}]']) rejects(file(text), /must be a JSON object/);
  rejects(file('['.repeat(100_000) + ']'.repeat(100_000)), /must be a JSON object/);
  rejects(file(x('['.repeat(100_000) + ']'.repeat(100_000))), /expected a JSON object \(header character 5\)/);
  rejects(file(`{"__metadata__":${'{"a":'.repeat(100_000)}"b"${'}'.repeat(100_001)}`), /a string value for __metadata__ key 'a'/);
  rejects(file('{} x'), /unexpected text after the header object/);
  rejects(file('{"x":{}}'), /tensor 'x' lacks dtype, shape, data_offsets/);
  const unclosed = x(entry('F32', [1], 0, 4)).slice(0, -1);
  rejects(file(unclosed, f32(1)), new RegExp(`expected ',' or '\\}' \\(header character ${unclosed.length}\\)`));
  rejects(file(`{"x":${entry('F32', [1], 0, 4)},"x":${entry('F32', [1], 4, 8)}}`, f32(2)), /duplicate key 'x'/);
  rejects(file(x('{"dtype":"F32","dtype":"F32"}')), /duplicate key 'dtype'/);
  rejects(file(x('{"dtype":"F32","shape":[1],"data_offsets":[0,4],"extra":1}'), f32(1)), /tensor 'x' has key 'extra'/);
  rejects(file(x('{"dtype":"F32","shape":[1]}'), f32(1)), /tensor 'x' lacks data_offsets/);
  rejects(file(x(entry('F33', [1], 0, 4)), f32(1)), /dtype 'F33' of tensor 'x' is unknown; convkit reads F32, F64, F16, BF16/);
  rejects(file(x(entry('constructor', [1], 0, 4)), f32(1)), /dtype 'constructor' of tensor 'x' is unknown/);
  rejects(file(x(entry('F8_E4M3', [4], 0, 4)), f32(1)), /dtype 'F8_E4M3' of tensor 'x' is not supported/);
  rejects(file(x('{"dtype":3,"shape":[1],"data_offsets":[0,4]}'), f32(1)), /a string dtype for tensor 'x'/);
  for (const bad of ['-1', '2.0', '1e3', '01', 'true', '"1"']) {
    rejects(file(x(`{"dtype":"F32","shape":[${bad}],"data_offsets":[0,4]}`), f32(1)), /each item of the shape of tensor 'x' must be a non-negative integer/);
  }
  rejects(file(x('{"dtype":"F32","shape":1,"data_offsets":[0,4]}'), f32(1)), /expected the shape of tensor 'x' as an array/);
  rejects(file(x(`{"dtype":"F32","shape":[9007199254740993],"data_offsets":[0,4]}`), f32(1)), /9007199254740993 is 2\^53 or more/);
  rejects(file(x(`{"dtype":"F32","shape":[1${'0'.repeat(400)}],"data_offsets":[0,4]}`), f32(1)), /of 401 digits is 2\^53 or more/);
  rejects(file(x(entry('F32', [2 ** 30, 2 ** 30, 2 ** 30, 0], 0, 0))), /the shape of tensor 'x' \[1073741824, 1073741824, 1073741824, 0\] overflows/);
  rejects(file(x('{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}'), f32(2)), /must be \[begin, end\], got \[0, 4, 8\]/);
  rejects(file(x(entry('F32', [1], 4, 0)), f32(1)), /data_offsets \[4, 0\] that end before they begin/);
  rejects(file(x(entry('F32', [1], 4, 8)), f32(2)), /leave the bytes from 0 unused/);
  rejects(file(`{"a":${entry('F32', [2], 0, 8)},"b":${entry('F32', [2], 4, 12)}}`, f32(3)), /tensor 'b' has data_offsets \[4, 12\] that overlap/);
  rejects(file(x(entry('F32', [2], 0, 8)), f32(1)), /data_offsets \[0, 8\] past the 4 bytes of data/);
  rejects(file(x(entry('F32', [1], 0, 2 ** 53 - 1)), f32(1)), /past the 4 bytes of data/);
  rejects(file(x(entry('F32', [3], 0, 8)), f32(2)), /of shape \[3\] and dtype F32 needs 12 bytes, but its data_offsets \[0, 8\] hold 8/);
  rejects(file(x(entry('F32', [1], 0, 4)), f32(2)), /the tensors cover 4 of the 8 bytes of data/);
  rejects(file('{}', f32(1)), /cover 0 of the 4 bytes/);
  rejects(file('{"__metadata__":{"a":1}}'), /a string value for __metadata__ key 'a'/);
  rejects(file('{"__metadata__":["a"]}'), /expected a JSON object/);
  rejects(file('{"\\ud800":{}}'), /unpaired surrogate/);
  rejects(file('{"\\x":{}}'), /invalid escape/);
  rejects(file('{"a\nb":{}}'), /control character in a string/);
  rejects(file('{"abc'), /unterminated string/);
  const longName = 'n'.repeat(100_000);
  rejects(file(`{"${longName}":${entry('F33', [1], 0, 4)}}`, f32(1)), /dtype 'F33' of tensor 'n{80}\.\.\.' \(100000 characters\) is unknown/);
  assert.throws(() => loadSafetensors([1, 2, 3] as never), /loadSafetensors: bytes must be a Uint8Array \(or Buffer\), got \[1, 2, 3\]/);
});

test('zero-sized tensors may share an offset, and whitespace may pad the header', () => {
  const { tensors } = loadSafetensors(file(`{"a":${entry('F32', [0, 5], 0, 0)},"b":${entry('I64', [0], 0, 0)},"c":${entry('F32', [], 0, 4)}}   \n`, bytesOf([9], Float32Array)));
  assert.deepEqual(tensors.a.shape, [0, 5]);
  assert.equal(tensors.b.numel, 0);
  assert.deepEqual(tensors.c.shape, []);
  assert.equal(tensors.c.data[0], 9);
});

test('the writer refuses what no safetensors file can hold', () => {
  const t = new Tensor(new Float32Array([1]), [1]);
  assert.throws(() => saveSafetensors({ a: [1] as never }), /saveSafetensors: stateDict\['a'\] must be a Tensor, got \[1\]/);
  assert.throws(() => saveSafetensors(null as never), /stateDict must be an object of tensors, got null/);
  assert.throws(() => saveSafetensors({ stateDict: () => ({}) } as never), /got a module: pass module.stateDict\(\)/);
  assert.throws(() => saveSafetensors({ __metadata__: t }), /the key '__metadata__' is reserved/);
  assert.throws(() => saveSafetensors({ '\ud800': t }), /key '\ud800' holds an unpaired surrogate/);
  assert.throws(() => saveSafetensors({ a: t }, { k: 3 as never }), /metadata\['k'\] must be a string, got 3/);
  assert.throws(() => saveSafetensors({ a: t }, { k: 'x\udc00' }), /metadata value .* unpaired surrogate/);
  assert.throws(() => saveSafetensors({ a: t }, 'pt' as never), /metadata must be an object of strings, got 'pt'/);
});

/** The mutations a damaged or malicious file could show: changed bytes, truncation, insertion, random data, and edits aimed at the header. */
function mutate(bytes: Uint8Array, g: Generator): Uint8Array {
  const pick = (n: number) => g.nextUint32() % n;
  const headerEnd = Math.min(bytes.length, 8 + Number(new DataView(bytes.buffer, bytes.byteOffset).getUint32(0, true)));
  const where = () => (pick(2) === 0 ? pick(bytes.length) : pick(headerEnd)); // half in the header: most data bytes just load
  const out = Uint8Array.from(bytes);
  switch (pick(7)) {
    case 0:
      for (let i = 1 + pick(4); i > 0; i--) out[where()] = pick(256);
      return out;
    case 1:
      for (let i = 1 + pick(3); i > 0; i--) out[where()] ^= 1 << pick(8);
      return out;
    case 2:
      return out.slice(0, pick(out.length));
    case 3: {
      const at = where();
      const inserted = Array.from({ length: 1 + pick(8) }, () => pick(256));
      return Uint8Array.from([...out.subarray(0, at), ...inserted, ...out.subarray(at)]);
    }
    case 4: {
      // A digit changed in the header: shapes, offsets and the length word stay plausible.
      const digits = [...out.subarray(0, headerEnd).keys()].filter((i) => i >= 8 && out[i] >= 0x30 && out[i] <= 0x39);
      if (digits.length > 0) out[digits[pick(digits.length)]] = 0x30 + pick(10);
      if (pick(4) === 0) out[pick(8)] = pick(256); // and sometimes the length word
      return out;
    }
    case 5:
      // Random data: every bit pattern of each dtype, and integers out of float32's exact range.
      for (let i = headerEnd; i < out.length; i++) if (pick(3) === 0) out[i] = pick(256);
      return out;
    default: {
      const at = 8 + pick(Math.max(1, headerEnd - 8));
      const length = 1 + pick(40);
      return Uint8Array.from([...out.subarray(0, at), ...out.subarray(at, at + length), ...out.subarray(at)]);
    }
  }
}

test('fuzz: 10,000 seeded mutations of valid files each load within a size bound or throw a short ConvkitArgumentError', () => {
  const g = new Generator(20240614);
  const seeds = [
    readFileSync(new URL('torch-conv-bn.safetensors', FIXTURES)),
    readFileSync(new URL('torch-dtypes.safetensors', FIXTURES)),
    saveSafetensors({ w: new Tensor(new Float32Array([1, 2, 3, 4]), [2, 2]), b: new Tensor(new Float32Array([5]), [1]) }, { format: 'pt' }),
    file(`{"m":${entry('U8', [3], 0, 3)},"h":${entry('F16', [2], 3, 7)},"n":${entry('I64', [1], 7, 15)}}`, [1, 2, 3, 0, 60, 0, 188, 9, 0, 0, 0, 0, 0, 0, 0]),
  ];
  let loaded = 0;
  let refused = 0;
  for (let i = 0; i < 10_000; i++) {
    const bytes = mutate(seeds[i % seeds.length], g);
    let result: SafetensorsFile;
    try {
      result = loadSafetensors(bytes);
    } catch (error) {
      assert.ok(error instanceof ConvkitArgumentError, `mutation ${i}: ${String(error)}`);
      assert.ok(error.message.length < 500, `mutation ${i}: message of ${error.message.length} characters`);
      refused++;
      continue;
    }
    loaded++;
    // Every tensor owns a distinct range of the file and no dtype is smaller than a byte, so the float32
    // output is at most 4 bytes per byte of the file (U8, I8, BOOL expand the most).
    const allocated = Object.values(result.tensors).reduce((sum, t) => sum + t.data.byteLength, 0);
    assert.ok(allocated <= 4 * bytes.length, `mutation ${i}: ${allocated} bytes of tensors from a ${bytes.length}-byte file`);
  }
  assert.ok(loaded > 200 && refused > 2000, `loaded ${loaded}, refused ${refused}: both outcomes exercised`);
});

const hasTorch = spawnSync(PYTHON, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;

test("convkit's files read back in PyTorch through tools/torch/to_safetensors.py", { skip: hasTorch ? false : 'no /usr/bin/python3 with torch' }, () => {
  const g = new Generator(77);
  const state: Record<string, Tensor> = {};
  for (const [name, shape] of [['0.weight', [4, 3, 3, 3]], ['0.bias', [4]], ['1.running_var', [4]], ['é.scalar', []], ['empty', [0, 2]]] as const) {
    const t = new Tensor(new Float32Array(shape.reduce((a: number, b: number) => a * b, 1)), [...shape]);
    for (let i = 0; i < t.numel; i++) t.data[i] = g.normal();
    state[name] = t;
  }
  const dir = mkdtempSync(join(tmpdir(), 'convkit-safetensors-'));
  try {
    const path = join(dir, 'model.safetensors');
    writeFileSync(path, saveSafetensors(state, { format: 'pt', note: 'written by convkit' }));
    const run = spawnSync(PYTHON, [HELPER, '--dump', path], { encoding: 'utf8' });
    assert.equal(run.status, 0, run.stderr);
    const dumped = JSON.parse(run.stdout) as { metadata: Record<string, string>; tensors: Record<string, { dtype: string; shape: number[]; values: number[] }> };
    assert.deepEqual(dumped.metadata, { format: 'pt', note: 'written by convkit' });
    assert.deepEqual(Object.keys(dumped.tensors).sort(), Object.keys(state).sort());
    for (const [name, t] of Object.entries(state)) {
      assert.equal(dumped.tensors[name].dtype, 'F32');
      assert.deepEqual(dumped.tensors[name].shape, t.shape);
      assert.deepEqual(dumped.tensors[name].values, [...t.data], name);
    }
  } finally {
    rmSync(dir, { recursive: true });
  }
});
