/** The parent's side of the memory check (memory.ts): runs it in its own process and prints what it saw. */
import { forkBench } from '../parent.js';
import { markdownTable } from '../report.js';
import type { MemoryReport, MemoryRequest } from './memory.js';

/** Growth over the steps (heap plus array buffers, after GC) under this is flat: a leaked step would add its 16 KiB input, 16 MiB per 1,000. */
export const FLAT_MIB = 2;

export async function runMemoryCheck(request: MemoryRequest): Promise<MemoryReport> {
  process.stderr.write(`memory check: ${request.steps} steps, convkit ${request.backend} ${request.threads}T:\n`);
  let report: MemoryReport | undefined;
  const { code, signal } = await forkBench('backward/memory.ts', [JSON.stringify(request)], 'memory', (m) => {
    report = m as MemoryReport;
  }, ['--expose-gc']);
  return report ?? { type: 'memory', ...request, layer: '?', input: [], samples: [], error: `child exited (${signal ?? `code ${code}`}) before reporting` };
}

export function growthMiB(report: MemoryReport): number | undefined {
  const first = report.samples[0];
  const last = report.samples[report.samples.length - 1];
  if (first === undefined || last === undefined || first === last) return undefined;
  return last.heapUsedMiB + last.arrayBuffersMiB - (first.heapUsedMiB + first.arrayBuffersMiB);
}

export function formatMemory(report: MemoryReport): string {
  const head = `Memory: ${report.steps.toLocaleString('en-US')} training steps (forward, backward, graph dropped) of ${report.layer} on (${report.input.join(',')}), ` +
    `convkit ${report.backend} ${report.threads}T, after ${report.warmupSteps} warm-up steps; memory after a full GC (MiB):`;
  if (report.error !== undefined) return `${head}\nERROR: ${report.error}`;
  const rows = report.samples.map((s) => [String(s.step), s.rssMiB.toFixed(1), s.heapUsedMiB.toFixed(2), s.arrayBuffersMiB.toFixed(2)]);
  const growth = growthMiB(report);
  const verdict = growth === undefined ? 'no verdict (too few samples)'
    : `heap + array buffers ${growth >= 0 ? '+' : ''}${growth.toFixed(2)} MiB over the steps: ${Math.abs(growth) < FLAT_MIB ? 'flat' : 'GROWING'} (flat: under ${FLAT_MIB} MiB)`;
  return [head, markdownTable(['steps', 'RSS', 'heap used', 'array buffers'], rows), verdict].join('\n');
}
