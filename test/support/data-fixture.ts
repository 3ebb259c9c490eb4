/** test/fixtures/data-cases.json, written by tools/torch/make_data_fixtures.py (see its docstring). */
import { readFileSync } from 'node:fs';

export interface IdxCase { type: string; shape: number[]; hex: string; values: number[] }

export interface FashionSplit {
  images_shape: number[];
  labels_shape: number[];
  images_sha256: string;
  labels_sha256: string;
  first_labels: number[];
  label_counts: number[];
  first_image_sum: number;
  first_image_sha256: string;
  first8_to_tensor_sha256?: string;
  first8_normalized_sha256?: string;
}

export interface DigitSplit { length: number; images_sha256: string; labels_sha256: string; first_labels: number[]; first_image_sum: number }

export interface DataFixture {
  command: string;
  idx: IdxCase[];
  fashion_mnist: { train: FashionSplit; test: FashionSplit; normalize: [number, number] } | null;
  digits: { version: string; counts: number[]; train: DigitSplit; test: DigitSplit };
}

export const dataFixture: DataFixture = JSON.parse(
  readFileSync(new URL('../fixtures/data-cases.json', import.meta.url), 'utf8'),
) as DataFixture;

export function bytesOfHex(hex: string): Uint8Array {
  return Uint8Array.from(Buffer.from(hex, 'hex'));
}

/** A valid small IDX file: `code` the element type, `shape`, then `data` (already big-endian bytes). */
export function idxFile(code: number, shape: number[], data: Uint8Array): Uint8Array {
  const out = new Uint8Array(4 + 4 * shape.length + data.length);
  const view = new DataView(out.buffer);
  out.set([0, 0, code, shape.length]);
  shape.forEach((size, i) => view.setUint32(4 + 4 * i, size));
  out.set(data, 4 + 4 * shape.length);
  return out;
}
