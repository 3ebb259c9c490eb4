/**
 * `summary(model, inputShape)`: a torchinfo-like table of a model, one row per module (containers
 * first, their children indented below), with output shapes, parameters, MACs and receptive fields.
 */
import { BatchNorm2d } from '../nn/batch-norm.js';
import { Conv2d } from '../nn/conv2d.js';
import { DepthwiseSeparableConv2d } from '../nn/depthwise-separable.js';
import { Linear } from '../nn/linear.js';
import { argError } from '../errors.js';
import { checkModule, type Module } from '../nn/module.js';
import { ModuleList } from '../nn/module-list.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from '../nn/pool.js';
import type { PoolWindow } from '../ops/pool.js';
import { childInputsOf, partCost, type PartCost } from './cost.js';
import { nextField, spatialLayers, IDENTITY_FIELD, type ReceptiveField } from './receptive-field.js';

export interface SummaryRow extends PartCost {
  /** Dotted path, as in state-dict keys (`2.depthwise`); `''` for the model itself. */
  path: string;
  type: string;
  /** 0 for the model, 1 for its children, ... */
  depth: number;
  /** Key constructor arguments, in PyTorch's spelling. */
  args: string;
  /**
   * The receptive field of one output position of this module, counted from the model's input; null from
   * an adaptive pool whose windows differ in size or overlap onward, where no one field fits every position.
   */
  receptiveField: ReceptiveField | null;
  /** Whether the module holds other modules (its cost is theirs added up). */
  container: boolean;
  /** The tree drawing before the type, e.g. `│    └─`. */
  branch: string;
}

/**
 * A model's table. Each row is the module on the input its parent's `childInputs` gives it (the one before's
 * output in a chain). Receptive fields follow the data: where branches are joined or the input (or its
 * downsampled form) is added back, the field of the result is the largest (by area) of the fields that reach
 * it; a global pool (MobileNetV2's before its classifier) spans the fields of every position it averages, and
 * an adaptive pool whose windows differ leaves no one field (`null`, "varies").
 */
export interface Summary {
  inputShape: number[];
  outputShape: number[];
  rows: SummaryRow[];
  totals: { parameters: number; macs: number; biasAdditions: number; flops: number; weightBytes: number; inputBytes: number; activationBytes: number };
}

const size = ([h, w]: readonly number[]) => (h === w ? String(h) : `${h}x${w}`);

/** The arguments worth a column: channels, then kernel, stride, padding, dilation, groups where not default. */
function keyArgs(module: Module): string {
  if (module instanceof Linear) return `${module.inFeatures}, ${module.outFeatures}${module.bias === null ? ', no bias' : ''}`;
  if (module instanceof BatchNorm2d) return String(module.numFeatures);
  if (module instanceof DepthwiseSeparableConv2d) return convArgs(module.depthwise, module.pointwise.outChannels, false);
  if (module instanceof MaxPool2d || module instanceof AvgPool2d) return poolArgs(module.window, module instanceof AvgPool2d);
  if (module instanceof AdaptiveAvgPool2d) {
    const out = module.outputSize;
    return `out=${typeof out === 'number' ? out : `${out[0] ?? 'H'}x${out[1] ?? 'W'}`}`; // H, W: the input's, kept
  }
  return module instanceof Conv2d ? convArgs(module, module.outChannels, true) : '';
}

/** Kernel, then stride, padding and dilation where not 1, 0 and 1, and the averaging options where not the default. */
function poolArgs(w: PoolWindow, average: boolean): string {
  const parts = [`k=${size([w.kH, w.kW])}`];
  if (w.strideH !== 1 || w.strideW !== 1) parts.push(`s=${size([w.strideH, w.strideW])}`);
  if (w.padTop !== 0 || w.padLeft !== 0) parts.push(`p=${size([w.padTop, w.padLeft])}`);
  if (w.dilationH !== 1 || w.dilationW !== 1) parts.push(`d=${size([w.dilationH, w.dilationW])}`);
  if (w.ceilMode) parts.push('ceil');
  if (average && w.padTop + w.padLeft > 0 && !w.countIncludePad && w.divisor === null) parts.push('pad not counted');
  if (w.divisor !== null) parts.push(`divisor=${w.divisor}`);
  return parts.join(', ');
}

function convArgs(module: Conv2d, outChannels: number, withGroups: boolean): string {
  const parts = [`${module.inChannels}, ${outChannels}`, `k=${size(module.kernelSize)}`];
  if (module.stride.some((s) => s !== 1)) parts.push(`s=${size(module.stride)}`);
  if (typeof module.padding === 'string') parts.push(`p=${module.padding}`);
  else if (module.padding.some((p) => p !== 0)) parts.push(`p=${size(module.padding)}`);
  if (module.dilation.some((d) => d !== 1)) parts.push(`d=${size(module.dilation)}`);
  if (withGroups && module.groups !== 1) parts.push(`g=${module.groups}`);
  if (module.paddingMode !== 'zeros') parts.push(module.paddingMode);
  if (module.bias === null) parts.push('no bias');
  return parts.join(', ');
}

/** The largest of the fields that reach a join or a residual add (by area); null where any of them is. */
function largestField(fields: Array<ReceptiveField | null>): ReceptiveField | null {
  if (fields.some((f) => f === null)) return null;
  const area = (f: ReceptiveField) => f.size[0] * f.size[1];
  return (fields as ReceptiveField[]).reduce((a, b) => (area(b) > area(a) ? b : a));
}

