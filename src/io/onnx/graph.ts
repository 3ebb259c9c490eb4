/**
 * The graph an ONNX export builds: nodes, initializers and the values between them, named after the
 * module paths as torch.onnx names them (`/0/Conv`, `/0/Conv_output_0`, initializers by state-dict key).
 * Modules add themselves through this class, so a module convkit does not know can declare its own
 * ONNX form (`OnnxExportable`).
 */
import { argError, show } from '../../errors.js';
import type { Module } from '../../nn/module.js';
import type { Tensor } from '../../tensor.js';

/** A value of the graph: its name and its shape, the first dimension being the batch. */
export interface OnnxValue {
  readonly name: string;
  readonly shape: readonly number[];
}

/**
 * A node's attributes by ONNX name: a number is an `INT`, an array of numbers `INTS`, a string `STRING`,
 * and `{ float: x }` a `FLOAT` (ONNX types attributes; a JavaScript number cannot say which it is).
 */
export type OnnxAttributes = Record<string, number | readonly number[] | string | { readonly float: number }>;

/** A module that declares how it exports: what a module convkit does not know must implement to be exported. */
export interface OnnxExportable {
  /**
   * Adds this module's nodes to `graph` (its `node`, `weight`, `constant` and `module` methods), reading
   * `input`, and returns the value the module outputs.
   * @example
   * // a residual block: body(x) + x
   * toOnnx(graph, x) { return graph.node('Add', [x, graph.module(this.body, x, 'body')], x.shape); }
   */
  toOnnx(graph: OnnxGraph, input: OnnxValue): OnnxValue;
}

/** How a module convkit knows adds itself (the table in `modules.ts`). */
export type OnnxConverter = (module: Module, graph: OnnxGraph, input: OnnxValue) => OnnxValue;

/** The pieces of the graph, before they become onnx.proto messages. */
export interface GraphNode {
  readonly opType: string;
  readonly name: string;
  readonly inputs: readonly string[];
  readonly outputs: string[];
  readonly attributes: OnnxAttributes;
  /** The output's shape, for the batch the graph was built for. */
  readonly shape: readonly number[];
}

export interface GraphInitializer {
  readonly name: string;
  readonly dims: readonly number[];
  readonly type: 'float' | 'int64';
  readonly values: Float32Array | readonly number[];
}

/** What `exportOnnx` calls `toOnnx` with; built by `exportOnnx`. */
export class OnnxGraph {
  /** The ONNX opset (default domain) the graph is built for: a module may choose its nodes by it. */
  readonly opset: number;
  readonly nodes: GraphNode[] = [];
  readonly initializers: GraphInitializer[] = [];
  /** The parameter or buffer behind each initializer that `weight` added, by initializer name. */
  readonly tensors = new Map<string, Tensor>();
  private readonly names = new Set<string>();
  // the values a node may read: the graph input, initializers and earlier nodes' outputs
  private readonly defined = new Set<string>();
  // a tensor two modules share (tied weights) is stored once
  private readonly weightNames = new Map<Tensor, OnnxValue>();
  private readonly path: string[] = [];
  // the modules being exported, outermost first, for error messages
  private readonly modules: Module[] = [];

  constructor(opset: number, private readonly convert: (module: Module, graph: OnnxGraph, input: OnnxValue) => OnnxValue) {
    this.opset = opset;
  }

  /** Exports `module` at the current path. */
  visit(module: Module, input: OnnxValue): OnnxValue {
    this.modules.push(module);
    try {
      return this.convert(module, this, input);
    } finally {
      this.modules.pop();
    }
  }

  /** Reserves `name`, or the first of `name_1`, `name_2`, ... that is free. */
  private unique(name: string): string {
    let candidate = name;
    for (let i = 1; this.names.has(candidate); i++) candidate = `${name}_${i}`;
    this.names.add(candidate);
    return candidate;
  }

  /** Reserves a name the caller chose (the graph's input and output); `defined` for the input. */
  reserve(name: string, defined: boolean): void {
    if (this.unique(name) !== name) throw new Error(`ONNX value name ${name} taken twice`);
    if (defined) this.defined.add(name);
  }

  /** The current module's path, as node names show it: `/features/0` (empty at the root). */
  private get nodePath(): string {
    return this.path.map((segment) => `/${segment}`).join('');
  }

  /** The current module's path as state-dict keys start: `features.0.` (empty at the root). */
  private get keyPrefix(): string {
    return this.path.map((segment) => `${segment}.`).join('');
  }

