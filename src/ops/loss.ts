/**
 * `nllLoss`, `crossEntropy` and `mseLoss`: `torch.nn.functional`'s losses of PyTorch 1.13, composed of
 * differentiable ops (logSoftmax, a pick along the class dimension, mul, sum, div), so that every
 * input's gradient is the composition's, as it is in torch for cross-entropy's probability targets.
 */
import { argError, isInt, show } from '../errors.js';
import { numelOf, sameShape, Tensor, type Shape } from '../tensor.js';
import { checkOptions, checkTensor } from './args.js';
import { add, div, mul, sub } from './arithmetic.js';
import { broadcastShapes } from './broadcast.js';
import { gatherAlong } from './gather.js';
import { mean, sum } from './reduce.js';
import { logSoftmax } from './softmax.js';

/** How a loss reduces its per-element values: none, their mean (weighted, where weights are given) or their sum. */
export type Reduction = 'none' | 'mean' | 'sum';

export const REDUCTIONS: readonly Reduction[] = ['none', 'mean', 'sum'];

/**
 * Class indices: a Tensor of integer values (convkit's tensors are float32, exact for indices below
 * 2^24), or for convenience an `Int32Array` / array of numbers holding them in row-major order, which
 * takes the shape the input asks for (the input's shape without its class dimension).
 */
export type ClassTarget = Tensor | Int32Array | readonly number[];

export interface NllLossOptions {
  /** A weight per class (a 1-D tensor of C elements); default: all 1. */
  weight?: Tensor | null;
  /** A target value that contributes nothing, neither to the loss nor to a mean's denominator. Default -100. */
  ignoreIndex?: number;
  /** Default 'mean': over the targets not ignored, weighted by their class's weight. */
  reduction?: Reduction;
}

export interface CrossEntropyOptions extends NllLossOptions {
  /**
   * In [0, 1]: the target is mixed with the uniform distribution over the C classes, `(1 - s) * target +
   * s / C`. Default 0. As in torch 1.13, a negative value is taken as 0.
   */
  labelSmoothing?: number;
}

export interface MseLossOptions {
  /** Default 'mean'. */
  reduction?: Reduction;
}

const NLL_OPTIONS = ['weight', 'ignoreIndex', 'reduction'];
const CROSS_ENTROPY_OPTIONS = [...NLL_OPTIONS, 'labelSmoothing'];

/** The options of every loss, checked and with torch's defaults. */
interface Resolved {
  weight: Tensor | null;
  ignoreIndex: number;
  reduction: Reduction;
  labelSmoothing: number;
}

/** Checks a loss's options (the ones `known` lists) and fills in torch's defaults. */
export function lossOptions(where: string, options: unknown, known: readonly string[]): Resolved {
  checkOptions(where, options, known);
  const o = (options ?? {}) as CrossEntropyOptions;
  const reduction = o.reduction ?? 'mean';
  if (!REDUCTIONS.includes(reduction)) throw argError(where, `${show(reduction)} is not a valid value for reduction (expected 'none', 'mean' or 'sum')`);
  const weight = o.weight ?? null;
  if (weight !== null) checkTensor(where, 'weight', weight);
  const ignoreIndex = o.ignoreIndex ?? -100;
  if (!isInt(ignoreIndex)) throw argError(where, `ignoreIndex must be an integer, got ${show(ignoreIndex)}`);
  const labelSmoothing = o.labelSmoothing ?? 0;
  if (typeof labelSmoothing !== 'number' || Number.isNaN(labelSmoothing)) throw argError(where, `labelSmoothing must be a number, got ${show(labelSmoothing)}`);
  if (labelSmoothing > 1) throw argError(where, `label_smoothing must be between 0.0 and 1.0. Got: ${labelSmoothing}`);
  return { weight, ignoreIndex, reduction, labelSmoothing };
}

/** Class index targets resolved against an input of shape (C), (N, C) or (N, C, d1, ...). */
interface Targets {
  /** The input read as N x C x (d1 * ...): the class dimension in the middle. */
  geom: { outer: number; size: number; inner: number };
  /** The target's shape: the loss's shape under reduction 'none'. */
  shape: Shape;
  /** Each target's class, -1 where it is ignored. */
  index: Int32Array;
  /** Each target's class weight (1 without weights), 0 where it is ignored. */
  weights: Float32Array;
}

/** The shape and values of a target given as a Tensor or as plain indices. */
function targetValues(where: string, input: Tensor, target: unknown): { shape: Shape; values: ArrayLike<number> } {
  if (target instanceof Tensor) return { shape: target.shape, values: target.data };
  if (!(target instanceof Int32Array) && !Array.isArray(target)) {
    throw argError(where, `target must be a Tensor, an Int32Array or an array of class indices, got ${show(target)}`);
  }
  const shape = input.ndim <= 1 ? [] : [input.shape[0], ...input.shape.slice(2)];
  if (target.length !== numelOf(shape)) {
    throw argError(where, `target holds ${target.length} class indices, an input of shape ${show(input.shape)} needs ${numelOf(shape)}`);
  }
  return { shape, values: target };
}

