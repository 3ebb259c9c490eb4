/** Random damage to a valid file, and what a parser may do with it. */
import assert from 'node:assert/strict';
import { ConvkitArgumentError, type Generator } from '../../src/index.js';

/** What a hostile variant of a file may do: parse consistently, or throw a short ConvkitArgumentError. */
export function checkHostile(parse: () => { shape: readonly number[]; data: { length: number } }, label: string): 'ok' | 'rejected' {
  try {
    const idx = parse();
    assert.equal(idx.data.length, idx.shape.reduce((a, b) => a * b, 1), label);
    return 'ok';
  } catch (e) {
    assert.ok(e instanceof ConvkitArgumentError, `${label}: ${String(e)}`);
    assert.ok(e.message.length < 400, `${label}: message of ${e.message.length} characters`);
    return 'rejected';
  }
}

/** Random variants of `bytes`: bytes changed, the file cut short, bytes appended, a header size made huge. */
export function mutations(bytes: Uint8Array, g: Generator, count: number): Uint8Array[] {
  const below = (n: number) => g.nextUint32() % n;
  const out: Uint8Array[] = [];
  for (let k = 0; k < count; k++) {
    let m = bytes.slice();
    switch (k % 4) {
      case 0: for (let i = 0, n = 1 + below(4); i < n; i++) m[below(m.length)] = below(256); break;
      case 1: m = m.slice(0, below(m.length)); break;
      case 2: { const tail = Uint8Array.from({ length: 1 + below(8) }, () => below(256)); m = Uint8Array.from([...m, ...tail]); break; }
      default: if (m.length >= 8) new DataView(m.buffer).setUint32(4 * (1 + below(Math.min(m[3] || 1, (m.length - 4) >> 2))), g.nextUint32());
    }
    out.push(m);
  }
  return out;
}
