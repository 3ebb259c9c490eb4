/**
 * Hugging Face's safetensors format, the safe way to move weights between PyTorch and convkit: an
 * 8-byte little-endian header length N, N bytes of UTF-8 JSON describing each tensor (dtype, shape,
 * byte range), then the tensors' bytes, row-major and little-endian. The reader treats the file as
 * hostile and checks it as the reference implementation (huggingface/safetensors, `tensor.rs`) does;
 * everything it allocates is bounded by the file's size.
 */
import { argError, show } from '../errors.js';
import type { StateDict } from '../nn/module.js';
import { Tensor } from '../tensor.js';
import { isWellFormed, parseHeader, type HeaderEntry } from './safetensors-header.js';

const LOAD = 'loadSafetensors';
const SAVE = 'saveSafetensors';

/** The reference implementation's limit on the header, so that a file cannot make a reader parse gigabytes of JSON. */
export const MAX_HEADER_BYTES = 100_000_000;

/** The dtypes `loadSafetensors` reads; every one but F32 becomes float32 on load. */
export type SafetensorsDtype = 'F32' | 'F64' | 'F16' | 'BF16' | 'I64' | 'I32' | 'I16' | 'I8' | 'U64' | 'U32' | 'U16' | 'U8' | 'BOOL';

/** What `loadSafetensors` returns. */
export interface SafetensorsFile {
  /**
   * The tensors by name, as float32: a state dict for `Module.loadStateDict`. Names are in UTF-8 byte
   * order, as the Python library's `load_file` returns them.
   */
  tensors: StateDict;
  /** The header's `__metadata__` (string keys and values), empty where the file has none. */
  metadata: Record<string, string>;
  /**
   * The original dtype of each tensor that was not F32 and was converted to float32 on load. F16, BF16
   * and the integers convert exactly; F64 rounds to nearest, as `tensor.float()` in PyTorch.
   */
  converted: Record<string, Exclude<SafetensorsDtype, 'F32'>>;
}

/** Fills `out` from `src`, which holds exactly the tensor's bytes; `name` is for the error message. */
type Decoder = (src: DataView, out: Float32Array, name: string) => void;

interface DtypeInfo {
  readonly size: number;
  readonly decode: Decoder;
}

const INTEGER_LIMIT = 2 ** 24;

/**
 * An integer dtype: float32 holds every integer of magnitude up to 2^24 exactly, so a tensor converts
 * when all its values are within `[min, max]` (a BOOL byte must be 0 or 1), and is refused rather than
 * rounded otherwise. Integers matter because PyTorch keeps BatchNorm's `num_batches_tracked` as int64.
 */
function integers(dtype: string, size: number, read: (src: DataView, at: number) => number | bigint, min: number, max: number): DtypeInfo {
  const range = dtype === 'BOOL' ? 'not 0 or 1' : 'outside ±2^24, where float32 holds every integer exactly';
  return {
    size,
    decode(src, out, name) {
      for (let i = 0; i < out.length; i++) {
        // 64-bit values stay BigInt until checked: comparing a BigInt with a number is exact.
        const value = read(src, i * size);
        if (value < min || value > max) throw argError(LOAD, `tensor ${show(name)} (${dtype}) holds ${value}, ${range}`);
        out[i] = Number(value);
      }
    },
  };
}

/** IEEE half to single precision by bits (as PyTorch's `c10::Half`), so infinities, -0 and NaN payloads carry over. */
function decodeF16(src: DataView, out: Float32Array): void {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < out.length; i++) {
    const h = src.getUint16(2 * i, true);
    const sign = (h & 0x8000) << 16;
    const exponent = (h >>> 10) & 0x1f;
    const fraction = h & 0x3ff;
    if (exponent === 0) out[i] = (sign === 0 ? 1 : -1) * fraction * 2 ** -24; // zero or subnormal: exact in float32
    else if (exponent === 0x1f) bits[i] = sign | 0x7f800000 | (fraction << 13);
    else bits[i] = sign | ((exponent + 112) << 23) | (fraction << 13);
  }
}

/** bfloat16 is the top half of a float32. */
function decodeBF16(src: DataView, out: Float32Array): void {
  const bits = new Uint32Array(out.buffer, out.byteOffset, out.length);
  for (let i = 0; i < out.length; i++) bits[i] = src.getUint16(2 * i, true) << 16;
}

