import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { ConvkitArgumentError, Generator, readIdx } from '../../src/index.js';
import { bytesOfHex, dataFixture, idxFile } from '../support/data-fixture.js';
import { checkHostile, mutations } from '../support/hostile.js';

test('every element type and shape reads as numpy reads it (fixture)', () => {
  assert.ok(dataFixture.idx.length >= 40);
  for (const c of dataFixture.idx) {
    const idx = readIdx(bytesOfHex(c.hex));
    const label = `${c.type} ${JSON.stringify(c.shape)}`;
    assert.equal(idx.type, c.type, label);
    assert.deepEqual(idx.shape, c.shape, label);
    assert.deepEqual(Array.from(idx.data), c.values, label);
    assert.equal(idx.data.constructor.name, `${c.type[0].toUpperCase()}${c.type.slice(1)}Array`, label);
  }
});

test('the result does not share memory with the bytes', () => {
  const bytes = idxFile(0x08, [3], Uint8Array.from([1, 2, 3]));
  const idx = readIdx(bytes);
  bytes[bytes.length - 1] = 99;
  assert.deepEqual(Array.from(idx.data), [1, 2, 3]);
});

function rejects(bytes: Uint8Array, pattern: RegExp): void {
  assert.throws(() => readIdx(bytes), (e: unknown) => e instanceof ConvkitArgumentError && pattern.test(e.message));
}

test('bad files are refused with a message naming what is wrong', () => {
  const images = idxFile(0x08, [60000, 28, 28], new Uint8Array(1000));
  rejects(images, /^readIdx: file has 1000 data bytes but dimensions \[60000, 28, 28\] of uint8 need 47040000$/);
  rejects(idxFile(0x0b, [2, 3], new Uint8Array(13)), /file has 13 data bytes but dimensions \[2, 3\] of int16 need 12$/);
  rejects(idxFile(0x08, [0], new Uint8Array(1)), /file has 1 data bytes but dimensions \[0\] of uint8 need 0$/);
  rejects(Uint8Array.from([0, 0, 8]), /file has 3 bytes, fewer than the 4-byte magic number/);
  rejects(Uint8Array.from([0, 0, 8, 3, 0, 0, 0, 1]), /file has 8 bytes but its header needs 16 for 3 dimensions/);
  rejects(Uint8Array.from([0, 1, 8, 1, 0, 0, 0, 0]), /bad magic number: an IDX file starts with 0x00 0x00, got 0x00 0x01/);
  rejects(Uint8Array.from([0, 0, 0x0a, 1, 0, 0, 0, 0]), /unknown element type 0x0a/);
  rejects(gzipSync(idxFile(0x08, [1], new Uint8Array(1))), /gzip-compressed; gunzip them first/);
  assert.throws(() => readIdx([0, 0, 8, 0] as unknown as Uint8Array), /readIdx: bytes must be a Uint8Array/);
});

test('a header of huge sizes is refused at once, with a short message', () => {
  const huge = idxFile(0x0e, new Array(255).fill(0xffffffff), new Uint8Array(8));
  assert.throws(() => readIdx(huge), (e: unknown) => e instanceof ConvkitArgumentError
    && /file has 8 data bytes but dimensions \[4294967295, .*\.\.\. \(255 items\)\] of float64 need more than 2\^64$/.test(e.message)
    && e.message.length < 300);
  // 2^32 * 2^32 / 2^64 products that wrap to the file's length in 32 or 64 bits are still refused.
  rejects(idxFile(0x08, [65536, 65536, 65536, 65536], new Uint8Array(0)), /need 18446744073709551616$/);
  rejects(idxFile(0x08, [65536, 65536, 1], new Uint8Array(0)), /need 4294967296$/);
});

test('zero sizes and zero dimensions: an empty array, a scalar', () => {
  const empty = readIdx(idxFile(0x0c, [4, 0, 3], new Uint8Array(0)));
  assert.deepEqual(empty.shape, [4, 0, 3]);
  assert.equal(empty.data.length, 0);
  const scalar = readIdx(idxFile(0x0d, [], Uint8Array.from([0x3f, 0x80, 0, 0])));
  assert.deepEqual(scalar.shape, []);
  assert.deepEqual(Array.from(scalar.data), [1]);
});

test('hostile files: 10,002 random mutations and truncations parse consistently or throw a short argument error', () => {
  const g = new Generator(2024);
  const files = [
    idxFile(0x08, [3, 4, 5], Uint8Array.from({ length: 60 }, (_, i) => i)),
    idxFile(0x0b, [2, 3], new Uint8Array(12).fill(7)),
    idxFile(0x0e, [2], new Uint8Array(16).fill(0xff)),
  ];
  const outcomes = { ok: 0, rejected: 0 };
  for (const file of files) {
    for (const m of mutations(file, g, 3334)) outcomes[checkHostile(() => readIdx(m), Buffer.from(m).toString('hex'))]++;
  }
  assert.ok(outcomes.ok > 100 && outcomes.rejected > 1000, JSON.stringify(outcomes));
});
