/**
 * convkit as a contender, through its public API only (`../src/index.js`), exactly as a user calls it.
 * Every name in `BACKEND_NAMES` that `setBackend` accepts is benchmarked, the threaded ones at each of
 * `THREAD_COUNTS`.
 */
import * as convkit from '../src/index.js';
import type { Contender, ContenderSpec } from './contender.js';
import type { Workload, WorkloadData } from './workloads.js';
import { weightShape } from './workloads.js';

/** In table order: the fast backend first, then the plain-JS one every result is checked against. */
export const BACKEND_NAMES = ['wasm', 'reference'] as const;
export const THREAD_COUNTS = [1, 2] as const;
/** The reference backend is plain single-threaded JS: a thread setting cannot change it, so it runs once. */
const SINGLE_THREADED_BACKENDS = new Set(['reference']);

/** The convkit configurations this checkout supports, probed in-process (cheap: no kernel runs). */
export async function convkitSpecs(): Promise<ContenderSpec[]> {
  const previous = convkit.getBackend();
  const specs: ContenderSpec[] = [];
  for (const backend of BACKEND_NAMES) {
    try {
      await convkit.setBackend(backend);
    } catch {
      continue; // not registered in this checkout
    }
    const counts = SINGLE_THREADED_BACKENDS.has(backend) ? [1] : THREAD_COUNTS;
    for (const threads of counts) specs.push({ kind: 'convkit', backend, threads });
  }
  await convkit.setBackend(previous);
  return specs;
}

export async function openConvkit(spec: ContenderSpec): Promise<Contender> {
  // Awaited in case a backend's selection or thread start-up becomes asynchronous.
  await convkit.setBackend(spec.backend ?? 'reference');
  convkit.setNumThreads(spec.threads);
  return {
    // Only meaningful for a backend that threads; the reference backend runs on the caller alone.
    effectiveThreads: SINGLE_THREADED_BACKENDS.has(spec.backend ?? 'reference') ? undefined : () => convkit.getNumThreads(),
    async prepare(workload: Workload, data: WorkloadData) {
      // Weights are model state, built once; only the input tensor is new per call.
      const layers = workload.layers.map((layer, i) => ({
        weight: new convkit.Tensor(data.params[i].weight, [...weightShape(layer)]),
        bias: new convkit.Tensor(data.params[i].bias, [layer.cOut]),
        options: {
          stride: [layer.strideH, layer.strideW] as [number, number],
          padding: [layer.padH, layer.padW] as [number, number],
          dilation: [layer.dilationH, layer.dilationW] as [number, number],
          groups: layer.groups,
        },
      }));
      const inputShape = [...workload.input];
      return {
        call: () => {
          let x = new convkit.Tensor(data.input, inputShape);
          for (const layer of layers) x = convkit.conv2d(x, layer.weight, layer.bias, layer.options);
          return x.data;
        },
      };
    },
  };
}
