/**
 * Runs the image panel's convolutions off the page's main thread. Where the page is cross-origin
 * isolated the worker has SharedArrayBuffer and may block, so convkit's wasm backend runs on several
 * threads; elsewhere (a plain static host) it runs on this one.
 */
import { conv2d, getBackend, getNumThreads, ready, setNumThreads, tensor, type Conv2dOptions } from 'convkit';

export interface ConvRequest {
  id: number;
  image: Float32Array;
  h: number;
  w: number;
  kernel: Float32Array;
  k: number;
  options: Conv2dOptions;
}

export type ConvReply =
  | { id: number; ok: true; data: Float32Array; shape: number[]; ms: number }
  | { id: number; ok: false; error: string };

const started = (async () => {
  if (self.crossOriginIsolated) setNumThreads(Math.max(2, Math.min(4, navigator.hardwareConcurrency || 2)));
  await ready();
  return { backend: getBackend(), threads: getNumThreads(), isolated: self.crossOriginIsolated };
})();

started.then((info) => self.postMessage({ ready: info }), (e) => self.postMessage({ ready: { error: String(e) } }));

self.onmessage = async (event: MessageEvent<ConvRequest>) => {
  await started;
  const { id, image, h, w, kernel, k, options } = event.data;
  try {
    const t = performance.now();
    const out = conv2d(tensor(image, [1, 1, h, w]), tensor(kernel, [1, 1, k, k]), null, options);
    const reply: ConvReply = { id, ok: true, data: out.data, shape: [...out.shape], ms: performance.now() - t };
    self.postMessage(reply);
  } catch (e) {
    const reply: ConvReply = { id, ok: false, error: e instanceof Error ? e.message : String(e) };
    self.postMessage(reply);
  }
};
