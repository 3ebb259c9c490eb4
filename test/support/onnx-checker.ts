/**
 * The rules of ONNX's checker (onnx/checker.cc) that an exported inference graph can break: the opset
 * import and the IR version it needs, a named graph, values defined once and before they are read,
 * typed inputs and outputs, initializers whose data fills their shape, well-formed attributes.
 * Operator schemas (which attributes an op takes) are checked by onnxruntime and onnx.checker in
 * `npm run test:onnx`, not here. Used by test/io/onnx.test.ts on every exported model.
 */
import { show } from '../../src/errors.js';
import { irVersionFor } from '../../src/io/onnx/export.js';
import { AttributeProto_AttributeType as AttributeType, TensorProto_DataType as DataType, type AttributeProto, type ModelProto, type TensorProto, type ValueInfoProto } from './onnx_pb.js';

const BYTES_PER_ELEMENT: Partial<Record<number, number>> = { [DataType.FLOAT]: 4, [DataType.INT64]: 8 };

function fail(message: string): never {
  throw new Error(`checkOnnxModel: ${message}`);
}

function checkTensorType(what: string, info: ValueInfoProto): void {
  const type = info.type?.value;
  if (type?.case !== 'tensorType' || type.value.elemType === DataType.UNDEFINED) fail(`${what} ${show(info.name)} has no tensor element type`);
  for (const dim of type.value.shape?.dim ?? []) {
    const v = dim.value;
    if (v.case === 'dimValue' && v.value < 0n) fail(`${what} ${show(info.name)} has a negative dimension`);
    if (v.case === 'dimParam' && v.value === '') fail(`${what} ${show(info.name)} has an empty dimension name`);
  }
}

function checkInitializer(t: TensorProto): void {
  const size = BYTES_PER_ELEMENT[t.dataType];
  if (size === undefined) fail(`initializer ${show(t.name)} has data type ${t.dataType}, not FLOAT or INT64`);
  if (t.dims.some((d) => d < 0n)) fail(`initializer ${show(t.name)} has a negative dimension`);
  const numel = t.dims.reduce((a, b) => a * b, 1n);
  const typed = t.dataType === DataType.FLOAT ? t.floatData.length : t.int64Data.length;
  if (t.rawData.length > 0 && typed > 0) fail(`initializer ${show(t.name)} holds both raw_data and typed data`);
  const count = t.rawData.length > 0 ? BigInt(t.rawData.length / size) : BigInt(typed);
  if (t.rawData.length % size !== 0 || count !== numel) {
    fail(`initializer ${show(t.name)} of shape ${show(t.dims.map(Number))} needs ${numel} elements, its data holds ${t.rawData.length > 0 ? `${t.rawData.length} bytes` : typed}`);
  }
}

/** The field an attribute of each type keeps its value in, as the checker requires exactly that one set. */
function attributeFilled(a: AttributeProto): boolean {
  switch (a.type) {
    case AttributeType.FLOAT: case AttributeType.INT: return true; // scalars: zero is a value
    case AttributeType.STRING: return a.s.length > 0;
    case AttributeType.INTS: return a.floats.length === 0 && a.strings.length === 0;
    case AttributeType.FLOATS: return a.ints.length === 0 && a.strings.length === 0;
    default: return false;
  }
}

/**
 * Checks `model` (decoded from the exported bytes) against ONNX's structural rules, throwing an Error
 * that names the first one broken. The attribute types checked are the ones convkit writes (numbers, number lists, strings).
 */
export function checkOnnxModel(model: ModelProto): void {
  const defaults = model.opsetImport.filter((o) => o.domain === '' || o.domain === 'ai.onnx');
  if (defaults.length !== 1) fail(`the model must import the default opset exactly once, it does ${defaults.length} times`);
  const opset = Number(defaults[0].version);
  const ir = irVersionFor(opset);
  if (ir === undefined) fail(`opset ${opset} is not an opset convkit writes`);
  if (model.irVersion < BigInt(ir)) fail(`opset ${opset} needs IR version ${ir} or later, the model declares ${model.irVersion}`);
  const graph = model.graph;
  if (graph === undefined) fail('the model has no graph');
  if (graph.name === '') fail('the graph has no name');

  const defined = new Set<string>();
  const define = (name: string, what: string): void => {
    if (name === '') fail(`a ${what} has no name`);
    if (defined.has(name)) fail(`${what} ${show(name)} is defined twice (ONNX graphs assign each name once)`);
    defined.add(name);
  };
  for (const input of graph.input) {
    define(input.name, 'graph input');
    checkTensorType('graph input', input);
  }
  for (const t of graph.initializer) {
    define(t.name, 'initializer');
    checkInitializer(t);
  }
  const nodeNames = new Set<string>();
  for (const node of graph.node) {
    if (node.opType === '') fail(`node ${show(node.name)} has no op_type`);
    if (node.name !== '') {
      if (nodeNames.has(node.name)) fail(`node name ${show(node.name)} is used twice`);
      nodeNames.add(node.name);
    }
    for (const input of node.input) {
      if (input !== '' && !defined.has(input)) fail(`node ${show(node.name)} reads ${show(input)} before it is defined (nodes must be in topological order)`);
    }
    if (node.output.length === 0) fail(`node ${show(node.name)} has no output`);
    for (const output of node.output) define(output, `output of node ${show(node.name)}`);
    const attributes = new Set<string>();
    for (const a of node.attribute) {
      if (a.name === '' || attributes.has(a.name)) fail(`node ${show(node.name)} has an attribute with no name or a repeated name ${show(a.name)}`);
      attributes.add(a.name);
      if (!attributeFilled(a)) fail(`attribute ${show(a.name)} of node ${show(node.name)} has type ${a.type} but not that one value field set`);
    }
  }
  if (graph.output.length === 0) fail('the graph has no output');
  for (const output of graph.output) {
    if (!defined.has(output.name)) fail(`graph output ${show(output.name)} is not computed by any node`);
    checkTensorType('graph output', output);
  }
}
