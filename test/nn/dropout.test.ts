import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Dropout, dropout, Generator, moduleFromJSON, ones, ReLU, Sequential } from '../../src/index.js';

test('Dropout drops in training mode from its generator and returns its input itself after eval()', () => {
  const x = ones([4, 64]);
  const layer = new Dropout(0.25, { generator: new Generator(9) });
  assert.equal(layer.training, true);
  assert.deepEqual(layer.forward(x).data, dropout(x, { p: 0.25, generator: new Generator(9) }).data);
  assert.equal(layer.eval().forward(x), x);
  assert.equal(layer.train().forward(x) === x, false);
  const model = new Sequential(new ReLU(), new Dropout());
  model.eval();
  assert.equal(model.forward(x).data.every((v) => v === 1), true, 'eval() reaches the Dropout inside a Sequential');
});

test('Dropout: default p = 0.5, shape kept, JSON round trip, torch\'s errors for p', () => {
  const layer = new Dropout();
  assert.equal(layer.p, 0.5);
  assert.deepEqual(layer.outputShape([2, 3]), [2, 3]);
  assert.deepEqual(layer.toJSON(), { type: 'Dropout', p: 0.5 });
  assert.equal(String(moduleFromJSON({ type: 'Dropout', p: 0.1 })), 'Dropout(p=0.1, inplace=False)');
  assert.equal((moduleFromJSON({ type: 'Dropout' }) as Dropout).p, 0.5);
  assert.throws(() => new Dropout(1.5), /^ConvkitArgumentError: Dropout: dropout probability has to be between 0 and 1, but got 1.5$/);
  assert.throws(() => moduleFromJSON({ type: 'Dropout', p: -1 }), /moduleFromJSON: Dropout: dropout probability/);
  assert.throws(() => moduleFromJSON({ type: 'Dropout', inplace: false }), /Dropout takes only "p", got 'inplace'/);
  assert.throws(() => new Dropout(0.5, { inplace: true } as object), /unknown option 'inplace'/);
  assert.throws(() => new Dropout(0.5, { generator: 3 as unknown as Generator }), /generator must be a Generator/);
});