/** torch 1.13's shape checks of nll_loss_nd (and nll_loss / nll_loss2d below it), in its order. */
function checkTargetShape(where: string, input: Shape, target: Shape, weight: Tensor | null): void {
  const rank = input.length;
  if (rank < 1) throw argError(where, `Expected 1 or more dimensions (got ${rank})`);
  if (rank !== 1 && input[0] !== (target[0] ?? 0)) {
    throw argError(where, `Expected input batch_size (${input[0]}) to match target batch_size (${target[0] ?? 0}).`);
  }
  const classes = input[1] ?? input[0];
  // nll_loss wants a 1-D weight; nll_loss2d, behind ranks 3 and up, only counts its elements
  const weightOk = weight === null || ((rank > 2 || weight.ndim === 1) && weight.numel === classes);
  if (rank <= 2) {
    if (target.length > 1) throw argError(where, '0D or 1D target tensor expected, multi-target not supported');
    // torch 1.13 also takes a 1-D input with a 1-D target of as many elements, and reads its first: left out
    if (target.length !== rank - 1) throw argError(where, `size mismatch (got input: ${show(input)}, target: ${show(target)})`);
    if (!weightOk) throw argError(where, `weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${show(weight?.shape)}`);
    return;
  }
  if (rank === 4 && target.length !== 3) throw argError(where, `only batches of spatial targets supported (3D tensors) but got targets of dimension: ${target.length}`);
  if (!sameShape(target.slice(1), input.slice(2))) {
    throw argError(where, rank === 4
      ? `size mismatch (got input: ${show(input)} , target: ${show(target)}`
      : `Expected target size ${show([input[0], ...input.slice(2)])}, got ${show(target)}`);
  }
  if (!weightOk) throw argError(where, 'weight tensor should be defined either for all or no classes');
}

/** Checks class index targets against `input` (torch's rules and messages) and resolves them. */
function classTargets(where: string, input: Tensor, target: unknown, weight: Tensor | null, ignoreIndex: number): Targets {
  const { shape, values } = targetValues(where, input, target);
  checkTargetShape(where, input.shape, shape, weight);
  const classes = input.ndim === 1 ? input.shape[0] : input.shape[1];
  const index = new Int32Array(values.length);
  const weights = new Float32Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const t = values[i];
    if (!Number.isInteger(t)) throw argError(where, `target must hold integer class indices, got ${t} at index ${i}`);
    if (t === ignoreIndex) {
      index[i] = -1;
      continue;
    }
    if (t < 0 || t >= classes) throw argError(where, `Target ${t} is out of bounds.`);
    index[i] = t;
    weights[i] = weight === null ? 1 : weight.data[t];
  }
  const outer = input.ndim === 1 ? 1 : input.shape[0];
  return { geom: { outer, size: classes, inner: numelOf(input.shape.slice(2)) }, shape, index, weights };
}

function reduce(loss: Tensor, reduction: Reduction): Tensor {
  return reduction === 'none' ? loss : reduction === 'sum' ? sum(loss) : mean(loss);
}

/** The negative log-likelihood of resolved targets: -weight[t] * input[t], reduced (a mean divides by the weights' sum). */
function nll(input: Tensor, targets: Targets, reduction: Reduction): Tensor {
  const weights = new Tensor(targets.weights, targets.shape);
  const losses = mul(gatherAlong(input, targets.geom, targets.index, targets.shape), mul(weights, -1));
  return reduction === 'mean' ? div(sum(losses), sum(weights)) : reduce(losses, reduction);
}

/**
 * The negative log-likelihood loss, like `torch.nn.functional.nll_loss`: for log-probabilities `input`
 * of shape (C), (N, C) or (N, C, d1, ...) and class indices `target` of shape (), (N) or (N, d1, ...),
 * `-weight[t] * input[n, t, ...]`, 0 where `t == ignoreIndex`; 'mean' divides the sum by the sum of the
 * weights of the targets not ignored (NaN when there are none). Differentiable in `input`.
 * @param target class indices (see `ClassTarget`): integers in [0, C), or `ignoreIndex`.
 * @throws where torch raises, e.g. `nllLoss: Target 12 is out of bounds.`
 * @example
 * nllLoss(logSoftmax(logits, 1), [3, 0, 7]); // logits of shape [3, 10]
 */
export function nllLoss(input: Tensor, target: ClassTarget, options?: NllLossOptions): Tensor {
  const where = 'nllLoss';
  checkTensor(where, 'input', input);
  const { weight, ignoreIndex, reduction } = lossOptions(where, options, NLL_OPTIONS);
  return nll(input, classTargets(where, input, target, weight, ignoreIndex), reduction);
}

/** `weight` shaped to multiply along dimension `dim` of a tensor of rank `rank`. */
function alongDim(weight: Tensor, dim: number, rank: number): Tensor {
  return weight.reshape(Array.from({ length: rank }, (_, d) => (d === dim ? weight.numel : 1)));
}

