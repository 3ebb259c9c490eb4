/**
 * Runs one contender configuration of the training bench in its own process, one after another, never
 * two at once: convkit and tfjs in a Node child (child.ts, forked like the other benches' children),
 * PyTorch in a Python child (peers/torch_train.py). Collects the cells and measures the machine's other
 * load meanwhile (machine busy time less the child's own CPU time, over wall time).
 */
import { spawn } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { machineBusyMs } from '../machine.js';
import { forkBench } from '../parent.js';
import { PYTHON } from '../peers/torch.js';
import type { CellResult, ChildMessage, ContenderSpec, TrainRequest } from './cells.js';

const TORCH_SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'peers', 'torch_train.py');
/** A child that runs longer than this is stuck. */
const CHILD_TIMEOUT_MS = 15 * 60_000;

export function contenderId(spec: ContenderSpec): string {
  return `${spec.kind}-${spec.threads}t`;
}

export function contenderLabel(spec: ContenderSpec): string {
  return `${{ convkit: 'convkit', torch: 'PyTorch', tfjs: 'tfjs' }[spec.kind]} ${spec.threads}T`;
}

export interface ChildRun {
  readonly cells: CellResult[];
  readonly info: Array<Record<string, unknown>>;
  /** Cores kept busy by other processes while the child ran; null if it did not report its CPU time. */
  readonly otherLoad: number | null;
  /** A failure of the whole child (start-up, exit before reporting). */
  readonly error?: string;
}

/** PyTorch's child: one JSON line per message on stdout, stderr passed on with `tag`. */
function runPython(request: TrainRequest, tag: string, onMessage: (m: ChildMessage) => void): Promise<{ code: number | null; signal: NodeJS.Signals | null; spawnError?: string }> {
  return new Promise((done) => {
    // torch.set_num_threads sets OpenMP's threads, not a BLAS's own (as peers/torch.ts says).
    const threads = String(request.spec.threads);
    const env = { ...process.env, OPENBLAS_NUM_THREADS: threads, OMP_NUM_THREADS: threads };
    const child = spawn(PYTHON, [TORCH_SCRIPT, JSON.stringify(request)], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let spawnError: string | undefined;
    child.on('error', (err) => {
      spawnError = `cannot run ${PYTHON}: ${err.message} (PyTorch: apt install python3-torch, or set CONVKIT_TORCH_PYTHON)`;
    });
    createInterface({ input: child.stdout }).on('line', (line) => {
      try {
        onMessage(JSON.parse(line) as ChildMessage);
      } catch {
        process.stderr.write(`  [${tag}] ${line}\n`);
      }
    });
    createInterface({ input: child.stderr }).on('line', (line) => process.stderr.write(`  [${tag}] ${line}\n`));
    const timer = setTimeout(() => child.kill(), CHILD_TIMEOUT_MS);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal, spawnError });
    });
  });
}

function describe(result: CellResult): string {
  const where = `${result.model} b${result.batch}`;
  if (result.error !== undefined) return `${where}: ERROR ${result.error}`;
  if (result.na !== undefined) return `${where}: n/a (${result.na})`;
  if (result.skipped !== undefined) return `${where}: skipped, projected ${(result.skipped.projectedMs / 1000).toFixed(0)} s a step`;
  const ms = result.medianMs ?? NaN;
  return `${where}: ${ms.toPrecision(4)} ms a step, ${((result.batch * 1000) / ms).toPrecision(4)} images/s` +
    ` (${result.stepMs?.length} timed steps; loss ${result.firstLoss?.toPrecision(6)} -> ${result.lastLoss?.toPrecision(6)})`;
}

export async function runContender(request: TrainRequest): Promise<ChildRun> {
  const id = contenderId(request.spec);
  const cells: CellResult[] = [];
  const info: Array<Record<string, unknown>> = [];
  let childError: string | undefined;
  let cpuMs: number | null = null;
  const onMessage = (raw: unknown) => {
    const message = raw as ChildMessage;
    switch (message.type) {
      case 'cell':
        cells.push(message.result);
        process.stderr.write(`  ${id.padEnd(11)} ${describe(message.result)}\n`);
        return;
      case 'info':
        info.push(message.info);
        return;
      case 'error':
        childError = message.message;
        process.stderr.write(`  ${id} ERROR ${message.message}\n`);
        return;
      case 'done':
        cpuMs = message.cpuMs;
    }
  };
  const busyStart = machineBusyMs();
  const wallStart = performance.now();
  const exit: { code: number | null; signal: NodeJS.Signals | null; spawnError?: string } = request.spec.kind === 'torch'
    ? await runPython(request, id, onMessage)
    : await forkBench('train/child.ts', [JSON.stringify(request)], id, onMessage);
  const wallMs = performance.now() - wallStart;
  const otherLoad = cpuMs === null ? null : Math.max(0, (machineBusyMs() - busyStart - cpuMs) / wallMs);
  if (cells.length < request.cells.length && childError === undefined) {
    childError = exit.spawnError ?? `the child exited (${exit.signal ?? `code ${exit.code}`}) before reporting every cell`;
  }
  return { cells, info, otherLoad, error: childError };
}
