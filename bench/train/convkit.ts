/**
 * convkit's training step as the training loop runs it (src/train/trainer.ts `trainStep`): the twin
 * built from its JSON (`moduleFromJSON`), the initial weights loaded from the safetensors file, Adam
 * (lr 1e-3), the wasm backend on the request's thread count.
 */
import * as convkit from '../../src/index.js';
import { trainStep } from '../../src/train/trainer.js';
import { IMAGE_SIZE, modelJSON, readBatch, weightsBytes, type Cell } from './cells.js';

export const CONVKIT_BACKEND = 'wasm';

export async function openConvkit(threads: number): Promise<{ threads: () => number; prepare: (dir: string, cell: Cell) => () => number }> {
  await convkit.setBackend(CONVKIT_BACKEND);
  convkit.setNumThreads(threads);
  return {
    threads: () => convkit.getNumThreads(),
    prepare(dir, { model: kind, batch }) {
      const model = convkit.moduleFromJSON(modelJSON(dir, kind));
      model.loadStateDict(weightsBytes(dir, kind));
      model.train();
      const optimizer = new convkit.Adam(model.parameters(), { lr: 1e-3 });
      const { images, labels } = readBatch(dir, batch);
      // The batch as the DataLoader hands it over (its indices are not read by a step).
      const data = {
        images: new convkit.Tensor(images, [batch, 1, IMAGE_SIZE, IMAGE_SIZE]),
        labels,
        targets: new convkit.Tensor(Float32Array.from(labels), [batch]),
        indices: new Int32Array(batch),
      };
      return () => trainStep(model, optimizer, data).loss;
    },
  };
}
