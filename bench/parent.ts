/**
 * The parent's side of the child processes (child.ts): runs one contender configuration, collects its
 * per-workload results, measures the machine's other load meanwhile, and folds repeated rounds into one
 * cell. Shared by the forward bench (run.ts) and the backward one (backward/run.ts).
 */
import { fork } from 'node:child_process';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkAny, type Check, type Output } from './check.js';
import type { ChildMessage, ChildRequest } from './child.js';
import { contenderId, contenderLabel, type ContenderSpec } from './contender.js';
import { machineBusyMs } from './machine.js';
import { gflops, type CellResult } from './report.js';
import { macs, workloadById, type Workload } from './workloads.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
/** A child that runs longer than this is stuck (the slowest full child, convkit reference, takes well under a minute). */
const CHILD_TIMEOUT_MS = 15 * 60_000;

export interface ChildRun {
  readonly cells: Map<string, CellResult & { output?: Output }>;
  /**
   * Cores kept busy by anything other than this child while it ran (machine busy time minus the
   * child's own CPU time, over wall time); null if the child did not report. Another process taking a
   * core halves every 2-thread figure on a 2-vCPU machine, so it is measured, not guessed.
   */
  readonly otherLoad: number | null;
}

/** Forks `script` (a file in bench/) with `args`, its output prefixed with `tag` on stderr; `onMessage` gets its IPC messages. */
export function forkBench(script: string, args: readonly string[], tag: string, onMessage: (message: unknown) => void, execArgv: readonly string[] = []): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  return new Promise((done) => {
    // execArgv is inherited, so the child also runs under `--import tsx`.
    const child = fork(resolve(BENCH_DIR, script), [...args], {
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
      execArgv: [...process.execArgv, ...execArgv],
    });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') process.stderr.write(`  [${tag}] ${line}\n`);
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    const timer = setTimeout(() => child.kill(), CHILD_TIMEOUT_MS);
    child.on('message', onMessage);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      done({ code, signal });
    });
  });
}

/**
 * Which child script serves a bench's workloads, and their MACs (for GFLOP/s): the layer workloads by
 * default; the whole networks of `npm run bench:models` in models/child.ts, which speaks the same messages.
 */
export interface ChildSuite {
  /** A file in bench/, forked with the request as its first argument and `args` after it. */
  readonly script: string;
  readonly args?: readonly string[];
  macs(workload: string): number;
}

const LAYER_SUITE: ChildSuite = { script: 'child.ts', macs: (id) => macs(workloadById(id)) };

/** Runs one configuration in a child process; resolves with its per-workload results (errors included, never rejects). */
export async function runChild(request: ChildRequest, suite: ChildSuite = LAYER_SUITE): Promise<ChildRun> {
  const id = contenderId(request.spec);
  const pass = request.spec.pass ?? 'forward';
  const cells = new Map<string, CellResult & { output?: Output }>();
  const busyStart = machineBusyMs();
  const wallStart = performance.now();
  let childCpuMs: number | null = null;
  const { code, signal } = await forkBench(suite.script, [JSON.stringify(request), ...(suite.args ?? [])], id, (raw) => {
    const message = raw as ChildMessage;
    switch (message.type) {
      case 'done':
        childCpuMs = message.cpuMs;
        return;
      case 'error': {
        const targets = message.workload === null ? request.workloads : [message.workload];
        for (const w of targets) cells.set(w, { error: message.message });
        process.stderr.write(`  ${id} ${message.workload ?? 'start-up'}: ${message.message}\n`);
        return;
      }
      case 'na':
        cells.set(message.workload, { na: message.message });
        process.stderr.write(`  ${id.padEnd(20)} ${message.workload.padEnd(5)} n/a: ${message.message}\n`);
        return;
      case 'skipped':
        cells.set(message.workload, { skipped: { projectedMs: message.projectedMs, reason: message.message } });
        process.stderr.write(`  ${id.padEnd(20)} ${message.workload.padEnd(5)} ${message.message}\n`);
        return;
      case 'result': {
        const t = message.timing;
        const rate = t === undefined ? undefined : gflops(suite.macs(message.workload), t.medianMs, pass);
        cells.set(message.workload, {
          timing: t, gflops: rate, emulated: message.emulated, threads: message.threads, backend: message.backend, output: message.output,
        });
        const timed = t === undefined || rate === undefined
          ? 'checked output, untimed'
          : `${t.medianMs.toPrecision(3).padStart(8)} ms ${rate.toPrecision(3).padStart(7)} GFLOP/s` +
            `  (${t.samples} samples x ${t.callsPerSample} calls, ${t.warmupCalls} warm-up)`;
        process.stderr.write(`  ${id.padEnd(20)} ${message.workload.padEnd(5)} ${timed}\n`);
      }
    }
  });
  for (const w of request.workloads) {
    if (!cells.has(w)) cells.set(w, { error: `child exited (${signal ?? `code ${code}`}) before reporting` });
  }
  const wallMs = performance.now() - wallStart;
  const otherLoad = childCpuMs === null ? null : Math.max(0, (machineBusyMs() - busyStart - childCpuMs) / wallMs);
  return { cells, otherLoad };
}

