/**
 * Loads convkit case files (a JSON manifest + a little-endian float32 blob, written by
 * tools/torch/caselib.py; format in test/fixtures/README.md) and replays every case
 * through convkit, comparing with what PyTorch did.
 *
 * A case passes when
 * - torch gave an output: convkit returns a Tensor of exactly the same shape with
 *   max|convkit - torch| <= 1e-4 * max(1, max|torch|), and leaves its inputs unchanged;
 * - torch raised: convkit throws an Error. For modules, convkit must throw no later than
 *   torch did: a constructor error in torch must be a constructor error in convkit, while
 *   a forward error in torch may be caught earlier by convkit (constructor, loadStateDict).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  Conv2d,
  conv2d,
  DepthwiseSeparableConv2d,
  pad,
  ReLU,
  Sequential,
  Tensor,
  type Module,
} from '../../src/index.js';

export const FORMAT = 'convkit-torch-cases';
export const FORMAT_VERSION = 1;
export const RELATIVE_TOLERANCE = 1e-4;

export interface TensorRef {
  shape: number[];
  /** Index of the first element in the blob, in float32 elements. */
  offset: number;
}

export type TorchStage = 'call' | 'construct' | 'forward';

export interface TorchError {
  type: string;
  message: string;
  /** `call` for conv2d/pad; `construct` or `forward` for modules. */
  stage: TorchStage;
}

export type ModuleSpec =
  | { type: 'Conv2d'; inChannels: number; outChannels: number; kernelSize: unknown; options?: Record<string, unknown> }
  | { type: 'DepthwiseSeparableConv2d'; inChannels: number; outChannels: number; kernelSize?: unknown; options?: Record<string, unknown> }
  | { type: 'ReLU' }
  | { type: 'Sequential'; modules: ModuleSpec[] };

export interface CaseBase {
  id: string;
  group: string;
  /** The PyTorch call, for messages. */
  torch: string;
  note?: string;
  /** Exactly one of output / error is present. */
  output?: TensorRef;
  error?: TorchError;
}

export interface Conv2dCase extends CaseBase {
  kind: 'conv2d';
  input: TensorRef;
  weight: TensorRef;
  /** Absent: the argument is omitted; null: passed as null. */
  bias?: TensorRef | null;
  /** Absent: the argument is omitted. Values are passed as they are (even invalid ones). */
  options?: Record<string, unknown>;
}

export interface PadCase extends CaseBase {
  kind: 'pad';
  input: TensorRef;
  pads: number[];
  /** Absent: the argument is omitted (or undefined, when a value follows). */
  mode?: string;
  /** Absent: the argument is omitted. */
  value?: number;
}

export interface ModuleCase extends CaseBase {
  kind: 'module';
  module: ModuleSpec;
  /** torch's parameters; null when torch's constructor raised. */
  stateDict: Record<string, TensorRef> | null;
  input: TensorRef;
}

export type Case = Conv2dCase | PadCase | ModuleCase;

/** A case file; `C` is the kind of case it holds (test/support/grad-cases.ts reads others). */
export interface CaseFile<C extends CaseBase = Case> {
  path: string;
  format: string;
  version: number;
  generator: string;
  torch: string;
  seed: number | null;
  groups: Record<string, string>;
  cases: C[];
  blob: Float32Array;
}

export interface CaseResult {
  id: string;
  group: string;
  kind: string;
  pass: boolean;
  /** Why it failed (with the case's configuration); empty when it passed. */
  message: string;
}

// ---------------------------------------------------------------------------
// Loading
// ---------------------------------------------------------------------------

function fail(path: string, why: string): never {
  throw new Error(`${path}: ${why}`);
}

