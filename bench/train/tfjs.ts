/**
 * TensorFlow.js's training step, the twin written with tfjs ops as a tfjs user would write it: NHWC data,
 * HWIO filters (the same initial weights, transposed), `conv2d`; `depthwiseConv2d` then a 1x1 `conv2d`
 * for the separable block; batch normalisation in training mode (`moments` over N, H, W, then
 * `batchNorm`); `maxPool`; `mean` over H, W for the global average pool; `matMul` for the head;
 * `losses.softmaxCrossEntropy` (the batch's mean); `train.adam` (lr 1e-3, betas 0.9/0.999, eps 1e-8 as
 * PyTorch's) through `optimizer.minimize`, the loss read back each step. The running statistics of the
 * batch norms are not kept (the step's cost aside from them is the same: C numbers a layer).
 *
 * Gradients: tfjs-core alone registers no op gradients; the `@tensorflow/tfjs` package registers
 * tfjs-core's own set (`dist/register_all_gradients`) on import. That file is imported here, with a
 * resolution hook (tfjs-resolve.mjs) because tfjs-core's ES-module files use extensionless imports.
 *
 * Backends: tfjs has no fallback between backends (a kernel missing on the active one is an error). The
 * kernels one step runs are recorded by `tf.profile` on `cpu` (complete), and each cell runs on the first
 * of `BACKENDS` (fastest first) that registers all of them.
 */
import { register } from 'node:module';
import type * as TF from '@tensorflow/tfjs-core';
import { CLASSES, IMAGE_SIZE, modelJSON, readBatch, weightsBytes, type Cell, type LayerSpec as Layer } from './cells.js';
import { loadSafetensors } from '../../src/index.js';

type Tf = typeof TF;

export const BACKENDS = ['wasm', 'cpu'] as const;

async function loadTf(): Promise<Tf> {
  const tf = await import('@tensorflow/tfjs-core');
  register(new URL('./tfjs-resolve.mjs', import.meta.url));
  await import('@tensorflow/tfjs-core/dist/register_all_gradients.js' as string);
  // Importing a backend registers it and its kernels.
  await import('@tensorflow/tfjs-backend-wasm');
  await import('@tensorflow/tfjs-backend-cpu');
  return tf;
}

/** Why tfjs cannot train this twin as written here, or undefined. */
export function tfjsNotApplicable(json: { layers: Layer[] }): string | undefined {
  for (const layer of json.layers) {
    if ((layer.groups ?? 1) !== 1) return 'tfjs has no grouped convolutions (a split/conv/concat emulation is not written here)';
    if (pair(layer.dilation, 1).some((d) => d !== 1)) return 'tfjs computes no gradients of dilated convolutions';
  }
  return undefined;
}

function pair(value: unknown, fallback: number): [number, number] {
  if (value === undefined || value === null) return [fallback, fallback];
  return Array.isArray(value) ? [value[0] as number, value[1] as number] : [value as number, value as number];
}

interface Model {
  readonly variables: TF.Variable[];
  readonly forward: (x: TF.Tensor4D) => TF.Tensor2D;
}

/**
 * The twin's JSON as tfjs ops over NHWC, its weights from the state dict (`<index>.weight`, ...) as
 * variables. PyTorch's OIHW filters become HWIO; a depthwise (C, 1, kH, kW) becomes (kH, kW, C, 1).
 */
function buildModel(tf: Tf, json: { layers: Layer[] }, weights: Uint8Array): Model {
  const state = loadSafetensors(weights).tensors;
  const variables: TF.Variable[] = [];
  const param = (key: string, order: number[]): TF.Variable => {
    const t = state[key];
    if (t === undefined) throw new Error(`no ${key} in the weights`);
    const v = tf.variable(tf.tidy(() => tf.transpose(tf.tensor(t.data, [...t.shape]), order)));
    variables.push(v);
    return v;
  };
  const bias = (prefix: string, layer: Layer) => (layer.bias === false ? undefined : param(`${prefix}.bias`, [0]));
  const conv = (prefix: string, layer: Layer, depthwise: boolean) => {
    const [sh, sw] = pair(layer.stride, 1);
    const [ph, pw] = pair(layer.padding, 0);
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [ph, ph], [pw, pw], [0, 0]];
    const filter = param(`${prefix}.weight`, depthwise ? [2, 3, 0, 1] : [2, 3, 1, 0]) as unknown as TF.Tensor4D;
    const b = bias(prefix, layer);
    return (x: TF.Tensor4D): TF.Tensor4D => {
      const y = depthwise ? tf.depthwiseConv2d(x, filter, [sh, sw], pad) : tf.conv2d(x, filter, [sh, sw], pad);
      return b === undefined ? y : tf.add(y, b);
    };
  };
  const steps = json.layers.map((layer, i): ((x: TF.Tensor) => TF.Tensor) => {
    switch (layer.type) {
      case 'Conv2d':
        return conv(`${i}`, layer, false) as (x: TF.Tensor) => TF.Tensor;
      case 'DepthwiseSeparableConv2d': {
        const depthwise = conv(`${i}.depthwise`, { ...layer, bias: layer.bias }, true);
        const pointwise = conv(`${i}.pointwise`, { type: 'Conv2d', bias: layer.bias }, false);
        return (x) => pointwise(depthwise(x as TF.Tensor4D));
      }
      case 'BatchNorm2d': {
        const eps = (layer.eps as number | undefined) ?? 1e-5;
        const gamma = param(`${i}.weight`, [0]);
        const beta = param(`${i}.bias`, [0]);
        return (x) => {
          const { mean, variance } = tf.moments(x, [0, 1, 2]);
          return tf.batchNorm(x, mean, variance, beta, gamma, eps);
        };
      }
      case 'ReLU':
        return (x) => tf.relu(x);
      case 'MaxPool2d': {
        const k = pair(layer.kernelSize, 1);
        const s = layer.stride === undefined || layer.stride === null ? k : pair(layer.stride, 1);
        if (pair(layer.padding, 0).some((p) => p !== 0) || layer.ceilMode === true) throw new Error('MaxPool2d with padding or ceilMode is not written for tfjs here');
        return (x) => tf.maxPool(x as TF.Tensor4D, k, s, 'valid');
      }
      case 'AdaptiveAvgPool2d':
        if (pair(layer.outputSize, 1).some((o) => o !== 1)) throw new Error('AdaptiveAvgPool2d to other than 1x1 is not written for tfjs here');
        return (x) => tf.mean(x, [1, 2], true);
      case 'Flatten':
        // NHWC and NCHW flatten alike only where H = W = 1, as after the global average pool.
        return (x) => {
          if (x.shape[1] !== 1 || x.shape[2] !== 1) throw new Error('Flatten of NHWC is PyTorch\'s only after a 1x1 pool');
          return tf.reshape(x, [x.shape[0], -1]);
        };
      case 'Linear': {
        const w = param(`${i}.weight`, [1, 0]);
        const b = bias(`${i}`, layer);
        return (x) => {
          const y = tf.matMul(x as TF.Tensor2D, w as unknown as TF.Tensor2D);
          return b === undefined ? y : tf.add(y, b);
        };
      }
      default:
        throw new Error(`layer type ${layer.type} is not written for tfjs here`);
    }
  });
  return { variables, forward: (x) => steps.reduce((y, f) => f(y), x as TF.Tensor) as TF.Tensor2D };
}

