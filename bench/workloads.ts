/**
 * The benchmark's workloads: PyTorch `Conv2d` layers (float32, bias on) on fixed input shapes, and the
 * deterministic data every contender is fed. Each contender runs in its own process, so the data is
 * regenerated there from a seed instead of being shipped around; the same seed gives the same bits.
 */

/** One `torch.nn.Conv2d(cIn, cOut, k, stride, padding, dilation, groups, bias=True)`; padding is symmetric, as PyTorch's int form. */
export interface ConvLayer {
  readonly cIn: number;
  readonly cOut: number;
  readonly kH: number;
  readonly kW: number;
  readonly strideH: number;
  readonly strideW: number;
  readonly padH: number;
  readonly padW: number;
  readonly dilationH: number;
  readonly dilationW: number;
  readonly groups: number;
}

/** NCHW. */
export type Shape4 = readonly [number, number, number, number];

export interface Workload {
  readonly id: string;
  /** How the workload reads in PyTorch terms, for the table. */
  readonly title: string;
  readonly input: Shape4;
  /** Applied in order, the output of one feeding the next (two layers for the depthwise-separable block). */
  readonly layers: readonly ConvLayer[];
}

interface LayerArgs {
  stride?: number;
  padding?: number;
  dilation?: number;
  groups?: number;
}

/** `Conv2d(cIn, cOut, k, ...)` with PyTorch's defaults, square kernel and int arguments (all the workloads need). */
function conv(cIn: number, cOut: number, k: number, args: LayerArgs = {}): ConvLayer {
  const { stride = 1, padding = 0, dilation = 1, groups = 1 } = args;
  return {
    cIn, cOut, kH: k, kW: k,
    strideH: stride, strideW: stride, padH: padding, padW: padding,
    dilationH: dilation, dilationW: dilation, groups,
  };
}

const depthwise64 = conv(64, 64, 3, { padding: 1, groups: 64 });

/** Chosen to cover each kind of convolution convkit supports at sizes from a toy to a real network layer. */
export const WORKLOADS: readonly Workload[] = [
  { id: 'W1', title: '(1,64,32,32) Conv2d(64,128,1)', input: [1, 64, 32, 32], layers: [conv(64, 128, 1)] },
  { id: 'W2', title: '(1,1,7,7) Conv2d(1,1,3,d=2)', input: [1, 1, 7, 7], layers: [conv(1, 1, 3, { dilation: 2 })] },
  { id: 'W3', title: '(1,64,32,32) Conv2d(64,64,3,p=1,g=4)', input: [1, 64, 32, 32], layers: [conv(64, 64, 3, { padding: 1, groups: 4 })] },
  {
    id: 'W4', title: '(1,64,32,32) DepthwiseSeparableConv2d(64,128)', input: [1, 64, 32, 32],
    layers: [depthwise64, conv(64, 128, 1)],
  },
  { id: 'W4dw', title: '(1,64,32,32) Conv2d(64,64,3,p=1,g=64)', input: [1, 64, 32, 32], layers: [depthwise64] },
  { id: 'W5', title: '(1,64,56,56) Conv2d(64,64,3,p=1)', input: [1, 64, 56, 56], layers: [conv(64, 64, 3, { padding: 1 })] },
  {
    id: 'W6', title: '(1,96,112,112) Conv2d(96,96,3,s=2,p=1,g=96)', input: [1, 96, 112, 112],
    layers: [conv(96, 96, 3, { stride: 2, padding: 1, groups: 96 })],
  },
  { id: 'W7', title: '(1,144,56,56) Conv2d(144,24,1)', input: [1, 144, 56, 56], layers: [conv(144, 24, 1)] },
  {
    id: 'W8', title: '(1,256,33,33) Conv2d(256,256,3,p=6,d=6)', input: [1, 256, 33, 33],
    layers: [conv(256, 256, 3, { padding: 6, dilation: 6 })],
  },
  {
    id: 'W9', title: '(1,128,56,56) Conv2d(128,128,3,p=1,g=32)', input: [1, 128, 56, 56],
    layers: [conv(128, 128, 3, { padding: 1, groups: 32 })],
  },
  {
    id: 'W10', title: '(8,64,56,56) Conv2d(64,128,3,s=2,p=1)', input: [8, 64, 56, 56],
    layers: [conv(64, 128, 3, { stride: 2, padding: 1 })],
  },
  // ResNet-style 3x3 layers, Winograd's ground (the shapes of the Winograd issue)
  { id: 'R1', title: '(1,128,28,28) Conv2d(128,128,3,p=1)', input: [1, 128, 28, 28], layers: [conv(128, 128, 3, { padding: 1 })] },
  { id: 'R2', title: '(1,256,33,33) Conv2d(256,256,3,p=1)', input: [1, 256, 33, 33], layers: [conv(256, 256, 3, { padding: 1 })] },
  { id: 'R3', title: '(1,512,7,7) Conv2d(512,512,3,p=1)', input: [1, 512, 7, 7], layers: [conv(512, 512, 3, { padding: 1 })] },
];

