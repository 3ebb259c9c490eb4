/**
 * IDX files from disk, gzip-compressed or not (Node only: node:fs and node:zlib). The gunzipped size is
 * bounded, so a small hostile file cannot expand into gigabytes.
 */
import { readFileSync, statSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { argError, ConvkitArgumentError, isInt, show } from '../errors.js';
import { isGzip, parseIdx, type IdxArray } from '../io/idx.js';

/**
 * The most bytes an IDX file may have, compressed or once gunzipped, unless `maxBytes` says otherwise:
 * 512 MiB, ten times Fashion-MNIST's largest file (47 MB).
 */
export const MAX_IDX_BYTES = 512 * 2 ** 20;

/** Options of {@link decodeIdx} and {@link readIdxFile}. */
export interface IdxReadOptions {
  /** The most bytes the file may hold, before and after gunzipping (default {@link MAX_IDX_BYTES}). */
  maxBytes?: number;
}

function maxBytesOf(where: string, options: IdxReadOptions): number {
  const maxBytes = options.maxBytes ?? MAX_IDX_BYTES;
  if (!isInt(maxBytes) || maxBytes < 1) throw argError(where, `maxBytes must be a positive integer, got ${show(maxBytes)}`);
  return maxBytes;
}

function decode(where: string, bytes: Uint8Array, maxBytes: number): IdxArray {
  if (bytes.length > maxBytes) throw argError(where, `data has ${bytes.length} bytes, more than maxBytes=${maxBytes}`);
  if (!isGzip(bytes)) return parseIdx(where, bytes);
  let raw: Uint8Array;
  try {
    raw = gunzipSync(bytes, { maxOutputLength: maxBytes });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (code === 'ERR_BUFFER_TOO_LARGE') throw argError(where, `gunzipped data exceeds maxBytes=${maxBytes}`);
    throw argError(where, `corrupt gzip data (${String(code ?? (error as Error).message)})`);
  }
  // gzip inside gzip is not an IDX file; parseIdx's magic-number check says so.
  return parseIdx(where, raw);
}

/**
 * Parses IDX bytes as {@link readIdx} does, gunzipping them first when they start with the gzip magic
 * number `1f 8b`.
 * @throws ConvkitArgumentError for corrupt gzip data, data larger than `maxBytes`, or what readIdx rejects.
 */
export function decodeIdx(bytes: Uint8Array, options: IdxReadOptions = {}): IdxArray {
  const maxBytes = maxBytesOf('decodeIdx', options);
  if (!(bytes instanceof Uint8Array)) throw argError('decodeIdx', `bytes must be a Uint8Array, got ${show(bytes)}`);
  return decode('decodeIdx', bytes, maxBytes);
}

/**
 * Reads and parses the IDX file at `path` (gzip-compressed or not), refusing one larger than `maxBytes`
 * before reading it. Errors name the file: `readIdxFile('x.gz'): corrupt gzip data (Z_DATA_ERROR)`.
 * @throws ConvkitArgumentError for a missing or unreadable file, or what decodeIdx rejects.
 */
export function readIdxFile(path: string, options: IdxReadOptions = {}): IdxArray {
  const maxBytes = maxBytesOf('readIdxFile', options);
  if (typeof path !== 'string') throw argError('readIdxFile', `path must be a string, got ${show(path)}`);
  const where = `readIdxFile(${show(path)})`;
  let bytes: Uint8Array;
  try {
    const size = statSync(path).size;
    if (size > maxBytes) throw argError(where, `file has ${size} bytes, more than maxBytes=${maxBytes}`);
    bytes = readFileSync(path);
  } catch (error) {
    if (error instanceof ConvkitArgumentError) throw error;
    throw argError(where, `cannot read the file (${String((error as { code?: unknown }).code ?? (error as Error).message)})`);
  }
  return decode(where, bytes, maxBytes);
}
