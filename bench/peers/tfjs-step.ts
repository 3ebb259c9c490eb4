/**
 * TensorFlow.js as a peer of the backward bench: one training step as a tfjs user writes it,
 * `tf.valueAndGrads(f)([x, ...filters, ...biases], dy)` over the forward bench's layers (peers/tfjs.ts:
 * NHWC data, HWIO filters, fused bias, groups emulated by split/conv/concat).
 *
 * tfjs has no fallback between backends: a kernel the active backend lacks is an error. So each workload
 * runs on the first backend, in `BACKENDS` order (fastest first), that registers every kernel its step
 * needs; `tfjsKernelTable` says which gradient kernels are there. tfjs's convolution gradients refuse
 * dilation > 1 (conv2d and depthwise alike), so dilated workloads are n/a.
 */
import type * as TF from '@tensorflow/tfjs-core';
import type { NamedArrays } from '../check.js';
import { STEP_NAMES, type Contender, type Prepared } from '../contender.js';
import { outputShape, shapesThrough, type ConvLayer, type Workload, type WorkloadData } from '../workloads.js';
import { filterIndex, layerForm, nchwToNhwc, nhwcToNchw, tfjsLayer, type LayerForm, type TfjsLayer } from './tfjs.js';

type Tf = typeof TF;

export const BACKENDS = ['wasm', 'cpu'] as const;

/** The gradient kernels of the convolutions, by how tfjs builds the layer (the legend lists these). */
export const GRADIENT_KERNELS = {
  conv: ['Conv2DBackpropInput', 'Conv2DBackpropFilter'],
  depthwise: ['DepthwiseConv2dNativeBackpropInput', 'DepthwiseConv2dNativeBackpropFilter'],
} as const;

/** Every kernel a step runs, by layer form: the forward's, the gradients', the bias gradient's sum, the emulated groups' split and concat. */
const STEP_KERNELS: Record<LayerForm, readonly string[]> = {
  conv: ['FusedConv2D', ...GRADIENT_KERNELS.conv, 'Sum', 'Reshape'],
  depthwise: ['FusedDepthwiseConv2D', ...GRADIENT_KERNELS.depthwise, 'Sum', 'Reshape'],
  grouped: ['FusedConv2D', ...GRADIENT_KERNELS.conv, 'Sum', 'Reshape', 'SplitV', 'Concat'],
};

/**
 * tfjs-core alone registers no op gradients: the @tensorflow/tfjs package does, on import, and a tfjs
 * user training has it; here only tfjs-core is installed. The fused convolutions carry their own
 * gradients; the emulated groups need concat's (split dy at the inputs' sizes) and split's (concat
 * the dys), stated here.
 */
function registerGroupGradients(tf: Tf): void {
  const axisOf = (attrs: TF.NamedAttrMap, rank: number) => {
    const axis = attrs.axis as number;
    return axis < 0 ? axis + rank : axis;
  };
  if (tf.getGradient('Concat') === undefined) {
    tf.registerGradient({
      kernelName: 'Concat',
      saveAllInputs: true,
      gradFunc: (dy, saved, attrs) => {
        const axis = axisOf(attrs, (dy as TF.Tensor).rank);
        const parts = tf.split(dy as TF.Tensor, saved.map((t) => t.shape[axis]), axis);
        return Object.fromEntries(parts.map((part, i) => [i, () => part]));
      },
    });
  }
  if (tf.getGradient('SplitV') === undefined) {
    tf.registerGradient({
      kernelName: 'SplitV',
      gradFunc: (dys, _saved, attrs) => ({ x: () => tf.concat(dys as TF.Tensor[], axisOf(attrs, (dys as TF.Tensor[])[0].rank)) }),
    });
  }
}

async function loadTf(): Promise<Tf> {
  const tf = await import('@tensorflow/tfjs-core');
  // Importing a backend registers it and its kernels.
  await import('@tensorflow/tfjs-backend-wasm');
  await import('@tensorflow/tfjs-backend-cpu');
  registerGroupGradients(tf);
  return tf;
}

/** Each gradient kernel, and whether each backend registers it (for the legend: which backend lacks what). */
export async function tfjsKernelTable(): Promise<Record<string, Record<string, boolean>>> {
  const tf = await loadTf();
  const names = [...GRADIENT_KERNELS.conv, ...GRADIENT_KERNELS.depthwise];
  return Object.fromEntries(BACKENDS.map((b) => [b, Object.fromEntries(names.map((n) => [n, tf.getKernel(n, b) !== undefined]))]));
}

function missingKernels(tf: Tf, backend: string, layers: readonly ConvLayer[]): string[] {
  const needed = new Set(layers.flatMap((l) => STEP_KERNELS[layerForm(l)]));
  return [...needed].filter((name) => tf.getKernel(name, backend) === undefined);
}

