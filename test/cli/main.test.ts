/** Runs the built `convkit` command (dist/cli/main.js) as a user would, and checks output and exit codes. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const bin = fileURLToPath(new URL('../../dist/cli/main.js', import.meta.url));

function convkit(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [bin, ...args], { encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A bad invocation: exit code 2, nothing on stdout, one line on stderr matching `message`. */
function assertUsageError(args: string[], message: RegExp): void {
  const r = convkit(...args);
  assert.equal(r.code, 2, `${args.join(' ')}: exit code`);
  assert.equal(r.stdout, '');
  assert.equal(r.stderr.trimEnd().split('\n').length, 1, `one line: ${r.stderr}`);
  assert.match(r.stderr.trimEnd(), message);
}

test('convkit --help lists the commands; no command is a usage error', () => {
  const r = convkit('--help');
  assert.equal(r.code, 0);
  for (const command of ['demo', 'summary', 'compare', 'rf']) assert.match(r.stdout, new RegExp(`^  ${command} `, 'm'));
  assert.equal(convkit().code, 2);
  assertUsageError(['fly'], /^convkit: unknown command 'fly'; expected one of demo, summary, compare, rf/);
  assertUsageError(['constructor'], /^convkit: unknown command 'constructor'/);
});

test('convkit demo prints the four examples; --json gives the same figures', () => {
  const r = convkit('demo');
  assert.equal(r.code, 0);
  for (const shape of ['(1, 128, 32, 32)', '(1, 1, 3, 3)', '(1, 64, 32, 32)']) assert.ok(r.stdout.includes(shape), shape);
  const json = JSON.parse(convkit('demo', '--json').stdout);
  assert.deepEqual(json.map((e: { layer: { outputShape: number[] } }) => e.layer.outputShape), [[1, 128, 32, 32], [1, 1, 3, 3], [1, 64, 32, 32], [1, 128, 32, 32]]);
  assertUsageError(['demo', '--fast'], /^convkit demo: unknown option '--fast' \(see convkit demo --help\)$/);
  assertUsageError(['demo', 'extra'], /^convkit demo: unexpected argument 'extra'$/);
});

test('convkit summary reads a model written by Sequential.toJSON()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'convkit-'));
  const model = join(dir, 'model.json');
  writeFileSync(model, JSON.stringify({ type: 'Sequential', layers: [
    { type: 'Conv2d', inChannels: 3, outChannels: 32, kernelSize: 3, stride: 2, padding: 1 }, { type: 'ReLU' },
    { type: 'DepthwiseSeparableConv2d', inChannels: 32, outChannels: 64 },
  ] }));
  const r = convkit('summary', model, '--input', '1,3,224,224');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /├─Conv2d: 0 +3, 32, k=3, s=2, p=1 +\[1, 32, 112, 112\] +896 +10,838,016 +3x3 +2x2/);
  assert.match(r.stdout, /^Total params: 3,328$/m);
  const json = JSON.parse(convkit('summary', model, '--input', '1,3,224,224', '--json').stdout);
  assert.equal(json.totals.parameters, 896 + 32 * 9 + 32 + 64 * 32 + 64);
  assertUsageError(['summary', model], /^convkit summary: --input is required/);
  assertUsageError(['summary', '--input', '1,3,8,8'], /^convkit summary: MODEL.json is required/);
  assertUsageError(['summary', join(dir, 'missing.json'), '--input', '1,3,8,8'], /^convkit summary: cannot read .*missing.json: ENOENT$/);
  assertUsageError(['summary', model, '--input', '1,3,x'], /^convkit summary: --input must be comma-separated integers >= 0, got '1,3,x'$/);
  assertUsageError(['summary', model, '--input', '1,4,32,32'], /^convkit summary: conv2d: weight.shape\[1\]=3 must equal in_channels\/groups=4/);
  writeFileSync(model, '{"type": "Sequential", "layers": [{"type": "Pool"}]}');
  assertUsageError(['summary', model, '--input', '1,3,8,8'], /^convkit summary: Sequential.fromJSON: layer 0: unknown layer type 'Pool'/);
});

test('convkit compare shows each variant with ratios and closed forms', () => {
  const r = convkit('compare', '--in', '64', '--out', '128', '--kernel', '3', '--input', '1,64,32,32');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^depthwise-separable +\[1, 128, 32, 32\] +8,960 +8,978,432 +0\.1213 +0\.1189 +0\.1189 +1\/C_out \+ 1\/k\^2 = 1\/128 \+ 1\/9$/m);
  const json = JSON.parse(convkit('compare', '--in', '8', '--out', '8', '--kernel', '3', '--input', '1,8,8,8', '--stride', '2', '--json').stdout);
  assert.deepEqual(json.variants.map((v: { name: string }) => v.name), ['standard', 'grouped G=2', 'grouped G=4', 'depthwise', 'depthwise-separable']);
  assert.deepEqual(json.variants[0].outputShape, [1, 8, 4, 4]);
  assertUsageError(['compare', '--in', '64', '--out', '128', '--kernel', '3'], /^convkit compare: --input is required/);
  assertUsageError(['compare', '--in', '0', '--out', '1', '--kernel', '3', '--input', '1,1,4,4'], /^convkit compare: --in must be comma-separated integers >= 1, got '0'$/);
  assertUsageError(['compare', '--in', '4', '--out', '4', '--kernel', '3,3', '--input', '1,4,8,8'], /^convkit compare: --kernel must be one integer >= 1, got '3,3'$/);
  assertUsageError(['compare', '--in', '4', '--out', '4', '--kernel', '3', '--input', '1,5,8,8'], /^convkit compare: compare: inputShape must be \(N, 4, H, W\)/);
  assertUsageError(['compare', '--in'], /^convkit compare: Option '--in <value>' argument missing/);
});

