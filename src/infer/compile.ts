/**
 * An evaluation-mode model compiled into a `Network`: the graph `exportOnnx` builds (the model's
 * inference form) with BatchNorm folded into the convolution before it, each ReLU, ReLU6 and residual
 * add that follows a convolution done as the convolution writes its output, and kernels' taps that
 * read only padding dropped.
 */
import type { Activation, ConvGeometry, Network, NetworkStep, PoolGeometry } from '../backend/backend.js';
import { buildGraph, ONNX_DEFAULT_OPSET, ONNX_INPUT_NAME, ONNX_OUTPUT_NAME } from '../io/onnx/export.js';
import type { GraphNode, OnnxAttributes } from '../io/onnx/graph.js';
import type { Module } from '../nn/module.js';
import { adaptiveAvgPool2dGeometry } from '../ops/pool.js';
import { numelOf, type Tensor } from '../tensor.js';
import { trimTaps } from './trim.js';

/** A compiled model: its network, and the parameters and buffers the network's weights came from. */
export interface Compiled {
  readonly network: Network;
  readonly outputShape: readonly number[];
  readonly sources: readonly Tensor[];
}

type ConvNetworkStep = Extract<NetworkStep, { op: 'conv2d' }>;
type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Thrown for a graph the compiler has no form for: the model then runs module by module. */
class Uncompilable extends Error {}

function ints(attributes: OnnxAttributes, name: string, fallback: readonly number[]): readonly number[] {
  const value = attributes[name];
  return Array.isArray(value) ? value : fallback;
}

function int(attributes: OnnxAttributes, name: string, fallback: number): number {
  const value = attributes[name];
  return typeof value === 'number' ? value : fallback;
}

/** Builds the network node by node; `values` maps the graph's value names to network values and shapes. */
class Compiler {
  private readonly sizes: number[] = [];
  private readonly steps: NetworkStep[] = [];
  private readonly values = new Map<string, { id: number; shape: readonly number[] }>();
  /** The step that wrote each network value. */
  private readonly producer = new Map<number, number>();
  /** How many graph nodes read each graph value. */
  private readonly readers = new Map<string, number>();

  constructor(
    private readonly floats: Map<string, Float32Array | readonly number[]>,
    nodes: readonly GraphNode[],
  ) {
    for (const node of nodes) for (const name of node.inputs) this.readers.set(name, (this.readers.get(name) ?? 0) + 1);
  }

  define(name: string, shape: readonly number[]): void {
    this.values.set(name, { id: this.sizes.length, shape });
    this.sizes.push(numelOf(shape));
  }

  value(name: string): { id: number; shape: readonly number[] } {
    const v = this.values.get(name);
    if (v === undefined) throw new Uncompilable(`value ${name} is not computed`);
    return v;
  }

  /** The arrays `constant` returned as they are: the model's parameters and buffers. */
  private readonly borrowed = new Set<Float32Array>();

  constant(name: string): Float32Array {
    const data = this.floats.get(name);
    if (data === undefined) throw new Uncompilable(`${name} is not a constant`);
    if (!(data instanceof Float32Array)) return Float32Array.from(data);
    this.borrowed.add(data);
    return data;
  }

  /** The convolution step that wrote `name`, where nothing else reads it and its output is still as written (nothing fused after). */
  private soleConv(name: string, free: (s: ConvNetworkStep) => boolean): ConvNetworkStep | null {
    if (this.readers.get(name) !== 1) return null;
    const at = this.producer.get(this.value(name).id);
    const step = at === undefined ? undefined : this.steps[at];
    return step?.op === 'conv2d' && free(step) ? step : null;
  }

  private push(step: NetworkStep, output: string, shape: readonly number[]): void {
    this.define(output, shape);
    this.producer.set(this.value(output).id, this.steps.length);
    this.steps.push({ ...step, output: this.value(output).id } as NetworkStep);
  }

  /** `output` is the value `input` is (a reshape: NCHW data is contiguous). */
  private alias(input: string, output: string, shape: readonly number[]): void {
    this.values.set(output, { id: this.value(input).id, shape });
  }

  /** Replaces the step that wrote `from`'s value and names that value `output` as well. */
  private fuse(from: string, output: string, step: ConvNetworkStep, change: Partial<Mutable<ConvNetworkStep>>): void {
    const id = this.value(from).id;
    this.steps[this.producer.get(id) as number] = { ...step, ...change };
    this.alias(from, output, this.value(from).shape);
  }

  private activation(node: GraphNode, kind: Exclude<Activation, 'none'>): void {
    const [x] = node.inputs;
    const conv = this.soleConv(x, (s) => s.activation === 'none');
    if (conv !== null) this.fuse(x, node.outputs[0], conv, { activation: kind });
    else this.push({ op: 'activation', kind, input: this.value(x).id, output: 0 }, node.outputs[0], this.value(x).shape);
  }

