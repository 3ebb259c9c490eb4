/**
 * relu6, hardswish, dropout, flatten and their modules against PyTorch: test/fixtures/torch-activation.json
 * (tools/torch/activation_cases.py) replayed with test/support/activation-cases.ts on every backend configuration.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadActivationCases, runActivationCases } from '../support/activation-cases.js';
import { formatFailures } from '../support/cases.js';
import { CONFIGS, withConfig } from '../support/backends.js';

const file = loadActivationCases(new URL('../fixtures/torch-activation.json', import.meta.url));

for (const config of CONFIGS) {
  test(`relu6/hardswish values and gradients bit for bit, dropout, flatten and reprs as torch ${file.torch} (${file.cases.length} cases, ${config.name})`, () => {
    const results = withConfig(config, () => runActivationCases(file));
    assert.equal(results.filter((r) => !r.pass).length, 0, formatFailures(results));
    for (const group of ['activation', 'dropout', 'flatten', 'repr']) assert.ok(results.some((r) => r.group === group), `no ${group} cases`);
  });
}
