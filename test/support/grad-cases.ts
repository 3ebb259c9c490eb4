/**
 * Replays gradient case files (tools/torch/make_grad_fixtures.py and random_grad_cases.py; the format
 * is in test/fixtures/README.md, "Gradient cases") through convkit's autograd and its functional
 * gradients, with the loading, calls and comparisons of test/support/cases.ts.
 *
 * A case passes when
 * - a conv2d / pad / module case with `backward`: the forward passes as a forward case does, run with
 *   every input requiring grad (a module's parameters always do); then backpropagating torch's R the
 *   way torch did (`y.backward(R)` or `sum(mul(y, R)).backward()`, `times` times, the graph retained
 *   for all but the last) leaves each leaf's `.grad` of torch's shape and within
 *   1e-4 * max(1, max|torch|) of torch's (null where torch's was None), convkit has no leaf torch
 *   lacks, and no input was modified; where torch's backward raised, convkit's must throw;
 * - a graph case: the same, for `inputs.x` run through `steps` with every input requiring grad, each
 *   tolerance widened by MAGNITUDE_TOLERANCE of the case's magnitude bound (see there);
 * - conv2d_input_grad / conv2d_weight_grad (torch.nn.grad.conv2d_input / conv2d_weight): like a
 *   conv2d case, torch's output within the tolerance, or convkit throws where torch raised.
 */
import {
  add,
  conv2d,
  conv2dInputGrad,
  conv2dWeightGrad,
  flatten,
  mean,
  mul,
  pad,
  relu,
  sub,
  sum,
  type Conv2dOptions,
  type Dims,
  type PadMode,
  type Tensor,
} from '../../src/index.js';
import {
  compareTensor,
  describeCase,
  errorText,
  Inputs,
  judge,
  runConvkit,
  toTensor,
  type Case,
  type CaseBase,
  type CaseFile,
  type CaseResult,
  type Outcome,
  type TensorRef,
  type TorchError,
} from './cases.js';

/** How torch backpropagated through a forward case, and the gradients it got (or the error it raised). */
export interface Backward {
  /** `backward`: y.backward(R); `sum`: (y * R).sum().backward(); `implicit`: y.backward(). */
  loss: 'backward' | 'sum' | 'implicit';
  /** How many times (default 1): gradients accumulate. */
  times?: number;
  /** Whether each call keeps the graph (default: all but the last). */
  retain?: boolean;
  /** R, of the output's shape (unless the case is about a wrong one); null for `implicit`. */
  gradOutput: TensorRef | null;
  /** Each leaf's gradient by name (`input`, `weight`, `bias`, or a module's state-dict key); null where torch's was None. */
  grads?: Record<string, TensorRef | null>;
  /** What torch's backward raised, in place of grads. */
  error?: TorchError;
}

export type BackwardCase = Case & { backward?: Backward };

interface FunctionalGradCase extends CaseBase {
  gradOutput: TensorRef;
  /** Absent: the argument is omitted. Values are passed as they are (even invalid ones). */
  options?: Record<string, unknown>;
}

export interface Conv2dInputGradCase extends FunctionalGradCase {
  kind: 'conv2d_input_grad';
  /** As given to torch (it may be invalid). */
  inputShape: unknown;
  weight: TensorRef;
}

export interface Conv2dWeightGradCase extends FunctionalGradCase {
  kind: 'conv2d_weight_grad';
  input: TensorRef;
  /** As given to torch (it may be invalid). */
  weightShape: unknown;
}

/** One op applied to the running value; operands other than it are named inputs (or numbers). */
export type GraphStep =
  | { op: 'conv2d'; weight: string; bias?: string; options?: Record<string, unknown> }
  | { op: 'pad'; pads: number[]; mode?: PadMode; value?: number }
  | { op: 'relu' }
  | { op: 'add' | 'sub' | 'mul'; other: string | number; swap?: boolean }
  | { op: 'sum' | 'mean'; dims?: number[]; keepdim?: boolean }
  | { op: 'reshape'; shape: number[] }
  | { op: 'flatten'; start?: number; end?: number };

