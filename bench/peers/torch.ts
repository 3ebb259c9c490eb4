/**
 * PyTorch as a peer of the backward bench: a long-lived Python child (torch_child.py) per thread count,
 * Debian's python3-torch at /usr/bin/python3 unless $CONVKIT_TORCH_PYTHON names another interpreter (as
 * tools/torch does). The workload's data goes over as raw float32 files in a temporary folder (the
 * step's gradients come back the same way), and the step is timed in Python, so the pipe is not timed.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { NamedArrays } from '../check.js';
import { STEP_NAMES, type Contender, type Prepared } from '../contender.js';
import type { Timing, TimingOptions } from '../timing.js';
import { outputShape, type Workload, type WorkloadData } from '../workloads.js';

export const PYTHON = process.env.CONVKIT_TORCH_PYTHON ?? '/usr/bin/python3';
const SCRIPT = resolve(dirname(fileURLToPath(import.meta.url)), 'torch_child.py');

interface Reply {
  readonly ready?: boolean;
  readonly torch?: string;
  readonly threads?: number;
  readonly timing?: Timing;
  readonly error?: string;
  /** Python's CPU time so far, all its threads. */
  readonly cpuMs?: number;
}

/** Starts the Python child; `ask` sends one request line and resolves with its reply line. */
function startPython(threads: number): { ask: (request: unknown) => Promise<Reply>; first: Promise<Reply> } {
  // torch.set_num_threads sets OpenMP's threads, not a BLAS's own: a PyTorch linked to OpenBLAS through
  // Debian's libblas.so.3 (BLAS_INFO=generic) would otherwise run its GEMMs on every core at "1 thread".
  const env = { ...process.env, OPENBLAS_NUM_THREADS: String(threads), OMP_NUM_THREADS: String(threads) };
  const child = spawn(PYTHON, [SCRIPT, String(threads)], { stdio: ['pipe', 'pipe', 'inherit'], env });
  const waiting: Array<{ resolve: (r: Reply) => void; reject: (e: Error) => void }> = [];
  const fail = (err: Error) => {
    for (const w of waiting.splice(0)) w.reject(err);
  };
  child.on('error', (err) => fail(new Error(`cannot run ${PYTHON}: ${err.message} (PyTorch: apt install python3-torch, or set CONVKIT_TORCH_PYTHON)`)));
  child.on('exit', (code) => fail(new Error(`${PYTHON} ${SCRIPT} exited (code ${code})`)));
  createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiting.shift();
    if (w === undefined) return;
    try {
      w.resolve(JSON.parse(line) as Reply);
    } catch {
      w.reject(new Error(`unexpected line from Python: ${line}`));
    }
  });
  const next = () => new Promise<Reply>((res, rej) => waiting.push({ resolve: res, reject: rej }));
  const first = next();
  // No close(): the bench's child ends with process.exit, and Python then reads end-of-file and stops.
  return {
    first,
    ask: (request) => {
      const reply = next();
      child.stdin.write(`${JSON.stringify(request)}\n`);
      return reply;
    },
  };
}

function writeF32(folder: string, name: string, data: Float32Array): void {
  writeFileSync(join(folder, `${name}.f32`), new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
}

function readF32(folder: string, name: string): Float32Array {
  const bytes = readFileSync(join(folder, `${name}.f32`));
  // Copied out: a Buffer may sit at an offset of a shared pool that is not 4-byte aligned.
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

export async function openTorch(threads: number): Promise<Contender> {
  const python = startPython(threads);
  const hello = await python.first;
  if (hello.ready !== true) throw new Error(`PyTorch child did not start: ${hello.error ?? JSON.stringify(hello)}`);
  let threadsReported = hello.threads ?? threads;
  let pythonCpuMs = 0;
  return {
    effectiveThreads: () => threadsReported,
    helperCpuMs: () => pythonCpuMs,
    async prepareStep(workload: Workload, data: WorkloadData, gradOutput: Float32Array): Promise<Prepared<NamedArrays>> {
      const folder = mkdtempSync(join(tmpdir(), 'convkit-bench-torch-'));
      writeF32(folder, 'input', data.input);
      writeF32(folder, 'grad_output', gradOutput);
      data.params.forEach((p, i) => {
        writeF32(folder, `weight${i}`, p.weight);
        writeF32(folder, `bias${i}`, p.bias);
      });
      const layers = workload.layers.map((_, i) => i);
      const names = { y: STEP_NAMES.y, x: STEP_NAMES.x, weights: layers.map(STEP_NAMES.weight), biases: layers.map(STEP_NAMES.bias) };
      return {
        call: () => {
          throw new Error('PyTorch is timed in its own process (timed())');
        },
        timed: async (options: TimingOptions, warmupMinCalls: number) => {
          const reply = await python.ask({
            dir: folder, input: workload.input, output: outputShape(workload), layers: workload.layers, timing: options, warmupMinCalls, names,
          });
          pythonCpuMs = reply.cpuMs ?? pythonCpuMs;
          if (reply.error !== undefined || reply.timing === undefined) throw new Error(`PyTorch: ${reply.error ?? 'no timing'}`);
          threadsReported = reply.threads ?? threadsReported;
          const all = [names.y, names.x, ...names.weights, ...names.biases];
          return { timing: reply.timing, output: Object.fromEntries(all.map((name) => [name, readF32(folder, name)])) };
        },
        dispose: () => rmSync(folder, { recursive: true, force: true }),
      };
    },
  };
}