/** Reads a case file's manifest and blob and checks that every tensor lies inside the blob. */
export function loadCaseFile<C extends CaseBase = Case>(jsonPath: string | URL): CaseFile<C> {
  const path = jsonPath instanceof URL ? fileURLToPath(jsonPath) : resolve(jsonPath);
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Omit<CaseFile<C>, 'path' | 'blob'> & { blob: string; blobFloats: number };
  if (manifest.format !== FORMAT) fail(path, `not a ${FORMAT} file (format ${JSON.stringify(manifest.format)})`);
  if (manifest.version !== FORMAT_VERSION) fail(path, `format version ${manifest.version}, this loader reads ${FORMAT_VERSION}`);
  const bytes = readFileSync(resolve(dirname(path), manifest.blob));
  if (bytes.length !== manifest.blobFloats * 4) {
    fail(path, `blob ${manifest.blob} has ${bytes.length} bytes, the manifest says ${manifest.blobFloats} float32 values`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const blob = new Float32Array(manifest.blobFloats);
  for (let i = 0; i < blob.length; i++) blob[i] = view.getFloat32(4 * i, true);

  const file: CaseFile<C> = { ...manifest, path, blob };
  const ids = new Set<string>();
  for (const c of file.cases) {
    if (ids.has(c.id)) fail(path, `duplicate case id ${c.id}`);
    ids.add(c.id);
    if (!(c.group in file.groups)) fail(path, `case ${c.id} is in undeclared group ${c.group}`);
    if ((c.output === undefined) === (c.error === undefined)) fail(path, `case ${c.id} needs exactly one of output, error`);
    for (const ref of tensorRefs(c)) {
      const end = ref.offset + ref.shape.reduce((a, b) => a * b, 1);
      if (!Number.isInteger(ref.offset) || ref.offset < 0 || end > blob.length) fail(path, `case ${c.id} has a tensor outside the blob`);
    }
  }
  return file;
}

/** Every tensor a case refers to, at any depth (a gradient case nests them). */
function tensorRefs(value: unknown): TensorRef[] {
  if (value === null || typeof value !== 'object') return [];
  if ('offset' in value && 'shape' in value) return [value as TensorRef];
  return Object.values(value).flatMap(tensorRefs);
}

function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** The stored values of a tensor (a view into the blob: do not modify). */
export function values(file: CaseFile<CaseBase>, ref: TensorRef): Float32Array {
  return file.blob.subarray(ref.offset, ref.offset + numel(ref.shape));
}

/** A fresh convkit Tensor holding a copy of the stored tensor. */
export function toTensor(file: CaseFile<CaseBase>, ref: TensorRef): Tensor {
  return new Tensor(values(file, ref).slice(), [...ref.shape]);
}

/**
 * The tensors a call is given, made fresh from stored ones and remembered by name, so that a check can
 * find any the call modified (and the gradient suite each one's gradient). `prepare` may mark each one
 * (as requiring grad).
 */
export class Inputs {
  readonly made: Array<{ name: string; tensor: Tensor; ref: TensorRef }> = [];

  constructor(private readonly file: CaseFile<CaseBase>, private readonly prepare: (t: Tensor) => void = () => {}) {}

  tensor(name: string, ref: TensorRef): Tensor {
    const tensor = toTensor(this.file, ref);
    this.prepare(tensor);
    this.made.push({ name, tensor, ref });
    return tensor;
  }

  /** Whether the call changed any of them. */
  changed(): boolean {
    return this.made.some(({ tensor, ref }) => {
      const want = values(this.file, ref);
      return tensor.data.length !== want.length || tensor.data.some((v, j) => !Object.is(v, want[j]));
    });
  }
}

// ---------------------------------------------------------------------------
// Running cases through convkit
// ---------------------------------------------------------------------------

/** The convkit module a spec describes (convkit's constructors may throw: that is checked). */
export function buildModule(spec: ModuleSpec): Module {
  switch (spec.type) {
    case 'Conv2d': {
      const kernel = spec.kernelSize as number | [number, number];
      return spec.options === undefined
        ? new Conv2d(spec.inChannels, spec.outChannels, kernel)
        : new Conv2d(spec.inChannels, spec.outChannels, kernel, spec.options as ConstructorParameters<typeof Conv2d>[3]);
    }
    case 'DepthwiseSeparableConv2d': {
      const kernel = spec.kernelSize as number | [number, number] | undefined;
      if (spec.options !== undefined) {
        return new DepthwiseSeparableConv2d(spec.inChannels, spec.outChannels, kernel,
          spec.options as ConstructorParameters<typeof DepthwiseSeparableConv2d>[3]);
      }
      return kernel === undefined
        ? new DepthwiseSeparableConv2d(spec.inChannels, spec.outChannels)
        : new DepthwiseSeparableConv2d(spec.inChannels, spec.outChannels, kernel);
    }
    case 'ReLU':
      return new ReLU();
    case 'Sequential':
      return new Sequential(...spec.modules.map(buildModule));
    default:
      throw new Error(`harness: unknown module type ${JSON.stringify((spec as { type: unknown }).type)}`);
  }
}

type ConvkitStage = 'call' | 'construct' | 'load' | 'forward';
const STAGE_ORDER: Record<ConvkitStage | TorchStage, number> = { call: 0, construct: 0, load: 1, forward: 2 };

/** What convkit did with a case: returned `value` (and built `module`, for a module case), or threw. */
export type Outcome = { threw: false; value: unknown; module?: Module } | { threw: true; stage: ConvkitStage; error: unknown };

function callConv2d(c: Conv2dCase, inputs: Inputs): unknown {
  const x = inputs.tensor('input', c.input);
  const w = inputs.tensor('weight', c.weight);
  if (!('bias' in c)) return conv2d(x, w);
  const b = c.bias === null || c.bias === undefined ? null : inputs.tensor('bias', c.bias);
  if (c.options === undefined) return conv2d(x, w, b);
  return conv2d(x, w, b, c.options as Parameters<typeof conv2d>[3]);
}

function callPad(c: PadCase, inputs: Inputs): unknown {
  const x = inputs.tensor('input', c.input);
  const mode = c.mode as Parameters<typeof pad>[2];
  if (c.value !== undefined) return pad(x, c.pads, mode, c.value);
  if (c.mode !== undefined) return pad(x, c.pads, mode);
  return pad(x, c.pads);
}

/** Runs a case's call through convkit, its tensors made by `inputs`. */
export function runConvkit(file: CaseFile<CaseBase>, c: Case, inputs: Inputs): Outcome {
  if (c.kind !== 'module') {
    try {
      return { threw: false, value: c.kind === 'conv2d' ? callConv2d(c, inputs) : callPad(c, inputs) };
    } catch (error) {
      return { threw: true, stage: 'call', error };
    }
  }
  let stage: ConvkitStage = 'construct';
  try {
    const module = buildModule(c.module);
    if (c.stateDict === null) return { threw: false, value: module }; // torch's constructor raised
    stage = 'load';
    const state = Object.fromEntries(Object.entries(c.stateDict).map(([key, ref]) => [key, toTensor(file, ref)]));
    module.loadStateDict(state);
    stage = 'forward';
    const x = inputs.tensor('input', c.input);
    return { threw: false, value: module.forward(x), module };
  } catch (error) {
    return { threw: true, stage, error };
  }
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return `non-Error value ${String(error)}`;
}

function shapeText(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

/** One line with everything needed to reproduce a case. */
export function describeCase(c: Case): string {
  const config: Record<string, unknown> = {};
  if (c.kind === 'conv2d') {
    config.bias = 'bias' in c ? (c.bias ? shapeText(c.bias.shape) : null) : '(omitted)';
    config.options = c.options ?? '(omitted)';
  } else if (c.kind === 'pad') {
    Object.assign(config, { pads: c.pads, mode: c.mode ?? '(omitted)', value: c.value ?? '(omitted)' });
  } else {
    config.module = c.module;
  }
  const note = c.note ? `\n    note: ${c.note}` : '';
  return `${c.id} [${c.kind}]\n    torch: ${c.torch}\n    convkit args: ${JSON.stringify(config)}${note}`;
}

/**
 * Why `got` is not torch's tensor `ref` within the tolerance (plus `slack`, an absolute allowance
 * a caller justifies), or null when it is.
 */
export function compareTensor(file: CaseFile<CaseBase>, ref: TensorRef, got: unknown, slack = 0): string | null {
  if (!(got instanceof Tensor)) return `convkit returned ${Object.prototype.toString.call(got)}, not a Tensor`;
  if (!(got.data instanceof Float32Array)) return 'convkit returned a Tensor whose data is not a Float32Array';
  const want = values(file, ref);
  const sameShape = got.shape.length === ref.shape.length && got.shape.every((s, i) => s === ref.shape[i]);
  if (!sameShape) return `shape mismatch: convkit ${shapeText(got.shape)}, torch ${shapeText(ref.shape)}`;
  if (got.data.length !== want.length) return `convkit output has ${got.data.length} values for shape ${shapeText(got.shape)}`;
  let maxRef = 0;
  for (const v of want) maxRef = Math.max(maxRef, Math.abs(v));
  const tolerance = RELATIVE_TOLERANCE * Math.max(1, maxRef) + slack;
  let worst = -1;
  let worstErr = 0;
  for (let i = 0; i < want.length; i++) {
    const a = got.data[i];
    const b = want[i];
    const err = Number.isNaN(a) || Number.isNaN(b) ? (Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity) : Math.abs(a - b);
    if (err > worstErr || (worst < 0 && err > tolerance)) {
      worstErr = err;
      worst = i;
    }
  }
  if (worstErr > tolerance) {
    return `max abs err ${worstErr.toExponential(3)} > tolerance ${tolerance.toExponential(3)} (max|torch| ${maxRef.toPrecision(4)}); `
      + `worst at flat index ${worst}: convkit ${got.data[worst]}, torch ${want[worst]}`;
  }
  return null;
}

/** Runs one case through convkit and judges it against torch's result. */
export function runCase(file: CaseFile, c: Case): CaseResult {
  const inputs = new Inputs(file);
  const outcome = runConvkit(file, c, inputs);
  const problem = judge(file, c, outcome, inputs);
  return { id: c.id, group: c.group, kind: c.kind, pass: problem === null, message: problem === null ? '' : `${describeCase(c)}\n    FAIL: ${problem}` };
}

/** Why convkit's outcome differs from what torch did, or null when it does not (`slack`: see compareTensor). */
export function judge(file: CaseFile<CaseBase>, c: CaseBase, outcome: Outcome, inputs: Inputs, slack = 0): string | null {
  const torchError = c.error;
  if (outcome.threw) {
    if (!(outcome.error instanceof Error)) return `convkit threw a non-Error value (${String(outcome.error)})`;
    const thrown = `convkit threw ${errorText(outcome.error)}${outcome.stage === 'call' ? '' : ` (in ${outcome.stage})`}`;
    if (!torchError) return `${thrown}, but torch did not raise (torch output shape ${shapeText(c.output!.shape)})`;
    if (STAGE_ORDER[outcome.stage] > STAGE_ORDER[torchError.stage]) {
      return `torch raised in ${torchError.stage} (${torchError.type}: ${torchError.message}), but ${thrown} only later`;
    }
    return null;
  }
  if (torchError) {
    const stage = torchError.stage === 'call' ? '' : ` in ${torchError.stage}`;
    const what = outcome.value instanceof Tensor ? `returned shape ${shapeText(outcome.value.shape)}` : 'constructed the module';
    return `torch raised${stage} ${torchError.type}: ${torchError.message}, but convkit did not (it ${what})`;
  }
  const mismatch = compareTensor(file, c.output!, outcome.value, slack);
  if (mismatch) return mismatch;
  if (inputs.changed()) return 'convkit modified an input tensor';
  return null;
}

/** Runs every case (optionally only some groups) in file order. */
export function runCases(file: CaseFile, groups?: readonly string[]): CaseResult[] {
  return file.cases.filter((c) => !groups || groups.includes(c.group)).map((c) => runCase(file, c));
}

/** Failure messages, the first `limit` in full, then a count of the rest. */
export function formatFailures(results: readonly CaseResult[], limit = 20): string {
  const failures = results.filter((r) => !r.pass);
  const shown = failures.slice(0, limit).map((r) => r.message);
  if (failures.length > limit) shown.push(`... and ${failures.length - limit} more failures`);
  return shown.join('\n');
}
