/**
 * Replays the committed PyTorch gradient fixtures (test/fixtures/torch-grad-cases.{json,bin}, made by
 * tools/torch/make_grad_fixtures.py) through convkit's autograd and functional gradients: one test per
 * case group and backend config. Needs no Python.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIGS, withConfig } from './support/backends.js';
import { formatFailures, loadCaseFile, values } from './support/cases.js';
import { runGradCase, runGradCases, type BackwardCase, type GradCase, type GraphCase } from './support/grad-cases.js';

const file = loadCaseFile<GradCase>(new URL('./fixtures/torch-grad-cases.json', import.meta.url));

test('torch gradient fixture file is well-formed', () => {
  for (const group of Object.keys(file.groups)) {
    assert.ok(file.cases.some((c) => c.group === group), `group ${group} has no cases`);
  }
  const tutorial = file.cases.filter((c): c is BackwardCase => c.group === 'grad_tutorial');
  assert.deepEqual(tutorial.map((c) => [c.id, Object.keys(c.backward?.grads ?? {}).sort()]), [
    ['grad_tutorial/pointwise_64_128', ['bias', 'input', 'weight']],
    ['grad_tutorial/dilated_1_1_k3_d2', ['bias', 'input', 'weight']],
    ['grad_tutorial/grouped_64_64_k3_p1_g4', ['bias', 'input', 'weight']],
    ['grad_tutorial/depthwise_separable_64_128', ['depthwise.bias', 'depthwise.weight', 'input', 'pointwise.bias', 'pointwise.weight']],
  ]);
  // every case but the functional ones was backpropagated, and every leaf got a gradient (or torch raised)
  for (const c of file.cases) {
    if (c.kind === 'conv2d_input_grad' || c.kind === 'conv2d_weight_grad') continue;
    assert.ok(c.backward, `${c.id} has no backward`);
    assert.equal(c.backward.error !== undefined, c.group === 'grad_backward_errors', `${c.id}: error where not expected, or none`);
    if (c.backward.error) continue;
    assert.ok(Object.values(c.backward.grads!).every((ref) => ref !== null), `${c.id}: torch left a gradient None`);
    if (c.kind === 'graph') assert.deepEqual(Object.keys(c.magnitude?.grads ?? {}), Object.keys(c.inputs), `${c.id}: magnitudes`);
  }
});

// Every backend and kernel choice must match PyTorch (test/support/backends.ts).
for (const config of CONFIGS) {
  for (const [group, description] of Object.entries(file.groups)) {
    test(`torch gradient fixtures, ${config.name}: ${group} (${description})`, () => {
      const results = withConfig(config, () => runGradCases(file, [group]));
      const failed = results.filter((r) => !r.pass).length;
      assert.equal(failed, 0, `${failed} of ${results.length} ${group} cases differ from PyTorch ${file.torch}:\n${formatFailures(results)}`);
    });
  }
}

test('the gradient checker detects differences from torch', () => {
  // A checker that always passes would make every test above vacuous: tamper with copies of cases.
  const byId = <C extends GradCase>(id: string) => {
    const c = file.cases.find((k) => k.id === id);
    assert.ok(c, `fixture ${id} is missing`);
    return structuredClone(c) as C;
  };
  const tampered = { ...file, blob: file.blob.slice() };
  const failsWith = (c: GradCase, pattern: RegExp) => {
    const result = runGradCase(tampered, c);
    assert.equal(result.pass, false, `${c.id} should fail`);
    assert.match(result.message, pattern);
  };

  // every gradient of a module, one at a time: within the tolerance passes, beyond it fails
  const dsc = byId<BackwardCase>('grad_composite/dsc_defaults');
  assert.equal(runGradCase(tampered, dsc).pass, true);
  for (const [name, ref] of Object.entries(dsc.backward!.grads!)) {
    const scale = Math.max(1, ...Array.from(values(file, ref!), Math.abs));
    tampered.blob[ref!.offset + 1] += 0.5e-4 * scale;
    assert.equal(runGradCase(tampered, dsc).pass, true, `${name} within tolerance`);
    tampered.blob[ref!.offset + 1] += 2e-4 * scale;
    failsWith(dsc, new RegExp(`${name.replace('.', '\\.')}\\.grad: max abs err .* flat index 1`));
    tampered.blob.set(file.blob);
  }

  const plain = byId<BackwardCase>('grad_conv2d/plain');
  const grads = plain.backward!.grads!;
  failsWith({ ...plain, backward: { ...plain.backward!, times: 2 } }, /input\.grad: max abs err/); // twice the gradient
  failsWith({ ...plain, backward: { ...plain.backward!, grads: { ...grads, bias: null } } }, /bias\.grad: torch's is None/);
  failsWith({ ...plain, backward: { ...plain.backward!, grads: { ...grads, extra: grads.bias } } }, /extra: convkit has no such tensor/);
  const { bias: _bias, ...withoutBias } = grads;
  failsWith({ ...plain, backward: { ...plain.backward!, grads: withoutBias } }, /convkit has a leaf bias that torch lacks/);
  const gradOutput = plain.backward!.gradOutput!;
  failsWith({ ...plain, backward: { ...plain.backward!, gradOutput: { ...gradOutput, offset: gradOutput.offset + 1 } } }, /grad: max abs err/);

  // the accumulated case really accumulates: once is half of torch's
  const twice = byId<BackwardCase>('grad_conv2d/backward_twice_accumulates');
  assert.equal(runGradCase(tampered, twice).pass, true);
  failsWith({ ...twice, backward: { ...twice.backward!, times: 1 } }, /grad: max abs err/);

  // graphs: a broadcast operand's gradient (summed over what it broadcast along) and each step count
  const graph = byId<GraphCase>('grad_graph/sub_number_and_tensor');
  assert.equal(runGradCase(tampered, graph).pass, true);
  const operandGrad = graph.backward.grads!.c!;
  tampered.blob[operandGrad.offset + 2] += 1e-3 * Math.max(1, ...Array.from(values(file, operandGrad), Math.abs));
  failsWith(graph, /c\.grad: max abs err .* flat index 2/);
  tampered.blob.set(file.blob);
  const [conv, numberStep, tensorStep] = graph.steps;
  failsWith({ ...graph, steps: [conv, { ...numberStep, swap: false } as typeof numberStep, tensorStep] }, /max abs err/);

  // backward errors: required where torch raised, refused where it did not
  const freed = byId<GraphCase>('grad_backward_errors/second_backward_through_freed_graph');
  assert.equal(runGradCase(tampered, freed).pass, true);
  failsWith({ ...freed, backward: { ...freed.backward, retain: true } }, /torch's backward raised RuntimeError: Trying to backward .* but convkit's did not/);
  assert.equal(runGradCase(tampered, byId('grad_graph/conv_sum_implicit_gradient')).pass, true);
  const nonScalar = byId<GraphCase>('grad_backward_errors/implicit_gradient_non_scalar');
  assert.equal(runGradCase(tampered, nonScalar).pass, true);
  failsWith({ ...nonScalar, backward: { ...nonScalar.backward, error: undefined } }, /backward threw/);

  // functional gradients: outputs compared, errors required
  const inputGrad = byId('grad_functional/conv2d_input_grouped');
  assert.equal(runGradCase(tampered, inputGrad).pass, true);
  tampered.blob[inputGrad.output!.offset] += 1;
  failsWith(inputGrad, /max abs err/);
  tampered.blob.set(file.blob);
  failsWith({ ...inputGrad, output: undefined, error: { type: 'RuntimeError', message: 'boom', stage: 'call' } },
    /torch raised RuntimeError: boom, but convkit did not/);
  const invalid = byId('grad_invalid/conv2d_weight_groups_negative');
  assert.equal(runGradCase(tampered, invalid).pass, true);
  failsWith({ ...invalid, error: undefined, output: inputGrad.output }, /convkit threw .* but torch did not raise/);
});
