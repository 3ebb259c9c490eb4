/**
 * TensorFlow.js (tfjs-core + the WebAssembly backend, XNNPACK kernels) as a peer, used the way a tfjs
 * user would write these layers:
 * - data is NHWC and filters HWIO, tfjs's layouts. The input is converted to NHWC once, before timing:
 *   a tfjs user holds NHWC data, and charging the transpose would time our conversion, not tfjs.
 *   The output is converted back to NCHW after timing, only to check it.
 * - bias through `tf.fused.conv2d` / `tf.fused.depthwiseConv2d`, as tfjs-layers does.
 * - tfjs has no `groups`: groups == C_in is `depthwiseConv2d` (channel multiplier C_out/C_in, native);
 *   other groups are emulated: split the channels, one conv per group, concat (marked in the table).
 * tfjs-wasm runs single-threaded in Node (its threaded build is browser-only), so only 1T is offered.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { Contender, Prepared } from '../contender.js';
import { shapesThrough, type ConvLayer, type Shape4, type Workload, type WorkloadData } from '../workloads.js';

type Tf = typeof TF;
/** tfjs's `conv_util.ExplicitPadding` (NHWC: [[0,0],[top,bottom],[left,right],[0,0]]), not re-exported at the top level. */
type ExplicitPadding = [[number, number], [number, number], [number, number], [number, number]];

/** NCHW -> NHWC of a row-major array. */
export function nchwToNhwc(data: Float32Array, [n, c, h, w]: Shape4): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        const src = ((b * c + ch) * h + y) * w;
        const dst = (b * h + y) * w * c + ch;
        for (let x = 0; x < w; x++) out[dst + x * c] = data[src + x];
      }
    }
  }
  return out;
}

/** NHWC -> NCHW; `shape` is the NCHW shape. */
export function nhwcToNchw(data: Float32Array, [n, c, h, w]: Shape4): Float32Array {
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++) {
    for (let ch = 0; ch < c; ch++) {
      for (let y = 0; y < h; y++) {
        const dst = ((b * c + ch) * h + y) * w;
        const src = (b * h + y) * w * c + ch;
        for (let x = 0; x < w; x++) out[dst + x] = data[src + x * c];
      }
    }
  }
  return out;
}

/**
 * PyTorch weight (C_out, C_in/groups, kH, kW) -> HWIO filters, one per group: [kH, kW, C_in/g, C_out/g].
 * For depthwise (groups == C_in) tfjs wants [kH, kW, C_in, multiplier] instead, built by `depthwiseFilter`.
 */
function groupFilter(weight: Float32Array, layer: ConvLayer, group: number): Float32Array {
  const cInG = layer.cIn / layer.groups;
  const cOutG = layer.cOut / layer.groups;
  const { kH, kW } = layer;
  const out = new Float32Array(kH * kW * cInG * cOutG);
  for (let o = 0; o < cOutG; o++) {
    for (let i = 0; i < cInG; i++) {
      for (let y = 0; y < kH; y++) {
        for (let x = 0; x < kW; x++) {
          const src = (((group * cOutG + o) * cInG + i) * kH + y) * kW + x;
          out[((y * kW + x) * cInG + i) * cOutG + o] = weight[src];
        }
      }
    }
  }
  return out;
}

/** PyTorch output channel c*m + j of input channel c is tfjs depthwise filter [y][x][c][j]: the same order. */
function depthwiseFilter(weight: Float32Array, layer: ConvLayer): Float32Array {
  const m = layer.cOut / layer.cIn;
  const { kH, kW } = layer;
  const out = new Float32Array(kH * kW * layer.cIn * m);
  for (let c = 0; c < layer.cIn; c++) {
    for (let j = 0; j < m; j++) {
      for (let y = 0; y < kH; y++) {
        for (let x = 0; x < kW; x++) out[((y * kW + x) * layer.cIn + c) * m + j] = weight[((c * m + j) * kH + y) * kW + x];
      }
    }
  }
  return out;
}

