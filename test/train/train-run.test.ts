import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CONFIGS, withConfig } from '../support/backends.js';
import { loadTrainRuns, replayTrainRun } from '../support/train-runs.js';

const file = loadTrainRuns(new URL('../fixtures/torch-train-run.json', import.meta.url).pathname);

for (const config of CONFIGS) {
  test(`${file.runs.length} whole training runs repeat torch's step for step (${config.name})`, () => {
    for (const run of file.runs) {
      const problems = withConfig(config, () => replayTrainRun(file, run));
      assert.deepEqual(problems, [], `run of seed ${run.seed} (${run.optimizer}): ${problems.slice(0, 5).join('; ')}`);
    }
  });
}
