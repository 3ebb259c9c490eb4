/**
 * The playground (playground/, `npm run playground`) in a real browser: playwright-core drives Debian's
 * headless Chromium (`chromium-headless-shell`, which `.ci/run` installs; `CONVKIT_CHROMIUM` names another
 * binary; no browser is downloaded) on the Vite build of the page, served as `npm run playground` serves
 * it. Every control is set in the page and what the page shows is checked against what convkit computes
 * here in Node for the same settings. Skipped, saying so, where no browser is installed.
 *
 * The playground's dependencies (Vite, Observable Plot, playwright-core) live in playground/package.json
 * and are installed on demand by playground/build.mjs, so convkit's own install stays small.
 * `CONVKIT_SCREENSHOTS=DIR` writes a screenshot of every panel there (`playground/screenshots` for the
 * README's); otherwise they go to a temporary folder and are only checked to be PNGs.
 * `CONVKIT_PLAYGROUND_TIMES=1` prints how long control changes take to update the page (not asserted).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath, pathToFileURL } from 'node:url';
import {
  compare, Conv2d, conv2d, coverageMap, DataLoader, dilatedStack, Generator, hdc, imageDataset, moduleFromJSON, mul, parameterCount, randn, receptiveFields, sum, summary, tensor, twinJSON, zeros,
  type PaddingMode, type TwinKind,
} from '../src/index.js';
import { tutorialExamples } from '../src/demo/tutorial.js';
import { sampleImage, SAMPLE_SIZE } from '../playground/src/sample-image.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const playground = join(root, 'playground');
const browserPath = [process.env.CONVKIT_CHROMIUM, '/usr/bin/chromium-headless-shell', '/usr/bin/chromium'].find((p) => p !== undefined && existsSync(p));
const skip = browserPath === undefined && 'no headless Chromium (apt-get install chromium-headless-shell)';

/** The little of playwright-core's API this test uses (its types live in playground/node_modules). */
interface Page {
  goto(url: string): Promise<unknown>;
  on(event: string, listener: (arg: any) => void): void;
  waitForSelector(selector: string, options?: { timeout?: number; state?: string }): Promise<unknown>;
  waitForFunction(f: string | ((arg: any) => unknown), arg?: unknown, options?: { timeout?: number }): Promise<unknown>;
  fill(selector: string, value: string): Promise<void>;
  selectOption(selector: string, value: string): Promise<unknown>;
  click(selector: string): Promise<void>;
  hover(selector: string): Promise<void>;
  focus(selector: string): Promise<void>;
  textContent(selector: string): Promise<string | null>;
  getAttribute(selector: string, name: string): Promise<string | null>;
  $$eval<T>(selector: string, f: (elements: any[]) => T): Promise<T>;
  locator(selector: string): { screenshot(options: { path: string }): Promise<Buffer> };
  keyboard: { press(key: string): Promise<void> };
  evaluate<T>(expression: string): Promise<T>;
  close(): Promise<void>;
}
interface Browser {
  newPage(options?: object): Promise<Page>;
  close(): Promise<void>;
}

let browser: Browser | null = null;
const servers: Array<{ close(): void }> = [];

/** Builds the playground (installing its dependencies first where missing) and serves it. */
async function open(isolated: boolean): Promise<{ page: Page; problems: string[] }> {
  const { serve } = (await import(pathToFileURL(join(playground, 'server.mjs')).href)) as { serve(o: { isolated: boolean }): Promise<{ server: { close(): void }; url: string }> };
  const { server, url } = await serve({ isolated });
  servers.push(server);
  const page = await browser!.newPage({ viewport: { width: 1200, height: 900 } });
  const problems: string[] = [];
  page.on('console', (m: { type(): string; text(): string }) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e: Error) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r: { url(): string }) => problems.push(`request failed: ${r.url()}`));
  page.on('response', (r: { status(): number; url(): string }) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  await page.goto(url);
  await page.waitForSelector('body[data-ready]', { timeout: 30_000 });
  await page.waitForSelector('#runtime[data-threads]', { timeout: 30_000 });
  await page.waitForSelector('#img-status[data-shape]', { timeout: 30_000 });
  return { page, problems };
}

