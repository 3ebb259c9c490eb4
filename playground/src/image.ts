/**
 * Panel 5: the bundled sample image convolved by convkit (in a Web Worker) with a chosen or edited
 * kernel; input and output feature maps shown as rasters.
 */
import * as Plot from '@observablehq/plot';
import { Generator, randn } from 'convkit';
import type { ConvReply, ConvRequest } from './conv-worker';
import { sampleImage, SAMPLE_SIZE } from './sample-image';
import { el, errorLine, intOf, labelled, numberInput, selectInput, shapeText } from './ui';

/** Kernel presets by name; `random` is drawn by convkit's seeded generator. */
export const KERNELS: Record<string, { k: number; values: () => number[] }> = {
  'edge (Laplacian)': { k: 3, values: () => [0, -1, 0, -1, 4, -1, 0, -1, 0] },
  'Sobel x': { k: 3, values: () => [-1, 0, 1, -2, 0, 2, -1, 0, 1] },
  'Sobel y': { k: 3, values: () => [-1, -2, -1, 0, 0, 0, 1, 2, 1] },
  'blur (box 3×3)': { k: 3, values: () => new Array(9).fill(1 / 9) },
  'blur (box 5×5)': { k: 5, values: () => new Array(25).fill(1 / 25) },
  sharpen: { k: 3, values: () => [0, -1, 0, -1, 5, -1, 0, -1, 0] },
  identity: { k: 3, values: () => [0, 0, 0, 0, 1, 0, 0, 0, 0] },
  'random (seed 0)': { k: 3, values: () => [...randn([9], new Generator(0)).data] },
};

const round = (v: number) => Number(v.toFixed(3));

export function mountImage(section: HTMLElement, worker: Worker): void {
  const preset = selectInput('img-kernel', 'kernel', Object.keys(KERNELS).map((k) => [k, k]), 'edge (Laplacian)');
  const stride = numberInput('img-stride', 'stride', 1, 1, 4);
  const dilation = numberInput('img-dilation', 'dilation', 1, 1, 4);
  const padding = selectInput('img-padding', 'padding', [['same', "'same'"], ['valid', "'valid'"]], 'same');
  const kernelGrid = el('div', { id: 'img-kernel-grid', class: 'kernel', role: 'group', 'aria-label': 'kernel weights (editable)' });
  const error = errorLine('img-error');
  const status = el('p', { id: 'img-status', 'aria-live': 'polite' });
  const maps = el('div', { class: 'row' });
  section.append(el('div', { class: 'controls' }, labelled('kernel', preset), labelled('stride', stride), labelled('dilation', dilation), labelled('padding', padding)),
    el('fieldset', {}, el('legend', { text: 'kernel weights (edit any)' }), kernelGrid), error.node, status, maps);

  const image = sampleImage();
  let pending = 0;
  let started = 0;
  const setKernel = (values: number[], k: number) => {
    kernelGrid.style.gridTemplateColumns = `repeat(${k}, auto)`;
    kernelGrid.replaceChildren(...values.map((v, i) => el('input', {
      type: 'number', step: 0.1, value: round(v), id: `img-w-${i}`, 'aria-label': `weight row ${Math.floor(i / k)}, column ${i % k}`,
    })));
  };
  const request = () => {
    const inputs = Array.from(kernelGrid.querySelectorAll('input'));
    const k = Math.round(Math.sqrt(inputs.length));
    const p = padding.value as 'same' | 'valid';
    started = performance.now();
    const message: ConvRequest = {
      id: ++pending, image, h: SAMPLE_SIZE, w: SAMPLE_SIZE, kernel: Float32Array.from(inputs, (i) => Number(i.value)), k,
      options: { stride: intOf(stride), dilation: intOf(dilation), padding: p },
    };
    section.dataset.requested = String(pending);
    worker.postMessage(message);
  };
  worker.addEventListener('message', (event: MessageEvent<ConvReply | { ready: unknown }>) => {
    const reply = event.data;
    if ('ready' in reply || reply.id !== pending) return;
    maps.replaceChildren(raster('input', image, [SAMPLE_SIZE, SAMPLE_SIZE], 'img-input'));
    if (!reply.ok) {
      error.show(reply.error);
      status.textContent = '';
    } else {
      error.clear();
      const [, , oh, ow] = reply.shape;
      let lo = Infinity;
      let hi = -Infinity;
      for (const v of reply.data) {
        lo = Math.min(lo, v);
        hi = Math.max(hi, v);
      }
      maps.append(raster(`output ${shapeText(reply.shape)}`, reply.data, [oh, ow], 'img-output'));
      status.textContent = `output ${shapeText(reply.shape)}, values ${lo.toFixed(3)} to ${hi.toFixed(3)}; convolved in ${reply.ms.toFixed(2)} ms in the worker`;
      status.dataset.shape = reply.shape.join(',');
    }
    section.dataset.updateMs = (performance.now() - started).toFixed(2);
    section.dataset.done = String(reply.id);
  });
  preset.addEventListener('input', () => {
    const { k, values } = KERNELS[preset.value];
    setKernel(values(), k);
    request();
  });
  for (const input of [stride, dilation, padding]) input.addEventListener('input', request);
  kernelGrid.addEventListener('input', request);
  const { k, values } = KERNELS[preset.value];
  setKernel(values(), k);
  request();
}

function raster(title: string, data: Float32Array, [h, w]: number[], id: string): HTMLElement {
  const plot = Plot.plot({
    width: 300, height: 300 * (h / w), margin: 0, x: { axis: null }, y: { axis: null, reverse: true },
    color: { scheme: 'greys', reverse: true },
    marks: [Plot.raster(data, { width: w, height: h, imageRendering: 'pixelated' }), Plot.frame()],
  });
  plot.setAttribute('aria-label', `${title} feature map, ${h} by ${w}`);
  return el('figure', { id }, plot, el('figcaption', { text: title }));
}
