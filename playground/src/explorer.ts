/**
 * Panel 1: the input (with its padding) and output grids of one convolution; hovering or focusing an
 * output cell highlights the input cells and padding it reads. The geometry, the output size and which
 * input each padding cell copies all come from convkit: Conv2d resolves the padding and geometry, and
 * `pad` applied to a map of input indices says what every padding cell holds (-1: a zero).
 */
import { Conv2d, outputSize, pad, PADDING_MODES, tensor, type PaddingMode } from 'convkit';
import { el, errorLine, intOf, labelled, live, numberInput, selectInput } from './ui';

interface Layout {
  h: number;
  w: number;
  top: number;
  left: number;
  /** Rows and columns of the padded input. */
  rows: number;
  cols: number;
  /** `source[py * cols + px]`: the input index the padded cell holds, -1 for a zero. */
  source: Float32Array;
  outH: number;
  outW: number;
  kernel: [number, number];
  stride: [number, number];
  dilation: [number, number];
}

/** The input cells (as `r,c`) and padding cells (padded `r,c`) that output (oy, ox) reads. */
export function cellsRead(l: Layout, oy: number, ox: number): { direct: Set<string>; padding: Set<string>; via: Set<string> } {
  const direct = new Set<string>();
  const padding = new Set<string>();
  const via = new Set<string>();
  for (let t = 0; t < l.kernel[0]; t++) {
    for (let u = 0; u < l.kernel[1]; u++) {
      const py = oy * l.stride[0] + t * l.dilation[0];
      const px = ox * l.stride[1] + u * l.dilation[1];
      const y = py - l.top;
      const x = px - l.left;
      if (y >= 0 && y < l.h && x >= 0 && x < l.w) {
        direct.add(`${y},${x}`);
        continue;
      }
      padding.add(`${py},${px}`);
      const s = l.source[py * l.cols + px];
      if (s >= 0) via.add(`${Math.floor(s / l.w)},${s % l.w}`);
    }
  }
  return { direct, padding, via };
}