before(async () => {
  if (skip) return;
  const built = spawnSync(process.execPath, [join(playground, 'build.mjs')], { cwd: root, encoding: 'utf8', env: { ...process.env, CONVKIT_PLAYGROUND_QUIET: '1' } });
  assert.equal(built.status, 0, `playground build failed:\n${built.stdout}\n${built.stderr}`);
  const { chromium } = createRequire(join(playground, 'package.json'))('playwright-core');
  browser = (await chromium.launch({ executablePath: browserPath, args: ['--no-sandbox', '--disable-gpu'] })) as Browser;
});

after(async () => {
  await browser?.close();
  for (const s of servers) s.close();
});

/** Waits until the image panel shows the reply to its latest request to the worker. */
const imageSettled = (page: Page) => page.waitForFunction(() => {
  const s = document.getElementById('image')!;
  return s.dataset.done === s.dataset.requested;
});

const numberIn = (text: string | null) => Number((text ?? '').replace(/,/g, ''));

/** The input cells an output cell of `conv` reads, found by autograd: the gradient of that one output reaches exactly them. */
function cellsReadByGradient(conv: Conv2d, h: number, w: number, oy: number, ox: number): string[] {
  conv.weight.data.fill(1);
  const x = zeros([1, 1, h, w]).requiresGrad_();
  const y = conv.forward(x);
  const pick = zeros(y.shape);
  pick.data[oy * y.shape[3] + ox] = 1;
  sum(mul(y, pick)).backward();
  const cells: string[] = [];
  x.grad!.data.forEach((g, i) => {
    if (g !== 0) cells.push(`${Math.floor(i / w)},${i % w}`);
  });
  return cells.sort();
}

interface ExplorerCase {
  h: number; w: number; kh: number; kw: number; sh: number; sw: number;
  form: 'numbers' | 'same' | 'valid'; ph: number; pw: number; mode: PaddingMode; dh: number; dw: number;
}

const explorerCases: ExplorerCase[] = [
  { h: 7, w: 7, kh: 3, kw: 3, sh: 1, sw: 1, form: 'numbers', ph: 1, pw: 1, mode: 'zeros', dh: 1, dw: 1 },
  { h: 7, w: 9, kh: 3, kw: 2, sh: 2, sw: 1, form: 'numbers', ph: 2, pw: 1, mode: 'zeros', dh: 2, dw: 1 },
  { h: 6, w: 6, kh: 3, kw: 3, sh: 1, sw: 1, form: 'same', ph: 0, pw: 0, mode: 'reflect', dh: 2, dw: 1 },
  { h: 5, w: 8, kh: 2, kw: 3, sh: 1, sw: 1, form: 'same', ph: 0, pw: 0, mode: 'zeros', dh: 1, dw: 2 },
  { h: 6, w: 5, kh: 3, kw: 3, sh: 2, sw: 2, form: 'numbers', ph: 2, pw: 1, mode: 'circular', dh: 1, dw: 1 },
  { h: 5, w: 5, kh: 3, kw: 3, sh: 1, sw: 1, form: 'numbers', ph: 2, pw: 2, mode: 'replicate', dh: 1, dw: 1 },
  { h: 8, w: 6, kh: 3, kw: 3, sh: 3, sw: 2, form: 'valid', ph: 0, pw: 0, mode: 'zeros', dh: 1, dw: 2 },
];

function explorerConv(c: ExplorerCase): Conv2d {
  const padding = c.form === 'numbers' ? [c.ph, c.pw] as [number, number] : c.form;
  return new Conv2d(1, 1, [c.kh, c.kw], { stride: [c.sh, c.sw], padding, dilation: [c.dh, c.dw], paddingMode: c.mode, bias: false });
}

