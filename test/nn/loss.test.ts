/**
 * CrossEntropyLoss, NLLLoss and MSELoss against PyTorch's modules (the module cases of
 * test/fixtures/torch-loss.json, written by tools/torch/loss_cases.py), their defaults, printed form and
 * option checks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { crossEntropy, CrossEntropyLoss, Loss, MSELoss, mseLoss, NLLLoss, randn, tensor } from '../../src/index.js';
import { CONFIGS, withConfig } from '../support/backends.js';
import { loadLossCases, runLossCases, type LossCase } from '../support/loss-cases.js';

const file = loadLossCases(new URL('../fixtures/torch-loss.json', import.meta.url));
const isModule = (c: LossCase): boolean => c.module === true;

for (const config of CONFIGS.slice(0, 2)) {
  test(`the loss modules' values and gradients equal torch.nn's (${file.cases.filter(isModule).length} random cases, ${config.name})`, () => {
    const results = withConfig(config, () => runLossCases(file, isModule));
    assert.ok(results.length > 20);
    assert.deepEqual(results.filter((r) => !r.pass).map((r) => r.message), []);
  });
}

test('defaults are torch\'s: weight none, ignoreIndex -100, reduction mean, labelSmoothing 0', () => {
  const ce = new CrossEntropyLoss();
  assert.equal(ce.weight, null);
  assert.equal(ce.ignoreIndex, -100);
  assert.equal(ce.reduction, 'mean');
  assert.equal(ce.labelSmoothing, 0);
  assert.equal(new NLLLoss().reduction, 'mean');
  assert.equal(new MSELoss().reduction, 'mean');
  assert.ok(ce instanceof Loss);
});

test('forward is the functional loss with the module\'s options', () => {
  const x = randn([4, 3]);
  const target = [2, 0, 1, 1];
  const weight = tensor([1, 2, 0.5]);
  const options = { weight, ignoreIndex: 1, reduction: 'sum' as const, labelSmoothing: 0.3 };
  assert.deepEqual(new CrossEntropyLoss(options).forward(x, target).data, crossEntropy(x, target, options).data);
  const y = randn([4, 3]);
  assert.deepEqual(new MSELoss({ reduction: 'none' }).forward(x, y).data, mseLoss(x, y, { reduction: 'none' }).data);
});

test('printed as torch prints them: the class name alone, whatever the options', () => {
  // torch 1.13: repr(nn.CrossEntropyLoss(weight=..., label_smoothing=0.1)) == 'CrossEntropyLoss()'
  assert.equal(String(new CrossEntropyLoss({ weight: tensor([1, 2]), labelSmoothing: 0.1 })), 'CrossEntropyLoss()');
  assert.equal(String(new NLLLoss({ ignoreIndex: 3, reduction: 'sum' })), 'NLLLoss()');
  assert.equal(String(new MSELoss({ reduction: 'sum' })), 'MSELoss()');
});

test('bad options are refused when the loss is made (torch refuses them at the first forward)', () => {
  assert.throws(() => new CrossEntropyLoss({ reduction: 'avg' as never }), /^ConvkitArgumentError: CrossEntropyLoss: 'avg' is not a valid value for reduction/);
  assert.throws(() => new CrossEntropyLoss({ labelSmoothing: 3 }), /CrossEntropyLoss: label_smoothing must be between 0.0 and 1.0. Got: 3/);
  assert.throws(() => new NLLLoss({ labelSmoothing: 0.1 } as never), /NLLLoss: unknown option 'labelSmoothing'/);
  assert.throws(() => new NLLLoss({ weight: [1, 2] as never }), /NLLLoss: weight must be a Tensor/);
  assert.throws(() => new NLLLoss({ ignoreIndex: 1.5 }), /NLLLoss: ignoreIndex must be an integer, got 1.5/);
  assert.throws(() => new MSELoss({ weight: tensor([1]) } as never), /MSELoss: unknown option 'weight'/);
});