/**
 * Cross-entropy between the softmax of `input` (logits of shape (C), (N, C) or (N, C, d1, ...), the
 * classes along dimension 1, or 0 for a 1-D input) and `target`, like
 * `torch.nn.functional.cross_entropy` in PyTorch 1.13. `target` is either
 * - class indices (see `ClassTarget`): `nllLoss(logSoftmax(input, classDim), target, ...)`, mixed where
 *   `labelSmoothing` > 0 with the loss against the uniform distribution, `-sum(weight[c] * logSoftmax)`
 *   over the classes (0 where the target is ignored; 'mean' divides by the same weights as nll's);
 * - class probabilities: a Tensor of the input's shape; `-sum(weight[c] * target[c] * logSoftmax)` over
 *   the classes, 'mean' dividing by the number of samples (N * d1 * ...), not by the weights. Then
 *   `ignoreIndex` must be negative, and the loss is differentiable in `target` too.
 * Differentiable in `input`.
 * @throws where torch raises (shapes, weights of another length, `labelSmoothing` > 1, an index out of bounds).
 * @example
 * const loss = crossEntropy(logits, [3, 0, 7], { labelSmoothing: 0.1 }); // logits of shape [3, 10]
 * loss.backward();
 */
export function crossEntropy(input: Tensor, target: ClassTarget, options?: CrossEntropyOptions): Tensor {
  const where = 'crossEntropy';
  checkTensor(where, 'input', input);
  const { weight, ignoreIndex, reduction, labelSmoothing } = lossOptions(where, options, CROSS_ENTROPY_OPTIONS);
  if (input.ndim === 0) throw argError(where, 'Dimension specified as 1 but tensor has no dimensions');
  const classDim = input.ndim === 1 ? 0 : 1;
  const classes = input.shape[classDim];
  if (target instanceof Tensor && sameShape(target.shape, input.shape)) {
    if (ignoreIndex >= 0) throw argError(where, 'ignore_index is not supported for floating point target');
    if (weight !== null && (weight.ndim !== 1 || weight.numel !== classes)) {
      throw argError(where, `cross_entropy: weight tensor should be defined either for all ${classes} classes or no classes but got weight tensor of shape: ${show(weight.shape)}`);
    }
    const smoothed = labelSmoothing > 0 ? add(mul(target, 1 - labelSmoothing), labelSmoothing / classes) : target;
    const product = mul(logSoftmax(input, classDim), smoothed);
    const terms = weight === null ? product : mul(product, alongDim(weight, classDim, input.ndim));
    if (reduction === 'none') return mul(sum(terms, classDim), -1);
    const total = mul(sum(terms), -1);
    if (reduction === 'sum') return total;
    return input.numel === 0 ? mul(total, NaN) : div(total, input.numel / classes);
  }
  const logProbs = logSoftmax(input, classDim);
  const targets = classTargets(where, logProbs, target, weight, ignoreIndex);
  const loss = nll(logProbs, targets, reduction);
  if (!(labelSmoothing > 0)) return loss;
  // the loss against the uniform distribution, 0 where the target is ignored (a pick of index 0 or -1
  // along a size-1 axis: masked_fill's 0, even where the sum is infinite)
  const uniform = mul(sum(weight === null ? logProbs : mul(logProbs, alongDim(weight, classDim, input.ndim)), classDim), -1);
  const keep = targets.index.map((k) => (k === -1 ? -1 : 0));
  const smooth = gatherAlong(uniform, { outer: keep.length, size: 1, inner: 1 }, keep, targets.shape);
  // a mean over the targets not ignored, weighted as nll's
  const smoothLoss = reduction === 'mean' ? div(sum(smooth), sum(new Tensor(targets.weights, targets.shape))) : reduce(smooth, reduction);
  return add(mul(loss, 1 - labelSmoothing), mul(smoothLoss, labelSmoothing / classes));
}

/** The warnings given so far: each once, as Python shows a warning once per place (a training loop's calls repeat it). */
const warned = new Set<string>();

/** Emits torch's warning where host tools show warnings (Node's process warnings, else the console). */
function warn(message: string): void {
  if (warned.has(message)) return;
  warned.add(message);
  const host = (globalThis as { process?: { emitWarning?: (message: string, type: string) => void } }).process;
  if (typeof host?.emitWarning === 'function') host.emitWarning(message, 'UserWarning');
  else console.warn(message);
}

/**
 * The squared error `(input - target)^2`, reduced, like `torch.nn.functional.mse_loss`. Shapes that differ
 * broadcast against each other as torch's do, with torch's warning (usually an (N, 1) output against an
 * (N) target by mistake). Differentiable in both.
 */
export function mseLoss(input: Tensor, target: Tensor, options?: MseLossOptions): Tensor {
  const where = 'mseLoss';
  checkTensor(where, 'input', input);
  checkTensor(where, 'target', target);
  const { reduction } = lossOptions(where, options, ['reduction']);
  if (!sameShape(input.shape, target.shape)) {
    warn(`Using a target size (${show(target.shape)}) that is different to the input size (${show(input.shape)}). `
      + 'This will likely lead to incorrect results due to broadcasting. Please ensure they have the same size.');
  }
  broadcastShapes(where, input.shape, target.shape); // the error names mseLoss, not sub
  const diff = sub(input, target);
  return reduce(mul(diff, diff), reduction);
}
