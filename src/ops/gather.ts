/** One element from each line along an axis: the differentiable pick behind `nllLoss`. */
import type { AxisGeometry } from '../backend/backend.js';
import { record } from '../autograd/record.js';
import { backend } from '../backend/registry.js';
import { numelOf, Tensor, type Shape } from '../tensor.js';
import { outputArray } from './output.js';

/**
 * `out[o, i] = input[o, index[o, i], i]` over `geom` (resolved and checked by the caller), of `shape`
 * (`geom.outer * geom.inner` elements); an index of -1 gives 0 and passes no gradient, as torch's
 * losses give an ignored target. The gradient goes back to the picked elements only (torch.gather's).
 */
export function gatherAlong(input: Tensor, geom: AxisGeometry, index: Int32Array, shape: Shape): Tensor {
  const out = outputArray(index.length);
  if (out.length > 0) backend().gather(geom, input.data, index, out);
  const inputShape = input.shape; // not input: the pick keeps the index alone, not the input's data
  return record('GatherBackward0', [input], new Tensor(out, shape), (grad) => {
    const gradInput = outputArray(numelOf(inputShape));
    if (gradInput.length > 0) backend().gatherGrad(geom, index, grad.data, gradInput);
    return [new Tensor(gradInput, inputShape)];
  });
}
