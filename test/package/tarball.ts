/**
 * The package as a user gets it: `npm pack`'s tarball unpacked into fresh projects (as `npm install`
 * would), then `require('convkit')` from CommonJS, `import` from ESM, the CLI from its bin, and the types
 * under TypeScript's `nodenext` (a .cts and a .mts file) and `bundler` resolution, with skipLibCheck off.
 * Runs on the built dist/ (`npm run test:package` builds it when stale). Offline: runtime dependencies,
 * if any, are linked from this checkout's node_modules.
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../..', import.meta.url));
const tsc = join(root, 'node_modules/typescript/bin/tsc');
const work = mkdtempSync(join(tmpdir(), 'convkit-package-'));
let tarball = '';
let packed: string[] = [];

/** A fresh project with `files` and convkit installed from the tarball. */
function project(name: string, files: Record<string, string>): string {
  const dir = join(work, name);
  const modules = join(dir, 'node_modules');
  mkdirSync(join(modules, 'convkit'), { recursive: true });
  execFileSync('tar', ['-xzf', tarball, '-C', join(modules, 'convkit'), '--strip-components=1']);
  const { dependencies = {} } = JSON.parse(readFileSync(join(modules, 'convkit/package.json'), 'utf8')) as { dependencies?: Record<string, string> };
  for (const dep of Object.keys(dependencies)) {
    mkdirSync(dirname(join(modules, dep)), { recursive: true });
    symlinkSync(join(root, 'node_modules', dep), join(modules, dep), 'dir');
  }
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const run = (dir: string, ...args: string[]) => execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

/** Type-checks `dir`'s files with `compilerOptions`; returns tsc's output (empty when clean). */
function typecheck(dir: string, compilerOptions: Record<string, unknown>, files: string[]): string {
  writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify({ compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, types: [], ...compilerOptions }, files }));
  try {
    execFileSync(process.execPath, [tsc, '-p', dir], { encoding: 'utf8' });
    return '';
  } catch (e) {
    return (e as { stdout: string }).stdout;
  }
}

const USE = `const y = conv2d(ones([1, 1, 3, 3]), ones([1, 1, 3, 3]));
const first = y.data[0];
console.log(y.shape.join('x'), first);`;
/** What the TypeScript files add: the types must be the library's, not any. */
const TYPED = `const n: number = first;\nconst shape: readonly number[] = y.shape;\nexport { n, shape };\ndeclare const console: { log(...a: unknown[]): void };\n`;

before(() => {
  const out = execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', work], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  const [info] = JSON.parse(out) as Array<{ filename: string; files: Array<{ path: string }> }>;
  tarball = join(work, info.filename);
  packed = info.files.map((f) => f.path);
});

after(() => rmSync(work, { recursive: true, force: true }));

test('the tarball holds the built library, its types, LICENSE and README, and no source maps', () => {
  for (const file of ['package.json', 'LICENSE', 'README.md', 'dist/index.js', 'dist/index.d.ts', 'dist/cli/main.js']) assert.ok(packed.includes(file), file);
  assert.deepEqual(packed.filter((f) => f.endsWith('.map')), [], 'maps would point at src/, which is not shipped');
  const kernels = packed.find((f) => f.endsWith('kernels.generated.d.ts'));
  assert.ok(kernels !== undefined);
  const declaration = readFileSync(join(root, kernels), 'utf8');
  assert.ok(declaration.length < 500, `the kernels' declaration is ${declaration.length} characters`);
});

test('require() from a fresh CommonJS project, and the bin', () => {
  const dir = project('cjs', {
    'package.json': '{"name": "cjs", "type": "commonjs"}',
    'index.js': `const { conv2d, ones } = require('convkit');\n${USE}`,
  });
  assert.equal(run(dir, 'index.js'), '1x1x1x1 9\n');
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version: string };
  assert.equal(run(dir, 'node_modules/convkit/dist/cli/main.js', '--version'), `${version}\n`);
});

test('import from a fresh ESM project', () => {
  const dir = project('esm', {
    'package.json': '{"name": "esm", "type": "module"}',
    'index.js': `import { conv2d, ones } from 'convkit';\n${USE}`,
  });
  assert.equal(run(dir, 'index.js'), '1x1x1x1 9\n');
});

test('TypeScript resolves the types under nodenext (CommonJS and ESM files) and bundler', () => {
  const nodenext = project('ts-nodenext', {
    'package.json': '{"name": "ts-nodenext"}',
    'a.cts': `import convkit = require('convkit');\nconst { conv2d, ones } = convkit;\n${USE}\n${TYPED}`,
    'b.mts': `import { conv2d, ones } from 'convkit';\n${USE}\n${TYPED}`,
  });
  assert.equal(typecheck(nodenext, { module: 'nodenext', moduleResolution: 'nodenext', target: 'es2022' }, ['a.cts', 'b.mts']), '');
  const bundler = project('ts-bundler', {
    'package.json': '{"name": "ts-bundler", "type": "module"}',
    'index.ts': `import { conv2d, ones, type Tensor } from 'convkit';\n${USE}\nexport const t: Tensor = y;\n${TYPED}`,
  });
  assert.equal(typecheck(bundler, { module: 'esnext', moduleResolution: 'bundler', target: 'es2022' }, ['index.ts']), '');
  // the check can fail: a wrong export is reported
  writeFileSync(join(bundler, 'bad.ts'), `import { conv3d } from 'convkit';\nexport const f = conv3d;\n`);
  assert.match(typecheck(bundler, { module: 'esnext', moduleResolution: 'bundler' }, ['bad.ts']), /has no exported member named 'conv3d'/);
  assert.ok(readdirSync(bundler).includes('node_modules'));
});