type Layer4 = (x: TF.Tensor4D) => TF.Tensor4D;

/** One PyTorch layer as tfjs ops over NHWC tensors; weights become tfjs tensors here, once. */
function tfjsLayer(tf: Tf, layer: ConvLayer, weight: Float32Array, bias: Float32Array): { apply: Layer4; emulated: boolean; tensors: TF.Tensor[] } {
  const strides: [number, number] = [layer.strideH, layer.strideW];
  const dilations: [number, number] = [layer.dilationH, layer.dilationW];
  const pad: ExplicitPadding = [[0, 0], [layer.padH, layer.padH], [layer.padW, layer.padW], [0, 0]];
  if (layer.groups === 1) {
    const filter = tf.tensor4d(groupFilter(weight, layer, 0), [layer.kH, layer.kW, layer.cIn, layer.cOut]);
    const b = tf.tensor1d(bias);
    return { apply: (x) => tf.fused.conv2d({ x, filter, bias: b, strides, pad, dilations }), emulated: false, tensors: [filter, b] };
  }
  if (layer.groups === layer.cIn) {
    const filter = tf.tensor4d(depthwiseFilter(weight, layer), [layer.kH, layer.kW, layer.cIn, layer.cOut / layer.cIn]);
    const b = tf.tensor1d(bias);
    // fused.depthwiseConv2d's typings take only a number for padding: fine, every workload pads H and W alike.
    if (layer.padH !== layer.padW) throw new Error('tfjs depthwise path needs equal H and W padding');
    const padHW = layer.padH;
    return {
      apply: (x) => tf.fused.depthwiseConv2d({ x, filter, bias: b, strides, pad: padHW, dilations }),
      emulated: false,
      tensors: [filter, b],
    };
  }
  const cInG = layer.cIn / layer.groups;
  const cOutG = layer.cOut / layer.groups;
  const parts = Array.from({ length: layer.groups }, (_, g) => ({
    filter: tf.tensor4d(groupFilter(weight, layer, g), [layer.kH, layer.kW, cInG, cOutG]),
    bias: tf.tensor1d(bias.subarray(g * cOutG, (g + 1) * cOutG)),
  }));
  return {
    apply: (x) => {
      const xs = tf.split<TF.Tensor4D>(x, layer.groups, 3);
      const ys = xs.map((xg, g) => tf.fused.conv2d({ x: xg, filter: parts[g].filter, bias: parts[g].bias, strides, pad, dilations }));
      return tf.concat4d(ys, 3);
    },
    emulated: true,
    tensors: parts.flatMap((p) => [p.filter, p.bias]),
  };
}

export async function openTfjsWasm(threads: number): Promise<Contender> {
  if (threads !== 1) throw new Error('tfjs-wasm has no threads under Node');
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
  await tf.ready();
  return {
    async prepare(workload: Workload, data: WorkloadData): Promise<Prepared> {
      const layers = workload.layers.map((layer, i) => tfjsLayer(tf, layer, data.params[i].weight, data.params[i].bias));
      const shapes = shapesThrough(workload);
      const [n, c, h, w] = workload.input;
      const inputNhwc = nchwToNhwc(data.input, workload.input);
      const outShape = shapes[shapes.length - 1];
      return {
        // Per call: tensor from the NHWC Float32Array, the ops, read back with dataSync, free everything.
        call: () => {
          const y = tf.tidy(() => layers.reduce((x, layer) => layer.apply(x), tf.tensor4d(inputNhwc, [n, h, w, c])));
          const out = y.dataSync() as Float32Array;
          y.dispose();
          return out;
        },
        toNCHW: (output) => nhwcToNchw(output, outShape),
        emulated: layers.some((l) => l.emulated) ? 'groups by split/conv/concat' : undefined,
        dispose: () => {
          for (const layer of layers) tf.dispose(layer.tensors);
        },
      };
    },
  };
}
