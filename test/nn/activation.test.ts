import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Hardswish, hardswish, moduleFromJSON, randn, ReLU6, relu6 } from '../../src/index.js';

test('ReLU6 and Hardswish run relu6 and hardswish, keep the shape and read back from their JSON', () => {
  const x = randn([2, 3, 4]);
  for (const [Layer, f, type] of [[ReLU6, relu6, 'ReLU6'], [Hardswish, hardswish, 'Hardswish']] as const) {
    const layer = new Layer();
    assert.deepEqual(layer.forward(x).data, f(x).data);
    assert.deepEqual(layer.outputShape([5, 7]), [5, 7]);
    assert.deepEqual(layer.toJSON(), { type });
    assert.ok(moduleFromJSON(layer.toJSON()) instanceof Layer);
    assert.equal(String(layer), `${type}()`);
    assert.deepEqual(layer.parameters(), []);
    assert.throws(() => moduleFromJSON({ type, inplace: true }), new RegExp(`${type} takes no arguments, got 'inplace'`));
  }
});
