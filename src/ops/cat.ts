/** `cat`: `torch.cat`, tensors joined along one dimension (DeepLabV3's ASPP joins its branches so). */
import { record } from '../autograd/record.js';
import { argError, isInt, show } from '../errors.js';
import { numelOf, Tensor } from '../tensor.js';
import { checkTensor } from './args.js';
import { outputArray } from './output.js';

/**
 * The shape `cat(tensors, dim)` gives tensors of `shapes`, and `dim` resolved, with torch's errors:
 * what `cat` and a module's `outputShape` check.
 */
export function catShape(where: string, shapes: ReadonlyArray<readonly number[]>, dim: unknown): { shape: number[]; dim: number } {
  if (shapes.length === 0) throw argError(where, 'expected a non-empty list of Tensors');
  const first = shapes[0];
  const rank = first.length;
  shapes.forEach((s, i) => {
    if (s.length === 0) throw argError(where, `zero-dimensional tensor (at position ${i}) cannot be concatenated`);
    if (s.length !== rank) throw argError(where, `Tensors must have same number of dimensions: got ${rank} and ${s.length}`);
  });
  if (!isInt(dim) || dim < -rank || dim >= rank) {
    throw argError(where, `Dimension out of range (expected to be in range of [${-rank}, ${rank - 1}], but got ${show(dim)})`);
  }
  const d = dim < 0 ? dim + rank : dim;
  shapes.forEach((s, i) => {
    s.forEach((size, k) => {
      if (k !== d && size !== first[k]) {
        throw argError(where, `Sizes of tensors must match except in dimension ${d}. Expected size ${first[k]} but got size ${size} for tensor number ${i} in the list.`);
      }
    });
  });
  const shape = [...first];
  shape[d] = shapes.reduce((total, s) => total + s[d], 0);
  return { shape, dim: d };
}

/**
 * Joins `tensors` along `dim` (negative counts from the end), like `torch.cat(tensors, dim)`: every other
 * dimension must agree. Differentiable: each input's gradient is its slice of the output's.
 * @example
 * cat([zeros([1, 2, 4, 4]), ones([1, 3, 4, 4])], 1).shape; // [1, 5, 4, 4]
 */
export function cat(tensors: readonly Tensor[], dim = 0): Tensor {
  if (!Array.isArray(tensors)) throw argError('cat', `tensors must be an array of Tensors, got ${show(tensors)}`);
  tensors.forEach((t, i) => checkTensor('cat', `tensors[${i}]`, t));
  const { shape, dim: d } = catShape('cat', tensors.map((t) => t.shape), dim);
  // Each tensor is `outer` runs of `size[d] * inner` contiguous floats; the output interleaves them.
  const outer = numelOf(shape.slice(0, d));
  const inner = numelOf(shape.slice(d + 1));
  const runs = tensors.map((t) => t.shape[d] * inner);
  const row = shape[d] * inner;
  const out = outputArray(numelOf(shape), 'cat', shape);
  let offset = 0;
  tensors.forEach((t, i) => {
    for (let o = 0; o < outer; o++) out.set(t.data.subarray(o * runs[i], (o + 1) * runs[i]), o * row + offset);
    offset += runs[i];
  });
  const inputShapes = tensors.map((t) => t.shape);
  return record('CatBackward0', tensors, new Tensor(out, shape), (grad, needs) => {
    let start = 0;
    return inputShapes.map((s, i) => {
      const begin = start;
      start += runs[i];
      if (!needs[i]) return null;
      const g = outputArray(numelOf(s), 'cat', s);
      for (let o = 0; o < outer; o++) g.set(grad.data.subarray(o * row + begin, o * row + begin + runs[i]), o * runs[i]);
      return new Tensor(g, s);
    });
  }, false);
}
