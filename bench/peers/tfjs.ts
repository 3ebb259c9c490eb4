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

export type Tf = typeof TF;
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
 * Where each element of one group's tfjs filter comes from in the PyTorch weight (C_out, C_in/groups,
 * kH, kW): `out[d] = weight[index[d]]`, and backwards for gradients. The filter is HWIO
 * [kH, kW, C_in/g, C_out/g]; for depthwise (groups == C_in, one "group" here) tfjs wants
 * [kH, kW, C_in, multiplier], and PyTorch's output channel c*m + j of input channel c is tfjs's
 * [y][x][c][j]: the same order.
 */
export function filterIndex(layer: ConvLayer, group: number): Int32Array {
  const { kH, kW } = layer;
  const depthwise = layer.groups === layer.cIn && layer.groups > 1;
  // Depthwise: the whole layer as one filter of C_in "input channels" with m outputs each.
  const cInG = depthwise ? layer.cIn : layer.cIn / layer.groups;
  const cOutG = depthwise ? layer.cOut / layer.cIn : layer.cOut / layer.groups;
  const index = new Int32Array(kH * kW * cInG * cOutG);
  for (let o = 0; o < cOutG; o++) {
    for (let i = 0; i < cInG; i++) {
      // PyTorch's output channel and its input-channel slot within the group.
      const [co, ci] = depthwise ? [i * cOutG + o, 0] : [group * cOutG + o, i];
      const cInPerGroup = layer.cIn / layer.groups;
      for (let y = 0; y < kH; y++) {
        for (let x = 0; x < kW; x++) index[((y * kW + x) * cInG + i) * cOutG + o] = ((co * cInPerGroup + ci) * kH + y) * kW + x;
      }
    }
  }
  return index;
}

export function gather(source: Float32Array, index: Int32Array): Float32Array {
  const out = new Float32Array(index.length);
  for (let d = 0; d < index.length; d++) out[d] = source[index[d]];
  return out;
}

type Layer4 = (x: TF.Tensor4D) => TF.Tensor4D;

/** How a PyTorch layer is built from tfjs ops: one conv, one depthwise conv, or (other groups) split, a conv per group, concat. */
export type LayerForm = 'conv' | 'depthwise' | 'grouped';

export function layerForm(layer: ConvLayer): LayerForm {
  if (layer.groups === 1) return 'conv';
  return layer.groups === layer.cIn ? 'depthwise' : 'grouped';
}

export interface TfjsLayer {
  readonly form: LayerForm;
  /** [filter, bias] per tfjs filter (one, or one per group when emulated), in that order. */
  readonly params: TF.Tensor[];
  /** The layer over these params (the gradient bench passes its own, to differentiate by them). */
  applyWith(x: TF.Tensor4D, params: readonly TF.Tensor[]): TF.Tensor4D;
  readonly apply: Layer4;
}

/** One PyTorch layer as tfjs ops over NHWC tensors; weights become tfjs tensors here, once. */
export function tfjsLayer(tf: Tf, layer: ConvLayer, weight: Float32Array, bias: Float32Array): TfjsLayer {
  const strides: [number, number] = [layer.strideH, layer.strideW];
  const dilations: [number, number] = [layer.dilationH, layer.dilationW];
  const pad: ExplicitPadding = [[0, 0], [layer.padH, layer.padH], [layer.padW, layer.padW], [0, 0]];
  const form = layerForm(layer);
  const filters = form === 'grouped' ? layer.groups : 1;
  const cOutF = layer.cOut / filters;
  const shape: [number, number, number, number] = form === 'depthwise'
    ? [layer.kH, layer.kW, layer.cIn, layer.cOut / layer.cIn]
    : [layer.kH, layer.kW, layer.cIn / layer.groups, cOutF];
  const params = Array.from({ length: filters }, (_, g) => [
    tf.tensor4d(gather(weight, filterIndex(layer, g)), shape),
    tf.tensor1d(bias.subarray(g * cOutF, (g + 1) * cOutF)),
  ]).flat();
  let applyWith: TfjsLayer['applyWith'];
  if (form === 'conv') {
    applyWith = (x, [filter, b]) => tf.fused.conv2d({ x, filter: filter as TF.Tensor4D, bias: b, strides, pad, dilations });
  } else if (form === 'depthwise') {
    // fused.depthwiseConv2d's typings take only a number for padding: fine, every workload pads H and W alike.
    if (layer.padH !== layer.padW) throw new Error('tfjs depthwise path needs equal H and W padding');
    const padHW = layer.padH;
    applyWith = (x, [filter, b]) => tf.fused.depthwiseConv2d({ x, filter: filter as TF.Tensor4D, bias: b, strides, pad: padHW, dilations });
  } else {
    applyWith = (x, ps) => {
      const xs = tf.split<TF.Tensor4D>(x, layer.groups, 3);
      const ys = xs.map((xg, g) => tf.fused.conv2d({ x: xg, filter: ps[2 * g] as TF.Tensor4D, bias: ps[2 * g + 1], strides, pad, dilations }));
      return tf.concat4d(ys, 3);
    };
  }
  return { form, params, applyWith, apply: (x) => applyWith(x, params) };
}

/** tfjs-core on its WebAssembly backend, ready to run. */
export async function tfjsWasm(threads: number): Promise<Tf> {
  if (threads !== 1) throw new Error('tfjs-wasm has no threads under Node');
  const tf = await import('@tensorflow/tfjs-core');
  await import('@tensorflow/tfjs-backend-wasm');
  if (!(await tf.setBackend('wasm'))) throw new Error('tfjs wasm backend failed to initialise');
  await tf.ready();
  return tf;
}

export async function openTfjsWasm(threads: number): Promise<Contender> {
  const tf = await tfjsWasm(threads);
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
        emulated: layers.some((l) => l.form === 'grouped') ? 'groups by split/conv/concat' : undefined,
        dispose: () => {
          for (const layer of layers) tf.dispose(layer.params);
        },
      };
    },
  };
}
