/**
 * Replays linear / batch-norm case files (tools/torch/linear_bn_cases.py: test/fixtures/torch-linear-bn.json
 * and the live suite's random ones) through convkit. A case passes when
 * - torch gave a result: convkit's output, each gradient of sum(out * R) (null where torch's was None),
 *   the running statistics after the call and, for modules, the state dict after every step have torch's
 *   shapes and are within 1e-4 * max(1, max|torch|) of torch's (NaN where torch's is NaN), widened by
 *   torch's own float32 error there (`slack`: its distance from the same computation in float64; batch
 *   normalisation's gradients cancel where a channel's spread is small against its mean or its eps, and
 *   torch's float32 mean loses more there than the tolerance), and a module prints as torch's repr;
 * - torch raised: convkit throws a ConvkitArgumentError at the same stage (the call, the constructor or
 *   the step), and for a module the state dict after the failed step is still torch's.
 */
import { readFileSync } from 'node:fs';
import { BatchNorm2d, batchNorm, ConvkitArgumentError, Linear, linear, Tensor, type Module } from '../../src/index.js';
import type { CaseResult } from './cases.js';

/** A tensor as torch gave it; `slack`: how far torch's float32 result was from the same computation in float64. */
interface Values { shape: number[]; values: Array<number | null>; slack?: number }
type Grads = Record<string, Values | null>;
interface Step { mode: 'train' | 'eval'; input: Values; error?: string; output?: Values; R?: Values; inputGrad?: Values | null; grads?: Grads; state: Record<string, Values> }

interface LinearCase { kind: 'linear'; input: Values; weight: Values; bias?: Values | null; requiresGrad: Record<string, boolean>; error?: string; output?: Values; R?: Values; grads?: Grads }
interface BatchNormCase {
  kind: 'batch_norm'; input: Values; runningMean: Values | null; runningVar: Values | null; weight: Values | null; bias: Values | null;
  options: { training: boolean; momentum?: number; eps?: number }; requiresGrad: Record<string, boolean>;
  error?: string; output?: Values; R?: Values; grads?: Grads; runningMeanAfter?: Values | null; runningVarAfter?: Values | null;
}
interface ModuleCase {
  kind: 'Linear' | 'BatchNorm2d'; args: { inFeatures?: number; outFeatures?: number; numFeatures?: number; options?: Record<string, unknown> };
  error?: string; repr?: string; stateDict?: Record<string, Values>; steps?: Step[];
}
export type LinearBnCase = (LinearCase | BatchNormCase | ModuleCase) & { id: string };
export interface LinearBnFile { generator: string; torch: string; seed: number; cases: LinearBnCase[] }

export const RELATIVE_TOLERANCE = 1e-4;

export function loadLinearBnFile(path: string | URL): LinearBnFile {
  return JSON.parse(readFileSync(path, 'utf8')) as LinearBnFile;
}

function tensorOf(v: Values, requiresGrad = false): Tensor {
  return new Tensor(Float32Array.from(v.values, (x) => x ?? NaN), v.shape).requiresGrad_(requiresGrad);
}

/** Why `got` differs from torch's `want`, or null. */
function compare(what: string, got: Tensor | null | undefined, want: Values | null | undefined): string | null {
  if (want === null || want === undefined) return got == null ? null : `${what}: convkit has a tensor of shape [${got.shape}], torch none`;
  if (got == null) return `${what}: convkit has none, torch a tensor of shape [${want.shape}]`;
  if (got.shape.length !== want.shape.length || got.shape.some((s, i) => s !== want.shape[i])) return `${what}: shape [${got.shape}], torch [${want.shape}]`;
  const tolerance = RELATIVE_TOLERANCE * Math.max(1, ...want.values.map((v) => Math.abs(v ?? 0))) + (want.slack ?? 0);
  for (let i = 0; i < want.values.length; i++) {
    const w = want.values[i];
    const ok = w === null ? Number.isNaN(got.data[i]) : Math.abs(got.data[i] - w) <= tolerance;
    if (!ok) return `${what}[${i}]: convkit ${got.data[i]}, torch ${w}`;
  }
  return null;
}

function first(...problems: Array<string | null>): string | null {
  return problems.find((p) => p !== null) ?? null;
}

/** Runs `fn`; the message for a throw that is not what torch did, or the value. */
function attempt<T>(fn: () => T, torchError: string | undefined, stage: string): { value?: T; problem: string | null; threw: boolean } {
  try {
    const value = fn();
    return { value, problem: null, threw: false };
  } catch (e) {
    if (!(e instanceof ConvkitArgumentError)) return { problem: `${stage}: convkit threw ${String(e)}, not a ConvkitArgumentError`, threw: true };
    return { problem: torchError === undefined ? `${stage}: convkit threw ${e.message}, torch did not` : null, threw: true };
  }
}