/** The worse of two checks: a failure in any round makes the cell WRONG. */
function worseCheck(a: Check | undefined, b: Check | undefined): Check | undefined {
  if (a === undefined || b === undefined) return a ?? b;
  if (a.ok !== b.ok) return a.ok ? b : a;
  return a.maxAbsErr >= b.maxAbsErr ? a : b;
}

/**
 * Folds one more process's result into a cell. The cell keeps the lowest median: a slow process (bad
 * memory placement, a neighbour on the host) is slow throughout, and nothing makes a process faster
 * than the machine allows, so across processes the noise is one-sided. An error in any round is kept.
 */
export function mergeRound(previous: CellResult | undefined, next: CellResult): CellResult {
  const medians = [...(previous?.medians ?? []), ...(next.timing ? [next.timing.medianMs] : [])];
  if (previous === undefined) return { ...next, medians };
  const check = worseCheck(previous.check, next.check);
  if (previous.error !== undefined || next.error !== undefined) return { ...(previous.error !== undefined ? previous : next), check, medians };
  const faster = (next.timing?.medianMs ?? Infinity) < (previous.timing?.medianMs ?? Infinity) ? next : previous;
  return { ...faster, check, medians };
}

export interface Rounds {
  /** In run order. */
  readonly specs: readonly ContenderSpec[];
  /** Runs first, so that every later output is checked as it arrives and then dropped; one of `specs` or not. */
  readonly reference?: ContenderSpec;
  /** The reference makes one untimed call per workload, in the first round only (it is the oracle, not a contender). */
  readonly untimedReference?: boolean;
  readonly workloads: readonly Pick<Workload, 'id'>[];
  readonly quick: boolean;
  readonly repeat: number;
  /** The child script and its workloads (default: the layer workloads, child.ts). */
  readonly suite?: ChildSuite;
  /** ChildRequest.capMs for each timed configuration (undefined: no cap). */
  readonly capMs?: (spec: ContenderSpec) => number | undefined;
  /** What `spec`'s output is checked against, given the reference's (default: the reference's output itself). */
  readonly expected?: (spec: ContenderSpec, reference: Output) => Output | undefined;
}

export interface Collected {
  /** Contender id -> workload id -> result, the reference included. */
  readonly cells: Map<string, Map<string, CellResult>>;
  /** Contender id -> the most other load seen over its rounds. */
  readonly otherLoad: Map<string, number | null>;
}

/** Every configuration in its own child, round after round, each output checked against the reference's. */
export async function runRounds(rounds: Rounds): Promise<Collected> {
  const { reference } = rounds;
  const referenceId = reference === undefined ? null : contenderId(reference);
  const others = rounds.specs.filter((s) => reference === undefined || contenderId(s) !== referenceId);
  const referenceOutputs = new Map<string, Output>();
  const cells = new Map<string, Map<string, CellResult>>();
  const otherLoad = new Map<string, number | null>();
  // Rounds go over all contenders before repeating one, so a slow spell of the machine hits different contenders.
  for (let round = 1; round <= rounds.repeat; round++) {
    const runReference = reference !== undefined && (round === 1 || !rounds.untimedReference);
    for (const spec of runReference ? [reference, ...others] : others) {
      const id = contenderId(spec);
      const untimed = spec === reference && rounds.untimedReference === true;
      const what = untimed ? ' (the reference: one untimed call each)' : rounds.repeat > 1 ? ` (round ${round}/${rounds.repeat})` : '';
      process.stderr.write(`${contenderLabel(spec)}${what}:\n`);
      const capMs = untimed ? undefined : rounds.capMs?.(spec);
      const run = await runChild({ spec, workloads: rounds.workloads.map((w) => w.id), quick: rounds.quick, untimed, capMs }, rounds.suite);
      const load = otherLoad.get(id);
      otherLoad.set(id, run.otherLoad === null ? (load ?? null) : Math.max(load ?? 0, run.otherLoad));
      const mine = cells.get(id) ?? new Map<string, CellResult>();
      cells.set(id, mine);
      for (const [w, { output, ...cell }] of run.cells) {
        if (id === referenceId && output !== undefined && !referenceOutputs.has(w)) referenceOutputs.set(w, output);
        const ref = referenceOutputs.get(w);
        const expected = ref === undefined ? undefined : (rounds.expected?.(spec, ref) ?? ref);
        const checked = output !== undefined && expected !== undefined ? { ...cell, check: checkAny(output, expected) } : cell;
        mine.set(w, mergeRound(mine.get(w), checked));
      }
    }
  }
  return { cells, otherLoad };
}