/** One training step's closure on the current backend; `dispose` frees its tensors. */
function prepareStep(tf: Tf, dir: string, { model: kind, batch }: Cell): { step: () => number; dispose: () => void } {
  const json = modelJSON(dir, kind);
  const model = buildModel(tf, json, weightsBytes(dir, kind));
  const { images, labels } = readBatch(dir, batch);
  // One channel: NCHW and NHWC are the same bytes.
  const x = tf.tensor4d(images, [batch, IMAGE_SIZE, IMAGE_SIZE, 1]);
  const onehot = tf.tidy(() => tf.oneHot(tf.tensor1d(labels, 'int32'), CLASSES, 1, 0, 'float32'));
  const optimizer = tf.train.adam(1e-3, 0.9, 0.999, 1e-8);
  const loss = () => tf.losses.softmaxCrossEntropy(onehot, model.forward(x)) as TF.Scalar;
  return {
    step: () => {
      const value = optimizer.minimize(loss, true, model.variables) as TF.Scalar;
      const out = value.dataSync()[0];
      value.dispose();
      return out;
    },
    dispose: () => {
      optimizer.dispose();
      tf.dispose([x, onehot, ...model.variables]);
    },
  };
}

export interface TfjsBackends {
  /** The kernels one step runs (recorded on cpu). */
  readonly kernels: readonly string[];
  /** Per backend, the kernels among them it does not register. */
  readonly lacks: Record<string, readonly string[]>;
  /** The probe's batch, and the time its step took on cpu (profiled, the first: a projection only). */
  readonly probeBatch: number;
  readonly probeMs: number;
}

const PROBE_BATCH = 2;

/** Which of `BACKENDS` can run a step of this twin: the kernels a small batch's step runs on cpu, looked up on each. */
async function probeBackends(tf: Tf, dir: string, kind: Cell['model']): Promise<TfjsBackends> {
  await tf.setBackend('cpu');
  const probe = prepareStep(tf, dir, { model: kind, batch: PROBE_BATCH });
  let kernels: string[];
  const started = performance.now();
  let probeMs: number;
  try {
    // The profile also names the scopes of ops with custom gradients (softmaxCrossEntropy__op): a kernel is a name cpu registers.
    const names = (await tf.profile(() => void probe.step())).kernelNames;
    probeMs = performance.now() - started;
    kernels = [...new Set(names)].filter((name) => tf.getKernel(name, 'cpu') !== undefined).sort();
  } finally {
    probe.dispose();
  }
  const lacks = Object.fromEntries(BACKENDS.map((b) => [b, kernels.filter((k) => tf.getKernel(k, b) === undefined)]));
  return { kernels, lacks, probeBatch: PROBE_BATCH, probeMs };
}

export async function openTfjs(threads: number): Promise<{
  probe: (dir: string, kind: Cell['model']) => Promise<TfjsBackends>;
  prepare: (dir: string, cell: Cell, backends: TfjsBackends) => Promise<{ backend: string; step: () => number; dispose: () => void }>;
  version: string;
}> {
  if (threads !== 1) throw new Error('tfjs runs on one thread under Node (wasm: its threaded build is browser-only; cpu: plain JS)');
  const tf = await loadTf();
  return {
    version: tf.version_core,
    probe: (dir, kind) => probeBackends(tf, dir, kind),
    async prepare(dir, cell, { lacks }) {
      const refused: string[] = [];
      for (const backend of BACKENDS) {
        if (lacks[backend].length > 0) {
          refused.push(`${backend} lacks ${lacks[backend].join(', ')}`);
          continue;
        }
        if (await tf.setBackend(backend)) {
          await tf.ready();
          return { backend, ...prepareStep(tf, dir, cell) };
        }
        refused.push(`${backend} failed to initialise`);
      }
      throw new Error(`no tfjs backend trains this model: ${refused.join('; ')}`);
    },
  };
}