/** The field after averaging a map of `shape` over its whole height and width: one window, the map. */
function globalPoolField(field: ReceptiveField | null, shape: readonly number[]): ReceptiveField | null {
  const window: [number, number] = [shape[shape.length - 2], shape[shape.length - 1]];
  return field === null ? null : nextField(field, { kernel: window, stride: window, dilation: [1, 1], padding: [0, 0] });
}

type Flow = { outputShape: number[] | null; receptiveField: ReceptiveField | null };

/**
 * Walks `model` on an input of `inputShape` without running it.
 * @throws the error the forward pass would throw for that shape.
 */
export function summary(model: Module, inputShape: readonly number[]): Summary {
  checkModule('summary', model);
  if (model instanceof ModuleList) throw argError('summary', 'a ModuleList has no forward: summarise the module that holds it');
  const rows: SummaryRow[] = [];
  const byPath = new Map<string, SummaryRow>();
  const visit = (module: Module, path: string, depth: number, shape: readonly number[], field: ReceptiveField | null, branch: string, indent: string): SummaryRow => {
    const children = module.namedChildren();
    const row: SummaryRow = {
      path, type: module.constructor.name, depth, branch, args: keyArgs(module), container: children.length > 0,
      ...partCost(module, shape), receptiveField: field,
    };
    rows.push(row);
    byPath.set(path, row);
    const inputs = row.container ? childInputsOf('summary', module, shape) : [];
    const at = (from: string) => (path === '' ? from : from === '' ? path : `${path}.${from}`);
    const sourceOf = (from: string, child: string): Flow => {
      if (from === '') return { outputShape: [...shape], receptiveField: field };
      const source = byPath.get(at(from));
      if (source === undefined) {
        throw argError('summary', `${module.constructor.name}.childInputs feeds ${child} from ${from}, which is not a submodule listed before it`);
      }
      return source;
    };
    children.forEach(([name, child], i) => {
      const last = i === children.length - 1;
      const sources = inputs[i].from.map((from) => sourceOf(from, name));
      const joined = largestField(sources.map((s) => s.receptiveField));
      const pooledFrom = sources[0]?.outputShape;
      const childField = inputs[i].pooled === true && pooledFrom ? globalPoolField(joined, pooledFrom) : joined;
      visit(child, at(name), depth + 1, inputs[i].shape, childField, indent + (last ? '└─' : '├─'), indent + (last ? '     ' : '│    '));
    });
    if (row.container) {
      // The output is made of the children's outputs that no other child takes (the last of a chain; a
      // Bottleneck's relu and downsample): an input added back unchanged has the smaller field, so it never counts.
      const taken = new Set(inputs.flatMap((input) => input.from.map((from) => from.split('.')[0])));
      row.receptiveField = largestField(children.filter(([name]) => !taken.has(name)).map(([name]) => byPath.get(at(name))!.receptiveField));
    } else {
      const varies = module instanceof AdaptiveAvgPool2d && module.uniformWindow(shape) === null;
      row.receptiveField = field === null || varies ? null : spatialLayers(module, shape).reduce(nextField, field);
    }
    return row;
  };
  visit(model, '', 0, inputShape, IDENTITY_FIELD, '', '');
  const top = rows[0];
  const leaves = rows.filter((r) => !r.container);
  return {
    inputShape: [...inputShape],
    outputShape: top.outputShape as number[], // a ModuleList, the one module without, is refused above
    rows,
    totals: {
      parameters: top.parameters, macs: top.macs, biasAdditions: top.biasAdditions, flops: top.flops, weightBytes: top.weightBytes,
      inputBytes: top.inputBytes, activationBytes: leaves.reduce((sum, r) => sum + r.outputBytes, 0),
    },
  };
}

const count = (n: number) => n.toLocaleString('en-US');
const mb = (bytes: number) => (bytes / 1e6).toFixed(2);

/** The summary as an aligned text table, in the manner of torchinfo. */
export function formatSummary(s: Summary): string {
  const header = ['Layer (type:path)', 'Arguments', 'Output Shape', 'Param #', 'MACs', 'RF', 'Jump'];
  const body = s.rows.map((r) => [
    `${r.branch}${r.type}${r.path === '' ? '' : `: ${r.path}`}`,
    r.args,
    r.outputShape === null ? '--' : `[${r.outputShape.join(', ')}]`,
    r.container ? `(${count(r.parameters)})` : r.parameters === 0 ? '--' : count(r.parameters),
    r.container ? `(${count(r.macs)})` : r.macs === 0 ? '--' : count(r.macs),
    r.receptiveField === null ? 'varies' : `${r.receptiveField.size[0]}x${r.receptiveField.size[1]}`,
    r.receptiveField === null ? 'varies' : `${r.receptiveField.jump[0]}x${r.receptiveField.jump[1]}`,
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...body.map((row) => [...row[c]].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c < 2 ? cell.padEnd(widths[c] + cell.length - [...cell].length) : cell.padStart(widths[c]))).join('  ').trimEnd();
  const rule = '='.repeat(widths.reduce((a, b) => a + b + 2, -2));
  const t = s.totals;
  return [
    rule, line(header), rule, ...body.map(line), rule,
    `Total params: ${count(t.parameters)}`,
    `Total MACs (multiply-accumulates): ${count(t.macs)}`,
    `Bias additions: ${count(t.biasAdditions)}`,
    `Total FLOPs (2 x MACs + bias additions): ${count(t.flops)}`,
    rule,
    `Input size (MB): ${mb(t.inputBytes)}`,
    `Forward pass activations (MB): ${mb(t.activationBytes)}`,
    `Params size (MB): ${mb(t.weightBytes)}`,
    `Estimated total size (MB): ${mb(t.inputBytes + t.activationBytes + t.weightBytes)}`,
    rule,
  ].join('\n');
}
