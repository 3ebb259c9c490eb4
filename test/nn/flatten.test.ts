import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flatten, Flatten, moduleFromJSON, randn } from '../../src/index.js';

test('Flatten keeps the batch by default, as nn.Flatten(start_dim=1, end_dim=-1), and declares its output shape', () => {
  const x = randn([2, 3, 4, 5]).requiresGrad_();
  const layer = new Flatten();
  const y = layer.forward(x);
  assert.deepEqual(y.shape, [2, 60]);
  assert.deepEqual(y.data, x.data);
  assert.deepEqual(layer.outputShape([2, 3, 4, 5]), [2, 60]);
  assert.deepEqual(new Flatten(0, 2).forward(x).shape, flatten(x, 0, 2).shape);
  assert.throws(() => layer.outputShape([7]), /^ConvkitArgumentError: Flatten: startDim=1 is out of range \(expected an integer in \[-1, 0\]\)/);
});

test('Flatten: JSON round trip, repr, integer dims', () => {
  const layer = new Flatten(2, -2);
  assert.deepEqual(layer.toJSON(), { type: 'Flatten', startDim: 2, endDim: -2 });
  assert.equal(String(moduleFromJSON(layer.toJSON())), 'Flatten(start_dim=2, end_dim=-2)');
  assert.equal(String(moduleFromJSON({ type: 'Flatten' })), 'Flatten(start_dim=1, end_dim=-1)');
  assert.throws(() => new Flatten(1.5), /Flatten: startDim must be an integer, got 1.5/);
  assert.throws(() => moduleFromJSON({ type: 'Flatten', endDim: '2' }), /moduleFromJSON: Flatten: endDim must be an integer, got '2'/);
  assert.throws(() => moduleFromJSON({ type: 'Flatten', dims: 2 }), /Flatten takes only "startDim" and "endDim", got 'dims'/);
});
