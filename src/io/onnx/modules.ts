/**
 * The ONNX form of each module convkit has, as the inference graph of its evaluation mode (what
 * torch.onnx.export writes by default): batch normalisation with its running statistics, dropout
 * left out.
 */
import { Hardswish, ReLU6 } from '../../nn/activation.js';
import { BatchNorm2d } from '../../nn/batch-norm.js';
import { Conv2d, type PaddingMode } from '../../nn/conv2d.js';
import { DepthwiseSeparableConv2d } from '../../nn/depthwise-separable.js';
import { Dropout } from '../../nn/dropout.js';
import { Flatten } from '../../nn/flatten.js';
import { Identity } from '../../nn/identity.js';
import { Linear } from '../../nn/linear.js';
import type { Module } from '../../nn/module.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../../nn/pool.js';
import { ReLU } from '../../nn/relu.js';
import { Sequential } from '../../nn/sequential.js';
import { argError, show } from '../../errors.js';
import type { OnnxConverter, OnnxExportable, OnnxGraph, OnnxValue } from './graph.js';

const NCHW = '(N, C, H, W)';

/** ONNX's `Pad` mode for each padding mode other than zeros, and the opset that has it. */
const PAD_MODES: Record<Exclude<PaddingMode, 'zeros'>, { mode: string; opset: number }> = {
  reflect: { mode: 'reflect', opset: 11 },
  replicate: { mode: 'edge', opset: 11 },
  circular: { mode: 'wrap', opset: 19 },
};

/** `x` padded on H and W by `sides` (negative crops) with a `Pad` node of `paddingMode`. */
function padNode(g: OnnxGraph, x: OnnxValue, paddingMode: Exclude<PaddingMode, 'zeros'>, sides: { top: number; bottom: number; left: number; right: number }): OnnxValue {
  const { mode, opset } = PAD_MODES[paddingMode];
  g.requireOpset(opset, `paddingMode ${show(paddingMode)} (ONNX Pad mode ${show(mode)})`);
  const { top, bottom, left, right } = sides;
  const pads = g.constant('Pad_pads', [8], 'int64', [0, 0, top, left, 0, 0, bottom, right]);
  const [n, c, h, w] = x.shape;
  return g.node('Pad', [x, pads], [n, c, h + top + bottom, w + left + right], { mode });
}

function conv2d(m: Conv2d, g: OnnxGraph, x: OnnxValue): OnnxValue {
  g.requireRank(x, 4, NCHW);
  const out = m.outputShape(x.shape);
  let input = x;
  let sides = m.sides;
  if (m.paddingMode !== 'zeros') {
    // as PyTorch runs it: pad with the mode first, then convolve without padding
    input = padNode(g, x, m.paddingMode, m.sides);
    sides = { top: 0, bottom: 0, left: 0, right: 0 };
  }
  const inputs = [input, g.weight('weight', m.weight), ...(m.bias === null ? [] : [g.weight('bias', m.bias)])];
  return g.node('Conv', inputs, out, {
    kernel_shape: m.kernelSize, strides: m.stride, pads: [sides.top, sides.left, sides.bottom, sides.right], dilations: m.dilation, group: m.groups,
  });
}

function batchNorm2d(m: BatchNorm2d, g: OnnxGraph, x: OnnxValue): OnnxValue {
  g.requireRank(x, 4, NCHW);
  const out = m.outputShape(x.shape);
  if (m.runningMean === null || m.runningVar === null) {
    throw g.unsupported('with trackRunningStats false it normalises with each batch\'s statistics, which ONNX\'s inference-mode BatchNormalization cannot express');
  }
  const c = m.numFeatures;
  const scale = m.weight === null ? g.constant('BatchNormalization_scale', [c], 'float', new Float32Array(c).fill(1)) : g.weight('weight', m.weight);
  const bias = m.bias === null ? g.constant('BatchNormalization_bias', [c], 'float', new Float32Array(c)) : g.weight('bias', m.bias);
  const inputs = [x, scale, bias, g.weight('running_mean', m.runningMean), g.weight('running_var', m.runningVar)];
  return g.node('BatchNormalization', inputs, out, { epsilon: { float: m.eps } });
}