/** Backpropagates sum(out * R) as torch did. */
function backward(out: Tensor, R: Values | undefined): void {
  if (out.requiresGrad && R !== undefined) out.backward(tensorOf(R));
}

function runLinear(c: LinearCase): string | null {
  const x = tensorOf(c.input, c.requiresGrad.input);
  const w = tensorOf(c.weight, c.requiresGrad.weight);
  const b = c.bias == null ? c.bias : tensorOf(c.bias, c.requiresGrad.bias);
  const run = attempt(() => ('bias' in c ? linear(x, w, b) : linear(x, w)), c.error, 'call');
  if (run.threw || run.problem) return run.problem;
  if (c.error !== undefined) return `torch raised ${c.error}, convkit did not`;
  const out = run.value as Tensor;
  backward(out, c.R);
  return first(compare('output', out, c.output), compare('input.grad', x.grad, c.grads?.input),
    compare('weight.grad', w.grad, c.grads?.weight), compare('bias.grad', b?.grad, c.grads?.bias));
}

function runBatchNorm(c: BatchNormCase): string | null {
  const x = tensorOf(c.input, c.requiresGrad.input);
  const rm = c.runningMean === null ? null : tensorOf(c.runningMean);
  const rv = c.runningVar === null ? null : tensorOf(c.runningVar);
  const w = c.weight === null ? null : tensorOf(c.weight, c.requiresGrad.weight);
  const b = c.bias === null ? null : tensorOf(c.bias, c.requiresGrad.bias);
  const run = attempt(() => batchNorm(x, rm, rv, { ...c.options, weight: w, bias: b }), c.error, 'call');
  if (run.threw || run.problem) return run.problem;
  if (c.error !== undefined) return `torch raised ${c.error}, convkit did not`;
  const out = run.value as Tensor;
  backward(out, c.R);
  return first(compare('output', out, c.output), compare('running_mean after', rm, c.runningMeanAfter), compare('running_var after', rv, c.runningVarAfter),
    compare('input.grad', x.grad, c.grads?.input), compare('weight.grad', w?.grad, c.grads?.weight), compare('bias.grad', b?.grad, c.grads?.bias));
}

function build(c: ModuleCase): Module {
  const { inFeatures, outFeatures, numFeatures, options } = c.args;
  return c.kind === 'Linear' ? new Linear(inFeatures as number, outFeatures as number, options) : new BatchNorm2d(numFeatures as number, options);
}

function compareState(where: string, module: Module, state: Record<string, Values>): string | null {
  const got = module.stateDict();
  const keys = Object.keys(got).join(', ');
  if (keys !== Object.keys(state).join(', ')) return `${where}: state dict keys ${keys}, torch ${Object.keys(state).join(', ')}`;
  return first(...Object.entries(state).map(([key, v]) => compare(`${where}: ${key}`, got[key], v)));
}

function runModule(c: ModuleCase): string | null {
  const made = attempt(() => build(c), c.error, 'construct');
  if (made.threw || made.problem) return made.problem;
  if (c.error !== undefined) return `torch's constructor raised ${c.error}, convkit's did not`;
  const module = made.value as Module;
  if (String(module) !== c.repr) return `repr ${String(module)}, torch ${c.repr}`;
  module.loadStateDict(Object.fromEntries(Object.entries(c.stateDict ?? {}).map(([k, v]) => [k, tensorOf(v)])));
  for (const [i, step] of (c.steps ?? []).entries()) {
    module.train(step.mode === 'train');
    module.zeroGrad(true);
    const x = tensorOf(step.input, true);
    const run = attempt(() => module.forward(x), step.error, `step ${i}`);
    if (run.problem) return run.problem;
    if (!run.threw && step.error !== undefined) return `step ${i}: torch raised ${step.error}, convkit did not`;
    if (!run.threw) {
      const out = run.value as Tensor;
      backward(out, step.R);
      const problem = first(compare(`step ${i} output`, out, step.output), compare(`step ${i} input.grad`, x.grad, step.inputGrad),
        ...module.namedParameters().map(([key, p]) => compare(`step ${i} ${key}.grad`, p.grad, step.grads?.[key])));
      if (problem) return problem;
    }
    const problem = compareState(`after step ${i}`, module, step.state);
    if (problem) return problem;
  }
  return null;
}

/** Every case of `file` through convkit on the current backend. */
export function runLinearBnCases(file: LinearBnFile): CaseResult[] {
  return file.cases.map((c) => {
    let message: string | null;
    try {
      message = c.kind === 'linear' ? runLinear(c) : c.kind === 'batch_norm' ? runBatchNorm(c) : runModule(c);
    } catch (e) {
      message = `unexpected ${e instanceof Error ? e.stack : String(e)}`;
    }
    return { id: c.id, group: c.kind, kind: c.kind, pass: message === null, message: message === null ? '' : `${c.id}: ${message}` };
  });
}
