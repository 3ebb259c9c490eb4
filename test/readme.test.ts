/**
 * Runs every ```js block of README.md against the built package (imported as 'convkit') and checks
 * that each line it prints equals the `// -> expected` comment of the line that printed it, in order;
 * and runs every ```console block's `$ npx convkit ...` command, checking it prints the block's output.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
const blocks = [...readme.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1]);

test('README has runnable examples', () => {
  assert.ok(blocks.length >= 4, `found ${blocks.length} js blocks`);
});

blocks.forEach((code, i) => {
  const firstLine = code.split('\n').find((line) => line.startsWith('import')) ?? '';
  test(`README example ${i + 1} (${firstLine.slice(0, 60)}) prints what its comments say`, () => {
    const expected = [...code.matchAll(/\/\/ -> (.*)$/gm)].map((m) => m[1].trim());
    assert.ok(expected.length > 0, 'every example states what it prints');
    const stdout = execFileSync(process.execPath, ['--input-type=module', '-e', code], { cwd: root, encoding: 'utf8' });
    assert.deepEqual(stdout.trimEnd().split('\n'), expected);
  });
});

const sessions = [...readme.matchAll(/```console\n\$ npx convkit (.*)\n([\s\S]*?)```/g)].map((m) => ({ args: m[1], output: m[2] }));

test('README shows each convkit command', () => {
  assert.deepEqual([...new Set(sessions.map((s) => s.args.split(' ')[0]))].sort(), ['compare', 'rf', 'summary']);
});

for (const { args, output } of sessions) {
  test(`README: convkit ${args}`, () => {
    const stdout = execFileSync(process.execPath, ['dist/cli/main.js', ...args.split(' ')], { cwd: root, encoding: 'utf8' });
    assert.equal(stdout, output);
  });
}