function maxPool2d(m: MaxPool2d, g: OnnxGraph, x: OnnxValue): OnnxValue {
  g.requireRank(x, 4, NCHW);
  const w = m.window;
  return g.node('MaxPool', [x], m.outputShape(x.shape), {
    kernel_shape: [w.kH, w.kW], strides: [w.strideH, w.strideW], pads: [w.padTop, w.padLeft, w.padTop, w.padLeft],
    dilations: [w.dilationH, w.dilationW], ceil_mode: w.ceilMode ? 1 : 0,
  });
}

function avgPool2d(m: AvgPool2d, g: OnnxGraph, x: OnnxValue): OnnxValue {
  g.requireRank(x, 4, NCHW);
  const w = m.window;
  const out = m.outputShape(x.shape);
  if (w.divisor === null) {
    return g.node('AveragePool', [x], out, {
      kernel_shape: [w.kH, w.kW], strides: [w.strideH, w.strideW], pads: [w.padTop, w.padLeft, w.padTop, w.padLeft],
      ceil_mode: w.ceilMode ? 1 : 0, count_include_pad: w.countIncludePad ? 1 : 0,
    });
  }
  // Each window's sum over a fixed divisor: a depthwise convolution with weights 1/divisor, zero padding
  // standing for the positions outside the input. Its end padding reaches the last window ceil_mode keeps.
  const c = x.shape[1];
  const [h, width] = x.shape.slice(2);
  const bottom = Math.max(w.padTop, (out[2] - 1) * w.strideH + w.kH - h - w.padTop);
  const right = Math.max(w.padLeft, (out[3] - 1) * w.strideW + w.kW - width - w.padLeft);
  const kernel = g.constant('Conv_weight', [c, 1, w.kH, w.kW], 'float', new Float32Array(c * w.kH * w.kW).fill(1 / w.divisor));
  return g.node('Conv', [x, kernel], out, {
    kernel_shape: [w.kH, w.kW], strides: [w.strideH, w.strideW], pads: [w.padTop, w.padLeft, bottom, right], group: c,
  });
}

function adaptiveAvgPool2d(m: AdaptiveAvgPool2d, g: OnnxGraph, x: OnnxValue): OnnxValue {
  g.requireRank(x, 4, NCHW);
  const out = m.outputShape(x.shape);
  const [h, w] = x.shape.slice(2);
  const [outH, outW] = out.slice(2);
  if (outH === 1 && outW === 1) return g.node('GlobalAveragePool', [x], out);
  // ONNX has no adaptive pooling: where the windows tile the input evenly they are a plain average pool
  if (h % outH !== 0 || w % outW !== 0) {
    throw g.unsupported(`ONNX has no adaptive pooling, and the output size ${outH}x${outW} does not divide the input size ${h}x${w} (which would make it an AveragePool)`);
  }
  const kernel = [h / outH, w / outW];
  return g.node('AveragePool', [x], out, { kernel_shape: kernel, strides: kernel });
}

function linear(m: Linear, g: OnnxGraph, x: OnnxValue): OnnxValue {
  if (x.shape.length < 2) throw g.unsupported(`exports for (N, *, inFeatures) input of at least 2 dimensions; it gets shape ${show(x.shape)}`);
  const out = m.outputShape(x.shape);
  const bias = m.bias === null ? [] : [g.weight('bias', m.bias)];
  if (x.shape.length === 2) return g.node('Gemm', [x, g.weight('weight', m.weight), ...bias], out, { transB: 1 });
  // Gemm takes matrices only: over more dimensions, MatMul by the transposed weight (runtimes fold the
  // Transpose of a constant), then the bias
  const [outF, inF] = m.weight.shape;
  const transposed = g.node('Transpose', [g.weight('weight', m.weight)], [inF, outF], { perm: [1, 0] });
  const product = g.node('MatMul', [x, transposed], out);
  return bias.length === 0 ? product : g.node('Add', [product, ...bias], out);
}

