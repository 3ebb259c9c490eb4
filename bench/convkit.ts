/**
 * convkit as a contender, through its public API only (`../src/index.js`), exactly as a user calls it.
 * Every name in `BACKEND_NAMES` that `setBackend` accepts is benchmarked, the threaded ones at each of
 * `THREAD_COUNTS`.
 */
import * as convkit from '../src/index.js';
import { STEP_NAMES, type Contender, type ContenderSpec } from './contender.js';
import { outputShape, weightShape, type Workload, type WorkloadData } from './workloads.js';

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

/**
 * The workload's layers as a Sequential, as a user's model is (W4's two run as one chain), with the
 * workload's weights. They require grad, as a fresh `Conv2d`'s do; inference runs them under `noGrad`.
 */
function buildModel(workload: Workload, data: WorkloadData): { model: convkit.Sequential; convs: convkit.Conv2d[] } {
  const convs = workload.layers.map((layer, i) => {
    const conv = new convkit.Conv2d(layer.cIn, layer.cOut, [layer.kH, layer.kW], {
      stride: [layer.strideH, layer.strideW],
      padding: [layer.padH, layer.padW],
      dilation: [layer.dilationH, layer.dilationW],
      groups: layer.groups,
    });
    conv.weight = new convkit.Tensor(data.params[i].weight, [...weightShape(layer)]).requiresGrad_();
    conv.bias = new convkit.Tensor(data.params[i].bias, [layer.cOut]).requiresGrad_();
    return conv;
  });
  return { model: new convkit.Sequential(...convs), convs };
}

export async function openConvkit(spec: ContenderSpec): Promise<Contender> {
  // Awaited in case a backend's selection or thread start-up becomes asynchronous.
  await convkit.setBackend(spec.backend ?? 'reference');
  convkit.setNumThreads(spec.threads);
  return {
    // Only meaningful for a backend that threads; the reference backend runs on the caller alone.
    effectiveThreads: SINGLE_THREADED_BACKENDS.has(spec.backend ?? 'reference') ? undefined : () => convkit.getNumThreads(),
    async prepare(workload: Workload, data: WorkloadData) {
      // Weights are model state, built once; only the input tensor is new per call. Inference records
      // no graph, as a user's would (`noGrad`, PyTorch's `no_grad`).
      const { model } = buildModel(workload, data);
      const inputShape = [...workload.input];
      return {
        call: () => convkit.noGrad(() => model.forward(new convkit.Tensor(data.input, inputShape))).data,
      };
    },
    async prepareStep(workload: Workload, data: WorkloadData, gradOutput: Float32Array) {
      const { model, convs } = buildModel(workload, data);
      const inputShape = [...workload.input];
      const outShape = [...outputShape(workload)];
      return {
        // A training step as a user writes it: grads reset to none (PyTorch 2's zero_grad default, no
        // fill), the input wrapped and marked, forward, backward from dL/dy; the graph is dropped with y.
        call: () => {
          model.zeroGrad(true);
          const x = new convkit.Tensor(data.input, inputShape).requiresGrad_();
          const y = model.forward(x);
          y.backward(new convkit.Tensor(gradOutput, outShape));
          const out: Record<string, Float32Array> = { [STEP_NAMES.y]: y.data, [STEP_NAMES.x]: gradOf(x) };
          convs.forEach((conv, i) => {
            out[STEP_NAMES.weight(i)] = gradOf(conv.weight);
            if (conv.bias !== null) out[STEP_NAMES.bias(i)] = gradOf(conv.bias);
          });
          return out;
        },
      };
    },
  };
}

function gradOf(t: convkit.Tensor): Float32Array {
  if (t.grad === null) throw new Error('backward left a gradient unset');
  return t.grad.data;
}
