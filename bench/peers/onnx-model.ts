/**
 * Builds a workload as an ONNX model in memory: one `Conv` node per layer, weights and biases as
 * initializers, input `x` and output `y` (NCHW float32, fixed shapes). Both onnxruntime peers load
 * the same bytes. Only the handful of onnx.proto fields a Conv graph needs are written; field numbers
 * are from onnx/onnx.proto.
 */
import { shapesThrough, weightShape, type ConvLayer, type Shape4, type Workload, type WorkloadData } from '../workloads.js';
import { ProtoWriter } from '../../src/io/onnx/protobuf.js';

export const INPUT_NAME = 'x';
export const OUTPUT_NAME = 'y';

/** IR version 8 and opset 17: recent enough for every Conv attribute, old enough for any 1.x runtime. */
const IR_VERSION = 8;
const OPSET = 17;

// onnx.proto enum values used here.
const TENSOR_FLOAT = 1; // TensorProto.DataType.FLOAT
const ATTRIBUTE_INT = 2; // AttributeProto.AttributeType.INT
const ATTRIBUTE_INTS = 7; // AttributeProto.AttributeType.INTS

function intsAttribute(name: string, values: readonly number[]): ProtoWriter {
  // AttributeProto: name = 1, ints = 8, type = 20.
  return new ProtoWriter().string(1, name).ints(8, values).int(20, ATTRIBUTE_INTS);
}

function intAttribute(name: string, value: number): ProtoWriter {
  // AttributeProto: name = 1, i = 3, type = 20.
  return new ProtoWriter().string(1, name).int(3, value).int(20, ATTRIBUTE_INT);
}

/** A float tensor initializer. TensorProto: dims = 1, data_type = 2, name = 8, raw_data = 9 (little-endian, as Float32Array is on every host Node runs on). */
function floatInitializer(name: string, dims: readonly number[], data: Float32Array): ProtoWriter {
  const raw = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  return new ProtoWriter().ints(1, dims).int(2, TENSOR_FLOAT).string(8, name).bytes(9, raw);
}

/** ValueInfoProto { name = 1, type = 2 { tensor_type = 1 { elem_type = 1, shape = 2 { dim = 1 { dim_value = 1 } } } } }. */
function floatValueInfo(name: string, shape: Shape4): ProtoWriter {
  const tensorShape = new ProtoWriter();
  for (const size of shape) tensorShape.message(1, new ProtoWriter().int(1, size));
  const tensorType = new ProtoWriter().int(1, TENSOR_FLOAT).message(2, tensorShape);
  return new ProtoWriter().string(1, name).message(2, new ProtoWriter().message(1, tensorType));
}

/** NodeProto: input = 1, output = 2, name = 3, op_type = 4, attribute = 5. */
function convNode(index: number, layer: ConvLayer, input: string, output: string, weight: string, bias: string): ProtoWriter {
  const node = new ProtoWriter();
  for (const name of [input, weight, bias]) node.string(1, name);
  node.string(2, output).string(3, `conv${index}`).string(4, 'Conv');
  node.message(5, intsAttribute('kernel_shape', [layer.kH, layer.kW]));
  node.message(5, intsAttribute('strides', [layer.strideH, layer.strideW]));
  // ONNX pads are [top, left, bottom, right]; PyTorch's int padding is the same on both sides.
  node.message(5, intsAttribute('pads', [layer.padH, layer.padW, layer.padH, layer.padW]));
  node.message(5, intsAttribute('dilations', [layer.dilationH, layer.dilationW]));
  node.message(5, intAttribute('group', layer.groups));
  return node;
}

/** The serialised ModelProto of `workload` with `data`'s weights. */
export function onnxModel(workload: Workload, data: WorkloadData): Uint8Array {
  const shapes = shapesThrough(workload);
  const graph = new ProtoWriter();
  // GraphProto: node = 1, name = 2, initializer = 5, input = 11, output = 12.
  workload.layers.forEach((layer, i) => {
    const input = i === 0 ? INPUT_NAME : `h${i}`;
    const output = i === workload.layers.length - 1 ? OUTPUT_NAME : `h${i + 1}`;
    graph.message(1, convNode(i, layer, input, output, `w${i}`, `b${i}`));
  });
  graph.string(2, workload.id);
  workload.layers.forEach((layer, i) => {
    graph.message(5, floatInitializer(`w${i}`, weightShape(layer), data.params[i].weight));
    graph.message(5, floatInitializer(`b${i}`, [layer.cOut], data.params[i].bias));
  });
  graph.message(11, floatValueInfo(INPUT_NAME, shapes[0]));
  graph.message(12, floatValueInfo(OUTPUT_NAME, shapes[shapes.length - 1]));
  // ModelProto: ir_version = 1, producer_name = 2, graph = 7, opset_import = 8 (OperatorSetIdProto: domain = 1, version = 2).
  return new ProtoWriter()
    .int(1, IR_VERSION)
    .string(2, 'convkit-bench')
    .message(7, graph)
    .message(8, new ProtoWriter().string(1, '').int(2, OPSET))
    .finish();
}
