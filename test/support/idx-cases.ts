/** Replays tools/torch/random_idx_cases.py's files through readIdx (the live suite's IDX entry). */
import { readFileSync } from 'node:fs';
import { ConvkitArgumentError, readIdx } from '../../src/index.js';
import type { CaseResult } from './cases.js';

type Value = number | 'nan' | 'inf' | '-inf';

interface IdxCase {
  id: string;
  hex: string;
  /** What the file holds, or null for a file that must be refused. */
  expected: { type: string; shape: number[]; values: Value[] } | null;
}

export interface IdxCaseFile { torch: string; cases: IdxCase[] }

export function loadIdxCases(path: string): IdxCaseFile {
  return JSON.parse(readFileSync(path, 'utf8')) as IdxCaseFile;
}

function valueOf(v: Value): number {
  return v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v;
}

function check(c: IdxCase): string {
  let idx;
  try {
    idx = readIdx(Uint8Array.from(Buffer.from(c.hex, 'hex')));
  } catch (e) {
    if (!(e instanceof ConvkitArgumentError)) return `threw ${String(e)}`;
    return c.expected === null ? '' : `refused a valid file: ${e.message}`;
  }
  if (c.expected === null) return `parsed a file that must be refused, as ${idx.type} ${JSON.stringify(idx.shape)}`;
  if (idx.type !== c.expected.type || JSON.stringify(idx.shape) !== JSON.stringify(c.expected.shape)) {
    return `got ${idx.type} ${JSON.stringify(idx.shape)}, expected ${c.expected.type} ${JSON.stringify(c.expected.shape)}`;
  }
  const bad = c.expected.values.findIndex((v, i) => !Object.is(idx.data[i], valueOf(v)));
  if (bad >= 0 || idx.data.length !== c.expected.values.length) return `element ${bad}: ${idx.data[bad]} != ${c.expected.values[bad]}`;
  return '';
}

export function runIdxCases(file: IdxCaseFile): CaseResult[] {
  return file.cases.map((c) => {
    const message = check(c);
    return { id: c.id, group: 'idx', kind: c.expected === null ? 'invalid' : 'valid', pass: message === '', message };
  });
}
