/** The machine and library versions, printed above the table and stored in the JSON: figures mean little without them. */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { measurePeak } from './peak.js';

export const PEER_PACKAGES = ['onnxruntime-web', 'onnxruntime-node', '@tensorflow/tfjs-core', '@tensorflow/tfjs-backend-wasm'] as const;

export interface MachineInfo {
  readonly cpu: string;
  readonly logicalCores: number;
  readonly availableParallelism: number;
  readonly memoryGiB: number;
  readonly platform: string;
  readonly node: string;
  readonly versions: Record<string, string>;
}

function packageVersion(dir: URL): string {
  try {
    return (JSON.parse(readFileSync(new URL('package.json', dir), 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  const root = new URL('../', import.meta.url);
  const versions: Record<string, string> = { convkit: packageVersion(root) };
  // Read from bench/node_modules (bench/package.json's) directly: the packages' `exports` maps do not all expose package.json.
  for (const name of PEER_PACKAGES) versions[name] = packageVersion(new URL(`node_modules/${name}/`, import.meta.url));
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    logicalCores: cpus.length,
    availableParallelism: os.availableParallelism(),
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    platform: `${os.platform()} ${os.arch()} ${os.release()}`,
    node: process.version,
    versions,
  };
}

/** CPU time the whole machine has spent busy (all processes, all cores), in ms: for measuring other load. */
export function machineBusyMs(): number {
  return os.cpus().reduce((sum, cpu) => sum + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq, 0);
}

export function formatMachine(m: MachineInfo): string {
  return [
    `CPU: ${m.cpu}, ${m.logicalCores} logical cores (${m.availableParallelism} available), ${m.memoryGiB} GiB`,
    `Node ${m.node} on ${m.platform}`,
    `Versions: ${Object.entries(m.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`,
  ].join('\n');
}

/**
 * The machine, and its WebAssembly f32x4 limit measured now, as printed above a table (both benches):
 * GFLOP/s mean little without them.
 */
export async function describeHost(): Promise<{ machine: MachineInfo; peak: number; text: string }> {
  const machine = machineInfo();
  const peak = await measurePeak();
  const text = `${formatMachine(machine)}\nWebAssembly f32x4 mul+add limit, one core, measured now (bench/peak.ts): ${peak.toFixed(1)} GFLOP/s`;
  return { machine, peak, text };
}
