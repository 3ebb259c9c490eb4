/**
 * Replays tools/torch/activation_cases.py's file (torch-activation.json) through convkit: relu6 /
 * hardswish outputs and input gradients bit for bit (float32, NaN as NaN, -0 as -0); dropout's errors,
 * the cases where torch returns its input itself, p = 1 bit for bit, and p in (0, 1), where every
 * element must be kept (x * scale, gradient R * scale, torch's scale) or dropped (x * 0, R * 0); flatten
 * and nn.Flatten's output shape (and outputShape) or an error where torch raised; each module's repr.
 */
import { readFileSync } from 'node:fs';
import { dropout, Dropout, flatten, Flatten, Generator, hardswish, moduleFromJSON, relu6, Tensor } from '../../src/index.js';
import type { CaseResult } from './cases.js';

type Value = number | 'nan' | 'inf' | '-inf';

interface ActivationCase {
  id: string;
  group: string;
  op: 'relu6' | 'hardswish' | 'dropout' | 'flatten' | 'Flatten' | 'repr';
  shape?: number[];
  x?: Value[];
  R?: Value[];
  y?: Value[];
  grad?: Value[];
  p?: Value;
  training?: boolean;
  error?: string;
  moduleError?: string | null;
  same?: boolean;
  scale?: number;
  start?: number;
  end?: number;
  outShape?: number[];
  module?: { type: string };
  repr?: string;
}

export interface ActivationCaseFile {
  torch: string;
  cases: ActivationCase[];
}

export function loadActivationCases(path: string | URL): ActivationCaseFile {
  return JSON.parse(readFileSync(path, 'utf8')) as ActivationCaseFile;
}

function decode(v: Value): number {
  return v === 'nan' ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v;
}

function floats(values: Value[] | undefined): Float32Array {
  return Float32Array.from((values ?? []).map(decode));
}

const show = (v: number) => (Object.is(v, -0) ? '-0' : String(v));

/** The first element whose bits differ (NaN equal to NaN), described; null where all agree. */
function firstDifference(actual: Float32Array, expected: Float32Array, what: string): string | null {
  if (actual.length !== expected.length) return `${what}: ${actual.length} elements, torch ${expected.length}`;
  for (let i = 0; i < expected.length; i++) {
    if (!Object.is(actual[i], expected[i])) return `${what}[${i}] is ${show(actual[i])}, torch ${show(expected[i])}`;
  }
  return null;
}

function throws(fn: () => unknown): string | null {
  try {
    fn();
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
  return null;
}

function leaf(c: ActivationCase): Tensor {
  return new Tensor(floats(c.x), c.shape ?? []).requiresGrad_();
}

/** Output and gradient of y.backward(R), compared bit for bit with torch's. */
function exact(c: ActivationCase, y: Tensor, x: Tensor): string | null {
  y.backward(new Tensor(floats(c.R), y.shape));
  return firstDifference(y.data, floats(c.y), 'output') ?? firstDifference(x.grad?.data ?? new Float32Array(0), floats(c.grad), 'grad');
}

function checkDropout(c: ActivationCase): string | null {
  const p = decode(c.p ?? 0.5);
  if (c.error !== undefined) {
    const message = throws(() => dropout(new Tensor(new Float32Array(12), [3, 4]), { p }));
    if (message === null) return `dropout accepted p=${p}; torch: ${c.error}`;
    // torch writes a Python float (1e-09, nan) where convkit writes JavaScript's (1e-9, NaN): compare where they agree
    const torchTail = c.error.slice(c.error.lastIndexOf(' ') + 1);
    if (torchTail === String(p) && !message.endsWith(c.error)) return `message ${JSON.stringify(message)}, torch ${JSON.stringify(c.error)}`;
    return throws(() => new Dropout(p)) === null ? 'new Dropout accepted it' : null;
  }
  const x = leaf(c);
  if (c.same !== undefined) {
    const module = new Dropout(p).train(c.training ?? true);
    const same = dropout(x, { p, training: c.training }) === x && module.forward(x) === x;
    return same === c.same ? null : `returned ${same ? 'its input' : 'a new tensor'}; torch ${c.same ? 'its input' : 'a new tensor'}`;
  }
  const y = dropout(x, { p, generator: new Generator(c.id.length) });
  if (c.scale === undefined) return exact(c, y, x);
  y.backward(new Tensor(floats(c.R), y.shape));
  const R = floats(c.R);
  const grad = x.grad?.data ?? new Float32Array(0);
  for (let i = 0; i < x.numel; i++) {
    const noise = Object.is(grad[i], Math.fround(R[i] * c.scale)) ? c.scale : 0;
    if (!Object.is(grad[i], Math.fround(R[i] * noise))) return `grad[${i}] is ${show(grad[i])}, neither R * ${c.scale} nor R * 0 (R = ${R[i]})`;
    if (!Object.is(y.data[i], Math.fround(x.data[i] * noise))) return `output[${i}] is ${show(y.data[i])} where the gradient says x * ${noise} (x = ${x.data[i]})`;
  }
  return null;
}

function checkFlatten(c: ActivationCase): string | null {
  const x = new Tensor(new Float32Array((c.shape ?? []).reduce((a, b) => a * b, 1)), c.shape ?? []);
  const module = c.start === undefined ? new Flatten() : new Flatten(c.start, c.end);
  const run = c.op === 'Flatten' ? () => module.forward(x).shape : () => flatten(x, c.start, c.end).shape;
  if (c.error !== undefined) {
    if (throws(run) === null) return `accepted; torch: ${c.error}`;
    return c.op === 'Flatten' && throws(() => module.outputShape(x.shape)) === null ? 'outputShape accepted it' : null;
  }
  const shape = run();
  const declared = c.op === 'Flatten' ? module.outputShape(x.shape) : shape;
  const want = JSON.stringify(c.outShape);
  return JSON.stringify(shape) === want && JSON.stringify(declared) === want ? null : `shape ${JSON.stringify(shape)} (outputShape ${JSON.stringify(declared)}), torch ${want}`;
}

function check(c: ActivationCase): string | null {
  switch (c.op) {
    case 'relu6':
    case 'hardswish': {
      const x = leaf(c);
      return exact(c, (c.op === 'relu6' ? relu6 : hardswish)(x), x);
    }
    case 'dropout':
      return checkDropout(c);
    case 'repr': {
      const text = String(moduleFromJSON(c.module));
      return text === c.repr ? null : `repr ${JSON.stringify(text)}, torch ${JSON.stringify(c.repr)}`;
    }
    default:
      return checkFlatten(c);
  }
}

/** One result per case; an exception thrown where torch gave a result counts as a failure. */
export function runActivationCases(file: ActivationCaseFile): CaseResult[] {
  return file.cases.map((c) => {
    let message: string | null;
    try {
      message = check(c);
    } catch (e) {
      message = `threw ${e instanceof Error ? e.message : String(e)}`;
    }
    return { id: c.id, group: c.group, kind: c.op, pass: message === null, message: message === null ? '' : `${c.id} (${c.op}): ${message}` };
  });
}