export interface GraphCase extends CaseBase {
  kind: 'graph';
  /** The leaves by name; `x` is where the steps start. */
  inputs: Record<string, TensorRef>;
  steps: GraphStep[];
  backward: Backward;
  /** Bounds on the sum of |terms| behind the output's and each gradient's elements (their largest). */
  magnitude?: { output: number; grads: Record<string, number> };
}

/**
 * A graph's sums run over many terms (a mean over a whole output, an operand broadcast over it), and
 * float32 rounds each partial sum: an error of a few ulps of the sum of |terms|, however small the
 * result. Seen: convkit's forced F(6x6) Winograd summed into 72 outputs off by 1.2e-4 = 1.3 float32
 * ulps (2^-23) of their 1,562 bound (torch, by luck of order, 2e-6). A graph's tolerance therefore adds
 * 2^-20 (8 such ulps) of the bound that caselib.graph_magnitudes records: a missing or doubled term
 * of a sum of n similar ones is about 1/n of it, far above that for the few hundred terms here.
 */
const MAGNITUDE_TOLERANCE = 2 ** -20;

export type GradCase = BackwardCase | GraphCase | Conv2dInputGradCase | Conv2dWeightGradCase;

function callFunctional(c: Conv2dInputGradCase | Conv2dWeightGradCase, inputs: Inputs): Tensor {
  const options = c.options as Conv2dOptions | undefined;
  if (c.kind === 'conv2d_input_grad') {
    const args = [c.inputShape as number[], inputs.tensor('weight', c.weight), inputs.tensor('gradOutput', c.gradOutput)] as const;
    return c.options === undefined ? conv2dInputGrad(...args) : conv2dInputGrad(...args, options);
  }
  const args = [inputs.tensor('input', c.input), c.weightShape as number[], inputs.tensor('gradOutput', c.gradOutput)] as const;
  return c.options === undefined ? conv2dWeightGrad(...args) : conv2dWeightGrad(...args, options);
}

const BINARY = { add, sub, mul };
const REDUCE = { sum, mean };

function runStep(y: Tensor, step: GraphStep, leaves: Map<string, Tensor>): Tensor {
  const leaf = (name: string) => {
    const t = leaves.get(name);
    if (t === undefined) throw new Error(`harness: the case has no input ${name}`);
    return t;
  };
  switch (step.op) {
    case 'conv2d':
      return conv2d(y, leaf(step.weight), step.bias ? leaf(step.bias) : null, (step.options ?? {}) as Conv2dOptions);
    case 'pad':
      return pad(y, step.pads, step.mode, step.value);
    case 'relu':
      return relu(y);
    case 'add':
    case 'sub':
    case 'mul': {
      const other = typeof step.other === 'string' ? leaf(step.other) : step.other;
      return step.swap ? BINARY[step.op](other, y) : BINARY[step.op](y, other);
    }
    case 'sum':
    case 'mean':
      return step.dims === undefined ? REDUCE[step.op](y) : REDUCE[step.op](y, step.dims as Dims, step.keepdim ?? false);
    case 'reshape':
      return y.reshape(step.shape);
    case 'flatten':
      return flatten(y, step.start ?? 0, step.end ?? -1);
  }
}

function runGraph(c: GraphCase, inputs: Inputs): Tensor {
  const leaves = new Map(Object.entries(c.inputs).map(([name, ref]) => [name, inputs.tensor(name, ref)]));
  return c.steps.reduce((y, step) => runStep(y, step, leaves), leaves.get('x')!);
}

