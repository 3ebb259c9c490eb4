// Installs the playground's own dependencies (playground/package.json: Vite, Observable Plot, and
// playwright-core for its browser test) into playground/node_modules when any is missing or at another
// version, so that `npm run playground` and `npm test` work from a fresh clone while convkit's own
// `npm install` leaves them out.
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
  console.error(`playground: installing its dependencies into playground/node_modules (${stale.map(([name]) => name).join(', ')})`);
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['ci', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: dir, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
