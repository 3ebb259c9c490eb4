/**
 * Replays optimiser and schedule runs recorded from PyTorch (tools/torch/optim_cases.py: the fixture
 * test/fixtures/torch-optim.json and the live suite's random-optim.json) through convkit's src/optim/.
 *
 * A case passes when
 * - `optimizer`: after every step each parameter equals torch's bit for bit (float32; no tolerance), the
 *   final state dict equals torch's (tensors bit for bit, options exactly, the same keys), and a fresh
 *   optimiser that loads torch's state dict of step `resumeAt` (over torch's parameters of that step)
 *   continues exactly as torch did;
 * - `schedule`: every group's lr and momentum after construction and each step equal torch's (float64,
 *   within SCHEDULE_RTOL of the group's largest value over the run: the rates go through Math.cos, which
 *   may differ from glibc's cos in the last bit, and CosineAnnealingLR's recursive form multiplies that
 *   difference at every step by (1 + cos(pi t/T)) / (1 + cos(pi (t-1)/T)), whose denominator one step
 *   off a period's end is 1 - cos(pi/T), about (pi/T)^2 / 2: a 1-ulp difference grows by up to about
 *   2 (T/pi)^2 a period, 60x for T = 17. 8 ulps of the largest value were exceeded (8.5) on a live
 *   draw with T = 17 at step 49; a step off by one, or a wrong term, moves a rate by far more than the bound),
 *   the state dicts at `resumeAt` have torch's keys and values, a fresh optimiser and scheduler that
 *   load torch's state dicts there continue as torch did, and convkit throws at the step torch raised (or before);
 * - `optimizer_error` / `schedule_error`: convkit throws a ConvkitArgumentError at construction; where
 *   `match`, its message says what torch's does (the text up to the first ': ' or ' got ', numbers and quotes aside).
 */
import { readFileSync } from 'node:fs';
import {
  Adam, AdamW, ConvkitArgumentError, CosineAnnealingLR, mul, OneCycleLR, SGD, StepLR, Tensor, zeros,
  type LRScheduler, type Optimizer, type OptimizerStateDict,
} from '../../src/index.js';
import type { CaseResult } from './cases.js';

export const FORMAT = 'convkit-optim-cases';
export const FORMAT_VERSION = 1;
/** How far (relative to the group's largest value over the run) a schedule's float64 value may be from torch's. */
export const SCHEDULE_RTOL = 1e-12;

export interface TensorJSON { shape: number[]; f32: string }
type Options = Record<string, unknown>;
type GroupSpec = { params: number[] } & Options;

interface OptimizerCase {
  id: string; kind: 'optimizer'; torch: string; optimizer: 'SGD' | 'Adam' | 'AdamW'; options: Options; groups: GroupSpec[] | null;
  params: TensorJSON[]; grads: Array<Array<TensorJSON | null>>; after: TensorJSON[][];
  resumeAt: number; stateDict: unknown; finalStateDict: unknown;
}
interface ScheduleCase {
  id: string; kind: 'schedule'; torch: string; optimizer: 'SGD' | 'Adam'; options: Options; groups: Options[];
  scheduler: 'StepLR' | 'CosineAnnealingLR' | 'OneCycleLR'; schedulerOptions: Options;
  lrs?: number[][]; momenta?: number[][]; resumeAt?: number; stateDict?: Record<string, unknown>; optimizerStateDict?: unknown;
  error?: { type: string; message: string; atStep: number };
}
interface ErrorCase {
  id: string; kind: 'optimizer_error' | 'schedule_error'; torch: string; optimizer?: 'SGD' | 'Adam' | 'AdamW'; options?: Options;
  form?: string; scheduler?: ScheduleCase['scheduler']; schedulerOptions?: Options;
  error: { type: string; message: string }; match: boolean;
}
export type OptimCase = OptimizerCase | ScheduleCase | ErrorCase;

export interface OptimFile { path: string; torch: string; seed: number | null; cases: OptimCase[] }

export function loadOptimFile(path: string | URL): OptimFile {
  const doc = JSON.parse(readFileSync(path, 'utf8')) as Omit<OptimFile, 'path'> & { format: string; version: number };
  if (doc.format !== FORMAT || doc.version !== FORMAT_VERSION) throw new Error(`${String(path)}: not a ${FORMAT} v${FORMAT_VERSION} file`);
  return { path: String(path), torch: doc.torch, seed: doc.seed, cases: doc.cases };
}

