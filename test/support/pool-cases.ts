/**
 * Replays pooling case files (tools/torch/pool_cases.py: test/fixtures/torch-pool.{json,bin} and the
 * live suite's random file) through convkit, with the loading and comparisons of test/support/cases.ts.
 *
 * A case passes when
 * - torch gave an output: convkit's has its shape and values (within the tolerance; NaN where torch's is
 *   NaN); where torch backpropagated R, the input's gradient is torch's; a max pool's indices are torch's
 *   exactly; a module prints as torch's repr; no input was modified;
 * - torch's backward raised: convkit's backward throws;
 * - torch raised: convkit throws, a module no later than torch did.
 */
import {
  AdaptiveAvgPool2d, adaptiveAvgPool2d, AvgPool2d, avgPool2d, MaxPool2d, maxPool2dWithIndices, Tensor,
  type AdaptiveSize, type AvgPool2dOptions, type IntOrPair, type MaxPool2dOptions, type Module,
} from '../../src/index.js';
import { compareTensor, errorText, Inputs, judge, values, type CaseBase, type CaseFile, type CaseResult, type Outcome, type TensorRef, type TorchError } from './cases.js';

export interface PoolCase extends CaseBase {
  kind: 'maxPool2d' | 'avgPool2d' | 'adaptiveAvgPool2d';
  input: TensorRef;
  kernelSize?: IntOrPair;
  options?: Record<string, unknown>;
  outputSize?: AdaptiveSize;
  /** Run through the module (`new MaxPool2d(kernelSize, options)`, ...) rather than the function. */
  module?: true;
  /** torch's `repr(module)`. */
  repr?: string;
  /** R, backpropagated as `y.backward(R)`, and the input's gradient torch got (or its backward's error). */
  gradOutput?: TensorRef;
  gradInput?: TensorRef;
  backwardError?: TorchError;
  /** max_pool2d's `return_indices`, as floats. */
  indices?: TensorRef;
}

function buildModule(c: PoolCase): Module {
  if (c.kind === 'adaptiveAvgPool2d') return new AdaptiveAvgPool2d(c.outputSize!);
  if (c.kind === 'maxPool2d') return new MaxPool2d(c.kernelSize!, c.options as MaxPool2dOptions);
  return new AvgPool2d(c.kernelSize!, c.options as AvgPool2dOptions);
}

/** convkit's output, and max's indices where the function gives them. */
function call(c: PoolCase, x: Tensor): { output: Tensor; indices?: Int32Array } {
  if (c.kind === 'maxPool2d') return maxPool2dWithIndices(x, c.kernelSize!, c.options as MaxPool2dOptions);
  if (c.kind === 'avgPool2d') return { output: avgPool2d(x, c.kernelSize!, c.options as AvgPool2dOptions) };
  return { output: adaptiveAvgPool2d(x, c.outputSize!) };
}

function describe(c: PoolCase): string {
  const args = c.kind === 'adaptiveAvgPool2d' ? { outputSize: c.outputSize } : { kernelSize: c.kernelSize, options: c.options ?? '(omitted)' };
  const note = c.note ? `\n    note: ${c.note}` : '';
  return `${c.id} [${c.module ? 'module ' : ''}${c.kind}]\n    torch: ${c.torch}\n    convkit args: ${JSON.stringify(args)}${note}`;
}

/** Why convkit's run of `c` differs from torch's, or null. */
function check(file: CaseFile<PoolCase>, c: PoolCase): string | null {
  const inputs = new Inputs(file, (t) => t.requiresGrad_());
  let outcome: Outcome;
  let result: { output: Tensor; indices?: Int32Array } | null = null;
  let module: Module | null = null;
  let stage: 'call' | 'construct' | 'forward' = c.module ? 'construct' : 'call';
  try {
    if (c.module) {
      module = buildModule(c);
      stage = 'forward';
      result = { output: module.forward(inputs.tensor('input', c.input)) };
    } else {
      result = call(c, inputs.tensor('input', c.input));
    }
    outcome = { threw: false, value: result.output };
  } catch (error) {
    outcome = { threw: true, stage, error };
  }
  const problem = judge(file, c, outcome, inputs);
  if (problem !== null || result === null) return problem;
  if (c.repr !== undefined && String(module) !== c.repr) return `repr: convkit ${String(module)}, torch ${c.repr}`;
  if (c.indices !== undefined) {
    const want = values(file, c.indices);
    const at = want.findIndex((v, i) => v !== result!.indices![i]);
    if (at >= 0) return `indices differ at ${at}: convkit ${result.indices![at]}, torch ${want[at]}`;
  }
  if (c.gradOutput === undefined) return null;
  const r = new Tensor(values(file, c.gradOutput).slice(), [...c.gradOutput.shape]);
  try {
    result.output.backward(r);
  } catch (error) {
    return c.backwardError ? null : `convkit's backward threw ${errorText(error)}`;
  }
  if (c.backwardError) return `torch's backward raised ${c.backwardError.message}, but convkit's did not`;
  const grad = inputs.made[0].tensor.grad;
  if (grad === null) return 'convkit left the input without a gradient';
  const mismatch = compareTensor(file, c.gradInput!, grad);
  return mismatch && `input gradient: ${mismatch}`;
}

/** Runs every case of a pooling case file. */
export function runPoolCases(file: CaseFile<PoolCase>): CaseResult[] {
  return file.cases.map((c) => {
    const problem = check(file, c);
    return { id: c.id, group: c.group, kind: c.kind, pass: problem === null, message: problem === null ? '' : `${describe(c)}\n    FAIL: ${problem}` };
  });
}
