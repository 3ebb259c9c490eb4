import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Identity, moduleFromJSON, randn } from '../../src/index.js';

test('Identity returns its input itself and reads back from its JSON', () => {
  const x = randn([2, 3]);
  const layer = new Identity();
  assert.equal(layer.forward(x), x);
  assert.deepEqual(layer.outputShape([2, 3]), [2, 3]);
  assert.equal(String(moduleFromJSON(layer.toJSON())), 'Identity()');
  assert.throws(() => moduleFromJSON({ type: 'Identity', size: 3 }), /Identity takes no arguments, got 'size'/);
});
