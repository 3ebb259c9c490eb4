/**
 * The experiment's four twins: one small CNN for 28x28 grayscale images in four forms that differ only in
 * the convolution of their three inner blocks, as the tutorial compares them. Same depth, same widths:
 *
 *   stem     Conv2d(1, w0, 3, padding=1)        BatchNorm2d ReLU                 28x28
 *   block 1  <conv>(w0 -> w1)                  BatchNorm2d ReLU  MaxPool2d(2)   -> 14x14
 *   block 2  <conv>(w1 -> w2)                  BatchNorm2d ReLU  MaxPool2d(2)   -> 7x7
 *   block 3  <conv>(w2 -> w2)                  BatchNorm2d ReLU
 *   head     AdaptiveAvgPool2d(1) Flatten Linear(w2, classes)
 *
 * where <conv> is a 3x3 convolution padded to keep the size: `standard` (groups 1), `separable` (the
 * tutorial's DepthwiseSeparableConv: depthwise 3x3 then pointwise 1x1), `grouped` (groups 4) or
 * `dilated` (dilation 2, padding 2: the same weights and MACs, a wider receptive field). The stem stays
 * standard in all four: a one-channel input has nothing to separate or group.
 * Built as JSON (`moduleFromJSON`), so `convkit train --model FILE.json` takes the same form.
 */
import { argError, show } from '../errors.js';

export type TwinKind = 'standard' | 'separable' | 'grouped' | 'dilated';
export const TWIN_KINDS: readonly TwinKind[] = ['standard', 'separable', 'grouped', 'dilated'];

/** The groups of the grouped twin. */
export const TWIN_GROUPS = 4;

export interface TwinOptions {
  /** Channels of the stem and the three blocks' outputs: `[w0, w1, w2]`. Default `[16, 32, 64]` (the experiment's). */
  widths?: readonly [number, number, number];
  /** Classes of the head. Default 10. */
  classes?: number;
}

/** The 3x3 convolution of a block, in the twin's form. */
function blockConv(kind: TwinKind, inChannels: number, outChannels: number): object {
  const conv = { type: 'Conv2d', inChannels, outChannels, kernelSize: 3, padding: 1, bias: false };
  switch (kind) {
    case 'standard':
      return conv;
    case 'separable':
      return { type: 'DepthwiseSeparableConv2d', inChannels, outChannels, kernelSize: 3, padding: 1, bias: false };
    case 'grouped':
      return { ...conv, groups: TWIN_GROUPS };
    case 'dilated':
      return { ...conv, padding: 2, dilation: 2 };
  }
}

/**
 * The twin of `kind` as a `Sequential` JSON description (no weights): convolutions without bias, since a
 * batch normalisation follows each and would cancel it.
 */
export function twinJSON(kind: TwinKind, options: TwinOptions = {}): { type: 'Sequential'; layers: object[] } {
  if (!TWIN_KINDS.includes(kind)) throw argError('twinJSON', `kind must be one of ${TWIN_KINDS.map(show).join(', ')}, got ${show(kind)}`);
  const [w0, w1, w2] = options.widths ?? [16, 32, 64];
  const classes = options.classes ?? 10;
  const norm = (channels: number) => [{ type: 'BatchNorm2d', numFeatures: channels }, { type: 'ReLU' }];
  const pool = { type: 'MaxPool2d', kernelSize: 2 };
  return {
    type: 'Sequential',
    layers: [
      { type: 'Conv2d', inChannels: 1, outChannels: w0, kernelSize: 3, padding: 1, bias: false }, ...norm(w0),
      blockConv(kind, w0, w1), ...norm(w1), pool,
      blockConv(kind, w1, w2), ...norm(w2), pool,
      blockConv(kind, w2, w2), ...norm(w2),
      { type: 'AdaptiveAvgPool2d', outputSize: 1 }, { type: 'Flatten' }, { type: 'Linear', inFeatures: w2, outFeatures: classes },
    ],
  };
}