const OPTIMIZERS = { SGD, Adam, AdamW };
const SCHEDULERS = { StepLR, CosineAnnealingLR, OneCycleLR };

function isTensorJSON(value: unknown): value is TensorJSON {
  return typeof value === 'object' && value !== null && typeof (value as TensorJSON).f32 === 'string';
}

export function toTensor(t: TensorJSON): Tensor {
  const bytes = Buffer.from(t.f32, 'base64');
  const data = new Float32Array(bytes.length / 4);
  for (let i = 0; i < data.length; i++) data[i] = bytes.readFloatLE(4 * i);
  return new Tensor(data, t.shape);
}

/** A JSON value with every tensor made a Tensor (torch's state dicts as convkit takes them). */
function fromJSON(value: unknown): unknown {
  if (isTensorJSON(value)) return toTensor(value);
  if (Array.isArray(value)) return value.map(fromJSON);
  if (typeof value === 'object' && value !== null) return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, fromJSON(v)]));
  return value;
}

function bitsEqual(a: Float32Array, b: Float32Array): boolean {
  const x = new Uint32Array(a.buffer, a.byteOffset, a.length);
  const y = new Uint32Array(b.buffer, b.byteOffset, b.length);
  return x.length === y.length && x.every((v, i) => v === y[i]);
}

function tensorDiff(got: Tensor, want: Tensor, where: string): string | null {
  if (got.shape.join() !== want.shape.join()) return `${where}: shape [${got.shape}] vs torch's [${want.shape}]`;
  if (bitsEqual(got.data, want.data)) return null;
  const i = got.data.findIndex((v, j) => !Object.is(v, want.data[j]));
  return `${where}: element ${i} is ${got.data[i]} where torch has ${want.data[i]} (${got.data.filter((v, j) => !Object.is(v, want.data[j])).length} of ${got.numel} differ)`;
}

/** The first difference between convkit's value and torch's (from JSON), or null; `same` compares numbers (exactly by default). */
function diff(got: unknown, want: unknown, where: string, same: (a: number, b: number) => boolean = Object.is): string | null {
  if (isTensorJSON(want)) return got instanceof Tensor ? tensorDiff(got, toTensor(want), where) : `${where}: ${String(got)} where torch has a tensor`;
  if (Array.isArray(want)) {
    if (!Array.isArray(got) || got.length !== want.length) return `${where}: ${JSON.stringify(got)} where torch has ${JSON.stringify(want)}`;
    for (const [i, w] of want.entries()) {
      const d = diff(got[i], w, `${where}[${i}]`, same);
      if (d) return d;
    }
    return null;
  }
  if (typeof want === 'object' && want !== null) {
    if (typeof got !== 'object' || got === null) return `${where}: ${String(got)} where torch has an object`;
    const keys = (o: object): string => Object.keys(o).sort().join(',');
    if (keys(got) !== keys(want)) return `${where}: keys ${keys(got)} where torch has ${keys(want)}`;
    for (const [k, w] of Object.entries(want)) {
      const d = diff((got as Record<string, unknown>)[k], w, `${where}.${k}`, same);
      if (d) return d;
    }
    return null;
  }
  const equal = typeof got === 'number' && typeof want === 'number' ? same(got, want) : Object.is(got, want);
  return equal ? null : `${where}: ${String(got)} where torch has ${String(want)}`;
}

function errorText(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}

// ---------------------------------------------------------------------------

function buildOptimizer(c: OptimizerCase | ScheduleCase, params: Tensor[]): Optimizer {
  const Cls = OPTIMIZERS[c.optimizer];
  const arg = c.kind === 'optimizer'
    ? (c.groups === null ? params : c.groups.map((g) => ({ ...g, params: g.params.map((i) => params[i]) })))
    : c.groups.map((g, i) => ({ ...g, params: [params[i]] }));
  return new Cls(arg, c.options);
}