  /** The path of the module being exported, dotted as `namedModules` gives it (`''` for the root). */
  get modulePath(): string {
    return this.path.join('.');
  }

  /** Exports `child`, a submodule this module holds as `name` (its attribute name, or index in a `Sequential`). */
  module(child: Module, input: OnnxValue, name: string): OnnxValue {
    this.path.push(name);
    try {
      return this.visit(child, input);
    } finally {
      this.path.pop();
    }
  }

  /**
   * Adds a node `opType` reading `inputs` (values, or `''` for an optional input left out), whose one
   * output has `outputShape`; named `<path>/<opType>` and `<path>/<opType>_output_0` as torch.onnx does.
   */
  node(opType: string, inputs: ReadonlyArray<OnnxValue | ''>, outputShape: readonly number[], attributes: OnnxAttributes = {}): OnnxValue {
    for (const input of inputs) {
      if (input !== '' && !this.defined.has(input?.name)) {
        throw this.unsupported(`its ${opType} node reads ${show(input?.name)}, which is not a value of this graph (the input, a weight, a constant or an earlier node's output)`);
      }
    }
    for (const [key, value] of Object.entries(attributes)) {
      const ok = typeof value === 'string' || (typeof value === 'number' ? Number.isSafeInteger(value)
        : Array.isArray(value) ? value.every(Number.isSafeInteger) : typeof (value as { float?: unknown }).float === 'number');
      if (!ok) throw this.unsupported(`attribute ${key} of its ${opType} node must be an integer, integers, a string or { float }, got ${show(value)}`);
    }
    const name = this.unique(`${this.nodePath}/${opType}`);
    const output = this.unique(`${name}_output_0`);
    this.nodes.push({ opType, name, inputs: inputs.map((v) => (v === '' ? '' : v.name)), outputs: [output], attributes, shape: [...outputShape] });
    this.defined.add(output);
    return { name: output, shape: [...outputShape] };
  }

  /** `tensor`, a parameter or buffer of the current module called `key` there, as an initializer named by its state-dict key. */
  weight(key: string, tensor: Tensor): OnnxValue {
    const known = this.weightNames.get(tensor);
    if (known !== undefined) return known;
    const value = this.addInitializer(`${this.keyPrefix}${key}`, tensor.shape, 'float', tensor.data);
    this.weightNames.set(tensor, value);
    this.tensors.set(value.name, tensor);
    return value;
  }

  /** A constant input of a node (Clip's bounds, Pad's sizes, Reshape's shape), named `<path>/<name>`. */
  constant(name: string, dims: readonly number[], type: 'float' | 'int64', values: Float32Array | readonly number[]): OnnxValue {
    return this.addInitializer(`${this.nodePath}/${name}`, dims, type, values);
  }

  private addInitializer(name: string, dims: readonly number[], type: 'float' | 'int64', values: Float32Array | readonly number[]): OnnxValue {
    if (dims.reduce((a, b) => a * b, 1) !== values.length || (type === 'int64' && !values.every(Number.isSafeInteger))) {
      throw this.unsupported(`constant ${show(name)} of shape ${show(dims)} needs as many ${type} values, got ${show(Array.from(values))}`);
    }
    const unique = this.unique(name);
    this.initializers.push({ name: unique, dims: [...dims], type, values });
    this.defined.add(unique);
    return { name: unique, shape: [...dims] };
  }

  /** Throws, naming the module, where the graph's opset is below `min`, what `what` needs. */
  requireOpset(min: number, what: string): void {
    if (this.opset < min) throw argError('exportOnnx', `${this.describe()}: ${what} needs opset ${min} or later; got opset ${this.opset}`);
  }

  /** Throws, naming the module, where `input` is not of rank `rank`. */
  requireRank(input: OnnxValue, rank: number, layout: string): void {
    if (input.shape.length !== rank) {
      throw argError('exportOnnx', `${this.describe()} exports for ${rank}-D ${layout} input; it gets shape ${show(input.shape)}`);
    }
  }

  /** An error naming the module being exported, for a form ONNX cannot express. */
  unsupported(message: string): Error {
    return argError('exportOnnx', `${this.describe()}: ${message}`);
  }

  private describe(): string {
    const type = this.modules.at(-1)?.constructor.name ?? 'Module';
    return this.path.length === 0 ? `${type} (the model)` : `${type} at ${show(this.modulePath)}`;
  }
}
