import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIGS, withConfig } from '../support/backends.js';
import { loadTrainRuns, replayTrainRun } from '../support/train-runs.js';

const file = loadTrainRuns(new URL('../fixtures/torch-train-run.json', import.meta.url).pathname);

// What a user runs: the reference backend, and wasm choosing its own kernels. Forced kernels are checked op by
// op elsewhere; over 20 optimiser steps forced Winograd F(6x6)'s larger rounding exceeds the whole-run bound
// (test/fixtures/README.md, "Whole training runs").
for (const config of CONFIGS.filter((c) => c.knobs.force === undefined)) {
  test(`${file.runs.length} whole training runs repeat torch's step for step (${config.name})`, () => {
    for (const run of file.runs) {
      const problems = withConfig(config, () => replayTrainRun(file, run));
      assert.deepEqual(problems, [], `run of seed ${run.seed} (${run.optimizer}): ${problems.slice(0, 5).join('; ')}`);
    }
  });
}
