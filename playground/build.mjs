// Builds the playground into playground/dist with Vite, after convkit itself (dist/, rebuilt only when
// its sources are newer) and the playground's dependencies (installed on demand).
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

function run(args, cwd) {
  const r = spawnSync(process.execPath, args, { cwd, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}

/** Installs what is missing, builds convkit if stale, then the playground; `quiet` keeps Vite's report short. */
export async function buildPlayground({ quiet = false } = {}) {
  run([fileURLToPath(new URL('../tools/install-deps.mjs', import.meta.url)), 'playground'], root);
  run([fileURLToPath(new URL('../tools/build-if-stale.mjs', import.meta.url))], root);
  const { build } = await import('vite');
  await build({ configFile: fileURLToPath(new URL('vite.config.js', import.meta.url)), logLevel: quiet ? 'warn' : 'info' });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildPlayground();
