import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatTutorial, tutorialExamples } from '../../src/demo/tutorial.js';

test("the four examples give the tutorial's output shapes", () => {
  const examples = tutorialExamples();
  assert.deepEqual(examples.map((e) => e.layer.outputShape), [[1, 128, 32, 32], [1, 1, 3, 3], [1, 64, 32, 32], [1, 128, 32, 32]]);
  // each standard convolution produces the same output shape as the layer it is compared with
  for (const e of examples) assert.deepEqual(e.standard.outputShape, e.layer.outputShape);
});

test('parameters and MACs equal the closed forms', () => {
  const [pointwise, dilated, grouped, separable] = tutorialExamples();
  assert.equal(pointwise.layer.parameters, 64 * 128 + 128);
  assert.equal(pointwise.layer.macs, 32 * 32 * 128 * 64);
  assert.equal(pointwise.standard.parameters, 128 * 64 * 9 + 128);
  assert.equal(dilated.layer.parameters, 9 + 1);
  assert.equal(dilated.layer.macs, 3 * 3 * 9);
  assert.equal(dilated.standard.parameters, 25 + 1);
  assert.equal(grouped.layer.parameters, 64 * 16 * 9 + 64);
  assert.equal(grouped.layer.macs * 4, grouped.standard.macs);
  assert.equal(separable.layer.parameters, 64 * 9 + 64 + 128 * 64 + 128);
  assert.ok(Math.abs(separable.layer.macs / separable.standard.macs - (1 / 128 + 1 / 9)) < 1e-12);
});

test('the printed demo shows the shapes, the counts and the effective kernel size', () => {
  const text = formatTutorial();
  for (const s of ['(1, 128, 32, 32)', '(1, 1, 3, 3)', '(1, 64, 32, 32)', '8,320', '73,856', '8,960', 'effective kernel size k + (k-1)(d-1) = 3 + 2*1 = 5']) {
    assert.ok(text.includes(s), s);
  }
});