export function mountExplorer(section: HTMLElement): void {
  const h = numberInput('ex-h', 'input height', 7, 1, 16);
  const w = numberInput('ex-w', 'input width', 7, 1, 16);
  const kH = numberInput('ex-kh', 'kernel height', 3, 1, 7);
  const kW = numberInput('ex-kw', 'kernel width', 3, 1, 7);
  const sH = numberInput('ex-sh', 'stride height', 1, 1, 4);
  const sW = numberInput('ex-sw', 'stride width', 1, 1, 4);
  const form = selectInput('ex-padform', 'padding form', [['numbers', 'numbers'], ['same', "'same'"], ['valid', "'valid'"]], 'numbers');
  const pH = numberInput('ex-ph', 'padding height', 1, 0, 6);
  const pW = numberInput('ex-pw', 'padding width', 1, 0, 6);
  const mode = selectInput('ex-mode', 'padding mode', PADDING_MODES.map((m) => [m, m]), 'zeros');
  const dH = numberInput('ex-dh', 'dilation height', 1, 1, 4);
  const dW = numberInput('ex-dw', 'dilation width', 1, 1, 4);
  const pair = (legend: string, a: HTMLInputElement, b: HTMLInputElement) => el('fieldset', {}, el('legend', { text: legend }), labelled('h', a), labelled('w', b));
  const controls = el('div', { class: 'controls' },
    pair('input', h, w), pair('kernel', kH, kW), pair('stride', sH, sW),
    el('fieldset', {}, el('legend', { text: 'padding' }), labelled('form', form), labelled('h', pH), labelled('w', pW), labelled('mode', mode)),
    pair('dilation', dH, dW));
  const error = errorLine('ex-error');
  const formula = el('p', { id: 'ex-formula', class: 'formula', 'aria-live': 'polite' });
  const inputGrid = el('div', { id: 'ex-input', class: 'grid', role: 'img', 'aria-label': 'input with padding' });
  const outputGrid = el('div', { id: 'ex-output', class: 'grid', role: 'group', 'aria-label': 'output cells: focus one to see what it reads' });
  const reads = el('p', { id: 'ex-reads', 'aria-live': 'polite', text: 'Hover or focus an output cell.' });
  const legend = el('p', {},
    el('span', { class: 'legend-swatch', style: 'background: var(--read)' }), 'input read',
    el('span', { class: 'legend-swatch', style: 'background: #c9a27a' }), 'padding read',
    el('span', { class: 'legend-swatch', style: 'background: var(--via)' }), 'input read through padding (reflect, replicate, circular)',
    el('span', { class: 'legend-swatch', style: 'background: var(--pad)' }), 'padding');
  section.append(controls, error.node, formula,
    el('div', { class: 'row' }, el('figure', {}, inputGrid, el('figcaption', { id: 'ex-input-caption' })), el('figure', {}, outputGrid, el('figcaption', { id: 'ex-output-caption' }))),
    reads, legend);

  let layout: Layout | null = null;
  const highlight = (oy: number, ox: number) => {
    if (layout === null) return;
    const { direct, padding, via } = cellsRead(layout, oy, ox);
    for (const cell of inputGrid.children as HTMLCollectionOf<HTMLElement>) {
      const key = `${cell.dataset.r},${cell.dataset.c}`;
      const isPad = cell.dataset.kind === 'pad';
      cell.classList.toggle('read', !isPad && direct.has(key));
      cell.classList.toggle('read-via', !isPad && via.has(key) && !direct.has(key));
      cell.classList.toggle('read-pad', isPad && padding.has(key));
    }
    for (const cell of outputGrid.children as HTMLCollectionOf<HTMLElement>) cell.classList.toggle('active', cell.dataset.r === String(oy) && cell.dataset.c === String(ox));
    const taps = layout.kernel[0] * layout.kernel[1];
    reads.textContent = `output (${oy}, ${ox}) reads ${taps} taps: ${direct.size} input cells directly, ${padding.size} padding cells` +
      (via.size > 0 ? `, which copy ${via.size} input cells` : '');
  };

  const padsOf = () => (form.value === 'numbers' ? [intOf(pH), intOf(pW)] as [number, number] : form.value as 'same' | 'valid');
  live(section, () => {
    pH.disabled = pW.disabled = form.value !== 'numbers';
    inputGrid.replaceChildren();
    outputGrid.replaceChildren();
    reads.textContent = 'Hover or focus an output cell.';
    layout = null;
    try {
      const input = [intOf(h), intOf(w)];
      const conv = new Conv2d(1, 1, [intOf(kH), intOf(kW)], {
        stride: [intOf(sH), intOf(sW)], padding: padsOf(), dilation: [intOf(dH), intOf(dW)], paddingMode: mode.value as PaddingMode, bias: false,
      });
      const g = conv.geometry([1, 1, ...input]);
      const { top, bottom, left, right } = conv.sides;
      const indices = tensor(Float32Array.from({ length: input[0] * input[1] }, (_, i) => i), [1, 1, input[0], input[1]]);
      const padded = conv.paddingMode === 'zeros' ? pad(indices, [left, right, top, bottom], 'constant', -1) : pad(indices, [left, right, top, bottom], conv.paddingMode);
      layout = {
        h: input[0], w: input[1], top, left, rows: padded.shape[2], cols: padded.shape[3], source: padded.data,
        outH: g.outH, outW: g.outW, kernel: conv.kernelSize, stride: conv.stride, dilation: conv.dilation,
      };
      error.clear();
      drawInput(inputGrid, layout);
      drawOutput(outputGrid, layout, highlight);
      document.getElementById('ex-input-caption')!.textContent = `input ${input.join('×')}, padded to ${layout.rows}×${layout.cols} (top ${top}, bottom ${bottom}, left ${left}, right ${right}, ${conv.paddingMode})`;
      document.getElementById('ex-output-caption')!.textContent = `output ${g.outH}×${g.outW}`;
      formula.textContent = [
        'H_out = ⌊(H + pad_top + pad_bottom − d·(k−1) − 1) / s⌋ + 1',
        `      = ⌊(${input[0]} + ${top} + ${bottom} − ${conv.dilation[0]}·(${conv.kernelSize[0]}−1) − 1) / ${conv.stride[0]}⌋ + 1 = ${outputSize(input[0], top, bottom, conv.kernelSize[0], conv.stride[0], conv.dilation[0])}`,
        'W_out = ⌊(W + pad_left + pad_right − d·(k−1) − 1) / s⌋ + 1',
        `      = ⌊(${input[1]} + ${left} + ${right} − ${conv.dilation[1]}·(${conv.kernelSize[1]}−1) − 1) / ${conv.stride[1]}⌋ + 1 = ${outputSize(input[1], left, right, conv.kernelSize[1], conv.stride[1], conv.dilation[1])}`,
      ].join('\n');
    } catch (e) {
      error.show(e);
      formula.textContent = '';
      document.getElementById('ex-input-caption')!.textContent = '';
      document.getElementById('ex-output-caption')!.textContent = '';
    }
  });
}

function drawInput(grid: HTMLElement, l: Layout): void {
  grid.style.gridTemplateColumns = `repeat(${l.cols}, 26px)`;
  for (let py = 0; py < l.rows; py++) {
    for (let px = 0; px < l.cols; px++) {
      const y = py - l.top;
      const x = px - l.left;
      const inside = y >= 0 && y < l.h && x >= 0 && x < l.w;
      const s = l.source[py * l.cols + px];
      const cell = inside
        ? el('div', { class: 'cell', 'data-kind': 'input', 'data-r': y, 'data-c': x, title: `input (${y}, ${x})` })
        : el('div', { class: 'cell pad', 'data-kind': 'pad', 'data-r': py, 'data-c': px, title: s < 0 ? 'padding: zero' : `padding: copy of input (${Math.floor(s / l.w)}, ${s % l.w})`, text: s < 0 ? '0' : `${Math.floor(s / l.w)},${s % l.w}` });
      grid.append(cell);
    }
  }
}

function drawOutput(grid: HTMLElement, l: Layout, highlight: (oy: number, ox: number) => void): void {
  grid.style.gridTemplateColumns = `repeat(${l.outW}, 26px)`;
  for (let oy = 0; oy < l.outH; oy++) {
    for (let ox = 0; ox < l.outW; ox++) {
      const cell = el('button', { class: 'cell out', type: 'button', 'data-r': oy, 'data-c': ox, 'aria-label': `output row ${oy}, column ${ox}`, text: `${oy},${ox}` });
      cell.addEventListener('mouseenter', () => highlight(oy, ox));
      cell.addEventListener('focus', () => highlight(oy, ox));
      grid.append(cell);
    }
  }
}