/** The step's gradients, back in PyTorch's layouts: NCHW for y and x.grad, (C_out, C_in/g, kH, kW) for weights. */
function toTorch(workload: Workload, layers: readonly TfjsLayer[], out: NamedArrays): NamedArrays {
  const shapes = shapesThrough(workload);
  const result: Record<string, Float32Array> = {
    [STEP_NAMES.y]: nhwcToNchw(out[STEP_NAMES.y], outputShape(workload)),
    [STEP_NAMES.x]: nhwcToNchw(out[STEP_NAMES.x], shapes[0]),
  };
  workload.layers.forEach((layer, i) => {
    const weight = new Float32Array(layer.cOut * (layer.cIn / layer.groups) * layer.kH * layer.kW);
    const bias = new Float32Array(layer.cOut);
    const filters = layers[i].params.length / 2;
    for (let g = 0; g < filters; g++) {
      const index = filterIndex(layer, g);
      const grad = out[`${i}.filter${g}`];
      for (let d = 0; d < index.length; d++) weight[index[d]] = grad[d];
      bias.set(out[`${i}.bias${g}`], g * (layer.cOut / filters));
    }
    result[STEP_NAMES.weight(i)] = weight;
    result[STEP_NAMES.bias(i)] = bias;
  });
  return result;
}

export async function openTfjsStep(threads: number): Promise<Contender> {
  if (threads !== 1) throw new Error('tfjs runs on one thread under Node (wasm: its threaded build is browser-only; cpu: plain JS)');
  const tf = await loadTf();
  return {
    notApplicable: (workload) => (workload.layers.some((l) => l.dilationH > 1 || l.dilationW > 1)
      ? 'tfjs computes no gradients of dilated convolutions (its conv2d and depthwise gradients assert dilation 1)'
      : undefined),
    async prepareStep(workload: Workload, data: WorkloadData, gradOutput: Float32Array): Promise<Prepared<NamedArrays>> {
      const refused: string[] = [];
      for (const backend of BACKENDS) {
        const missing = missingKernels(tf, backend, workload.layers);
        if (missing.length > 0) {
          refused.push(`${backend} lacks ${missing.join(', ')}`);
          continue;
        }
        if (await tf.setBackend(backend)) {
          await tf.ready();
          return prepareOn(tf, backend, workload, data, gradOutput);
        }
        refused.push(`${backend} failed to initialise`);
      }
      throw new Error(`no tfjs backend runs this step: ${refused.join('; ')}`);
    },
  };
}

function prepareOn(tf: Tf, backend: string, workload: Workload, data: WorkloadData, gradOutput: Float32Array): Prepared<NamedArrays> {
  const layers = workload.layers.map((layer, i) => tfjsLayer(tf, layer, data.params[i].weight, data.params[i].bias));
  const params = layers.flatMap((l) => l.params);
  // Where each layer's params start among the function's arguments (after x).
  const starts = layers.map((_, i) => 1 + layers.slice(0, i).reduce((n, l) => n + l.params.length, 0));
  const [n, c, h, w] = workload.input;
  const inputNhwc = nchwToNhwc(data.input, workload.input);
  const [, oc, oh, ow] = outputShape(workload);
  const dy = tf.tensor4d(nchwToNhwc(gradOutput, outputShape(workload)), [n, oh, ow, oc]);
  const step = tf.valueAndGrads((...args: TF.Tensor[]) =>
    layers.reduce((x, layer, i) => layer.applyWith(x, args.slice(starts[i], starts[i] + layer.params.length)), args[0] as TF.Tensor4D));
  // The output's names: y and x.grad, then per layer each tfjs filter's and bias's gradient (several when groups are emulated).
  const names = [STEP_NAMES.y, STEP_NAMES.x, ...layers.flatMap((l, i) => Array.from({ length: l.params.length / 2 }, (_, g) => [`${i}.filter${g}`, `${i}.bias${g}`]).flat())];
  return {
    backend,
    emulated: layers.some((l) => l.form === 'grouped') ? 'groups by split/conv/concat' : undefined,
    // Per call: the input tensor from the NHWC Float32Array, forward and backward, every result read back, everything freed.
    call: () => {
      const { value, grads } = tf.tidy(() => step([tf.tensor4d(inputNhwc, [n, h, w, c]), ...params], dy));
      const tensors = [value, ...grads];
      const out = Object.fromEntries(tensors.map((t, k) => [names[k], t.dataSync() as Float32Array]));
      tf.dispose(tensors);
      return out;
    },
    toNCHW: (out) => toTorch(workload, layers, out),
    dispose: () => {
      tf.dispose([dy, ...params]);
    },
  };
}
