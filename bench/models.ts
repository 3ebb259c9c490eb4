/**
 * `npm run bench:models [-- --only M1,M3] [--quick] [--repeat N] [--json path] [--contenders convkit,ort-web,tfjs-wasm,ort-node]`
 *
 * Whole networks: convkit's MobileNetV2 (batch 1 and 8, 224x224) and DeepLabV3's ASPP head (2048
 * channels of 33x33), from `convkit/models`, with seeded and calibrated weights (models/workloads.ts),
 * against onnxruntime-web, onnxruntime-node (both on convkit's `exportOnnx` of the same model) and
 * tfjs-wasm (the same weights as tfjs ops, peers/tfjs-models.ts). One child process per contender
 * configuration, one after another (parent.ts, models/child.ts); every output checked against convkit's
 * reference backend; one table, and JSON.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { setBackend, setNumThreads } from '../src/index.js';
import { contenderId, PEER_SPECS, type ContenderKind, type ContenderSpec } from './contender.js';
import { convkitSpecs } from './convkit.js';
import { describeHost } from './machine.js';
import { formatModelLegend, formatModelTable, type ModelResults } from './models/report.js';
import { MODEL_WORKLOADS, modelMacs, modelWorkloadById, writeCalibratedWeights, type ModelWorkload } from './models/workloads.js';
import { runRounds } from './parent.js';
import { resultsJson } from './report.js';

const BENCH_DIR = dirname(fileURLToPath(import.meta.url));
const DEFAULT_JSON = resolve(BENCH_DIR, 'results', 'models.json');
const KINDS: readonly ContenderKind[] = ['convkit', 'ort-web', 'tfjs-wasm', 'ort-node'];
/** The oracle: convkit's plain-JS backend, one untimed call per workload. */
const REFERENCE: ContenderSpec = { kind: 'convkit', backend: 'reference', threads: 1 };

const USAGE = 'usage: npm run bench:models -- [--only M1,M3] [--quick] [--repeat N] [--json path] [--contenders convkit,ort-web,tfjs-wasm,ort-node]';

function parseCli() {
  const { values } = parseArgs({
    options: {
      only: { type: 'string' },
      quick: { type: 'boolean', default: false },
      repeat: { type: 'string', default: '1' },
      json: { type: 'string', default: DEFAULT_JSON },
      contenders: { type: 'string', default: KINDS.join(',') },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const list = (text: string) => text.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const workloads: readonly ModelWorkload[] = values.only === undefined ? MODEL_WORKLOADS : list(values.only).map(modelWorkloadById);
  const kinds = list(values.contenders);
  for (const kind of kinds) {
    if (!KINDS.includes(kind as ContenderKind)) throw new Error(`unknown contender ${JSON.stringify(kind)}; known: ${KINDS.join(', ')}\n${USAGE}`);
  }
  const repeat = Number(values.repeat);
  if (!Number.isInteger(repeat) || repeat < 1) throw new Error(`--repeat must be a positive integer, got ${JSON.stringify(values.repeat)}`);
  return { workloads, kinds: new Set(kinds), quick: values.quick, repeat, json: resolve(values.json) };
}

async function main(): Promise<void> {
  const cli = parseCli();
  const { machine, peak, text } = await describeHost();
  console.log(text);
  const rounds = cli.repeat > 1 ? `; ${cli.repeat} processes per contender, best median kept` : '';
  console.log(`Mode: ${cli.quick ? 'quick' : 'full'}; workloads: ${cli.workloads.map((w) => w.id).join(', ')}${rounds}\n`);

  // convkit's timed configurations: its threaded backend(s); the plain-JS one is the oracle, not a column.
  const convkit = (await convkitSpecs()).filter((s) => s.backend !== REFERENCE.backend);
  const specs = [...convkit, ...PEER_SPECS].filter((s) => cli.kinds.has(s.kind));

  const dir = mkdtempSync(join(tmpdir(), 'convkit-bench-models-'));
  try {
    process.stderr.write('Calibrating BatchNorm statistics (convkit wasm, 2 threads) and writing the weights...\n');
    await setBackend('wasm');
    setNumThreads(2);
    writeCalibratedWeights(dir, new Set(cli.workloads.map((w) => w.architecture)));
    const macs = new Map(cli.workloads.map((w) => [w.id, modelMacs(w)]));
    const { cells, otherLoad } = await runRounds({
      specs, reference: REFERENCE, untimedReference: true, workloads: cli.workloads, quick: cli.quick, repeat: cli.repeat,
      suite: { script: 'models/child.ts', args: [dir], macs: (id) => macs.get(id) ?? 0 },
    });
    const results: ModelResults = { cells, specs, workloads: cli.workloads, referenceId: contenderId(REFERENCE), otherLoad, macs };
    console.log(formatModelTable(results));
    console.log(`\n${formatModelLegend(results, REFERENCE)}`);

    mkdirSync(dirname(cli.json), { recursive: true });
    const json = resultsJson(results, { date: new Date().toISOString(), machine, peakGflops: peak, quick: cli.quick, repeat: cli.repeat });
    writeFileSync(cli.json, `${JSON.stringify(json, null, 2)}\n`);
    console.log(`\nJSON: ${cli.json}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
