// `npm start`'s pre-step: runs `npm run build` only when something the build reads (src/, the tsconfig
// files, package.json, the build scripts) is newer than its output, so a second `npm start` starts at once.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

const outputs = ['dist/index.js', 'dist/cli/main.js'];
const inputs = ['src', 'tsconfig.json', 'tsconfig.build.json', 'tsconfig.cli.json', 'package.json', 'tools/build-wasm.mjs'];

/** The newest modification time under `path` (a file or a directory), or -Infinity where it is missing. */
function newest(path) {
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return -Infinity;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newest(join(path, name))));
}

const built = Math.min(...outputs.map((path) => (newest(path) === -Infinity ? -Infinity : statSync(path).mtimeMs)));
// src/ holds the generated kernel module too: the build writes it before tsc runs, so a finished build is newer
const changed = Math.max(...inputs.map(newest));
if (changed > built) {
  const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
  const r = spawnSync(npm, ['run', 'build', '--silent'], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}
