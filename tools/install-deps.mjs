// Installs a sub-project's own dependencies (DIR/package.json, with its lock file) into DIR/node_modules
// when any is missing or at another version: `node tools/install-deps.mjs bench` (onnxruntime and
// TensorFlow.js, about 500 MB) or `... playground` (Vite, Observable Plot, playwright-core). So
// `npm run bench*` and the playground work from a fresh clone while convkit's own `npm install` leaves
// them out.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const name = process.argv[2];
if (name === undefined) {
  console.error('usage: node tools/install-deps.mjs DIR (bench or playground)');
  process.exit(2);
}
const dir = new URL(`../${name}/`, import.meta.url);
const { dependencies } = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8'));

function installed(dependency) {
  try {
    return JSON.parse(readFileSync(new URL(`node_modules/${dependency}/package.json`, dir), 'utf8')).version;
  } catch {
    return null;
  }
}

const stale = Object.entries(dependencies).filter(([dependency, version]) => installed(dependency) !== version);
if (stale.length > 0) {
  console.error(`${name}: installing its dependencies into ${name}/node_modules (${stale.map(([dependency]) => dependency).join(', ')})`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