function decodeF64(src: DataView, out: Float32Array): void {
  for (let i = 0; i < out.length; i++) out[i] = src.getFloat64(8 * i, true);
}

/**
 * A byte copy, whatever the alignment of the tensor in the file. Float32Array uses the host's byte order,
 * which is little-endian wherever convkit runs (WebAssembly's memory, which the wasm backend shares, is
 * little-endian by definition).
 */
function decodeF32(src: DataView, out: Float32Array): void {
  new Uint8Array(out.buffer, out.byteOffset, out.byteLength).set(new Uint8Array(src.buffer, src.byteOffset, src.byteLength));
}

const DTYPES = new Map<string, DtypeInfo>([
  ['F32', { size: 4, decode: decodeF32 }],
  ['F64', { size: 8, decode: decodeF64 }],
  ['F16', { size: 2, decode: decodeF16 }],
  ['BF16', { size: 2, decode: decodeBF16 }],
  ['I64', integers('I64', 8, (src, at) => src.getBigInt64(at, true), -INTEGER_LIMIT, INTEGER_LIMIT)],
  ['I32', integers('I32', 4, (src, at) => src.getInt32(at, true), -INTEGER_LIMIT, INTEGER_LIMIT)],
  ['I16', integers('I16', 2, (src, at) => src.getInt16(at, true), -INTEGER_LIMIT, INTEGER_LIMIT)],
  ['I8', integers('I8', 1, (src, at) => src.getInt8(at), -INTEGER_LIMIT, INTEGER_LIMIT)],
  ['U64', integers('U64', 8, (src, at) => src.getBigUint64(at, true), 0, INTEGER_LIMIT)],
  ['U32', integers('U32', 4, (src, at) => src.getUint32(at, true), 0, INTEGER_LIMIT)],
  ['U16', integers('U16', 2, (src, at) => src.getUint16(at, true), 0, INTEGER_LIMIT)],
  ['U8', integers('U8', 1, (src, at) => src.getUint8(at), 0, INTEGER_LIMIT)],
  ['BOOL', integers('BOOL', 1, (src, at) => src.getUint8(at), 0, 1)],
]);

/** The reference implementation's other dtypes, named so that their error says "not supported" rather than "unknown". */
const UNSUPPORTED = new Set(['F8_E5M2', 'F8_E4M3', 'F8_E4M3FN', 'F8_E4M3FNUZ', 'F8_E5M2FNUZ', 'F8_E8M0', 'F4', 'F6_E2M3', 'F6_E3M2', 'C64']);

