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
      // Weights are model state, built once; only the input tensor is new per call. The layers form a
      // Sequential, as a user's model does (W4's two run as one chain).
      const model = new convkit.Sequential(...workload.layers.map((layer, i) => {
        const conv = new convkit.Conv2d(layer.cIn, layer.cOut, [layer.kH, layer.kW], {
          stride: [layer.strideH, layer.strideW],
          padding: [layer.padH, layer.padW],
          dilation: [layer.dilationH, layer.dilationW],
          groups: layer.groups,
        });
        conv.weight = new convkit.Tensor(data.params[i].weight, [...weightShape(layer)]);
        conv.bias = new convkit.Tensor(data.params[i].bias, [layer.cOut]);
        return conv;
      }));
      const inputShape = [...workload.input];
      return {
        call: () => model.forward(new convkit.Tensor(data.input, inputShape)).data,
      };
    },
  };
}
