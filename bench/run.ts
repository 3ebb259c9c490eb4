/**
 * `npm run bench [-- --only W1,W5] [--quick] [--json path] [--contenders convkit,ort-web,...]`
 *
 * Times convkit against onnxruntime-web, tfjs-wasm and onnxruntime-node on the workloads of
 * workloads.ts, one child process per contender configuration (run one after another, never at the
 * same time: the machine has few cores), checks every output against convkit's reference backend,
 * prints one table and writes the results as JSON.
 */
import { fork } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { checkOutput, type Check } from './check.js';
import type { ChildMessage, ChildRequest } from './child.js';
import { contenderId, contenderLabel, type ContenderKind, type ContenderSpec } from './contender.js';
import { convkitSpecs } from './convkit.js';
import { formatMachine, machineBusyMs, machineInfo } from './machine.js';
import { measurePeak } from './peak.js';
import { formatLegend, formatTable, gflops, resultsJson, type BenchResults, type CellResult } from './report.js';
import { macs, workloadById, WORKLOADS, type Workload } from './workloads.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const DEFAULT_JSON = resolve(BENCH_DIR, 'results', 'latest.json');
/** A child that runs longer than this is stuck (the slowest full child, convkit reference, takes well under a minute). */
const CHILD_TIMEOUT_MS = 15 * 60_000;

/** The peers, in table order; ORT-node last, as the native ceiling. */
const PEER_SPECS: readonly ContenderSpec[] = [
  { kind: 'ort-web', threads: 1 },
  { kind: 'ort-web', threads: 2 },
  { kind: 'tfjs-wasm', threads: 1 },
  { kind: 'ort-node', threads: 1 },
  { kind: 'ort-node', threads: 2 },
];

const KINDS: readonly ContenderKind[] = ['convkit', 'ort-web', 'tfjs-wasm', 'ort-node'];

