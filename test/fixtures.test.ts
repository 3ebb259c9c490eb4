/**
 * Replays the committed PyTorch fixtures (test/fixtures/torch-cases.{json,bin}, made by
 * tools/torch/make_fixtures.py) through convkit: one test per case group. Needs no Python.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIGS, withConfig } from './support/backends.js';
import { formatFailures, loadCaseFile, runCase, runCases, values } from './support/cases.js';

const file = loadCaseFile(new URL('./fixtures/torch-cases.json', import.meta.url));

test('torch fixture file is well-formed', () => {
  assert.ok(file.cases.length > 0, 'no cases');
  for (const group of Object.keys(file.groups)) {
    assert.ok(file.cases.some((c) => c.group === group), `group ${group} has no cases`);
  }
  const tutorial = new Map(file.cases.filter((c) => c.group === 'tutorial').map((c) => [c.id, c.output?.shape]));
  assert.deepEqual(Object.fromEntries(tutorial), {
    'tutorial/pointwise_64_128': [1, 128, 32, 32],
    'tutorial/grouped_64_64_k3_p1_g4': [1, 64, 32, 32],
    'tutorial/depthwise_separable_64_128': [1, 128, 32, 32],
    'tutorial/dilated_1_1_k3_d2': [1, 1, 3, 3],
  });
});

// Every backend and kernel choice must match PyTorch (test/support/backends.ts).
for (const config of CONFIGS) {
  for (const [group, description] of Object.entries(file.groups)) {
    test(`torch fixtures, ${config.name}: ${group} (${description})`, () => {
      const results = withConfig(config, () => runCases(file, [group]));
      const failed = results.filter((r) => !r.pass).length;
      assert.equal(failed, 0, `${failed} of ${results.length} ${group} cases differ from PyTorch ${file.torch}:\n${formatFailures(results)}`);
    });
  }
}

test('the case checker detects differences from torch', () => {
  // A checker that always passes would make every test above vacuous: tamper with copies of cases.
  const byId = (id: string) => {
    const c = file.cases.find((k) => k.id === id);
    assert.ok(c, `fixture ${id} is missing`);
    return structuredClone(c);
  };
  const tampered = { ...file, blob: file.blob.slice() };
  const valid = byId('conv2d_forms/groups_2');
  const invalid = byId('invalid_conv2d/groups_zero');
  const failsWith = (c: typeof valid, pattern: RegExp) => {
    const result = runCase(tampered, c);
    assert.equal(result.pass, false, `${c.id} should fail`);
    assert.match(result.message, pattern);
  };
  assert.equal(runCase(tampered, valid).pass, true);

  const out = valid.output!;
  const scale = Math.max(1, ...Array.from(values(file, out), Math.abs));
  tampered.blob[out.offset + 3] += 0.5e-4 * scale; // within tolerance
  assert.equal(runCase(tampered, valid).pass, true);
  tampered.blob[out.offset + 3] += 2e-4 * scale; // beyond it
  failsWith(valid, /max abs err .* > tolerance .* flat index 3/);
  tampered.blob.set(file.blob);

  failsWith({ ...valid, output: { ...out, shape: [...out.shape.slice(0, -1), out.shape.at(-1)! - 1] } }, /shape mismatch/);
  failsWith({ ...valid, output: undefined, error: { type: 'RuntimeError', message: 'boom', stage: 'call' } },
    /torch raised RuntimeError: boom, but convkit did not/);
  failsWith({ ...invalid, error: undefined, output: valid.output }, /convkit threw .* but torch did not raise/);

  const late = byId('invalid_module/groups_zero'); // torch raises in the constructor
  assert.equal(runCase(tampered, late).pass, true);
  const early = byId('invalid_module/stride_zero'); // torch raises in forward; convkit may throw earlier
  assert.equal(runCase(tampered, early).pass, true);
  const forwardOnly = byId('invalid_module/input_wrong_channels'); // torch raises in forward ...
  failsWith({ ...forwardOnly, error: { ...forwardOnly.error!, stage: 'construct' } }, /torch raised in construct .* only later/);
});
