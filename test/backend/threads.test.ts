/** The thread-count policy: more threads than cores are allowed, as PyTorch and onnxruntime allow them, with one warning. */
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { test } from 'node:test';
import { threadsUnsupported } from '../../src/backend/wasm/pool.js';
import { getNumThreads, setNumThreads } from '../../src/index.js';

function warningsOf(run: () => void): Promise<string[]> {
  const seen: string[] = [];
  const listener = (w: Error) => { if (w.name === 'ConvkitWarning') seen.push(w.message); };
  process.on('warning', listener);
  run();
  // process.emitWarning delivers on the next tick
  return new Promise((resolve) => setImmediate(() => { process.off('warning', listener); resolve(seen); }));
}

test('setNumThreads past the cores warns once per count, and is honoured', async () => {
  const saved = getNumThreads();
  const cores = availableParallelism();
  const over = cores + 1;
  try {
    const first = await warningsOf(() => setNumThreads(over));
    assert.deepEqual(first, [`convkit: setNumThreads(${over}) is more than the ${cores} cores this host reports: threads that share a core slow every op (each waits for its slowest thread)`]);
    assert.equal(getNumThreads(), over);
    assert.deepEqual(await warningsOf(() => setNumThreads(over)), [], 'a second time says nothing');
    assert.deepEqual(await warningsOf(() => setNumThreads(cores)), [], 'up to the cores is quiet');
    assert.throws(() => setNumThreads(0), /^ConvkitArgumentError: setNumThreads: n must be a positive integer, got 0$/);
    assert.throws(() => setNumThreads(2 ** 31), new RegExp(`^ConvkitArgumentError: setNumThreads: n must be at most ${Math.max(256, cores)} \\(256, or the host's cores where more\\), got 2147483648$`));
  } finally {
    setNumThreads(saved);
  }
});

test('a Node without process.getBuiltinModule (before 20.16) is told why it runs one thread', () => {
  const host = process as { getBuiltinModule?: unknown };
  const saved = host.getBuiltinModule;
  delete host.getBuiltinModule;
  try {
    assert.equal(threadsUnsupported(), `threads need Node 20.16 or later (process.getBuiltinModule), this is Node ${process.versions.node}`);
  } finally {
    host.getBuiltinModule = saved;
  }
  assert.equal(threadsUnsupported(), null);
});