test('convkit rf draws the coverage map: 2,2,2 has holes, 1,2,5 has none', () => {
  const gridded = convkit('rf', '--kernel', '3', '--dilation', '2,2,2');
  assert.equal(gridded.code, 0);
  assert.match(gridded.stdout, /^\. \. \. \. \. \. \. \. \. \. \. \. \.$/m);
  assert.match(gridded.stdout, /gridding: 120 of 169 positions are holes/);
  assert.match(gridded.stdout, /common factor: 2 -> not satisfied/);
  const hybrid = convkit('rf', '--kernel', '3', '--dilation', '1,2,5');
  assert.match(hybrid.stdout, /coverage of one output position \(17x17/);
  assert.match(hybrid.stdout, /no holes: every one of the 289 positions is reached/);
  const grid = hybrid.stdout.split('\n').filter((line) => /^[#.]( [#.])*$/.test(line));
  assert.equal(grid.length, 17);
  assert.ok(grid.every((line) => !line.includes('.')), 'no hole is drawn');
  const json = JSON.parse(convkit('rf', '--kernel', '3,5', '--dilation', '1,2', '--stride', '2,1', '--json').stdout);
  assert.deepEqual(json.receptiveFields.map((f: { size: number[] }) => f.size[0]), [3, 3 + 8 * 2]);
  assert.equal(json.hdc, null, 'the rule needs one kernel size and stride 1');
  assertUsageError(['rf', '--kernel', '3'], /^convkit rf: --dilation is required/);
  assertUsageError(['rf', '--kernel', '3,3', '--dilation', '1,2,5'], /^convkit rf: --kernel takes one value or one per layer \(3\), got 2$/);
  assertUsageError(['rf', '--kernel', '3', '--dilation', '1,0'], /^convkit rf: --dilation must be comma-separated integers >= 1, got '1,0'$/);
});

test('convkit --version prints the package version', () => {
  const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  for (const flag of ['--version', '-v']) {
    const r = convkit(flag);
    assert.equal(r.code, 0);
    assert.equal(r.stdout, `${version}\n`);
  }
});

test('every CLI error is one line with exit code 2: a value starting with a dash, an input of the wrong rank', () => {
  assertUsageError(['compare', '--in', '-1', '--out', '4', '--kernel', '3', '--input', '1,4,8,8'], /^convkit compare: Option '--in' argument is ambiguous: a value that starts with a dash is written --in=VALUE \(see convkit compare --help\)$/);
  assertUsageError(['compare', '--in=-1', '--out', '4', '--kernel', '3', '--input', '1,4,8,8'], /^convkit compare: --in must be comma-separated integers >= 1, got '-1'$/);
  assertUsageError(['compare', '--in', '3', '--out', '4', '--kernel', '3', '--input', '1,3,224'], /^convkit compare: --input must be 4 sizes N,C,H,W \(a batched input\), got 3: '1,3,224'$/);
  assertUsageError(['summary', 'examples/mobile-block.json', '--input', '1,3,224,224,1'], /^convkit summary: --input must be 4 sizes N,C,H,W \(a batched input\), got 5/);
});

test('convkit rf stays bounded: a large map is summarised, one past the limit refused in one line', () => {
  const large = convkit('rf', '--kernel', '3', '--dilation', '100,200,300');
  assert.equal(large.code, 0, large.stderr);
  assert.match(large.stdout, /^coverage of one output position: 1201x1201, not drawn \(more than 100 on a side\)$/m);
  assert.match(large.stdout, /^gridding: 1442232 of 1442401 positions are holes$/m);
  assert.ok(large.stdout.length < 2000, `${large.stdout.length} characters`);
  const json = JSON.parse(convkit('rf', '--kernel', '3', '--dilation', '100,200,300', '--json').stdout);
  assert.deepEqual(json.coverage, { size: [1201, 1201], holes: 1442232 });
  assertUsageError(['rf', '--kernel', '3', '--dilation', '1000,2000,3000,4000'], /^convkit rf: coverageMap: the receptive field is 20001x20001, more than the 4194304 positions \(2048x2048\) a coverage map may hold/);
  assertUsageError(['rf', '--kernel', '3', '--dilation', '99999999999'], /^convkit rf: coverageMap: the coverage map of these 1 layers spans more than/);
});