  /** Adds `node`, whose output has `outputShape`. */
  node(node: GraphNode, outputShape: readonly number[]): void {
    const out = node.outputs[0];
    const a = node.attributes;
    switch (node.opType) {
      case 'Conv': {
        const [x, w, b] = node.inputs;
        const [n, cIn, h, width] = this.value(x).shape;
        const weight = this.constant(w);
        const [kH, kW] = ints(a, 'kernel_shape', []);
        const [strideH, strideW] = ints(a, 'strides', [1, 1]);
        const [padTop, padLeft, padBottom, padRight] = ints(a, 'pads', [0, 0, 0, 0]);
        const [dilationH, dilationW] = ints(a, 'dilations', [1, 1]);
        const [, cOut, outH, outW] = outputShape;
        const geom: ConvGeometry = {
          n, cIn, h, w: width, cOut, kH, kW, strideH, strideW, padTop, padBottom, padLeft, padRight, dilationH, dilationW,
          groups: int(a, 'group', 1), outH, outW,
        };
        const bias = b === undefined || b === '' ? null : this.constant(b);
        this.push({ op: 'conv2d', ...trimTaps(geom, weight), bias, activation: 'none', input: this.value(x).id, residual: null, output: 0 }, out, outputShape);
        return;
      }
      case 'BatchNormalization':
        this.batchNorm(node, outputShape);
        return;
      case 'Relu':
        this.activation(node, 'relu');
        return;
      case 'Clip': {
        const [x, low, high] = node.inputs;
        if (low === undefined || high === undefined || this.constant(low)[0] !== 0 || this.constant(high)[0] !== 6) throw new Uncompilable('Clip other than ReLU6');
        this.activation({ ...node, inputs: [x] }, 'relu6');
        return;
      }
      case 'HardSwish':
        this.push({ op: 'activation', kind: 'hardswish', input: this.value(node.inputs[0]).id, output: 0 }, out, outputShape);
        return;
      case 'Add':
        this.add(node, outputShape);
        return;
      case 'MaxPool':
      case 'AveragePool':
        this.pool(node, outputShape);
        return;
      case 'GlobalAveragePool': {
        const x = this.value(node.inputs[0]);
        this.push({ op: 'avgPool2d', geom: adaptiveAvgPool2dGeometry(x.shape, 1), input: x.id, output: 0 }, out, outputShape);
        return;
      }
      case 'Flatten':
      case 'Reshape':
      case 'Identity':
        this.alias(node.inputs[0], out, outputShape);
        return;
      case 'Gemm':
        this.gemm(node, outputShape);
        return;
      case 'Concat': {
        if (int(a, 'axis', 0) !== 1) throw new Uncompilable('Concat other than along channels');
        const inputs = node.inputs.map((name) => this.value(name).id);
        this.push({ op: 'concat', inputs, outer: outputShape[0], output: 0 }, out, outputShape);
        return;
      }
      case 'Expand': {
        const x = this.value(node.inputs[0]);
        const [n, c, h, w] = outputShape;
        if (x.shape.length !== 4 || x.shape[0] !== n || x.shape[1] !== c || x.shape[2] !== 1 || x.shape[3] !== 1) throw new Uncompilable('Expand other than of (N, C, 1, 1)');
        this.push({ op: 'expand', input: x.id, repeat: h * w, output: 0 }, out, outputShape);
        return;
      }
      default:
        throw new Uncompilable(`no form for ${node.opType}`);
    }
  }

  /**
   * Inference-mode batch normalisation `(x - mean) / sqrt(var + eps) * scale + shift` as a per-channel
   * `x * s + t`, folded into the convolution that wrote x where nothing else reads it, else a depthwise
   * 1x1 convolution. s and t are computed in float64 and rounded once.
   */
  private batchNorm(node: GraphNode, outputShape: readonly number[]): void {
    const [x, scaleName, shiftName, meanName, varName] = node.inputs;
    const a = node.attributes.epsilon;
    const eps = typeof a === 'object' && !Array.isArray(a) ? (a as { float: number }).float : 1e-5;
    const [scale, shift, mean, variance] = [scaleName, shiftName, meanName, varName].map((name) => this.constant(name));
    const channels = scale.length;
    const s = new Float64Array(channels);
    const t = new Float64Array(channels);
    for (let c = 0; c < channels; c++) {
      s[c] = scale[c] / Math.sqrt(variance[c] + eps);
      t[c] = shift[c] - mean[c] * s[c];
    }
    const conv = this.soleConv(x, (step) => step.activation === 'none' && step.residual === null);
    if (conv !== null) {
      const perChannel = conv.weight.length / channels;
      const weight = conv.weight.map((w, i) => w * s[Math.floor(i / perChannel)]);
      const bias = Float32Array.from(t, (tc, c) => tc + (conv.bias === null ? 0 : conv.bias[c] * s[c]));
      this.fuse(x, node.outputs[0], conv, { weight, bias });
      return;
    }
    const [n, , h, w] = outputShape;
    const geom: ConvGeometry = {
      n, cIn: channels, h, w, cOut: channels, kH: 1, kW: 1, strideH: 1, strideW: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0,
      dilationH: 1, dilationW: 1, groups: channels, outH: h, outW: w,
    };
    const step: NetworkStep = { op: 'conv2d', geom, weight: Float32Array.from(s), bias: Float32Array.from(t), activation: 'none', input: this.value(x).id, residual: null, output: 0 };
    this.push(step, node.outputs[0], outputShape);
  }

