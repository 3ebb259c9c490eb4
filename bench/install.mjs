// Installs the benchmark's peers (bench/package.json: onnxruntime, TensorFlow.js) into bench/node_modules
// when any is missing or at another version, so that `npm run bench*` works from a fresh clone while
// convkit's own `npm install` leaves them out (they are about 500 MB).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const dir = new URL('./', import.meta.url);
const { dependencies } = JSON.parse(readFileSync(new URL('package.json', dir), 'utf8'));

function installed(name) {
  try {
    return JSON.parse(readFileSync(new URL(`node_modules/${name}/package.json`, dir), 'utf8')).version;
  } catch {
    return null;
  }
}

const stale = Object.entries(dependencies).filter(([name, version]) => installed(name) !== version);
if (stale.length > 0) {
  console.error(`bench: installing its peers into bench/node_modules (${stale.map(([name]) => name).join(', ')})`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
