// `npm run playground [-- --port N] [-- --no-isolation]`: builds the playground and serves it on
// localhost, cross-origin isolated (threads) unless --no-isolation (one thread, as a plain static host).
import { parseArgs } from 'node:util';

const { values } = parseArgs({
  options: { port: { type: 'string', default: '5173' }, 'no-isolation': { type: 'boolean', default: false }, help: { type: 'boolean', short: 'h' } },
});
if (values.help) {
  console.log('usage: npm run playground [-- --port N] [-- --no-isolation]');
  process.exit(0);
}
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535) {
  console.error(`playground: --port must be an integer from 0 to 65535, got ${values.port}`);
  process.exit(2);
}
const { buildPlayground } = await import('./build.mjs');
await buildPlayground();
const { serve } = await import('./server.mjs');
const isolated = !values['no-isolation'];
try {
  const { url } = await serve({ port, isolated });
  console.log(`convkit playground: ${url} (${isolated ? 'cross-origin isolated: convkit runs on several threads in a worker' : 'not isolated: one thread'}; Ctrl-C stops it)`);
} catch (e) {
  console.error(`playground: cannot listen on port ${port}: ${e.message} (choose another with --port)`);
  process.exit(1);
}