/** Backpropagates as torch did and compares every leaf's gradient (or requires the error torch raised); null when all match. */
function checkBackward(file: CaseFile<GradCase>, backward: Backward, outcome: Outcome & { threw: false }, inputs: Inputs,
  slack: (name: string) => number): string | null {
  const y = outcome.value as Tensor;
  const r = backward.gradOutput === null ? undefined : toTensor(file, backward.gradOutput);
  const times = backward.times ?? 1;
  try {
    for (let i = 0; i < times; i++) {
      const options = { retainGraph: backward.retain ?? i + 1 < times };
      if (backward.loss === 'sum') sum(mul(y, r!)).backward(undefined, options);
      else y.backward(r, options);
    }
  } catch (error) {
    if (!backward.error) return `backward threw ${errorText(error)}`;
    return error instanceof Error ? null : `backward threw a non-Error value (${String(error)})`;
  }
  if (backward.error) return `torch's backward raised ${backward.error.type}: ${backward.error.message}, but convkit's did not`;
  const grads = backward.grads!;
  const leaves = new Map<string, Tensor>([
    ...inputs.made.map(({ name, tensor }): [string, Tensor] => [name, tensor]),
    ...(outcome.module?.namedParameters() ?? []),
  ]);
  const problems: string[] = [];
  for (const [name, ref] of Object.entries(grads)) {
    const leaf = leaves.get(name);
    if (leaf === undefined) problems.push(`${name}: convkit has no such tensor`);
    else if (ref === null) {
      if (leaf.grad !== null) problems.push(`${name}.grad: torch's is None, convkit's is not null`);
    } else {
      const mismatch = compareTensor(file, ref, leaf.grad, slack(name));
      if (mismatch) problems.push(`${name}.grad: ${mismatch}`);
    }
  }
  for (const name of leaves.keys()) if (!(name in grads)) problems.push(`convkit has a leaf ${name} that torch lacks`);
  if (inputs.changed()) problems.push('backward modified an input tensor');
  return problems.length > 0 ? problems.join('\n    FAIL: ') : null;
}

function describeGradCase(c: GradCase): string {
  if (c.kind === 'graph') return `${c.id} [graph]\n    torch: ${c.torch}\n    steps: ${JSON.stringify(c.steps)}${howBackward(c.backward)}`;
  if (c.kind === 'conv2d_input_grad' || c.kind === 'conv2d_weight_grad') {
    const shape = c.kind === 'conv2d_input_grad' ? { inputShape: c.inputShape } : { weightShape: c.weightShape };
    const args = JSON.stringify({ ...shape, options: c.options ?? '(omitted)' });
    return `${c.id} [${c.kind}]\n    torch: ${c.torch}\n    convkit args: ${args}${c.note ? `\n    note: ${c.note}` : ''}`;
  }
  return describeCase(c) + howBackward(c.backward);
}

function howBackward(backward: Backward | undefined): string {
  if (!backward) return '';
  const call = { backward: 'y.backward(R)', sum: 'sum(mul(y, R)).backward()', implicit: 'y.backward()' }[backward.loss];
  const retain = backward.retain === undefined ? '' : `, retainGraph ${backward.retain}`;
  return `\n    backward: ${call} x${backward.times ?? 1}${retain}${backward.error ? ` (torch raised ${backward.error.type}: ${backward.error.message})` : ''}`;
}

/** Runs `call`, catching what it throws as a call-stage outcome. */
function attempt(call: () => unknown): Outcome {
  try {
    return { threw: false, value: call() };
  } catch (error) {
    return { threw: true, stage: 'call', error };
  }
}

/** Runs one gradient case through convkit and judges it against torch's result. */
export function runGradCase(file: CaseFile<GradCase>, c: GradCase): CaseResult {
  let problem: string | null;
  if (c.kind === 'conv2d_input_grad' || c.kind === 'conv2d_weight_grad') {
    const inputs = new Inputs(file);
    problem = judge(file, c, attempt(() => callFunctional(c, inputs)), inputs);
  } else {
    const inputs = new Inputs(file, (t) => t.requiresGrad_());
    const outcome = c.kind === 'graph' ? attempt(() => runGraph(c, inputs)) : runConvkit(file, c, inputs);
    const magnitude = c.kind === 'graph' ? c.magnitude : undefined;
    problem = judge(file, c, outcome, inputs, MAGNITUDE_TOLERANCE * (magnitude?.output ?? 0));
    const slack = (name: string) => MAGNITUDE_TOLERANCE * (magnitude?.grads[name] ?? 0);
    if (problem === null && !outcome.threw && c.backward) problem = checkBackward(file, c.backward, outcome, inputs, slack);
  }
  return { id: c.id, group: c.group, kind: c.kind, pass: problem === null, message: problem === null ? '' : `${describeGradCase(c)}\n    FAIL: ${problem}` };
}

/** Runs every gradient case (optionally only some groups) in file order. */
export function runGradCases(file: CaseFile<GradCase>, groups?: readonly string[]): CaseResult[] {
  return file.cases.filter((c) => !groups || groups.includes(c.group)).map((c) => runGradCase(file, c));
}
