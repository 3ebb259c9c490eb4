/**
 * exportOnnx's bytes, decoded with @bufbuild/protobuf against ONNX's own onnx.proto (test/support/onnx_pb.ts):
 * ONNX's structural rules hold for every model of test/support/onnx-models.ts, each module has its ONNX
 * form and names, and what cannot be exported is a short error naming the module. Running the models
 * in onnxruntime is `npm run test:onnx`.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fromBinary } from '@bufbuild/protobuf';
import {
  AdaptiveAvgPool2d, BatchNorm2d, Conv2d, ConvkitArgumentError, exportOnnx, Generator, Hardswish, Identity, Linear, Module, ONNX_DEFAULT_OPSET, ONNX_MAX_OPSET,
  ONNX_MIN_OPSET, ReLU, ReLU6, Sequential, type OnnxGraph, type OnnxValue, type Tensor,
} from '../../src/index.js';
import { checkOnnxModel } from '../support/onnx-checker.js';
import { ONNX_MODEL_CASES, Residual } from '../support/onnx-models.js';
import { AttributeProto_AttributeType as AttributeType, ModelProtoSchema, type ModelProto, type NodeProto, type ValueInfoProto } from '../support/onnx_pb.js';

function decode(bytes: Uint8Array): ModelProto {
  return fromBinary(ModelProtoSchema, bytes);
}

function modelCase(name: string): Module {
  const c = ONNX_MODEL_CASES.find((x) => x.name === name);
  assert.ok(c !== undefined, name);
  return c.build(new Generator().manualSeed(1)).eval();
}

/** A value's dimensions: sizes, names of open ones, null for unknown ones. */
function dims(info: ValueInfoProto): Array<number | string | null> {
  const type = info.type?.value;
  assert.equal(type?.case, 'tensorType');
  return (type.value.shape?.dim ?? []).map((d) => (d.value.case === 'dimValue' ? Number(d.value.value) : d.value.case === 'dimParam' ? d.value.value : null));
}

/** A node's attributes as plain values. */
function attributes(node: NodeProto): Record<string, unknown> {
  return Object.fromEntries(node.attribute.map((a) => {
    switch (a.type) {
      case AttributeType.INT: return [a.name, Number(a.i)];
      case AttributeType.INTS: return [a.name, a.ints.map(Number)];
      case AttributeType.FLOAT: return [a.name, a.f];
      case AttributeType.STRING: return [a.name, new TextDecoder().decode(a.s)];
      default: throw new Error(`attribute type ${a.type}`);
    }
  }));
}

function initializerValues(model: ModelProto, name: string): number[] {
  const t = model.graph!.initializer.find((x) => x.name === name);
  assert.ok(t !== undefined, `initializer ${name}`);
  const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
  return t.dataType === 1
    ? Array.from({ length: t.rawData.length / 4 }, (_, i) => view.getFloat32(i * 4, true))
    : Array.from({ length: t.rawData.length / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
}

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConvkitArgumentError, String(e));
    assert.ok(e.message.startsWith('exportOnnx: '), e.message);
    assert.match(e.message, pattern);
    return true;
  });
}

describe('every model', () => {
  for (const c of ONNX_MODEL_CASES) {
    for (const opset of [ONNX_MIN_OPSET, ONNX_DEFAULT_OPSET, ONNX_MAX_OPSET].filter((o) => o >= (c.minOpset ?? 0))) {
      test(`${c.name}, opset ${opset}: ONNX's rules hold, weights are initializers by state-dict key`, () => {
        const model = c.build(new Generator().manualSeed(opset)).eval();
        const proto = decode(exportOnnx(model, c.inputShape, { opset }));
        checkOnnxModel(proto);
        assert.deepEqual(proto.opsetImport.map((o) => [o.domain, Number(o.version)]), [['', opset]]);
        const graph = proto.graph!;
        assert.deepEqual(graph.input.map((v) => v.name), ['input']);
        assert.deepEqual(graph.output.map((v) => v.name), ['output']);
        assert.deepEqual(dims(graph.input[0]), ['N', ...c.inputShape.slice(1)]);
        const out = model.outputShape(c.inputShape);
        assert.deepEqual(dims(graph.output[0]).slice(1), out.slice(1));
        for (const [key, tensor] of Object.entries(model.stateDict())) {
          if (key.endsWith('num_batches_tracked')) continue;
          assert.deepEqual(initializerValues(proto, key), Array.from(tensor.data), key);
          assert.deepEqual(graph.initializer.find((t) => t.name === key)!.dims.map(Number), [...tensor.shape], key);
        }
      });
    }
  }
});