function flatten(m: Flatten, g: OnnxGraph, x: OnnxValue): OnnxValue {
  const out = m.outputShape(x.shape);
  const rank = x.shape.length;
  const start = m.startDim < 0 ? m.startDim + rank : m.startDim;
  const end = m.endDim < 0 ? m.endDim + rank : m.endDim;
  if (start === end) return x;
  if (start === 1 && end === rank - 1) return g.node('Flatten', [x], out, { axis: 1 });
  // 0 keeps the input's size there (the batch stays dynamic), -1 is the merged dimension
  const shape = [...x.shape.slice(0, start).map(() => 0), -1, ...x.shape.slice(end + 1)];
  return g.node('Reshape', [x, g.constant('Reshape_shape', [shape.length], 'int64', shape)], out);
}

function relu6(m: ReLU6, g: OnnxGraph, x: OnnxValue): OnnxValue {
  const bounds = [g.constant('Clip_min', [], 'float', [0]), g.constant('Clip_max', [], 'float', [6])];
  return g.node('Clip', [x, ...bounds], m.outputShape(x.shape));
}

function hardswish(m: Hardswish, g: OnnxGraph, x: OnnxValue): OnnxValue {
  const out = m.outputShape(x.shape);
  if (g.opset >= 14) return g.node('HardSwish', [x], out);
  // HardSwish's own definition, x * HardSigmoid(x) with alpha 1/6 and beta 1/2, before opset 14 had it
  return g.node('Mul', [x, g.node('HardSigmoid', [x], out, { alpha: { float: 1 / 6 }, beta: { float: 0.5 } })], out);
}

function sequential(m: Sequential, g: OnnxGraph, x: OnnxValue): OnnxValue {
  return m.layers.reduce((value, layer, i) => g.module(layer, value, String(i)), x);
}

function depthwiseSeparable(m: DepthwiseSeparableConv2d, g: OnnxGraph, x: OnnxValue): OnnxValue {
  return g.module(m.pointwise, g.module(m.depthwise, x, 'depthwise'), 'pointwise');
}

/** A module passed through in evaluation mode: no node. */
function passThrough(_m: Module, _g: OnnxGraph, x: OnnxValue): OnnxValue {
  return x;
}

// Keyed by the exact class: a subclass may compute something else, so it must declare its own form.
// Built on first use: the modules import the compiler that imports this table (src/infer/).
let converters: Map<Function, OnnxConverter> | null = null;
const table = (): Map<Function, OnnxConverter> => (converters ??= new Map<Function, OnnxConverter>([
  [Conv2d, conv2d as OnnxConverter],
  [BatchNorm2d, batchNorm2d as OnnxConverter],
  [MaxPool2d, maxPool2d as OnnxConverter],
  [AvgPool2d, avgPool2d as OnnxConverter],
  [AdaptiveAvgPool2d, adaptiveAvgPool2d as OnnxConverter],
  [Linear, linear as OnnxConverter],
  [Flatten, flatten as OnnxConverter],
  [ReLU, (m, g, x) => g.node('Relu', [x], m.outputShape(x.shape))],
  [ReLU6, relu6 as OnnxConverter],
  [Hardswish, hardswish as OnnxConverter],
  [Dropout, passThrough],
  [Identity, passThrough],
  [Sequential, sequential as OnnxConverter],
  [DepthwiseSeparableConv2d, depthwiseSeparable as OnnxConverter],
]));

function isExportable(m: Module): m is Module & OnnxExportable {
  return typeof (m as Partial<OnnxExportable>).toOnnx === 'function';
}

/** Adds `m`'s nodes to `g`: its own `toOnnx` where it has one, else convkit's form of its class. */
export function convertModule(m: Module, g: OnnxGraph, x: OnnxValue): OnnxValue {
  if (isExportable(m)) return m.toOnnx(g, x);
  const converter = table().get(m.constructor);
  if (converter === undefined) {
    const where = g.modulePath === '' ? 'the model' : `at ${show(g.modulePath)}`;
    throw argError('exportOnnx', `cannot export module ${m.constructor.name} (${where}): convkit does not know its ONNX form; give its class a toOnnx(graph, input) method (see OnnxExportable)`);
  }
  return converter(m, g, x);
}
