/**
 * `npm run bench [-- --only W1,W5] [--quick] [--json path] [--contenders convkit,ort-web,...]`
 * (`--backward`: training steps instead, see backward/run.ts)
 *
 * Times convkit against onnxruntime-web, tfjs-wasm and onnxruntime-node on the workloads of
 * workloads.ts, one child process per contender configuration (run one after another, never at the
 * same time: the machine has few cores), checks every output against convkit's reference backend,
 * prints one table and writes the results as JSON.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { contenderId, PEER_SPECS, type ContenderKind, type ContenderSpec } from './contender.js';
import { convkitSpecs } from './convkit.js';
import { describeHost } from './machine.js';
import { runRounds } from './parent.js';
import { formatLegend, formatTable, resultsJson, type BenchResults } from './report.js';
import { macs, workloadById, WORKLOADS, type Workload } from './workloads.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const DEFAULT_JSON = resolve(BENCH_DIR, 'results', 'latest.json');
const DEFAULT_BACKWARD_JSON = resolve(BENCH_DIR, 'results', 'backward.json');


const KINDS: readonly ContenderKind[] = ['convkit', 'ort-web', 'tfjs-wasm', 'ort-node'];
/** The backward bench's contenders: training steps need autograd, which ORT and tfjs-wasm lack. */
const BACKWARD_KINDS: readonly ContenderKind[] = ['convkit', 'torch', 'tfjs'];

export interface Cli {
  readonly workloads: readonly Workload[];
  readonly kinds: ReadonlySet<string>;
  readonly quick: boolean;
  readonly repeat: number;
  readonly json: string;
  readonly skipMemory: boolean;
  /** Backward bench: a tfjs workload projected to take longer than this a call is skipped (ChildRequest.capMs); 0: none. */
  readonly capS: number;
}

const USAGE = [
  'usage: npm run bench -- [--only W1,W5] [--quick] [--repeat N] [--json path] [--contenders convkit,ort-web,tfjs-wasm,ort-node]',
  '       npm run bench -- --backward [--workloads W1,W5] [--quick] [--repeat N] [--json path] [--contenders convkit,torch,tfjs] [--cap-s 10] [--skip-memory]',
].join('\n');

function parseCli(): Cli & { backward: boolean } {
  const { values } = parseArgs({
    options: {
      backward: { type: 'boolean', default: false },
      only: { type: 'string' },
      workloads: { type: 'string' },
      'skip-memory': { type: 'boolean', default: false },
      'cap-s': { type: 'string', default: '10' },
      quick: { type: 'boolean', default: false },
      json: { type: 'string' },
      contenders: { type: 'string' },
      repeat: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const list = (text: string | undefined) => text?.split(',').map((s) => s.trim()).filter((s) => s !== '');
  // --workloads is --only by another name.
  const workloads: readonly Workload[] = list(values.only ?? values.workloads)?.map(workloadById) ?? WORKLOADS;
  const known = values.backward ? BACKWARD_KINDS : KINDS;
  const kinds = list(values.contenders) ?? known;
  for (const kind of kinds) {
    if (!known.includes(kind as ContenderKind)) throw new Error(`unknown contender ${JSON.stringify(kind)}; known: ${known.join(', ')}`);
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a positive integer, got ${JSON.stringify(values.repeat)}`);
  const capS = Number(values['cap-s']);
  if (!(capS >= 0)) throw new Error(`--cap-s must be a number of seconds >= 0, got ${JSON.stringify(values['cap-s'])}`);
  const json = resolve(values.json ?? (values.backward ? DEFAULT_BACKWARD_JSON : DEFAULT_JSON));
  return { backward: values.backward, workloads, kinds: new Set(kinds), quick: values.quick, repeat, json, skipMemory: values['skip-memory'], capS };
}

/** The output everything is checked against: convkit's reference backend, else the first convkit configuration, else none. */
function pickReference(specs: readonly ContenderSpec[]): ContenderSpec | undefined {
  return specs.find((s) => s.kind === 'convkit' && s.backend === 'reference') ?? specs.find((s) => s.kind === 'convkit');
}

async function main(): Promise<void> {
  const cli = parseCli();
  if (cli.backward) {
    await (await import('./backward/run.js')).runBackward(cli);
    return;
  }
  const { machine, peak, text } = await describeHost();
  console.log(text);
  const rounds = cli.repeat > 1 ? `; ${cli.repeat} processes per contender, best median kept` : '';
  console.log(`Mode: ${cli.quick ? 'quick' : 'full'}; workloads: ${cli.workloads.map((w) => w.id).join(', ')}${rounds}\n`);

  const specs = [...(await convkitSpecs()), ...PEER_SPECS].filter((s) => cli.kinds.has(s.kind));
  const reference = pickReference(specs);
  const referenceId = reference === undefined ? null : contenderId(reference);
  const { cells, otherLoad } = await runRounds({ specs, reference, workloads: cli.workloads, quick: cli.quick, repeat: cli.repeat });

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