test('Conv2d: every attribute, asymmetric pads from padding "same", no bias input without a bias', () => {
  const graph = decode(exportOnnx(modelCase('conv-attributes'), [2, 4, 12, 10])).graph!;
  assert.equal(graph.node.length, 1);
  const [conv] = graph.node;
  assert.equal(conv.opType, 'Conv');
  assert.equal(conv.name, '/Conv');
  assert.deepEqual(conv.input, ['input', 'weight']);
  assert.deepEqual(attributes(conv), { kernel_shape: [3, 2], strides: [2, 1], pads: [1, 2, 1, 2], dilations: [2, 1], group: 2 });
  // kernel 4x3 dilated 1x2: 3 rows of padding (1 before, 2 after), 4 columns (2 and 2), as torch pads 'same'
  const same = decode(exportOnnx(modelCase('conv-same'), [2, 3, 8, 9])).graph!.node[0];
  assert.deepEqual(attributes(same).pads, [1, 2, 2, 2]);
});

test('Conv2d paddingMode: a Pad node (reflect, edge, wrap from opset 19) before an unpadded Conv; negative padding crops', () => {
  const reflect = decode(exportOnnx(modelCase('conv-reflect'), [2, 3, 8, 8])).graph!;
  assert.deepEqual(reflect.node.map((n) => n.opType), ['Pad', 'Conv']);
  assert.deepEqual(attributes(reflect.node[0]), { mode: 'reflect' });
  assert.deepEqual(attributes(reflect.node[1]).pads, [0, 0, 0, 0]);
  const crop = decode(exportOnnx(modelCase('conv-replicate-crop'), [2, 2, 9, 8]));
  assert.deepEqual(attributes(crop.graph!.node[0]), { mode: 'edge' });
  assert.deepEqual(initializerValues(crop, crop.graph!.node[0].input[1]), [0, 0, -1, 2, 0, 0, -1, 2]);
  const circular = decode(exportOnnx(modelCase('conv-circular'), [2, 3, 7, 8], { opset: 19 })).graph!;
  assert.deepEqual(attributes(circular.node[0]), { mode: 'wrap' });
  rejects(() => exportOnnx(modelCase('conv-circular'), [2, 3, 7, 8], { opset: 18 }), /Conv2d \(the model\): paddingMode 'circular' \(ONNX Pad mode 'wrap'\) needs opset 19 or later; got opset 18/);
});

test('node names follow the module paths, as torch.onnx names them; the last node writes output', () => {
  const graph = decode(exportOnnx(modelCase('conv-bn-relu'), [3, 3, 8, 8])).graph!;
  assert.deepEqual(graph.node.map((n) => n.name), ['/0/Conv', '/1/BatchNormalization', '/2/Relu', '/3/Conv', '/4/BatchNormalization']);
  assert.deepEqual(graph.node[1].input, ['/0/Conv_output_0', '1.weight', '1.bias', '1.running_mean', '1.running_var']);
  assert.ok(Math.abs((attributes(graph.node[1]).epsilon as number) - 1e-3) < 1e-9);
  // without affine parameters, BatchNormalization reads constant ones and zeros
  assert.deepEqual(graph.node[4].input.slice(1, 3), ['/4/BatchNormalization_scale', '/4/BatchNormalization_bias']);
  assert.deepEqual(graph.node[4].output, ['output']);
  const residual = decode(exportOnnx(modelCase('inverted-residual'), [2, 8, 8, 8])).graph!;
  const add = residual.node.at(-1)!;
  assert.equal(add.opType, 'Add');
  assert.deepEqual(add.input, ['/body/7/BatchNormalization_output_0', 'input']);
  assert.equal(residual.node[0].name, '/body/0/Conv');
});

test('the classifier head: GlobalAveragePool, Flatten, Gemm, Clip, HardSwish; dropout and identity leave no node', () => {
  const proto = decode(exportOnnx(modelCase('classifier-head'), [2, 8, 5, 5]));
  const graph = proto.graph!;
  assert.deepEqual(graph.node.map((n) => n.opType), ['GlobalAveragePool', 'Flatten', 'Gemm', 'Clip', 'HardSwish', 'Gemm']);
  assert.deepEqual(attributes(graph.node[1]), { axis: 1 });
  assert.deepEqual(attributes(graph.node[2]), { transB: 1 });
  assert.deepEqual(graph.node[5].input, ['/5/HardSwish_output_0', '7.weight']);
  assert.deepEqual(graph.node[3].input.slice(1).map((name) => initializerValues(proto, name)), [[0], [6]]);
  // little-endian float32 6 in raw_data
  assert.deepEqual([...graph.initializer.find((t) => t.name === '/4/Clip_max')!.rawData], [0, 0, 0xc0, 0x40]);
  // before opset 14, HardSwish is x * HardSigmoid(x) with alpha 1/6, beta 1/2
  const old = decode(exportOnnx(modelCase('classifier-head'), [2, 8, 5, 5], { opset: 13 })).graph!;
  assert.deepEqual(old.node.map((n) => n.opType), ['GlobalAveragePool', 'Flatten', 'Gemm', 'Clip', 'HardSigmoid', 'Mul', 'Gemm']);
  const hardSigmoid = attributes(old.node[4]);
  assert.ok(Math.abs((hardSigmoid.alpha as number) - 1 / 6) < 1e-7 && hardSigmoid.beta === 0.5);
});

