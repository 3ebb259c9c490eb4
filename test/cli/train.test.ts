/** `convkit train` as a user runs it (the built command, dist/cli/main.js), on the npm digits with a tiny model. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { loadSafetensors, moduleFromJSON } from '../../src/index.js';

const bin = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'convkit-train-'));
const modelFile = join(dir, 'tiny.json');
const tiny = {
  type: 'Sequential',
  layers: [
    { type: 'Conv2d', inChannels: 1, outChannels: 4, kernelSize: 3, stride: 2, bias: false }, { type: 'BatchNorm2d', numFeatures: 4 }, { type: 'ReLU' },
    { type: 'MaxPool2d', kernelSize: 2 }, { type: 'AdaptiveAvgPool2d', outputSize: 1 }, { type: 'Flatten' }, { type: 'Linear', inFeatures: 4, outFeatures: 10 },
  ],
};
writeFileSync(modelFile, JSON.stringify(tiny));

function convkit(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, 'train', ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const quick = ['--data', 'digits', '--model', modelFile, '--limit', '256', '--epochs', '2', '--batch-size', '32', '--threads', '1'];

/** A report without its timings, which vary from run to run. */
function untimed(report: { epochs: Array<Record<string, unknown>> }): { epochs: Array<Record<string, unknown>> } {
  return { ...report, epochs: report.epochs.map(({ seconds: _s, imagesPerSecond: _i, ...rest }) => rest) };
}

test('the same seed and threads give the same numbers, bit for bit; another seed does not', () => {
  const a = convkit(...quick, '--seed', '3', '--json');
  assert.equal(a.code, 0, a.stderr);
  assert.equal(a.stderr, '', 'no progress output with --json');
  const b = convkit(...quick, '--seed', '3', '--json');
  const c = convkit(...quick, '--seed', '4', '--json');
  const [ra, rb, rc] = [a, b, c].map((r) => JSON.parse(r.stdout));
  assert.deepEqual(untimed(ra), untimed(rb));
  assert.notDeepEqual(untimed(ra).epochs, untimed(rc).epochs);
  assert.equal(ra.epochs.length, 2);
  assert.equal(ra.data.train, 256);
  assert.equal(ra.model.parameters, 4 * 9 + 4 + 4 + 4 * 10 + 10);
  for (const e of ra.epochs) for (const key of ['trainLoss', 'trainAccuracy', 'testLoss', 'testAccuracy']) assert.ok(Number.isFinite(e[key]), key);
});

test('without a terminal, progress is plain lines on stderr; the table goes to stdout; --save writes loadable safetensors', () => {
  const saved = join(dir, 'tiny.safetensors');
  const r = convkit(...quick, '--save', saved);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /^epoch 1\/2 batch 2\/8: loss [\d.]+, accuracy [\d.]+%, \d+ images\/s$/m);
  assert.match(r.stderr, /^epoch 2\/2: train loss [\d.]+, accuracy [\d.]+%; test loss [\d.]+, accuracy [\d.]+%; [\d.]+ s, \d+ images\/s$/m);
  assert.doesNotMatch(r.stderr, /\r|\x1b\[/, 'no bar redraws when not a TTY');
  assert.match(r.stdout, /^model +parameters +MACs\/image +s\/epoch +train acc +test acc$/m);
  assert.match(r.stdout, /weights saved to .*tiny\.safetensors/);
  const file = loadSafetensors(readFileSync(saved));
  assert.deepEqual(JSON.parse(file.metadata.convkit_model), tiny);
  const model = moduleFromJSON(tiny);
  model.loadStateDict(file.tensors);
  assert.equal(model.stateDict()['1.num_batches_tracked'].data[0], 16);
});

test('bad arguments are one-line usage errors', () => {
  const cases: Array<[string[], RegExp]> = [
    [['--optimizer', 'rmsprop'], /--optimizer must be one of sgd, adam, adamw, got 'rmsprop'/],
    [['--epochs', '0'], /--epochs must be/],
    [['--lr=-1'], /--lr must be a positive number, got '-1'/], [['--lr', 'fast'], /--lr must be a positive number, got 'fast'/],
    [['--model', join(dir, 'missing.json')], /--model must be standard, separable, grouped, dilated or a JSON file; cannot read/],
    [['--data', join(dir, 'nowhere')], /--data must be fashion-mnist, digits or a directory/],
  ];
  for (const [args, message] of cases) {
    const r = convkit(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, message);
  }
});
