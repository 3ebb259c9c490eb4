/**
 * The contenders of `npm run bench:models`, each turning a loaded convkit model into a timed call:
 * convkit itself (through its public API, the call a user makes), onnxruntime-web and -node on the
 * model exported by convkit's `exportOnnx`, and tfjs-wasm on the same weights as tfjs ops.
 */
import * as convkit from '../../src/index.js';
import type { ContenderSpec, Prepared } from '../contender.js';
import { ortNode, ortWeb, sessionCall, type OrtPeer } from '../peers/ort.js';
import { nchwToNhwc, nhwcToNchw, tfjsWasm } from '../peers/tfjs.js';
import { tfjsNetwork } from '../peers/tfjs-models.js';
import type { ModelWorkload } from './workloads.js';

export interface ModelContender {
  /** Untimed calls it needs before it runs at speed (ORT-web's first ~5 are slow). */
  readonly warmupMinCalls?: number;
  /** The threads the library says it ran on, asked after the workload. */
  effectiveThreads?(): number;
  /** Sessions, graphs and converted weights made here, outside timing; `model` is in eval mode. */
  prepare(workload: ModelWorkload, model: convkit.Module, input: Float32Array): Promise<Prepared>;
}

/**
 * convkit as a user calls it: `new Tensor`, `noGrad(() => model.forward(x))`, `.data`; nothing special-cased,
 * so whatever convkit does to make eval-mode inference fast is timed as a user gets it. Its reference
 * backend is the oracle: the plain forward outside `noGrad`, so that no inference-only path is taken.
 */
async function openConvkit(spec: ContenderSpec): Promise<ModelContender> {
  const backend = spec.backend ?? 'reference';
  await convkit.setBackend(backend);
  convkit.setNumThreads(spec.threads);
  const oracle = backend === 'reference';
  return {
    effectiveThreads: oracle ? undefined : () => convkit.getNumThreads(),
    async prepare(workload, model, input) {
      const shape = [...workload.input];
      return {
        call: oracle
          ? () => model.forward(new convkit.Tensor(input, shape)).data
          : () => convkit.noGrad(() => model.forward(new convkit.Tensor(input, shape))).data,
      };
    },
  };
}

function ortContender(peer: OrtPeer): ModelContender {
  return {
    warmupMinCalls: peer.warmupMinCalls,
    effectiveThreads: peer.effectiveThreads,
    prepare: async (workload, model, input) =>
      sessionCall(peer, convkit.exportOnnx(model, [...workload.input]), { input: convkit.ONNX_INPUT_NAME, output: convkit.ONNX_OUTPUT_NAME }, input, workload.input),
  };
}

/** tfjs is fed NHWC (a tfjs user's layout), converted before timing; a 4-D output goes back to NCHW after, only to be checked. */
async function openTfjs(threads: number): Promise<ModelContender> {
  const tf = await tfjsWasm(threads);
  return {
    async prepare(workload, model, input) {
      const network = tfjsNetwork(tf, model);
      const [n, c, h, w] = workload.input;
      const nhwc = nchwToNhwc(input, workload.input);
      let outShape: readonly number[] = [];
      return {
        call: () => {
          const y = tf.tidy(() => network.forward(tf.tensor4d(nhwc, [n, h, w, c])));
          outShape = y.shape;
          const out = y.dataSync() as Float32Array;
          y.dispose();
          return out;
        },
        toNCHW: (output) => {
          if (outShape.length !== 4) return output;
          const [on, oh, ow, oc] = outShape;
          return nhwcToNchw(output, [on, oc, oh, ow]);
        },
        dispose: () => network.dispose(),
      };
    },
  };
}

/** Loads only the library this process needs. */
export async function openModelContender(spec: ContenderSpec): Promise<ModelContender> {
  switch (spec.kind) {
    case 'convkit':
      return openConvkit(spec);
    case 'ort-web':
      return ortContender(await ortWeb(spec.threads));
    case 'ort-node':
      return ortContender(await ortNode(spec.threads));
    case 'tfjs-wasm':
      return openTfjs(spec.threads);
    default:
      throw new Error(`${spec.kind} is not a contender of bench:models`);
  }
}