async function setExplorer(page: Page, c: ExplorerCase): Promise<void> {
  await page.selectOption('#ex-padform', c.form);
  await page.selectOption('#ex-mode', c.mode);
  for (const key of ['h', 'w', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw'] as const) await page.fill(`#ex-${key}`, String(c[key]));
  if (c.form === 'numbers') {
    await page.fill('#ex-ph', String(c.ph));
    await page.fill('#ex-pw', String(c.pw));
  }
}

test('the playground loads cross-origin isolated with no console errors or failed requests, convkit on several threads in its worker', { skip }, async (t) => {
  const { page, problems } = await open(true);
  t.after(() => page.close());
  assert.deepEqual(problems, []);
  assert.ok(Number(await page.getAttribute('#runtime', 'data-threads')) >= 2, (await page.textContent('#runtime')) ?? '');
  assert.match((await page.textContent('#runtime')) ?? '', /wasm backend on this page; in the image worker: wasm backend/);

  await t.test('explorer: shapes and formula as convkit resolves them; an output cell highlights exactly the inputs its gradient reaches', async () => {
    for (const c of explorerCases) {
      await setExplorer(page, c);
      const conv = explorerConv(c);
      const g = conv.geometry([1, 1, c.h, c.w]);
      const { top, bottom, left, right } = conv.sides;
      assert.equal(await page.textContent('#ex-error'), '', JSON.stringify(c));
      assert.equal(await page.textContent('#ex-output-caption'), `output ${g.outH}×${g.outW}`, JSON.stringify(c));
      assert.match((await page.textContent('#ex-input-caption')) ?? '', new RegExp(`padded to ${c.h + top + bottom}×${c.w + left + right} \\(top ${top}, bottom ${bottom}, left ${left}, right ${right}`));
      assert.match((await page.textContent('#ex-formula')) ?? '', new RegExp(`= ${g.outH}\\n[^]*= ${g.outW}$`));
      assert.equal(await page.$$eval('#ex-output .cell', (cells) => cells.length), g.outH * g.outW);
      // corners and the middle, by mouse and by keyboard focus
      const picks: Array<[number, number]> = [[0, 0], [g.outH - 1, g.outW - 1], [Math.floor(g.outH / 2), Math.floor(g.outW / 2)], [0, g.outW - 1]];
      for (const [i, [oy, ox]] of picks.entries()) {
        const cell = `#ex-output .cell[data-r="${oy}"][data-c="${ox}"]`;
        if (i % 2 === 0) await page.hover(cell);
        else await page.focus(cell);
        const shown = (await page.$$eval('#ex-input .cell.read, #ex-input .cell.read-via', (cells) => cells.map((e) => `${e.dataset.r},${e.dataset.c}`))).sort();
        assert.deepEqual(shown, cellsReadByGradient(conv, c.h, c.w, oy, ox), `${JSON.stringify(c)} output (${oy}, ${ox})`);
        // every tap falls on exactly one highlighted cell of the padded grid
        const taps: string[] = [];
        for (let a = 0; a < c.kh; a++) for (let b = 0; b < c.kw; b++) taps.push(`${oy * c.sh + a * c.dh},${ox * c.sw + b * c.dw}`);
        const inPadding = taps.filter((p) => {
          const [y, x] = p.split(',').map(Number);
          return y < top || y >= top + c.h || x < left || x >= left + c.w;
        });
        const padShown = (await page.$$eval('#ex-input .cell.read-pad', (cells) => cells.map((e) => `${e.dataset.r},${e.dataset.c}`))).sort();
        assert.deepEqual(padShown, inPadding.sort(), `${JSON.stringify(c)} output (${oy}, ${ox}): padding read`);
      }
    }
    // settings convkit refuses show its message
    const bad: ExplorerCase = { ...explorerCases[0], h: 3, w: 3, kh: 7, ph: 0, pw: 0 };
    await setExplorer(page, bad);
    const refused = (() => {
      try {
        explorerConv(bad).geometry([1, 1, 3, 3]);
        return null;
      } catch (e) {
        return (e as Error).message;
      }
    })();
    assert.ok(refused !== null);
    assert.equal(await page.textContent('#ex-error'), refused);
    assert.equal(await page.$$eval('#ex-output .cell', (cells) => cells.length), 0);
  });

  await t.test('channels: connections and parameters of each kind as convkit counts them', async () => {
    const cases: Array<[string, number, number, number, number]> = [
      ['standard', 4, 6, 3, 1], ['grouped', 8, 8, 3, 2], ['grouped', 12, 6, 5, 3], ['depthwise', 6, 6, 3, 1], ['depthwise', 4, 8, 3, 1], ['pointwise', 5, 7, 3, 1],
    ];
    for (const [kind, cIn, cOut, k, groups] of cases) {
      await page.selectOption('#ch-kind', kind);
      await page.fill('#ch-cin', String(cIn));
      await page.fill('#ch-cout', String(cOut));
      if (kind !== 'pointwise') await page.fill('#ch-k', String(k));
      if (kind === 'grouped') await page.fill('#ch-groups', String(groups));
      const g = kind === 'grouped' ? groups : kind === 'depthwise' ? cIn : 1;
      const layer = new Conv2d(cIn, cOut, kind === 'pointwise' ? 1 : k, { groups: g });
      const label = `${kind} ${cIn}->${cOut} k=${k} G=${g}`;
      assert.equal(await page.textContent('#ch-error'), '', label);
      assert.equal(numberIn(await page.textContent('#ch-params')), parameterCount(layer), label);
      assert.equal(await page.textContent('#ch-weight'), `(${layer.weight.shape.join(', ')})`, label);
      // each output channel is fed by in_channels/groups inputs: weight.shape[1]
      assert.equal(numberIn(await page.textContent('#ch-links')), layer.weight.shape[0] * layer.weight.shape[1], label);
      assert.equal(Number(await page.textContent('#ch-fan-in')), layer.weight.shape[1], label);
      assert.equal(await page.$$eval('#ch-chart svg [aria-label="link"] path, #ch-chart svg g[aria-label="link"] > *', (e) => e.length), layer.weight.shape[0] * layer.weight.shape[1], label);
    }
    await page.selectOption('#ch-kind', 'grouped');
    await page.fill('#ch-cin', '6');
    await page.fill('#ch-groups', '4');
    const refused = (() => {
      try {
        new Conv2d(6, 7, 3, { groups: 4 });
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    assert.notEqual(refused, '');
    assert.equal(await page.textContent('#ch-error'), refused);
  });

  await t.test('receptive field: coverage map, holes and the HDC verdict as convkit reports them, as layers are added, edited and removed', async () => {
    const check = async (k: number, rates: number[]) => {
      const map = coverageMap(dilatedStack(k, rates));
      const rule = hdc(k, rates);
      const field = receptiveFields(dilatedStack(k, rates)).at(-1)!;
      const label = `k=${k} rates ${rates}`;
      assert.deepEqual(await page.$$eval('#rf-layers input', (inputs) => inputs.map((i) => Number(i.value))), rates, label);
      assert.equal(await page.textContent('#rf-size'), `receptive field ${field.size[0]}×${field.size[1]} (coverage map ${map.size[0]}×${map.size[1]})`, label);
      assert.equal(await page.textContent('#rf-holes'), `exact map: ${map.holes} holes of ${map.size[0] * map.size[1]} positions`, label);
      assert.equal(await page.textContent('#rf-m'), `Wang et al.: ${rule.M.map((m, i) => `M${i + 1}=${m}`).join(', ')}; goal M2 ≤ K=${k}: ${rule.goalMet ? 'met' : 'not met'}`, label);
      assert.match((await page.textContent('#rf-verdict-line')) ?? '', new RegExp(`^HDC rule ${rule.satisfied ? 'satisfied' : 'not satisfied'}`), label);
      if (map.size[0] * map.size[1] <= 61 * 61) {
        // one × per hole, one cell per reached position
        assert.equal(await page.$$eval('#rf-chart svg text', (texts) => texts.filter((e) => e.textContent === '×').length), map.holes, label);
      }
    };
    await check(3, [1, 2, 5]);
    for (const [i, rates] of [[1, 2, 5], [2, 2, 2], [1, 2, 3], [2, 4, 8]].entries()) {
      await page.click(`#rf-preset-${i}`);
      await check(3, rates);
    }
    await page.click('#rf-add');
    await check(3, [2, 4, 8, 1]);
    await page.fill('#rf-rate-3', '3');
    await check(3, [2, 4, 8, 3]);
    await page.click('#rf-layers li:nth-child(2) .rf-remove');
    await check(3, [2, 8, 3]);
    await page.fill('#rf-k', '5');
    await check(5, [2, 8, 3]);
  });

  await t.test("cost: each tutorial preset highlights the tutorial's layer and standard with convkit's counts; any setting matches compare()", async () => {
    const rowOf = async (selector: string) => ({
      params: numberIn(await page.textContent(`${selector} td.params`)),
      macs: numberIn(await page.textContent(`${selector} td.macs`)),
    });
    const examples = tutorialExamples();
    for (let i = 0; i < 4; i++) {
      await page.click(`#cost-preset-${i}`);
      const marked = await page.$$eval('#cost-table tr.tutorial', (rows) => rows.map((r) => r.dataset.variant));
      assert.equal(marked.length, 2, `preset ${i}`);
      const figures = await Promise.all(marked.map((v: string) => rowOf(`#cost-table tr[data-variant="${v}"]`)));
      const expected = [examples[i].layer, examples[i].standard].map((f) => ({ params: f.parameters, macs: f.macs }));
      assert.deepEqual(new Set(figures.map((f) => JSON.stringify(f))), new Set(expected.map((f) => JSON.stringify(f))), `preset ${i}: ${examples[i].title}`);
    }
    const settings = { cin: 24, cout: 36, k: 5, h: 20, w: 17, stride: 2, padding: 2, dilation: 1 };
    for (const [key, value] of Object.entries(settings)) await page.fill(`#cost-${key}`, String(value));
    assert.equal(await page.$$eval('#cost-table tr.tutorial', (rows) => rows.length), 0);
    const { variants } = compare({ inChannels: 24, outChannels: 36, kernelSize: 5, inputShape: [1, 24, 20, 17], stride: 2, padding: 2 });
    for (const v of variants) {
      assert.deepEqual(await rowOf(`#cost-table tr[data-variant="${v.name}"]`), { params: v.parameters, macs: v.macs }, v.name);
    }
  });

  await t.test('on an image: the output map has the shape and range convkit gives in Node for each kernel and setting', async () => {
    const image = tensor(sampleImage(), [1, 1, SAMPLE_SIZE, SAMPLE_SIZE]);
    const cases: Array<{ kernel: string; stride: number; dilation: number; padding: 'same' | 'valid' }> = [
      { kernel: 'Sobel x', stride: 1, dilation: 1, padding: 'same' },
      { kernel: 'blur (box 5×5)', stride: 2, dilation: 1, padding: 'valid' },
      { kernel: 'random (seed 0)', stride: 1, dilation: 3, padding: 'valid' },
      { kernel: 'sharpen', stride: 3, dilation: 2, padding: 'valid' },
    ];
    for (const c of cases) {
      await page.selectOption('#img-kernel', c.kernel);
      await page.selectOption('#img-padding', c.padding);
      await page.fill('#img-stride', String(c.stride));
      await page.fill('#img-dilation', String(c.dilation));
      await imageSettled(page);
      const weights = await page.$$eval('#img-kernel-grid input', (inputs) => inputs.map((i) => Number(i.value)));
      const k = Math.round(Math.sqrt(weights.length));
      if (c.kernel === 'random (seed 0)') {
        assert.deepEqual(weights, [...randn([9], new Generator(0)).data].map((v) => Number(v.toFixed(3))));
      }
      const out = conv2d(image, tensor(weights, [1, 1, k, k]), null, { stride: c.stride, dilation: c.dilation, padding: c.padding });
      const label = JSON.stringify(c);
      assert.equal(await page.textContent('#img-error'), '', label);
      assert.equal(await page.getAttribute('#img-status', 'data-shape'), out.shape.join(','), label);
      const [, lo, hi] = /values (-?[\d.]+) to (-?[\d.]+)/.exec((await page.textContent('#img-status')) ?? '')!;
      assert.ok(Math.abs(Number(lo) - Math.min(...out.data)) <= 1e-3 && Math.abs(Number(hi) - Math.max(...out.data)) <= 1e-3, `${label}: ${lo}..${hi}`);
    }
  });

  await t.test('train: parameters and MACs are summary()\'s; both twins train in their workers, the loss falls over the first 200 steps; stop stops, resume goes on', async () => {
    await page.waitForSelector('#train[data-loaded]', { timeout: 30_000 });
    // small widths keep 200 steps short (about 20 s here for both workers at once)
    await page.selectOption('#train-widths', '4,8,16');
    const kinds: TwinKind[] = ['standard', 'separable'];
    for (const kind of kinds) {
      const { parameters, macs } = summary(moduleFromJSON(twinJSON(kind, { widths: [4, 8, 16] })), [1, 1, 28, 28]).totals;
      assert.equal(numberIn(await page.textContent(`#train-models tr[data-model="${kind}"] .params`)), parameters, kind);
      assert.equal(numberIn(await page.textContent(`#train-models tr[data-model="${kind}"] .macs`)), macs, kind);
    }
    // settings convkit refuses end the run with its message
    await page.fill('#train-batch', '0');
    await page.click('#train-start');
    await page.waitForFunction(() => document.getElementById('train-error')!.textContent !== '');
    assert.equal(await page.getAttribute('#train', 'data-state'), 'idle');
    const refused = (() => {
      try {
        new DataLoader(imageDataset({ name: 'n', source: 's', images: new Uint8Array(784), labels: new Uint8Array(1), height: 28, width: 28, classes: ['0'] }), { batchSize: 0 });
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    assert.notEqual(refused, '');
    assert.match((await page.textContent('#train-error')) ?? '', /^(standard|depthwise-separable): /);
    assert.equal((await page.textContent('#train-error'))!.replace(/^[\w-]+: /, ''), refused);
    await page.fill('#train-batch', '16');
    const steps = () => page.$$eval('#train-models tr[data-model]', (rows) => rows.map((r) => Number(r.dataset.steps)));
    const allPast = (least: number[]) => page.waitForFunction((least: number[]) => Array.from(document.querySelectorAll<HTMLElement>('#train-models tr[data-model]'))
      .every((r, i) => Number(r.dataset.steps) >= least[i]), least, { timeout: 120_000 });
    await page.click('#train-start');
    await allPast([200, 200]);
    await page.click('#train-stop');
    await page.waitForSelector('#train[data-state="stopped"]', { timeout: 30_000 });
    const stopped = await steps();
    if (process.env.CONVKIT_PLAYGROUND_TIMES) {
      console.log('train: steps/s in trainStep (standard, separable; widths 4, 8, 16, batch 16, both workers at once):',
        await page.$$eval('#train-models td.rate', (cells) => cells.map((c) => c.textContent)));
    }
    await new Promise((r) => setTimeout(r, 1000));
    assert.deepEqual(await steps(), stopped, 'no steps after a stop');

    await page.click('#train details summary');
    await page.waitForSelector('#train-windows tr[data-from]');
    for (const kind of kinds) {
      const losses = await page.$$eval(`#train-windows td.loss[data-model="${kind}"]`, (cells) => cells.map((c) => c.textContent));
      const mean = (from: number, to: number) => losses.slice(from / 10, to / 10).reduce((a, b) => a + Number(b), 0) / ((to - from) / 10);
      assert.ok(losses.length >= 20 && losses.slice(0, 20).every((l) => l !== '' && Number.isFinite(Number(l))), `${kind}: ${losses}`);
      assert.ok(mean(150, 200) < mean(0, 20), `${kind}: loss over steps 151-200 ${mean(150, 200)}, over 1-20 ${mean(0, 20)}`);
    }
    // each image's marks agree with its label
    const marks = await page.$$eval('#train-grid figure', (items) => items.map((f) => ({
      label: /label (\d)/.exec(f.querySelector('figcaption').textContent)![1],
      predicted: Array.from(f.querySelectorAll('span[data-model]'), (s: any) => ({ digit: /\d/.exec(s.textContent.slice(3))![0], right: s.dataset.right === 'true' })),
    })));
    assert.equal(marks.length, 20);
    for (const m of marks) {
      assert.equal(m.predicted.length, 2);
      for (const p of m.predicted) assert.equal(p.right, p.digit === m.label, JSON.stringify(m));
    }

    await page.click('#train details summary');
    await page.click('#train-resume');
    await allPast(stopped.map((n) => n + 20));
    await page.click('#train-stop');
    await page.waitForSelector('#train[data-state="stopped"]', { timeout: 30_000 });
    assert.deepEqual(problems, []);
  });

  await t.test('a screenshot of every panel is written', async () => {
    // the states README shows
    await setExplorer(page, { h: 7, w: 7, kh: 3, kw: 3, sh: 2, sw: 2, form: 'numbers', ph: 2, pw: 2, mode: 'reflect', dh: 2, dw: 2 });
    await page.hover('#ex-output .cell[data-r="0"][data-c="1"]');
    await page.selectOption('#ch-kind', 'grouped');
    for (const [id, v] of [['cin', 8], ['cout', 8], ['k', 3], ['groups', 4]]) await page.fill(`#ch-${id}`, String(v));
    await page.click('#rf-preset-1');
    await page.click('#cost-preset-3');
    await page.selectOption('#img-kernel', 'Sobel x');
    await page.selectOption('#img-padding', 'same');
    await page.fill('#img-stride', '1');
    await page.fill('#img-dilation', '1');
    await imageSettled(page);
    const dir = process.env.CONVKIT_SCREENSHOTS ?? mkdtempSync(join(tmpdir(), 'convkit-playground-'));
    mkdirSync(dir, { recursive: true });
    try {
      for (const panel of ['explorer', 'channels', 'receptive-field', 'cost', 'image', 'train']) {
        const file = join(dir, `${panel}.png`);
        await page.locator(`#${panel}`).screenshot({ path: file });
        assert.deepEqual([...readFileSync(file).subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a], `${panel}: a PNG`);
      }
    } finally {
      if (process.env.CONVKIT_SCREENSHOTS === undefined) rmSync(dir, { recursive: true, force: true });
    }
  });

  if (process.env.CONVKIT_PLAYGROUND_TIMES) {
    await t.test('how long a control change takes to update the page (printed, not asserted)', async () => {
      // a string, not a function: tsx's transform would add helpers the page does not have
      const times = await page.evaluate<Record<string, unknown>>(`(async () => {
        const frame = () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        const image = document.getElementById('image');
        const change = async (selector, value, done) => {
          const control = document.querySelector(selector);
          const samples = [];
          for (let i = 0; i < 9; i++) {
            const t0 = performance.now();
            control.value = i % 2 === 0 ? value : control.defaultValue;
            control.dispatchEvent(new Event('input', { bubbles: true }));
            while (!done()) await new Promise((r) => setTimeout(r, 0));
            await frame();
            samples.push(performance.now() - t0);
          }
          return samples.sort((a, b) => a - b)[4].toFixed(1);
        };
        return {
          'explorer: input height 7 -> 12 (ms to the next painted frame, median of 9)': await change('#ex-h', '12', () => true),
          'channels: in channels 8 -> 16': await change('#ch-cin', '16', () => true),
          'receptive field: kernel 3 -> 5': await change('#rf-k', '5', () => true),
          'cost: C_out 128 -> 256': await change('#cost-cout', '256', () => true),
          'image: stride 1 -> 2 (round trip to the worker)': await change('#img-stride', '2', () => image.dataset.done === image.dataset.requested),
          'update handlers alone (data-update-ms, last run)': Object.fromEntries(['explorer', 'channels', 'receptive-field', 'cost', 'image'].map((id) => [id, document.getElementById(id).dataset.updateMs])),
        };
      })()`);
      console.log(JSON.stringify(times, null, 2));
    });
  }
});

test('without cross-origin isolation (a plain static host) the same build runs convkit on one thread', { skip }, async (t) => {
  const { page, problems } = await open(false);
  t.after(() => page.close());
  assert.deepEqual(problems, []);
  assert.equal(await page.getAttribute('#runtime', 'data-threads'), '1');
  assert.equal(await page.getAttribute('#img-status', 'data-shape'), `1,1,${SAMPLE_SIZE},${SAMPLE_SIZE}`);
});