export function workloadById(id: string): Workload {
  const found = WORKLOADS.find((w) => w.id.toLowerCase() === id.toLowerCase());
  if (found === undefined) throw new Error(`unknown workload ${JSON.stringify(id)}; known: ${WORKLOADS.map((w) => w.id).join(', ')}`);
  return found;
}

/** PyTorch's output size of one dimension. */
function outSize(size: number, pad: number, k: number, stride: number, dilation: number): number {
  return Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;
}

export function layerOutput(layer: ConvLayer, input: Shape4): Shape4 {
  const [n, , h, w] = input;
  return [
    n,
    layer.cOut,
    outSize(h, layer.padH, layer.kH, layer.strideH, layer.dilationH),
    outSize(w, layer.padW, layer.kW, layer.strideW, layer.dilationW),
  ];
}

/** The weight's PyTorch shape: (C_out, C_in/groups, kH, kW). */
export function weightShape(layer: ConvLayer): Shape4 {
  return [layer.cOut, layer.cIn / layer.groups, layer.kH, layer.kW];
}

/** The shape of each layer's input, then of the final output. */
export function shapesThrough(workload: Workload): Shape4[] {
  const shapes: Shape4[] = [workload.input];
  for (const layer of workload.layers) shapes.push(layerOutput(layer, shapes[shapes.length - 1]));
  return shapes;
}

export function outputShape(workload: Workload): Shape4 {
  const shapes = shapesThrough(workload);
  return shapes[shapes.length - 1];
}

/** Multiply-accumulates: N*Hout*Wout*Cout*(Cin/groups)*kH*kW summed over the layers (bias additions not counted). */
export function macs(workload: Workload): number {
  const shapes = shapesThrough(workload);
  return workload.layers.reduce((total, layer, i) => {
    const [n, cOut, outH, outW] = shapes[i + 1];
    return total + n * outH * outW * cOut * (layer.cIn / layer.groups) * layer.kH * layer.kW;
  }, 0);
}

export interface LayerParams {
  /** (C_out, C_in/groups, kH, kW), row-major, as PyTorch stores it. */
  readonly weight: Float32Array;
  readonly bias: Float32Array;
}

export interface WorkloadData {
  /** NCHW, row-major. */
  readonly input: Float32Array;
  readonly params: readonly LayerParams[];
}

/** mulberry32: a tiny seeded generator; the bench only needs reproducible, well-spread values. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function uniform(length: number, bound: number, next: () => number): Float32Array {
  const out = new Float32Array(length);
  for (let i = 0; i < length; i++) out[i] = (2 * next() - 1) * bound;
  return out;
}

function seedOf(id: string): number {
  let hash = 2166136261;
  for (const ch of id) hash = Math.imul(hash ^ ch.charCodeAt(0), 16777619);
  return hash >>> 0;
}

/**
 * Input uniform in [-1, 1); weights and bias uniform in +-1/sqrt(fan_in), PyTorch's default init
 * bound, so outputs stay of order 1 and the error tolerance means the same on every workload.
 */
export function workloadData(workload: Workload): WorkloadData {
  const next = generator(seedOf(workload.id));
  const [n, c, h, w] = workload.input;
  const input = uniform(n * c * h * w, 1, next);
  const params = workload.layers.map((layer) => {
    const fanIn = (layer.cIn / layer.groups) * layer.kH * layer.kW;
    const bound = 1 / Math.sqrt(fanIn);
    const [o, i, kh, kw] = weightShape(layer);
    return { weight: uniform(o * i * kh * kw, bound, next), bias: uniform(layer.cOut, bound, next) };
  });
  return { input, params };
}

/**
 * dL/dy for the backward bench: uniform in [-1, 1), the final output's shape, from its own seed (so the
 * forward data stays as it was). Random, not ones: a constant gradient would let a wrong index through.
 */
export function gradOutputData(workload: Workload): Float32Array {
  const next = generator(seedOf(`${workload.id}:grad`));
  const [n, c, h, w] = outputShape(workload);
  return uniform(n * c * h * w, 1, next);
}
