import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ConvkitArgumentError, Generator, readIdx } from '../../src/index.js';
import { decodeIdx, readIdxFile } from '../../src/node/index.js';
import { bytesOfHex, dataFixture, idxFile } from '../support/data-fixture.js';
import { checkHostile, mutations } from '../support/hostile.js';

const argumentError = (pattern: RegExp) => (e: unknown) => e instanceof ConvkitArgumentError && pattern.test(e.message);

test('decodeIdx reads plain and gzip-compressed bytes alike (fixture)', () => {
  for (const c of dataFixture.idx) {
    const bytes = bytesOfHex(c.hex);
    const expected = readIdx(bytes);
    assert.deepEqual(decodeIdx(bytes), expected);
    assert.deepEqual(decodeIdx(gzipSync(bytes)), expected);
  }
});

test('readIdxFile reads files, gzip-compressed or not, and its errors name the file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-idx-'));
  try {
    const bytes = idxFile(0x08, [2, 2], Uint8Array.from([1, 2, 3, 4]));
    writeFileSync(join(dir, 'a'), bytes);
    writeFileSync(join(dir, 'a.gz'), gzipSync(bytes));
    assert.deepEqual(readIdxFile(join(dir, 'a')), readIdx(bytes));
    assert.deepEqual(readIdxFile(join(dir, 'a.gz')), readIdx(bytes));
    const missing = join(dir, 'missing');
    assert.throws(() => readIdxFile(missing), argumentError(/^readIdxFile\('.*missing'\): cannot read the file \(ENOENT\)$/));
    assert.throws(() => readIdxFile(dir), argumentError(/cannot read the file \(EISDIR\)$/));
    writeFileSync(join(dir, 'short.gz'), gzipSync(bytes.subarray(0, 7)));
    assert.throws(() => readIdxFile(join(dir, 'short.gz')), argumentError(/^readIdxFile\('.*short\.gz'\): file has 7 bytes but its header needs 12/));
    assert.throws(() => readIdxFile(join(dir, 'a'), { maxBytes: 10 }), argumentError(/file has 16 bytes, more than maxBytes=10$/));
    assert.throws(() => readIdxFile(join(dir, 'a'), { maxBytes: 0 }), argumentError(/maxBytes must be a positive integer, got 0/));
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a gzip bomb stops at maxBytes; corrupt and doubly compressed gzip are argument errors', () => {
  const bomb = gzipSync(new Uint8Array(8 * 2 ** 20));
  assert.ok(bomb.length < 10_000);
  assert.throws(() => decodeIdx(bomb, { maxBytes: 2 ** 20 }), argumentError(/^decodeIdx: gunzipped data exceeds maxBytes=1048576$/));
  const gz = gzipSync(idxFile(0x08, [4], Uint8Array.from([1, 2, 3, 4])));
  assert.throws(() => decodeIdx(gz.subarray(0, gz.length - 5)), argumentError(/^decodeIdx: corrupt gzip data \(Z_BUF_ERROR\)$/));
  assert.throws(() => decodeIdx(gzipSync(gz)), argumentError(/bad magic number: .* got 0x1f 0x8b/));
});

test('hostile gzip files: 3000 random mutations and truncations parse consistently or throw a short argument error', () => {
  const g = new Generator(77);
  const files = [
    idxFile(0x08, [3, 4, 5], Uint8Array.from({ length: 60 }, (_, i) => i)),
    idxFile(0x0c, [2, 3], new Uint8Array(24).fill(9)),
  ].map((bytes) => gzipSync(bytes));
  const outcomes = { ok: 0, rejected: 0 };
  for (const file of files) {
    for (const m of mutations(file, g, 1500)) {
      outcomes[checkHostile(() => decodeIdx(m, { maxBytes: 4096 }), Buffer.from(m).toString('hex'))]++;
    }
  }
  assert.ok(outcomes.rejected > 2000, JSON.stringify(outcomes));
});