/** Steps `opt` from step `from` on with the case's gradients, comparing with torch's parameters after each. */
function runSteps(c: OptimizerCase, opt: Optimizer, params: Tensor[], from: number, label: string): string | null {
  for (let k = from; k < c.grads.length; k++) {
    params.forEach((p, i) => { const g = c.grads[k][i]; p.grad = g === null ? null : toTensor(g); });
    opt.step();
    for (const [i, p] of params.entries()) {
      const d = tensorDiff(p, toTensor(c.after[k][i]), `${label}step ${k + 1}, param ${i}`);
      if (d) return d;
    }
  }
  return null;
}

function runOptimizerCase(c: OptimizerCase): string | null {
  const params = c.params.map((t) => toTensor(t).requiresGrad_());
  const opt = buildOptimizer(c, params);
  const run = runSteps(c, opt, params, 0, '');
  if (run) return run;
  const final = diff(opt.stateDict(), c.finalStateDict, 'stateDict()');
  if (final) return final;
  const resumed = c.after[c.resumeAt - 1].map((t) => toTensor(t).requiresGrad_());
  const fresh = buildOptimizer(c, resumed);
  fresh.loadStateDict(fromJSON(c.stateDict) as OptimizerStateDict);
  return runSteps(c, fresh, resumed, c.resumeAt, `resumed from torch's state dict of step ${c.resumeAt}: `);
}

/** Whether `got` is within SCHEDULE_RTOL of `scale` (the largest magnitude the values reach) of `want`. */
function closeEnough(got: number, want: number, scale = Math.max(Math.abs(got), Math.abs(want))): boolean {
  return got === want || Math.abs(got - want) <= SCHEDULE_RTOL * scale;
}

/** Each group's largest |value| over torch's run: near etaMin the recursive cosine form subtracts, so its rounding is relative to this. */
function scales(rows: number[][]): number[] {
  return rows[0].map((_, i) => Math.max(...rows.map((row) => Math.abs(row[i]))));
}

function momenta(c: ScheduleCase, opt: Optimizer): number[] {
  return opt.paramGroups.map((g) => (c.optimizer === 'Adam' ? (g.betas as number[])[0] : g.momentum as number));
}

function compareStep(c: ScheduleCase, opt: Optimizer, sched: LRScheduler, k: number, label: string): string | null {
  const lr = sched.getLastLr();
  const mom = momenta(c, opt);
  const lrScale = scales(c.lrs!);
  const momScale = scales(c.momenta!);
  for (let i = 0; i < lr.length; i++) {
    if (!closeEnough(lr[i], c.lrs![k][i], lrScale[i])) return `${label}step ${k}: group ${i}'s lr is ${lr[i]} where torch has ${c.lrs![k][i]}`;
    if (!closeEnough(mom[i], c.momenta![k][i], momScale[i])) return `${label}step ${k}: group ${i}'s momentum is ${mom[i]} where torch has ${c.momenta![k][i]}`;
    if (opt.paramGroups[i].lr !== lr[i]) return `${label}step ${k}: getLastLr() disagrees with the group's lr`;
  }
  return null;
}

/** Steps `sched` from `from` to the end, comparing; where torch raised at a step, convkit must throw there or before. */
function runSchedule(c: ScheduleCase, opt: Optimizer, sched: LRScheduler, from: number, label: string): string | null {
  const end = c.lrs!.length - 1;
  for (let k = from + 1; k <= end; k++) {
    try {
      sched.step();
    } catch (error) {
      return `${label}step ${k} threw ${errorText(error)}; torch did not`;
    }
    const d = compareStep(c, opt, sched, k, label);
    if (d) return d;
  }
  if (c.error) {
    try {
      sched.step();
    } catch (error) {
      return error instanceof ConvkitArgumentError ? null : `${label}step ${end + 1} threw ${errorText(error)}, not a ConvkitArgumentError`;
    }
    return `${label}step ${end + 1} did not throw; torch raised ${c.error.type}: ${c.error.message}`;
  }
  return null;
}

function buildSchedule(c: ScheduleCase): { opt: Optimizer; sched: LRScheduler } {
  const opt = buildOptimizer(c, c.groups.map(() => zeros([2]).requiresGrad_()));
  return { opt, sched: new SCHEDULERS[c.scheduler](opt, c.schedulerOptions as never) };
}