  /** `a + b` of the same shape: the residual of the convolution that wrote one of them, where it can be. */
  private add(node: GraphNode, outputShape: readonly number[]): void {
    const [a, b] = node.inputs;
    if (this.value(a).shape.join() !== this.value(b).shape.join()) throw new Uncompilable('Add that broadcasts');
    for (const [x, other] of [[b, a], [a, b]]) {
      const conv = this.soleConv(x, (s) => s.activation === 'none' && s.residual === null);
      if (conv === null) continue;
      // the other operand must be computed before that convolution runs
      if ((this.producer.get(this.value(other).id) ?? -1) < (this.producer.get(this.value(x).id) as number)) {
        this.fuse(x, node.outputs[0], conv, { residual: this.value(other).id });
        return;
      }
    }
    this.push({ op: 'add', a: this.value(a).id, b: this.value(b).id, output: 0 }, node.outputs[0], outputShape);
  }

  private pool(node: GraphNode, outputShape: readonly number[]): void {
    const a = node.attributes;
    const x = this.value(node.inputs[0]);
    const [n, c, h, w] = x.shape;
    const [kH, kW] = ints(a, 'kernel_shape', []);
    const [strideH, strideW] = ints(a, 'strides', [1, 1]);
    const [padTop, padLeft] = ints(a, 'pads', [0, 0, 0, 0]);
    const [dilationH, dilationW] = ints(a, 'dilations', [1, 1]);
    const max = node.opType === 'MaxPool';
    const geom: PoolGeometry = {
      planes: n * c, h, w, outH: outputShape[2], outW: outputShape[3], kH, kW, strideH, strideW, padTop, padLeft, dilationH, dilationW,
      adaptive: false, countIncludePad: !max && int(a, 'count_include_pad', 0) === 1, divisor: null,
    };
    this.push({ op: max ? 'maxPool2d' : 'avgPool2d', geom, input: x.id, output: 0 }, node.outputs[0], outputShape);
  }

  /** Linear's `x @ W^T + b` on (N, in) as a 1x1 convolution of N images of 1x1 pixels. */
  private gemm(node: GraphNode, outputShape: readonly number[]): void {
    const [x, w, b] = node.inputs;
    const a = node.attributes;
    if (int(a, 'transB', 0) !== 1 || int(a, 'transA', 0) !== 0 || a.alpha !== undefined || a.beta !== undefined) throw new Uncompilable('Gemm other than Linear');
    const [n, cIn] = this.value(x).shape;
    const cOut = outputShape[1];
    const geom: ConvGeometry = {
      n, cIn, h: 1, w: 1, cOut, kH: 1, kW: 1, strideH: 1, strideW: 1, padTop: 0, padBottom: 0, padLeft: 0, padRight: 0,
      dilationH: 1, dilationW: 1, groups: 1, outH: 1, outW: 1,
    };
    const bias = b === undefined || b === '' ? null : this.constant(b);
    this.push({ op: 'conv2d', geom, weight: this.constant(w), bias, activation: 'none', input: this.value(x).id, residual: null, output: 0 }, node.outputs[0], outputShape);
  }

  /** The network, owning every weight array: the model's own (not folded) are copied, so that they never change. */
  network(output: string): Network {
    const steps = this.steps.map((s) => (s.op !== 'conv2d' || !this.borrowed.has(s.weight) ? s : { ...s, weight: s.weight.slice(), bias: s.bias?.slice() ?? null }));
    return { sizes: this.sizes, steps, output: this.value(output).id, constant: true };
  }
}

/**
 * Compiles `model` for inputs of `inputShape`, or returns null where its graph holds a node the network
 * has no form for (the model then runs module by module). Throws what `exportOnnx` throws for a model
 * it cannot export.
 */
export function compile(model: Module, inputShape: readonly number[]): Compiled | null {
  const { graph, result } = buildGraph(model, [...inputShape], ONNX_DEFAULT_OPSET);
  const floats = new Map(graph.initializers.filter((i) => i.type === 'float').map((i) => [i.name, i.values]));
  const compiler = new Compiler(floats, graph.nodes);
  compiler.define(ONNX_INPUT_NAME, inputShape);
  try {
    for (const node of graph.nodes) compiler.node(node, node.shape);
    return { network: compiler.network(ONNX_OUTPUT_NAME), outputShape: result.shape, sources: [...graph.tensors.values()] };
  } catch (e) {
    if (e instanceof Uncompilable) return null;
    throw e;
  }
}
