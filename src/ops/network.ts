/** Runs a `Network` on the backend in use: at once where it can (`runNetwork`), else step by step. */
import type { Network } from '../backend/backend.js';
import { runNetworkSteps } from '../backend/network.js';
import { backend } from '../backend/registry.js';

/** Writes `network`'s output for `input` into `output`. */
export function runNetwork(network: Network, input: Float32Array, output: Float32Array): void {
  const b = backend();
  if (network.output === 0) output.set(input);
  else if (b.runNetwork?.(network, input, output) !== true) runNetworkSteps(b, network, input, output);
}
