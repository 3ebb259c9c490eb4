/** Small DOM helpers shared by the panels: labelled controls, elements, and the error line. */

type Attrs = Record<string, string | number | boolean | undefined>;

/** An element with attributes (`text` sets its text) and children. */
export function el<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: Array<Node | string>): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name === 'text') node.textContent = String(value);
    else node.setAttribute(name, value === true ? '' : String(value));
  }
  node.append(...children);
  return node;
}

/** A labelled number input; `id` doubles as the test's handle. */
export function numberInput(id: string, label: string, value: number, min: number, max: number): HTMLInputElement {
  return el('input', { id, type: 'number', value, min, max, step: 1, 'aria-label': label });
}

/** A labelled select of `options` ([value, text] pairs). */
export function selectInput(id: string, label: string, options: Array<[string, string]>, value: string): HTMLSelectElement {
  const select = el('select', { id, 'aria-label': label });
  for (const [v, text] of options) select.append(el('option', { value: v, text, selected: v === value }));
  return select;
}

/** `control` inside a visible label. */
export function labelled(text: string, control: HTMLElement): HTMLLabelElement {
  return el('label', {}, text, control);
}

/** The integer in a number input (NaN when it is not one: convkit's own check then names it). */
export function intOf(input: HTMLInputElement): number {
  return input.value.trim() === '' ? NaN : Number(input.value);
}

/** A line that shows convkit's error for the current settings, read out by screen readers. */
export function errorLine(id: string): { node: HTMLElement; show(e: unknown): void; clear(): void } {
  const node = el('p', { id, class: 'error', role: 'alert' });
  return {
    node,
    show(e) {
      node.textContent = e instanceof Error ? e.message : String(e);
    },
    clear() {
      node.textContent = '';
    },
  };
}

/**
 * Runs `update` now and after every change of a control under `root`, recording on `root` how long the
 * last update took (data-update-ms), for the note that reports it; returns the update, for buttons.
 */
export function live(root: HTMLElement, update: () => void): () => void {
  const run = () => {
    const start = performance.now();
    update();
    root.dataset.updateMs = (performance.now() - start).toFixed(2);
  };
  root.addEventListener('input', run);
  run();
  return run;
}

export const count = (n: number) => n.toLocaleString('en-US');
export const shapeText = (s: readonly number[]) => `(${s.join(', ')})`;