function runScheduleCase(c: ScheduleCase): string | null {
  if (c.error?.atStep === 0) return expectThrow(() => buildSchedule(c), c.error, c.error.type !== 'ZeroDivisionError');
  const { opt, sched } = buildSchedule(c);
  const first = compareStep(c, opt, sched, 0, '');
  if (first) return first;
  let states: { sched: unknown; opt: unknown } | null = null;
  const end = c.lrs!.length - 1;
  for (let k = 1; k <= end + 1; k++) {
    if (k - 1 === c.resumeAt) states = { sched: sched.stateDict(), opt: opt.stateDict() };
    if (k > end) break;
    sched.step();
    const d = compareStep(c, opt, sched, k, '');
    if (d) return d;
  }
  if (c.error) {
    const thrown = expectThrow(() => sched.step(), c.error, c.error.type !== 'ZeroDivisionError');
    if (thrown) return `step ${end + 1}: ${thrown}`;
  }
  if (states === null) return null;
  const ownKeys = { ...states.sched as Record<string, unknown> };
  delete ownKeys._anneal_func_type;
  const d = diff(ownKeys, c.stateDict, 'scheduler stateDict()', closeEnough) ?? diff(states.opt, c.optimizerStateDict, 'optimizer stateDict()', closeEnough);
  if (d) return `at step ${c.resumeAt}: ${d}`;
  const fresh = buildSchedule(c);
  fresh.opt.loadStateDict(fromJSON(c.optimizerStateDict) as OptimizerStateDict);
  fresh.sched.loadStateDict(c.stateDict!);
  return runSchedule(c, fresh.opt, fresh.sched, c.resumeAt!, `resumed from torch's state dicts of step ${c.resumeAt}: `);
}

/** The part of torch's message convkit's must start with: up to the first ': ' or ' got ', numbers and quotes aside. */
function gist(message: string): string {
  return message.replace(/['"]/g, '').replace(/-?(\d+\.?\d*|\.\d+)(e[-+]?\d+)?|nan|NaN/g, '#');
}

function expectThrow(run: () => unknown, error: { type: string; message: string }, match: boolean): string | null {
  try {
    run();
  } catch (thrown) {
    if (!(thrown instanceof ConvkitArgumentError)) return `threw ${errorText(thrown)}, not a ConvkitArgumentError`;
    const want = gist(error.message).split(/: | got /)[0];
    const got = gist(thrown.message.slice(thrown.message.indexOf(': ') + 2));
    if (match && !got.startsWith(want)) return `threw "${thrown.message}", torch's message is "${error.message}"`;
    return null;
  }
  return `did not throw; torch raised ${error.type}: ${error.message}`;
}

function runErrorCase(c: ErrorCase): string | null {
  if (c.kind === 'schedule_error') {
    const opt = new SGD([{ params: [zeros([2]).requiresGrad_()] }, { params: [zeros([1]).requiresGrad_()], lr: 0.5 }], { lr: 0.1, momentum: 0.9 });
    return expectThrow(() => new SCHEDULERS[c.scheduler!](opt, c.schedulerOptions as never), c.error, c.match);
  }
  const p = zeros([3]).requiresGrad_();
  const forms: Record<string, () => unknown> = {
    list: () => [p], tensor: () => p, empty: () => [], nonleaf: () => [mul(p, 2)], shared: () => [{ params: [p] }, { params: [p] }],
    'group-without-lr': () => [{ params: [p] }], 'not-a-tensor': () => [p, 3], type: () => [p],
  };
  const Cls = OPTIMIZERS[c.optimizer!] as unknown as new (params: unknown, options: unknown) => Optimizer;
  return expectThrow(() => new Cls(forms[c.form!](), c.options), c.error, c.match);
}

/** Replays every case of `file`. */
export function runOptimCases(file: OptimFile): CaseResult[] {
  return file.cases.map((c) => {
    let message: string | null;
    try {
      message = c.kind === 'optimizer' ? runOptimizerCase(c) : c.kind === 'schedule' ? runScheduleCase(c) : runErrorCase(c);
    } catch (error) {
      message = `threw ${errorText(error)}${error instanceof Error && !(error instanceof ConvkitArgumentError) ? `\n${error.stack}` : ''}`;
    }
    return { id: c.id, group: c.kind, kind: c.kind, pass: message === null, message: message === null ? '' : `${c.id} ${c.torch}: ${message}` };
  });
}