/** Sets `key` as an own property even when it is `__proto__`, which plain assignment would take as the prototype. */
function put<T>(target: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** The element count of `shape`, or an error where the product passes 2^53 (the reference fails on overflow too). */
function elementCount(entry: HeaderEntry): number {
  let count = 1;
  for (const size of entry.shape) {
    count *= size;
    if (!Number.isSafeInteger(count)) throw argError(LOAD, `the shape of tensor ${show(entry.name)} ${show(entry.shape)} overflows`);
  }
  return count;
}

/**
 * The number of header bytes: a u64 read as two u32 halves, so that no length loses precision on its
 * way to a JavaScript number.
 */
function headerLength(bytes: Uint8Array): number {
  if (bytes.length < 8) throw argError(LOAD, `the file is ${bytes.length} bytes, too short for the 8-byte header length`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, 8);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  if (high >= 2 ** 21) throw argError(LOAD, 'the header length is 2^53 bytes or more');
  const length = high * 2 ** 32 + low;
  if (length > MAX_HEADER_BYTES) throw argError(LOAD, `the header length ${length} exceeds the ${MAX_HEADER_BYTES}-byte limit`);
  if (length > bytes.length - 8) throw argError(LOAD, `the header length ${length} runs past the end of the ${bytes.length}-byte file`);
  return length;
}

function decodeHeader(bytes: Uint8Array): string {
  try {
    // fatal: invalid UTF-8 is an error, not U+FFFD; ignoreBOM: a BOM stays in the text and fails as a non-'{' start.
    return new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw argError(LOAD, 'the header is not valid UTF-8');
  }
}

/**
 * Checks every entry against the data before anything is allocated: in order of offsets the ranges must
 * follow one another from 0 with no gap or overlap and end exactly at the end of the file, and each must
 * be as long as its shape and dtype say.
 */
function checkLayout(entries: HeaderEntry[], dataBytes: number): Array<{ entry: HeaderEntry; dtype: DtypeInfo; count: number }> {
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let next = 0;
  const checked = sorted.map((entry) => {
    const { name, begin, end } = entry;
    const dtype = DTYPES.get(entry.dtype);
    if (dtype === undefined) {
      const known = UNSUPPORTED.has(entry.dtype) ? 'is not supported' : 'is unknown';
      throw argError(LOAD, `dtype ${show(entry.dtype)} of tensor ${show(name)} ${known}; convkit reads ${[...DTYPES.keys()].join(', ')}`);
    }
    if (end < begin) throw argError(LOAD, `tensor ${show(name)} has data_offsets [${begin}, ${end}] that end before they begin`);
    if (begin !== next) {
      const problem = begin < next ? 'overlap the previous tensor' : `leave the bytes from ${next} unused`;
      throw argError(LOAD, `tensor ${show(name)} has data_offsets [${begin}, ${end}] that ${problem}`);
    }
    if (end > dataBytes) throw argError(LOAD, `tensor ${show(name)} has data_offsets [${begin}, ${end}] past the ${dataBytes} bytes of data`);
    const count = elementCount(entry);
    if (count * dtype.size !== end - begin) {
      throw argError(LOAD, `tensor ${show(name)} of shape ${show(entry.shape)} and dtype ${entry.dtype} needs ${count * dtype.size} bytes, but its data_offsets [${begin}, ${end}] hold ${end - begin}`);
    }
    next = end;
    return { entry, dtype, count };
  });
  if (next !== dataBytes) throw argError(LOAD, `the tensors cover ${next} of the ${dataBytes} bytes of data after the header`);
  return checked;
}

/** Orders names by their UTF-8 bytes, as Rust sorts a `String` (in the reference serializer and Python's `keys()`). */
function byUtf8(a: { utf8: Uint8Array }, b: { utf8: Uint8Array }): number {
  const [x, y] = [a.utf8, b.utf8];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}

/**
 * Reads a safetensors file (as written by PyTorch's `safetensors.torch.save_file`, by
 * `tools/torch/to_safetensors.py`, or by `saveSafetensors`) into float32 tensors.
 *
 * F32 loads as is; F16, BF16 and F64 convert to float32, and so do the integer dtypes and BOOL when every
 * value is within ±2^24 (PyTorch's BatchNorm keeps `num_batches_tracked` as int64); `converted` lists each
 * tensor that was converted.
 *
 * @example
 * ```ts
 * import { readFileSync } from 'node:fs';
 * const { tensors, metadata, converted } = loadSafetensors(readFileSync('model.safetensors'));
 * model.loadStateDict(tensors);
 * ```
 * @param bytes the whole file (a Node `Buffer` is a Uint8Array).
 * @throws ConvkitArgumentError for any file that breaks the format: a header length past the file or over
 *   100 MB, a header that is not UTF-8 JSON of the safetensors form, a duplicate key, an unknown dtype, a
 *   shape that disagrees with its byte range, ranges that overlap, leave gaps or miss the end of the file,
 *   or an integer that float32 cannot hold exactly.
 */
export function loadSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (!(bytes instanceof Uint8Array)) throw argError(LOAD, `bytes must be a Uint8Array (or Buffer), got ${show(bytes)}`);
  const length = headerLength(bytes);
  const header = parseHeader(decodeHeader(bytes.subarray(8, 8 + length)));
  const data = bytes.subarray(8 + length);
  const result: SafetensorsFile = { tensors: {}, metadata: {}, converted: {} };
  for (const [key, value] of header.metadata) put(result.metadata, key, value);
  const encoder = new TextEncoder();
  const sorted = checkLayout(header.entries, data.length).map((checked) => ({ ...checked, utf8: encoder.encode(checked.entry.name) }));
  for (const { entry, dtype, count } of sorted.sort(byUtf8)) {
    const out = new Float32Array(count);
    dtype.decode(new DataView(data.buffer, data.byteOffset + entry.begin, entry.end - entry.begin), out, entry.name);
    put(result.tensors, entry.name, new Tensor(out, entry.shape));
    if (entry.dtype !== 'F32') put(result.converted, entry.name, entry.dtype as Exclude<SafetensorsDtype, 'F32'>);
  }
  return result;
}

