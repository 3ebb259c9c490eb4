/** `exportOnnx`: a convkit model as an ONNX inference graph, the bytes of a `.onnx` file. */
import { argError, isInt, show } from '../../errors.js';
import { checkModule, type Module } from '../../nn/module.js';
import { checkOptions } from '../../ops/args.js';
import { OnnxGraph, type GraphInitializer, type GraphNode, type OnnxAttributes, type OnnxValue } from './graph.js';
import { convertModule } from './modules.js';
import { ProtoWriter } from './protobuf.js';

/** The opset `exportOnnx` writes unless told otherwise: ONNX 1.12's, which every onnxruntime since 1.12 runs. */
export const ONNX_DEFAULT_OPSET = 17;
/** The lowest opset `exportOnnx` writes: Clip's bounds and Pad's sizes became inputs in opset 11. */
export const ONNX_MIN_OPSET = 11;
/** The highest opset `exportOnnx` writes (onnxruntime 1.30 runs it). */
export const ONNX_MAX_OPSET = 25;

export interface OnnxExportOptions {
  /** The opset of the default ONNX domain, {@link ONNX_MIN_OPSET} to {@link ONNX_MAX_OPSET}. Default {@link ONNX_DEFAULT_OPSET}. */
  opset?: number;
  /**
   * Leave the batch size (the first dimension) open, as `dim_param` `'N'`, so the model runs on any
   * batch (default true); false fixes it at `inputShape[0]`.
   */
  dynamicBatch?: boolean;
}

/** The name of the exported graph's input. */
export const ONNX_INPUT_NAME = 'input';
/** The name of the exported graph's output. */
export const ONNX_OUTPUT_NAME = 'output';

/** The IR version each opset of the default domain came with (onnx/helper.py's VERSION_TABLE). */
const IR_VERSION_OF_OPSET: Readonly<Record<number, number>> = {
  11: 6, 12: 7, 13: 7, 14: 7, 15: 8, 16: 8, 17: 8, 18: 8, 19: 9, 20: 9, 21: 10, 22: 10, 23: 11, 24: 12, 25: 13,
};

/** The IR version a model of `opset` declares: the one that opset came with, so that older runtimes load it. */
export function irVersionFor(opset: number): number | undefined {
  return IR_VERSION_OF_OPSET[opset];
}

// onnx.proto's enum values and field numbers used below, by their names there.
const TENSOR_FLOAT = 1; // TensorProto.DataType.FLOAT
const TENSOR_INT64 = 7; // TensorProto.DataType.INT64
const ATTRIBUTE_TYPE = { FLOAT: 1, INT: 2, STRING: 3, INTS: 7 } as const; // AttributeProto.AttributeType

/** Little-endian bytes of `values`, as ONNX's raw_data holds them on any host. */
function rawData(type: 'float' | 'int64', values: Float32Array | readonly number[]): Uint8Array {
  const size = type === 'float' ? 4 : 8;
  const view = new DataView(new ArrayBuffer(values.length * size));
  for (let i = 0; i < values.length; i++) {
    if (type === 'float') view.setFloat32(i * 4, values[i], true);
    else view.setBigInt64(i * 8, BigInt(values[i]), true);
  }
  return new Uint8Array(view.buffer);
}

/** TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9. */
function tensorProto(t: GraphInitializer): ProtoWriter {
  return new ProtoWriter().ints(1, t.dims).int(2, t.type === 'float' ? TENSOR_FLOAT : TENSOR_INT64).string(8, t.name).bytes(9, rawData(t.type, t.values));
}

/** AttributeProto: name = 1, f = 2, i = 3, s = 4, ints = 8, type = 20. */
function attributeProto(name: string, value: OnnxAttributes[string]): ProtoWriter {
  const a = new ProtoWriter().string(1, name);
  if (typeof value === 'string') return a.bytes(4, new TextEncoder().encode(value)).int(20, ATTRIBUTE_TYPE.STRING);
  if (typeof value === 'number') return a.int(3, value).int(20, ATTRIBUTE_TYPE.INT);
  if ('float' in value) return a.float(2, value.float).int(20, ATTRIBUTE_TYPE.FLOAT);
  return a.ints(8, value).int(20, ATTRIBUTE_TYPE.INTS);
}

/** NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5. */
function nodeProto(node: GraphNode): ProtoWriter {
  const n = new ProtoWriter();
  for (const input of node.inputs) n.string(1, input);
  for (const output of node.outputs) n.string(2, output);
  n.string(3, node.name).string(4, node.opType);
  for (const [name, value] of Object.entries(node.attributes)) n.message(5, attributeProto(name, value));
  return n;
}

/** A dimension of a graph input or output: a size, `'N'` for the open batch size, or null for one that follows from it otherwise. */
type Dim = number | 'N' | null;

/**
 * ValueInfoProto { name = 1, type = 2: TypeProto { tensor_type = 1: { elem_type = 1, shape = 2:
 * TensorShapeProto { dim = 1: { dim_value = 1 | dim_param = 2 } } } } }: a float tensor's type and shape.
 */
function valueInfoProto(name: string, dims: readonly Dim[]): ProtoWriter {
  const shape = new ProtoWriter();
  for (const d of dims) {
    const dim = new ProtoWriter();
    if (typeof d === 'number') dim.int(1, d);
    else if (d === 'N') dim.string(2, d);
    shape.message(1, dim);
  }
  const tensorType = new ProtoWriter().int(1, TENSOR_FLOAT).message(2, shape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/**
 * The output's dimensions with the batch left open, from its shapes for a batch of `batch` and of
 * `batch + 1`: the batch where it is the batch, unknown where it depends on it otherwise (a Flatten
 * that merges it).
 */
function openDims(shape: readonly number[], nextShape: readonly number[], batch: number): Dim[] {
  return shape.map((size, i) => {
    if (size === nextShape[i]) return size;
    return i === 0 && size === batch && nextShape[i] === batch + 1 ? 'N' : null;
  });
}

function checkInputShape(inputShape: unknown): number[] {
  if (!Array.isArray(inputShape) || inputShape.length === 0 || !inputShape.every((s) => isInt(s) && s > 0)) {
    throw argError('exportOnnx', `inputShape must be the input's shape, (N, ...) with the batch first, as positive integers; got ${show(inputShape)}`);
  }
  return [...inputShape];
}

function checkOpset(opset: unknown): number {
  if (!isInt(opset) || opset < ONNX_MIN_OPSET || opset > ONNX_MAX_OPSET) {
    throw argError('exportOnnx', `opset must be an integer from ${ONNX_MIN_OPSET} to ${ONNX_MAX_OPSET}, got ${show(opset)}`);
  }
  return opset;
}

/** Names the graph's last value `output`; a model that adds no node (an `Identity`) gets an ONNX Identity. */
function nameOutput(graph: OnnxGraph, result: OnnxValue): void {
  const producer = graph.nodes.find((node) => node.outputs.includes(result.name));
  if (producer === undefined) {
    graph.nodes.push({ opType: 'Identity', name: '/Identity', inputs: [result.name], outputs: [ONNX_OUTPUT_NAME], attributes: {}, shape: result.shape });
    return;
  }
  producer.outputs[producer.outputs.indexOf(result.name)] = ONNX_OUTPUT_NAME;
  for (const node of graph.nodes) {
    (node.inputs as string[]).forEach((name, i, inputs) => {
      if (name === result.name) inputs[i] = ONNX_OUTPUT_NAME;
    });
  }
}

/** `model`'s graph for an input of `shape`, its last value named `output`. */
export function buildGraph(model: Module, shape: number[], opset: number): { graph: OnnxGraph; result: OnnxValue } {
  const graph = new OnnxGraph(opset, convertModule);
  graph.reserve(ONNX_INPUT_NAME, true);
  graph.reserve(ONNX_OUTPUT_NAME, false);
  const result = graph.visit(model, { name: ONNX_INPUT_NAME, shape });
  nameOutput(graph, result);
  return { graph, result };
}

/**
 * Exports `model` as an ONNX model: the bytes of a `.onnx` file that onnxruntime (node, web, Python,
 * C++), TensorRT or Triton load. The graph is the model's inference form, as `torch.onnx.export`
 * writes it by default: batch normalisation uses its running statistics and dropout is left out,
 * whatever mode the model is in. Weights are stored as float32 initializers named by their state-dict
 * keys; the graph reads `input` (of `inputShape`, its batch left open as `N`) and writes `output`.
 *
 * Every convkit module exports: `Conv2d` (every option; a `paddingMode` other than zeros as a `Pad`
 * node, `'circular'` from opset 19), `BatchNorm2d`, `MaxPool2d`, `AvgPool2d`, `AdaptiveAvgPool2d`
 * (`GlobalAveragePool`, or `AveragePool` where the output size divides the input's), `Linear` (`Gemm`),
 * `ReLU`, `ReLU6` (`Clip`), `Hardswish`, `Flatten`, `Dropout`, `Identity`, `Sequential` and
 * `DepthwiseSeparableConv2d`. A module of your own exports through its `toOnnx` method
 * (`OnnxExportable`); one without is an error naming it.
 *
 * @param inputShape the input's shape, batch first, e.g. `[1, 3, 224, 224]`.
 * @throws ConvkitArgumentError for a module with no ONNX form, a shape the model does not take, or an
 *   opset outside {@link ONNX_MIN_OPSET}..{@link ONNX_MAX_OPSET} or below what a module needs.
 * @example
 * import { writeFileSync } from 'node:fs';
 * const model = new Sequential(new Conv2d(3, 16, 3, { padding: 1 }), new BatchNorm2d(16), new ReLU6(),
 *   new AdaptiveAvgPool2d(1), new Flatten(), new Linear(16, 10));
 * writeFileSync('model.onnx', exportOnnx(model, [1, 3, 32, 32]));
 * // in onnxruntime-node: const session = await ort.InferenceSession.create('model.onnx');
 * // (await session.run({ input: new ort.Tensor('float32', pixels, [8, 3, 32, 32]) })).output.dims; // [8, 10]
 */
export function exportOnnx(model: Module, inputShape: readonly number[], options: OnnxExportOptions = {}): Uint8Array {
  checkModule('exportOnnx', model);
  checkOptions('exportOnnx', options, ['opset', 'dynamicBatch']);
  const shape = checkInputShape(inputShape);
  const opset = checkOpset(options.opset ?? ONNX_DEFAULT_OPSET);
  const dynamicBatch = options.dynamicBatch ?? true;
  if (typeof dynamicBatch !== 'boolean') throw argError('exportOnnx', `dynamicBatch must be true or false, got ${show(dynamicBatch)}`);

  const { graph, result } = buildGraph(model, shape, opset);
  let inputDims: readonly Dim[] = shape;
  let outputDims: readonly Dim[] = result.shape;
  if (dynamicBatch) {
    inputDims = ['N', ...shape.slice(1)];
    outputDims = openDims(result.shape, buildGraph(model, [shape[0] + 1, ...shape.slice(1)], opset).result.shape, shape[0]);
  }

  // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
  const graphProto = new ProtoWriter();
  for (const node of graph.nodes) graphProto.message(1, nodeProto(node));
  graphProto.string(2, model.constructor.name);
  for (const t of graph.initializers) graphProto.message(5, tensorProto(t));
  graphProto.message(11, valueInfoProto(ONNX_INPUT_NAME, inputDims)).message(12, valueInfoProto(ONNX_OUTPUT_NAME, outputDims));
  // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 (OperatorSetIdProto: domain = 1, version = 2).
  return new ProtoWriter()
    .int(1, IR_VERSION_OF_OPSET[opset])
    .string(2, 'convkit')
    .message(7, graphProto)
    .message(8, new ProtoWriter().string(1, '').int(2, opset))
    .finish();
}
