/**
 * `compare`: one layer's standard, grouped, depthwise and depthwise-separable variants side by side,
 * with counted parameters and MACs, their ratios to the standard convolution, and the closed forms the
 * tutorial states (1/G for groups, 1/C_out + 1/k^2 for depthwise-separable), checked against the counts.
 */
import { argError, show } from '../errors.js';
import { pair, positiveInt, type IntOrPair } from '../ops/args.js';
import type { Padding } from '../ops/conv2d.js';
import { Conv2d } from '../nn/conv2d.js';
import { DepthwiseSeparableConv2d } from '../nn/depthwise-separable.js';
import type { Module } from '../nn/module.js';
import { layerCost } from './cost.js';

export interface CompareOptions {
  inChannels: number;
  outChannels: number;
  kernelSize: IntOrPair;
  /** `(N, C_in, H, W)` or `(C_in, H, W)`. */
  inputShape: number[];
  stride?: IntOrPair;
  /** Default `kernelSize // 2` per dimension, which keeps H and W at stride 1 for odd kernels. */
  padding?: Padding;
}

export interface Variant {
  name: string;
  /** The layer as convkit code. */
  code: string;
  outputShape: number[];
  parameters: number;
  macs: number;
  parameterRatio: number;
  macRatio: number;
  /** The MAC ratio the closed form predicts (bias aside, which costs no MACs). */
  closedForm: number;
  closedFormText: string;
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * Builds each variant of a `inChannels -> outChannels` convolution with kernel `kernelSize` and counts it
 * on `inputShape`. Grouped variants are listed for every G > 1 dividing both channel counts (below C_in);
 * the depthwise one needs `outChannels` to be a multiple of `inChannels` (a depth multiplier).
 */
export function compare(options: CompareOptions): { variants: Variant[]; notes: string[] } {
  const where = 'compare';
  if (typeof options !== 'object' || options === null) throw argError(where, `options must be an object, got ${show(options)}`);
  const cIn = positiveInt(where, 'inChannels', options.inChannels);
  const cOut = positiveInt(where, 'outChannels', options.outChannels);
  const [kH, kW] = pair(where, 'kernelSize', options.kernelSize, 1);
  const stride = options.stride ?? 1;
  const padding = options.padding ?? [Math.floor(kH / 2), Math.floor(kW / 2)];
  if (!Array.isArray(options.inputShape) || options.inputShape[options.inputShape.length - 3] !== cIn) {
    throw argError(where, `inputShape must be (N, ${cIn}, H, W) or (${cIn}, H, W) for inChannels=${cIn}, got ${show(options.inputShape)}`);
  }
  const k = kH === kW ? String(kH) : `[${kH}, ${kW}]`;
  const args = `{ ${stride === 1 ? '' : `stride: ${show(stride)}, `}padding: ${show(padding)}`;
  const conv = (out: number, groups: number) => new Conv2d(cIn, out, [kH, kW], { stride, padding, groups });
  const standardCost = layerCost(conv(cOut, 1), options.inputShape);
  const variant = (name: string, code: string, module: Module, closedForm: number, closedFormText: string): Variant => {
    const cost = layerCost(module, options.inputShape);
    return {
      name, code, outputShape: cost.outputShape, parameters: cost.parameters, macs: cost.macs,
      parameterRatio: cost.parameters / standardCost.parameters, macRatio: cost.macs / standardCost.macs, closedForm, closedFormText,
    };
  };
  const variants = [variant('standard', `new Conv2d(${cIn}, ${cOut}, ${k}, ${args} })`, conv(cOut, 1), 1, '1')];
  for (let g = 2; g < cIn; g++) {
    if (gcd(cIn, cOut) % g === 0) {
      variants.push(variant(`grouped G=${g}`, `new Conv2d(${cIn}, ${cOut}, ${k}, ${args}, groups: ${g} })`, conv(cOut, g), 1 / g, `1/G = 1/${g}`));
    }
  }
  const notes: string[] = [];
  if (cOut % cIn === 0) {
    const multiplier = cOut / cIn === 1 ? '' : ` (depth multiplier ${cOut / cIn})`;
    variants.push(variant(`depthwise${multiplier}`, `new Conv2d(${cIn}, ${cOut}, ${k}, ${args}, groups: ${cIn} })`, conv(cOut, cIn), 1 / cIn, `1/C_in = 1/${cIn}`));
  } else {
    notes.push(`no depthwise variant: outChannels=${cOut} is not a multiple of inChannels=${cIn}`);
  }
  const separable = new DepthwiseSeparableConv2d(cIn, cOut, [kH, kW], { stride, padding });
  variants.push(variant(
    'depthwise-separable', `new DepthwiseSeparableConv2d(${cIn}, ${cOut}, ${k}, ${args} })`, separable,
    1 / cOut + 1 / (kH * kW), `1/C_out + 1/k^2 = 1/${cOut} + 1/${kH * kW}`,
  ));
  return { variants, notes };
}

const count = (n: number) => n.toLocaleString('en-US');

/** The comparison as an aligned text table. */
export function formatCompare(result: { variants: Variant[]; notes: string[] }): string {
  const header = ['variant', 'output shape', 'params', 'MACs', 'params/std', 'MACs/std', 'closed form', ''];
  const rows = result.variants.map((v) => [
    v.name, `[${v.outputShape.join(', ')}]`, count(v.parameters), count(v.macs), v.parameterRatio.toFixed(4), v.macRatio.toFixed(4),
    v.closedForm.toFixed(4), v.closedFormText,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c === 0 || c === 7 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [line(header), ...rows.map(line), ...result.notes.map((n) => `note: ${n}`)].join('\n');
}
