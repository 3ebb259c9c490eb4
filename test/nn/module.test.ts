import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Conv2d, ConvkitArgumentError, DepthwiseSeparableConv2d, Module, ReLU, Sequential, summary, type Tensor, zeros } from '../../src/index.js';

/** A module with a buffer and a child, as a user would write one. */
class Counter extends Module {
  readonly count = zeros([1]);
  readonly inner = new Conv2d(2, 2, 1);

  forward(input: Tensor): Tensor {
    this.count.data[0] += 1;
    return this.inner.forward(input);
  }

  toJSON(): object {
    return { type: 'Counter' };
  }

  protected override ownBuffers(): Array<[string, Tensor]> {
    return [['count', this.count]];
  }

  override namedChildren(): Array<[string, Module]> {
    return [['inner', this.inner]];
  }
}

test('train() and eval() set training on the module and every submodule, and return the module', () => {
  const model = new Sequential(new Conv2d(1, 2, 3), new ReLU(), new DepthwiseSeparableConv2d(2, 4));
  assert.ok(model.namedModules().every(([, m]) => m.training));
  assert.equal(model.eval(), model);
  assert.deepEqual(model.namedModules().map(([path, m]) => [path, m.training]), [
    ['', false], ['0', false], ['1', false], ['2', false], ['2.depthwise', false], ['2.pointwise', false],
  ]);
  model.train();
  assert.ok(model.namedModules().every(([, m]) => m.training));
  model.train(false);
  assert.equal(model.training, false);
  assert.throws(() => model.train(1 as unknown as boolean), /train: training mode is expected to be boolean, got 1/);
});

test("buffers join the state dict after each module's parameters, and load back; they are not parameters", () => {
  const model = new Sequential(new Counter(), new Conv2d(2, 1, 1));
  assert.deepEqual(model.namedBuffers().map(([key]) => key), ['0.count']);
  assert.deepEqual(Object.keys(model.stateDict()), ['0.count', '0.inner.weight', '0.inner.bias', '1.weight', '1.bias']);
  assert.equal(model.parameters().length, 4);
  const state = model.stateDict();
  assert.equal(state['0.count'].requiresGrad, false);
  const other = new Sequential(new Counter(), new Conv2d(2, 1, 1));
  model.forward(zeros([1, 2, 3, 3]));
  other.loadStateDict(model.stateDict());
  assert.equal(other.buffers()[0].data[0], 1);
  const { ['0.count']: _dropped, ...missing } = model.stateDict();
  assert.throws(() => other.loadStateDict(missing), /missing key '0.count'/);
});

test("toString prints PyTorch's repr: extra arguments inside the parentheses, children indented by name", () => {
  const model = new Sequential(new Conv2d(3, 8, 1), new ReLU(), new DepthwiseSeparableConv2d(8, 16));
  assert.equal(String(model), [
    'Sequential(',
    '  (0): Conv2d(3, 8, kernel_size=(1, 1), stride=(1, 1))',
    '  (1): ReLU()',
    '  (2): DepthwiseSeparableConv2d(',
    '    (depthwise): Conv2d(8, 8, kernel_size=(3, 3), stride=(1, 1), padding=(1, 1), groups=8)',
    '    (pointwise): Conv2d(8, 16, kernel_size=(1, 1), stride=(1, 1))',
    '  )',
    ')',
  ].join('\n'));
  assert.equal(String(new Counter()), 'Counter(\n  (inner): Conv2d(2, 2, kernel_size=(1, 1), stride=(1, 1))\n)');
});

test('outputShape follows the layers without running them; a module of your own must declare it for summary', () => {
  const model = new Sequential(new Conv2d(3, 8, 3, { stride: 2 }), new ReLU(), new DepthwiseSeparableConv2d(8, 16));
  assert.deepEqual(model.outputShape([2, 3, 17, 17]), [2, 16, 8, 8]);
  assert.deepEqual(model.outputShape([3, 17, 17]), [16, 8, 8]);
  const custom = new Sequential(new Conv2d(2, 2, 1), new Counter());
  assert.throws(() => summary(custom, [1, 2, 4, 4]), (e: Error) =>
    e instanceof ConvkitArgumentError && /Counter does not declare its output shape: override outputShape\(inputShape\)/.test(e.message));
  class Declared extends Counter {
    override outputShape(inputShape: readonly number[]): number[] {
      return this.inner.outputShape(inputShape);
    }
  }
  const s = summary(new Sequential(new Conv2d(2, 2, 1), new Declared()), [1, 2, 4, 4]);
  assert.deepEqual(s.outputShape, [1, 2, 4, 4]);
  assert.equal(s.totals.macs, 2 * (2 * 2 * 16));
});

test('loadStateDict takes the bytes of a safetensors file as well as a state dict', async () => {
  const { saveSafetensors } = await import('../../src/io/safetensors.js');
  const model = new Sequential(new Conv2d(2, 2, 3), new Counter());
  const other = new Sequential(new Conv2d(2, 2, 3), new Counter());
  model.buffers()[0].data[0] = 7;
  other.loadStateDict(saveSafetensors(model.stateDict()));
  for (const [key, t] of Object.entries(other.stateDict())) assert.deepEqual(t.data, model.stateDict()[key].data, key);
  assert.throws(() => other.loadStateDict(new Uint8Array([1, 2, 3])), ConvkitArgumentError);
});
