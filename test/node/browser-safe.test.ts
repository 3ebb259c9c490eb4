/**
 * The main entry stays browser-safe: nothing src/index.ts reaches imports a `node:` module or a file of
 * src/node/ (the Node-only entry `convkit/node`), and src/node/ is left out of the browser build.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';

const SRC = fileURLToPath(new URL('../../src/', import.meta.url));
const IMPORT = /(?:^|\n)\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|import\(\s*'([^']+)'\s*\)|(?:^|\n)\s*import\s+'([^']+)'/g;

/** Every source file that `entry` reaches through static or dynamic imports, with what each imports. */
function reached(entry: string): Map<string, string[]> {
  const files = new Map<string, string[]>();
  const visit = (file: string) => {
    if (files.has(file)) return;
    const specifiers = [...readFileSync(file, 'utf8').matchAll(IMPORT)].map((m) => m[1] ?? m[2] ?? m[3]);
    files.set(file, specifiers);
    for (const s of specifiers) if (s.startsWith('.')) visit(join(dirname(file), s).replace(/\.js$/, '.ts'));
  };
  visit(entry);
  return files;
}

test('src/index.ts reaches no node: module and no file of src/node/', () => {
  const files = reached(join(SRC, 'index.ts'));
  assert.ok(files.has(join(SRC, 'io', 'idx.ts')) && files.has(join(SRC, 'data', 'loader.ts')));
  for (const [file, specifiers] of files) {
    const name = relative(SRC, file);
    assert.ok(!name.startsWith('node/'), `${name} is Node-only`);
    for (const s of specifiers) assert.ok(!s.startsWith('node:'), `${name} imports ${s}`);
  }
  assert.ok([...reached(join(SRC, 'node', 'index.ts')).values()].flat().includes('node:zlib'));
  const build = JSON.parse(readFileSync(join(SRC, '..', 'tsconfig.build.json'), 'utf8')) as { exclude: string[] };
  assert.ok(build.exclude.includes('src/node'));
});