test('pools: MaxPool and AveragePool attributes, AdaptiveAvgPool2d as an AveragePool where sizes divide, divisorOverride as a depthwise Conv', () => {
  const max = decode(exportOnnx(modelCase('maxpool-dilated'), [2, 2, 11, 12])).graph!.node[0];
  assert.deepEqual(attributes(max), { kernel_shape: [3, 2], strides: [2, 1], pads: [0, 0, 0, 0], dilations: [2, 3], ceil_mode: 1 });
  const avg = decode(exportOnnx(modelCase('avgpool-exclude-pad'), [2, 3, 10, 9])).graph!.node[0];
  assert.deepEqual(attributes(avg), { kernel_shape: [3, 2], strides: [2, 3], pads: [1, 1, 1, 1], ceil_mode: 1, count_include_pad: 0 });
  const adaptive = decode(exportOnnx(modelCase('adaptive-even'), [2, 3, 8, 9])).graph!.node[0];
  assert.deepEqual(attributes(adaptive), { kernel_shape: [4, 1], strides: [4, 1] });
  const divisor = decode(exportOnnx(modelCase('avgpool-divisor'), [2, 3, 10, 9]));
  const conv = divisor.graph!.node[0];
  assert.equal(conv.opType, 'Conv');
  // 10x9 in ceil mode, kernel 3, stride 2, padding 1: 6x5 windows, the last row reaching 2 rows past the input
  assert.deepEqual(attributes(conv), { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 2, 1], group: 3 });
  assert.ok(initializerValues(divisor, conv.input[1]).every((w) => w === Math.fround(1 / 5)));
  rejects(() => exportOnnx(new AdaptiveAvgPool2d(3), [1, 2, 8, 8]), /AdaptiveAvgPool2d \(the model\): ONNX has no adaptive pooling, and the output size 3x3 does not divide the input size 8x8/);
});

test('Linear over more than 2 dimensions: MatMul by the transposed weight, then Add', () => {
  const graph = decode(exportOnnx(modelCase('linear-3d'), [2, 4, 7])).graph!;
  assert.deepEqual(graph.node.map((n) => [n.opType, n.input]), [['Transpose', ['weight']], ['MatMul', ['input', '/Transpose_output_0']], ['Add', ['/MatMul_output_0', 'bias']]]);
  assert.deepEqual(attributes(graph.node[0]), { perm: [1, 0] });
});

test('Flatten: axis 1 as Flatten, other ranges as Reshape (0 keeps a size), one that merges the batch leaves it unknown', () => {
  const middle = decode(exportOnnx(modelCase('flatten-middle'), [2, 3, 4, 5]));
  assert.deepEqual(middle.graph!.node.map((n) => n.opType), ['Reshape']);
  assert.deepEqual(initializerValues(middle, middle.graph!.node[0].input[1]), [0, -1, 5]);
  assert.deepEqual(dims(middle.graph!.output[0]), ['N', 12, 5]);
  const batch = decode(exportOnnx(modelCase('flatten-batch'), [2, 3, 4, 5]));
  assert.deepEqual(initializerValues(batch, batch.graph!.node[0].input[1]), [-1, 5]);
  assert.deepEqual(dims(batch.graph!.output[0]), [null, 5]);
  assert.deepEqual(dims(decode(exportOnnx(modelCase('flatten-batch'), [2, 3, 4, 5], { dynamicBatch: false })).graph!.output[0]), [24, 5]);
});

test('a model that adds no node is an Identity; a fixed batch when asked; a tied weight is stored once', () => {
  const identity = decode(exportOnnx(new Identity(), [4, 3], { dynamicBatch: false })).graph!;
  assert.deepEqual(identity.node.map((n) => [n.opType, n.input, n.output]), [['Identity', ['input'], ['output']]]);
  assert.deepEqual(dims(identity.input[0]), [4, 3]);
  const conv = new Conv2d(4, 4, 3, { padding: 1 });
  const tied = decode(exportOnnx(new Sequential(conv, new ReLU(), conv), [1, 4, 6, 6])).graph!;
  assert.deepEqual(tied.initializer.map((t) => t.name), ['0.weight', '0.bias']);
  assert.deepEqual(tied.node[2].input, ['/1/Relu_output_0', '0.weight', '0.bias']);
});

class Scale extends Module {
  forward(input: Tensor): Tensor {
    return input;
  }

