/**
 * The IDX format of MNIST and Fashion-MNIST (LeCun's "idx" files): a 4-byte magic number `00 00 TT NN`
 * (TT the element type, NN the number of dimensions), NN big-endian uint32 sizes, then the elements,
 * big-endian, row-major. Pure and browser-safe: gzip-compressed files are refused here and gunzipped by
 * `readIdxFile` / `decodeIdx` of the Node-only entry `convkit/node`.
 */
import { argError, show } from '../errors.js';

/** The element types IDX defines, by name. */
export type IdxType = 'uint8' | 'int8' | 'int16' | 'int32' | 'float32' | 'float64';

/** The elements of an IDX file, in the typed array matching its element type. */
export type IdxData = Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;

/** A parsed IDX file: its element type, its dimensions and its elements in row-major order. */
export interface IdxArray {
  readonly type: IdxType;
  readonly shape: readonly number[];
  readonly data: IdxData;
}

interface TypeInfo {
  type: IdxType;
  size: number;
  make(length: number): IdxData;
  /** Reads one big-endian element at `offset`. */
  read(view: DataView, offset: number): number;
}

const TYPES: ReadonlyMap<number, TypeInfo> = new Map<number, TypeInfo>([
  [0x08, { type: 'uint8', size: 1, make: (n) => new Uint8Array(n), read: (v, o) => v.getUint8(o) }],
  [0x09, { type: 'int8', size: 1, make: (n) => new Int8Array(n), read: (v, o) => v.getInt8(o) }],
  [0x0b, { type: 'int16', size: 2, make: (n) => new Int16Array(n), read: (v, o) => v.getInt16(o) }],
  [0x0c, { type: 'int32', size: 4, make: (n) => new Int32Array(n), read: (v, o) => v.getInt32(o) }],
  [0x0d, { type: 'float32', size: 4, make: (n) => new Float32Array(n), read: (v, o) => v.getFloat32(o) }],
  [0x0e, { type: 'float64', size: 8, make: (n) => new Float64Array(n), read: (v, o) => v.getFloat64(o) }],
]);

const HEADER = 4;
/** The largest byte count a message writes out: 255 sizes can multiply to thousands of digits. */
const SHOWN_EXACTLY = 2n ** 64n;
const GZIP_MAGIC = [0x1f, 0x8b];

function hex(byte: number): string {
  return `0x${byte.toString(16).padStart(2, '0')}`;
}

/** Whether `bytes` start with the gzip magic number `1f 8b`. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === GZIP_MAGIC[0] && bytes[1] === GZIP_MAGIC[1];
}

/**
 * Parses an uncompressed IDX file. The elements are copied: the result never shares memory with `bytes`.
 * Nothing is allocated before the header is checked against the file's length, so a hostile header
 * cannot make it allocate more than the file holds.
 * @throws ConvkitArgumentError for gzip bytes, a bad magic number, an unknown type code, or a file
 * whose data length is not the product of its dimensions times the element size.
 */
export function readIdx(bytes: Uint8Array): IdxArray {
  if (!(bytes instanceof Uint8Array)) throw argError('readIdx', `bytes must be a Uint8Array, got ${show(bytes)}`);
  if (isGzip(bytes)) {
    throw argError('readIdx', 'bytes are gzip-compressed; gunzip them first (readIdxFile or decodeIdx from convkit/node do)');
  }
  return parseIdx('readIdx', bytes);
}

/** {@link readIdx} of uncompressed bytes, its errors naming `where` (the Node loaders name the file). */
export function parseIdx(where: string, bytes: Uint8Array): IdxArray {
  if (bytes.length < HEADER) {
    throw argError(where, `file has ${bytes.length} bytes, fewer than the 4-byte magic number`);
  }
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    throw argError(where, `bad magic number: an IDX file starts with 0x00 0x00, got ${hex(bytes[0])} ${hex(bytes[1])}`);
  }
  const info = TYPES.get(bytes[2]);
  if (info === undefined) {
    throw argError(where, `unknown element type ${hex(bytes[2])} (IDX defines 0x08 uint8, 0x09 int8, 0x0b int16, 0x0c int32, 0x0d float32, 0x0e float64)`);
  }
  const ndim = bytes[3];
  const dataStart = HEADER + 4 * ndim;
  if (bytes.length < dataStart) {
    throw argError(where, `file has ${bytes.length} bytes but its header needs ${dataStart} for ${ndim} dimensions`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const shape: number[] = [];
  // BigInt: up to 255 sizes of up to 2^32 - 1, whose product no float holds exactly.
  let needed = BigInt(info.size);
  for (let i = 0; i < ndim; i++) {
    const size = view.getUint32(HEADER + 4 * i);
    shape.push(size);
    needed *= BigInt(size);
  }
  const available = bytes.length - dataStart;
  if (needed !== BigInt(available)) {
    const need = needed <= SHOWN_EXACTLY ? String(needed) : 'more than 2^64';
    throw argError(where, `file has ${available} data bytes but dimensions ${show(shape)} of ${info.type} need ${need}`);
  }
  const length = available / info.size;
  const data = info.make(length);
  if (info.size === 1) {
    data.set(bytes.subarray(dataStart));
  } else {
    for (let i = 0, offset = dataStart; i < length; i++, offset += info.size) data[i] = info.read(view, offset);
  }
  return { type: info.type, shape, data };
}
