import assert from 'node:assert/strict';
import { test } from 'node:test';
import { formatFailures } from '../support/cases.js';
import { loadOptimFile, runOptimCases } from '../support/optim-cases.js';

const file = loadOptimFile(new URL('../fixtures/torch-optim.json', import.meta.url));

for (const kind of ['optimizer', 'schedule', 'optimizer_error', 'schedule_error']) {
  test(`torch 1.13's ${kind} cases (test/fixtures/torch-optim.json) replay exactly`, () => {
    const results = runOptimCases({ ...file, cases: file.cases.filter((c) => c.kind === kind) });
    assert.ok(results.length >= 20, `only ${results.length} ${kind} cases`);
    assert.equal(results.filter((r) => !r.pass).length, 0, formatFailures(results, 10));
  });
}