function checkText(kind: string, text: string): void {
  if (!isWellFormed(text)) throw argError(SAVE, `${kind} ${show(text)} holds an unpaired surrogate, which UTF-8 cannot encode`);
}

/**
 * Writes `stateDict` as a safetensors file that PyTorch's `safetensors.torch.load_file` (or
 * `tools/torch/to_safetensors.py`'s `from_safetensors`) reads, with every tensor as F32.
 *
 * The layout is the reference serializer's: tensors sorted by name (its sort is by dtype alignment, then
 * name; all of these are F32), `__metadata__` first in the header, and the header padded with spaces to a
 * multiple of 8 bytes so that the data is aligned.
 *
 * @example
 * ```ts
 * import { writeFileSync } from 'node:fs';
 * writeFileSync('model.safetensors', saveSafetensors(model.stateDict(), { format: 'pt' }));
 * ```
 * @param metadata string values stored under `__metadata__` (`{ format: 'pt' }` is what PyTorch's writer adds).
 * @throws ConvkitArgumentError if a value is not a Tensor, a key is `__metadata__`, a metadata value is not
 *   a string, or a string cannot be encoded as UTF-8.
 */
export function saveSafetensors(stateDict: StateDict, metadata?: Record<string, string>): Uint8Array {
  if (stateDict === null || typeof stateDict !== 'object' || Array.isArray(stateDict)) {
    throw argError(SAVE, `stateDict must be an object of tensors, got ${show(stateDict)}`);
  }
  if (typeof (stateDict as { stateDict?: unknown }).stateDict === 'function') {
    throw argError(SAVE, 'got a module: pass module.stateDict()');
  }
  const encoder = new TextEncoder();
  const named = Object.entries(stateDict).map(([name, value]) => {
    if (!(value instanceof Tensor)) throw argError(SAVE, `stateDict[${show(name)}] must be a Tensor, got ${show(value)}`);
    if (name === '__metadata__') throw argError(SAVE, "the key '__metadata__' is reserved for the metadata");
    checkText('key', name);
    return { name, utf8: encoder.encode(name), tensor: value };
  });
  named.sort(byUtf8);
  const members: string[] = [];
  if (metadata !== undefined) {
    if (metadata === null || typeof metadata !== 'object' || Array.isArray(metadata)) {
      throw argError(SAVE, `metadata must be an object of strings, got ${show(metadata)}`);
    }
    const pairs = Object.entries(metadata).map(([key, value]) => {
      if (typeof value !== 'string') throw argError(SAVE, `metadata[${show(key)}] must be a string, got ${show(value)}`);
      checkText('metadata key', key);
      checkText('metadata value', value);
      return `${JSON.stringify(key)}:${JSON.stringify(value)}`;
    });
    members.push(`"__metadata__":{${pairs.join(',')}}`);
  }
  let offset = 0;
  for (const { name, tensor } of named) {
    members.push(`${JSON.stringify(name)}:{"dtype":"F32","shape":[${tensor.shape.join(',')}],"data_offsets":[${offset},${offset + tensor.data.byteLength}]}`);
    offset += tensor.data.byteLength;
  }
  const json = encoder.encode(`{${members.join(',')}}`);
  const headerBytes = Math.ceil(json.length / 8) * 8;
  if (headerBytes > MAX_HEADER_BYTES) throw argError(SAVE, `the header would be ${headerBytes} bytes, over the ${MAX_HEADER_BYTES}-byte limit readers accept`);
  const file = new Uint8Array(8 + headerBytes + offset);
  new DataView(file.buffer).setBigUint64(0, BigInt(headerBytes), true);
  file.set(json, 8);
  file.fill(0x20, 8 + json.length, 8 + headerBytes);
  let at = 8 + headerBytes;
  for (const { tensor } of named) {
    file.set(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength), at);
    at += tensor.data.byteLength;
  }
  return file;
}