function parseCli() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      contenders: { type: 'string' },
      repeat: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log('usage: npm run bench -- [--only W1,W5] [--quick] [--repeat N] [--json path] [--contenders convkit,ort-web,tfjs-wasm,ort-node]');
    process.exit(0);
  }
  const list = (text: string | undefined) => text?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const workloads: readonly Workload[] = list(values.only)?.map(workloadById) ?? WORKLOADS;
  const kinds = list(values.contenders) ?? KINDS;
  for (const kind of kinds) {
    if (!KINDS.includes(kind as ContenderKind)) throw new Error(`unknown contender ${JSON.stringify(kind)}; known: ${KINDS.join(', ')}`);
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a positive integer, got ${JSON.stringify(values.repeat)}`);
  return { workloads, kinds: new Set(kinds), quick: values.quick, repeat, json: resolve(values.json ?? DEFAULT_JSON) };
}

interface ChildRun {
  readonly cells: Map<string, CellResult & { output?: Float32Array }>;
  /**
   * Cores kept busy by anything other than this child while it ran (machine busy time minus the
   * child's own CPU time, over wall time); null if the child did not report. Another process taking a
   * core halves every 2-thread figure on a 2-vCPU machine, so it is measured, not guessed.
   */
  readonly otherLoad: number | null;
}

/** Runs one configuration in a child process; resolves with its per-workload results (errors included, never rejects). */
function runChild(spec: ContenderSpec, workloads: readonly Workload[], quick: boolean): Promise<ChildRun> {
  const id = contenderId(spec);
  const request: ChildRequest = { spec, workloads: workloads.map((w) => w.id), quick };
  const cells = new Map<string, CellResult & { output?: Float32Array }>();
  const busyStart = machineBusyMs();
  const wallStart = performance.now();
  let childCpuMs: number | null = null;
  return new Promise((done) => {
    // execArgv is inherited, so the child also runs under `--import tsx`.
    const child = fork(resolve(BENCH_DIR, 'child.ts'), [JSON.stringify(request)], {
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim() !== '') process.stderr.write(`  [${id}] ${line}\n`);
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    const timer = setTimeout(() => child.kill(), CHILD_TIMEOUT_MS);
    child.on('message', (raw) => {
      const message = raw as ChildMessage;
      if (message.type === 'done') {
        childCpuMs = message.cpuMs;
        return;
      }
      if (message.type === 'error') {
        const targets = message.workload === null ? workloads.map((w) => w.id) : [message.workload];
        for (const w of targets) cells.set(w, { error: message.message });
        process.stderr.write(`  ${id} ${message.workload ?? 'start-up'}: ${message.message}\n`);
        return;
      }
      const macsOf = macs(workloadById(message.workload));
      const rate = gflops(macsOf, message.timing.medianMs);
      cells.set(message.workload, {
        timing: message.timing, gflops: rate, emulated: message.emulated, threads: message.threads, output: message.output,
      });
      const t = message.timing;
      process.stderr.write(
        `  ${id.padEnd(20)} ${message.workload.padEnd(5)} ${t.medianMs.toPrecision(3).padStart(8)} ms ${rate.toPrecision(3).padStart(7)} GFLOP/s` +
          `  (${t.samples} samples x ${t.callsPerSample} calls, ${t.warmupCalls} warm-up)\n`,
      );
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      for (const w of workloads) {
        if (!cells.has(w.id)) cells.set(w.id, { error: `child exited (${signal ?? `code ${code}`}) before reporting` });
      }
      const wallMs = performance.now() - wallStart;
      const otherLoad = childCpuMs === null ? null : Math.max(0, (machineBusyMs() - busyStart - childCpuMs) / wallMs);
      done({ cells, otherLoad });
    });
  });
}

/** The output everything is checked against: convkit's reference backend, else the first convkit configuration, else none. */
function pickReference(specs: readonly ContenderSpec[]): ContenderSpec | undefined {
  return specs.find((s) => s.kind === 'convkit' && s.backend === 'reference') ?? specs.find((s) => s.kind === 'convkit');
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
function mergeRound(previous: CellResult | undefined, next: CellResult): CellResult {
  const medians = [...(previous?.medians ?? []), ...(next.timing ? [next.timing.medianMs] : [])];
  if (previous === undefined) return { ...next, medians };
  const check = worseCheck(previous.check, next.check);
  if (previous.error !== undefined || next.error !== undefined) return { ...(previous.error !== undefined ? previous : next), check, medians };
  const faster = (next.timing?.medianMs ?? Infinity) < (previous.timing?.medianMs ?? Infinity) ? next : previous;
  return { ...faster, check, medians };
}

async function main(): Promise<void> {
  const cli = parseCli();
  const machine = machineInfo();
  console.log(formatMachine(machine));
  const peak = await measurePeak();
  console.log(`WebAssembly f32x4 mul+add limit, one core, measured now (bench/peak.ts): ${peak.toFixed(1)} GFLOP/s`);
  const rounds = cli.repeat > 1 ? `; ${cli.repeat} processes per contender, best median kept` : '';
  console.log(`Mode: ${cli.quick ? 'quick' : 'full'}; workloads: ${cli.workloads.map((w) => w.id).join(', ')}${rounds}\n`);

  const specs = [...(await convkitSpecs()), ...PEER_SPECS].filter((s) => cli.kinds.has(s.kind));
  const reference = pickReference(specs);
  const referenceId = reference === undefined ? null : contenderId(reference);
  // The reference runs first, so that every later output is checked as it arrives and then dropped.
  const runOrder = reference === undefined ? specs : [reference, ...specs.filter((s) => s !== reference)];
  const referenceOutputs = new Map<string, Float32Array>();
  const cells = new Map<string, Map<string, CellResult>>(specs.map((s) => [contenderId(s), new Map()]));
  const otherLoad = new Map<string, number | null>();

  // Rounds go over all contenders before repeating one, so a slow spell of the machine hits different contenders.
  for (let round = 1; round <= cli.repeat; round++) {
    for (const spec of runOrder) {
      const id = contenderId(spec);
      process.stderr.write(`${contenderLabel(spec)}${cli.repeat > 1 ? ` (round ${round}/${cli.repeat})` : ''}:\n`);
      const run = await runChild(spec, cli.workloads, cli.quick);
      const load = otherLoad.get(id);
      otherLoad.set(id, run.otherLoad === null ? (load ?? null) : Math.max(load ?? 0, run.otherLoad));
      for (const [w, { output, ...cell }] of run.cells) {
        if (id === referenceId && output !== undefined && !referenceOutputs.has(w)) referenceOutputs.set(w, output);
        const ref = referenceOutputs.get(w);
        const checked = output !== undefined && ref !== undefined ? { ...cell, check: checkOutput(output, ref) } : cell;
        cells.get(id)?.set(w, mergeRound(cells.get(id)?.get(w), checked));
      }
    }
  }

  const results: BenchResults = {
    cells, specs, workloads: cli.workloads, referenceId, otherLoad,
    macs: new Map(cli.workloads.map((w) => [w.id, macs(w)])),
  };
  console.log(formatTable(results));
  console.log(`\n${formatLegend(results)}`);

  mkdirSync(dirname(cli.json), { recursive: true });
  const json = resultsJson(results, { date: new Date().toISOString(), machine, peakGflops: peak, quick: cli.quick, repeat: cli.repeat });
  writeFileSync(cli.json, `${JSON.stringify(json, null, 2)}\n`);
  console.log(`\nJSON: ${cli.json}`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
