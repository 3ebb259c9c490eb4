/**
 * `pad`: PyTorch's `torch.nn.functional.pad` for 2-D padding (the last two dimensions).
 * Negative sizes crop, as in PyTorch.
 */
import type { PadGeometry, PadMode } from '../backend/backend.js';
import { record } from '../autograd/record.js';
import { backend } from '../backend/registry.js';
import { argError, isInt, show } from '../errors.js';
import { Tensor } from '../tensor.js';
import { checkTensor } from './args.js';
import { outputArray } from './output.js';

export type { PadMode };

export const PAD_MODES: readonly PadMode[] = ['constant', 'reflect', 'replicate', 'circular'];

/** Checks a padding against an input shape and resolves it into a `PadGeometry`. */
export function padGeometry(shape: readonly number[], pads: unknown, mode: unknown = 'constant', value: unknown = 0): PadGeometry {
  const where = 'pad';
  if (!PAD_MODES.includes(mode as PadMode)) {
    throw argError(where, `mode must be one of ${PAD_MODES.map(show).join(', ')}, got ${show(mode)}`);
  }
  const padMode = mode as PadMode;
  if (typeof value !== 'number') throw argError(where, `value must be a number, got ${show(value)}`);
  if (padMode !== 'constant' && value !== 0) throw argError(where, `mode ${show(padMode)} takes no fill value, got value=${value}`);
  if (!Array.isArray(pads) || pads.length !== 4 || !pads.every(isInt)) {
    throw argError(where, `pads must be 4 integers [left, right, top, bottom], got ${show(pads)}`);
  }
  const [left, right, top, bottom] = pads as number[];
  const minRank = padMode === 'constant' ? 2 : 3;
  const maxRank = padMode === 'constant' ? Infinity : 4;
  if (shape.length < minRank || shape.length > maxRank) {
    const expected = padMode === 'constant' ? 'at least 2-D' : '3-D (C, H, W) or 4-D (N, C, H, W)';
    throw argError(where, `mode ${show(padMode)} needs a ${expected} input, got shape ${show(shape)}`);
  }
  const h = shape[shape.length - 2];
  const w = shape[shape.length - 1];
  // PyTorch lets the first dimension be empty (reflect: either rank's; replicate: a batch's only)
  const mayBeEmpty = padMode === 'reflect' || shape.length === 4 ? 1 : 0;
  if ((padMode === 'reflect' || padMode === 'replicate') && shape.slice(mayBeEmpty).includes(0)) {
    const dims = mayBeEmpty === 1 && shape.length === 3 ? 'height and width' : 'channels, height and width';
    throw argError(where, `mode ${show(padMode)} needs non-zero ${dims}, got shape ${show(shape)}`);
  }
  for (const [name, amount, size] of [['left', left, w], ['right', right, w], ['top', top, h], ['bottom', bottom, h]] as const) {
    const dim = name === 'left' || name === 'right' ? 'width' : 'height';
    if (amount < 0 && -amount > size) throw argError(where, `cannot crop ${-amount} from the ${name} of input ${dim} ${size}`);
    if (padMode === 'reflect' && amount >= size) throw argError(where, `reflect padding ${amount} (${name}) must be < input ${dim} ${size}`);
    if (padMode === 'circular' && amount > size) throw argError(where, `circular padding ${amount} (${name}) must be <= input ${dim} ${size}`);
  }
  const outH = h + top + bottom;
  const outW = w + left + right;
  if (outH < 0 || outW < 0) throw argError(where, `pads ${show(pads)} leave a negative output size for input of shape ${show(shape)}`);
  const planes = shape.slice(0, -2).reduce((a, b) => a * b, 1);
  return { planes, h, w, padTop: top, padLeft: left, outH, outW, mode: padMode, value };
}

/**
 * Pads (or, with negative sizes, crops) the last two dimensions, like `torch.nn.functional.pad(input, pads, mode, value)`.
 *
 * @param pads `[left, right, top, bottom]`.
 * @param mode `'constant'` fills with `value`; `'reflect'` mirrors without repeating the edge (padding < size);
 *   `'replicate'` repeats the edge; `'circular'` wraps around (padding <= size).
 * @throws Error naming the argument and the rule, wherever PyTorch raises.
 * @example
 * pad(tensor([1, 2, 3], [1, 1, 3]), [2, 0, 0, 0], 'reflect').data; // [3, 2, 1, 2, 3]
 */
export function pad(input: Tensor, pads: readonly number[], mode: PadMode = 'constant', value = 0): Tensor {
  checkTensor('pad', 'input', input);
  const geom = padGeometry(input.shape, pads, mode, value);
  const outShape = [...input.shape.slice(0, -2), geom.outH, geom.outW];
  const output = outputArray(geom.planes * geom.outH * geom.outW, 'pad', outShape);
  if (output.length > 0) backend().pad(geom, input.data, output);
  // each input element's gradient is the sum of those of the outputs that read it
  return record(PAD_BACKWARD[geom.mode], [input], new Tensor(output, outShape), (grad) => {
    const gradInput = outputArray(input.numel);
    if (gradInput.length > 0) backend().padGrad(geom, grad.data, gradInput);
    return [new Tensor(gradInput, input.shape)];
  }, geom.mode !== 'constant'); // torch's reflect and replicate backward save the input, circular's slices and cat too: a second pass is refused
}

/** PyTorch's names for each mode's backward (circular padding is cat and slices there). */
const PAD_BACKWARD: Record<PadMode, string> = {
  constant: 'ConstantPadNdBackward0', reflect: 'ReflectionPad2DBackward0', replicate: 'ReplicationPad2DBackward0', circular: 'CatBackward0',
};