  toJSON(): object {
    return { type: 'Scale' };
  }
}

test('a module the exporter does not know is an error naming it and its path; a subclass of a known one too', () => {
  rejects(() => exportOnnx(new Sequential(new ReLU(), new Scale()), [1, 3]), /cannot export module Scale \(at '1'\): convkit does not know its ONNX form; give its class a toOnnx\(graph, input\) method/);
  class MyConv extends Conv2d {}
  rejects(() => exportOnnx(new MyConv(1, 1, 1), [1, 1, 2, 2]), /cannot export module MyConv \(the model\)/);
});

test('a toOnnx that reads a value not in the graph, or gives a bad attribute, is an error naming the module', () => {
  class Stray extends Module {
    forward(input: Tensor): Tensor {
      return input;
    }

    toJSON(): object {
      return {};
    }

    toOnnx(graph: OnnxGraph, input: OnnxValue): OnnxValue {
      return graph.node('Add', [input, { name: 'elsewhere', shape: input.shape }], input.shape);
    }
  }
  rejects(() => exportOnnx(new Sequential(new Stray()), [1, 2]), /Stray at '0': its Add node reads 'elsewhere', which is not a value of this graph/);
  class BadAttribute extends Residual {
    override toOnnx(graph: OnnxGraph, input: OnnxValue): OnnxValue {
      return graph.node('LeakyRelu', [input], input.shape, { alpha: 0.1 });
    }
  }
  rejects(() => exportOnnx(new BadAttribute(new ReLU()), [1, 2]), /attribute alpha of its LeakyRelu node must be an integer, integers, a string or \{ float \}, got 0.1/);
});

test('bad arguments and forms ONNX cannot express are short errors', () => {
  const conv = new Conv2d(3, 4, 3);
  rejects(() => exportOnnx(conv, [1, 3, 8, 8], { opset: 10 }), /opset must be an integer from 11 to 25, got 10/);
  rejects(() => exportOnnx(conv, [1, 3, 8, 8], { opset: 17.5 }), /opset must be an integer/);
  rejects(() => exportOnnx(conv, [1, 3, 0, 8]), /inputShape must be the input's shape, \(N, \.\.\.\) with the batch first, as positive integers; got \[1, 3, 0, 8\]/);
  rejects(() => exportOnnx(conv, [3, 8, 8]), /Conv2d \(the model\) exports for 4-D \(N, C, H, W\) input; it gets shape \[3, 8, 8\]/);
  rejects(() => exportOnnx(conv, [1, 3, 8, 8], { batch: 1 } as never), /unknown option/i);
  rejects(() => exportOnnx(conv, [1, 3, 8, 8], { dynamicBatch: 1 } as never), /dynamicBatch must be true or false/);
  rejects(() => exportOnnx({} as Module, [1]), /expected a Module/);
  rejects(() => exportOnnx(new Sequential(new BatchNorm2d(3, { trackRunningStats: false })), [1, 3, 4, 4]), /BatchNorm2d at '0': with trackRunningStats false/);
  // the module's own shape errors, as forward gives them
  assert.throws(() => exportOnnx(conv, [1, 5, 8, 8]), ConvkitArgumentError);
  assert.throws(() => exportOnnx(new Linear(4, 2), [2, 5]), /mat1 and mat2 shapes cannot be multiplied/);
  // inference semantics whatever the mode: a model in training mode exports the same bytes
  const model = new Sequential(new Conv2d(2, 2, 1), new BatchNorm2d(2), new ReLU6(), new Hardswish());
  assert.deepEqual(exportOnnx(model.train(), [1, 2, 3, 3]), exportOnnx(model.eval(), [1, 2, 3, 3]));
});

test('the checker catches what it is for', () => {
  const good = () => decode(exportOnnx(modelCase('conv-bn-relu'), [3, 3, 8, 8]));
  const broken: Array<[string, (m: ModelProto) => void, RegExp]> = [
    ['a name defined twice', (m) => { m.graph!.node[1].output[0] = '/0/Conv_output_0'; }, /defined twice/],
    ['a node out of order', (m) => { m.graph!.node.reverse(); }, /before it is defined/],
    ['an IR version below the opset', (m) => { m.irVersion = 7n; }, /opset 17 needs IR version 8/],
    ['an initializer shorter than its shape', (m) => { m.graph!.initializer[0].dims[0] += 1n; }, /needs \d+ elements/],
    ['an output nothing computes', (m) => { m.graph!.output[0].name = 'nothing'; }, /not computed by any node/],
    ['no default opset', (m) => { m.opsetImport = []; }, /exactly once/],
  ];
  for (const [what, mutate, pattern] of broken) {
    const m = good();
    mutate(m);
    assert.throws(() => checkOnnxModel(m), pattern, what);
  }
});
