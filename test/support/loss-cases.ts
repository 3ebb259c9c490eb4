/**
 * Replays loss case files (tools/torch/loss_cases.py: the committed test/fixtures/torch-loss.json and the
 * live suite's random draws) through convkit's softmax, logSoftmax, nllLoss, crossEntropy and mseLoss, or
 * their modules (CrossEntropyLoss, NLLLoss, MSELoss).
 *
 * A case passes when
 * - torch gave an output: convkit's has its shape and every element within 1e-5 * max(1, max|torch|) of
 *   torch's (NaN where torch's is NaN); backpropagating sum(out * R) gives the input (and a probability
 *   target that requires grad) torch's gradient within the same tolerance, and no gradient where torch
 *   gave none; the inputs are left unchanged;
 * - torch raised: convkit throws a ConvkitArgumentError.
 */
import { readFileSync } from 'node:fs';
import {
  ConvkitArgumentError, CrossEntropyLoss, crossEntropy, logSoftmax, MSELoss, mseLoss, mul, NLLLoss, nllLoss, softmax, sum, Tensor,
  type ClassTarget,
} from '../../src/index.js';
import type { CaseResult } from './cases.js';

export const LOSS_TOLERANCE = 1e-5;

interface Values { shape: number[]; values: Array<number | null> }

export interface LossCase {
  id: string;
  op: 'softmax' | 'logSoftmax' | 'nllLoss' | 'crossEntropy' | 'mseLoss';
  /** Whether the module form runs it (`new CrossEntropyLoss(options).forward(input, target)`). */
  module?: boolean;
  input: Values;
  dim?: number;
  /** How the target is passed: a Tensor, or its values as a number[] or an Int32Array. */
  form?: 'tensor' | 'array' | 'int32';
  target?: Values | { values: number[] };
  /** In convkit's names; `weight` a tensor. */
  options?: Record<string, unknown>;
  error?: string;
  R?: Array<number | null>;
  out?: Values;
  grads?: Record<string, Array<number | null> | null>;
}

export interface LossCaseFile { torch: string; seed: number; cases: LossCase[] }

export function loadLossCases(path: string | URL): LossCaseFile {
  return JSON.parse(readFileSync(path, 'utf8')) as LossCaseFile;
}

function toTensor(v: Values): Tensor {
  return new Tensor(Float32Array.from(v.values, (x) => x ?? NaN), v.shape);
}

/** The case's call, with its inputs as leaves requiring grad where torch's did. */
function prepare(c: LossCase): { leaves: Record<string, Tensor>; call: () => Tensor } {
  const input = toTensor(c.input).requiresGrad_();
  const leaves: Record<string, Tensor> = { input };
  if (c.op === 'softmax' || c.op === 'logSoftmax') {
    const fn = c.op === 'softmax' ? softmax : logSoftmax;
    return { leaves, call: () => fn(input, c.dim as number) };
  }
  const t = c.target as Values;
  let target: ClassTarget;
  if (c.form === 'array') target = t.values as number[];
  else if (c.form === 'int32') target = Int32Array.from(t.values as number[]);
  else {
    const tensor = toTensor(t);
    // a probability target (or mse's) requires grad where torch's did: the case lists its gradient
    if (c.grads !== undefined && 'target' in c.grads) leaves.target = tensor.requiresGrad_();
    target = tensor;
  }
  const options = { ...c.options };
  if (options.weight !== undefined) options.weight = toTensor(options.weight as Values);
  const call = (): Tensor => {
    if (c.op === 'mseLoss') return c.module ? new MSELoss(options).forward(input, target as Tensor) : mseLoss(input, target as Tensor, options);
    if (c.op === 'nllLoss') return c.module ? new NLLLoss(options).forward(input, target) : nllLoss(input, target, options);
    return c.module ? new CrossEntropyLoss(options).forward(input, target) : crossEntropy(input, target, options);
  };
  return { leaves, call };
}

/** Why `actual` is not torch's `expected` within the tolerance, or '' where it is. */
function mismatch(actual: Float32Array, expected: Array<number | null>): string {
  if (actual.length !== expected.length) return `${actual.length} elements, torch ${expected.length}`;
  const scale = Math.max(1, ...expected.map((e) => Math.abs(e ?? 0)));
  for (let i = 0; i < expected.length; i++) {
    const e = expected[i];
    const ok = e === null ? Number.isNaN(actual[i]) : Math.abs(actual[i] - e) <= LOSS_TOLERANCE * scale;
    if (!ok) return `[${i}] ${actual[i]} vs torch ${e}`;
  }
  return '';
}

function describe(c: LossCase): string {
  const target = c.target === undefined ? '' : ` target ${'shape' in c.target ? JSON.stringify(c.target.shape) : `${c.form} of ${c.target.values.length}`}`;
  const extra = c.dim !== undefined ? ` dim ${c.dim}` : c.options && Object.keys(c.options).length > 0 ? ` ${JSON.stringify({ ...c.options, weight: c.options.weight && '...' })}` : '';
  return `${c.module ? 'module ' : ''}${c.op}(input ${JSON.stringify(c.input.shape)}${target}${extra})`;
}

function judge(c: LossCase): string {
  const { leaves, call } = prepare(c);
  if (c.error !== undefined) {
    try {
      call();
    } catch (e) {
      return e instanceof ConvkitArgumentError ? '' : `threw ${String(e)}, not a ConvkitArgumentError (torch: ${c.error})`;
    }
    return `returned where torch raised: ${c.error}`;
  }
  const before = Object.fromEntries(Object.entries(leaves).map(([k, t]) => [k, t.data.slice()]));
  let out: Tensor;
  try {
    out = call();
  } catch (e) {
    return `threw ${String(e)} where torch gave an output`;
  }
  const expected = c.out as Values;
  if (JSON.stringify(out.shape) !== JSON.stringify(expected.shape)) return `shape ${JSON.stringify(out.shape)}, torch ${JSON.stringify(expected.shape)}`;
  const bad = mismatch(out.data, expected.values);
  if (bad) return `output ${bad}`;
  if (out.requiresGrad) sum(mul(out, new Tensor(Float32Array.from(c.R ?? [], (x) => x ?? NaN), out.shape))).backward();
  for (const [name, grad] of Object.entries(c.grads ?? {})) {
    const actual = leaves[name]?.grad ?? null;
    if (grad === null || actual === null) {
      if (grad !== null || actual !== null) return `${name}.grad ${actual === null ? 'missing' : 'present'}, torch's ${grad === null ? 'None' : 'present'}`;
      continue;
    }
    const wrong = mismatch(actual.data, grad);
    if (wrong) return `${name}.grad ${wrong}`;
  }
  for (const [name, t] of Object.entries(leaves)) {
    if (!before[name].every((v, i) => Object.is(v, t.data[i]))) return `${name} was modified`;
  }
  return '';
}

/** Every case's result, in the shape the live suite reports (`group`: the op). */
export function runLossCases(file: LossCaseFile, filter: (c: LossCase) => boolean = () => true): CaseResult[] {
  return file.cases.filter(filter).map((c) => {
    let message: string;
    try {
      message = judge(c);
    } catch (e) {
      message = `harness error: ${String(e)}`;
    }
    return { id: c.id, group: `loss/${c.op}`, kind: c.op, pass: message === '', message: message && `${c.id} ${describe(c)}: ${message}` };
  });
}
