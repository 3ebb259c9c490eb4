/**
 * TensorFlow.js (tfjs-core on its WebAssembly backend, XNNPACK) running convkit's torchvision models as
 * a tfjs user runs an imported one: the graph tfjs-converter would make of it. NHWC, HWIO filters, each
 * BatchNorm folded into the convolution before it (scale into the filter, shift into the bias) once at
 * preparation, ReLU/ReLU6 fused into the convolution (`tf.fused.conv2d` / `tf.fused.depthwiseConv2d`),
 * `tf.add` for residuals, `tf.mean` for global pooling, `tf.fused.matMul` with bias for the classifier,
 * and ASPP's branches (dilated convolutions; the pooled branch broadcast back) concatenated along
 * channels, then projected. Dropout is eval's identity. The same weights as every other contender: read
 * from the convkit model the child loaded.
 */
import type * as TF from '@tensorflow/tfjs-core';
import { AdaptiveAvgPool2d, BatchNorm2d, Conv2d, Dropout, Linear, ReLU, ReLU6, Sequential, type Module } from '../../src/index.js';
import { ASPP, ASPPPooling, InvertedResidual, MobileNetV2 } from '../../src/models/index.js';
import type { ConvLayer } from '../workloads.js';
import { filterIndex, gather, layerForm, type Tf } from './tfjs.js';

type Op = (x: TF.Tensor4D) => TF.Tensor4D;
type Activation = 'linear' | 'relu' | 'relu6';

/** A network as tfjs ops, and the weight tensors it holds (freed by `dispose`). */
export interface TfjsNetwork {
  readonly forward: (x: TF.Tensor4D) => TF.Tensor;
  dispose(): void;
}

function convLayer(conv: Conv2d): ConvLayer {
  if (typeof conv.padding === 'string' || conv.paddingMode !== 'zeros') throw new Error('tfjs network: only zero padding given as numbers');
  const [kH, kW] = conv.kernelSize;
  return {
    cIn: conv.inChannels, cOut: conv.outChannels, kH, kW,
    strideH: conv.stride[0], strideW: conv.stride[1], padH: conv.padding[0], padW: conv.padding[1],
    dilationH: conv.dilation[0], dilationW: conv.dilation[1], groups: conv.groups,
  };
}

/** The convolution's weight and bias with `bn` (if any) folded in, per output channel, computed in float64. */
function foldBatchNorm(conv: Conv2d, bn: BatchNorm2d | undefined): { weight: Float32Array; bias: Float32Array } {
  const weight = Float32Array.from(conv.weight.data);
  const bias = conv.bias === null ? new Float32Array(conv.outChannels) : Float32Array.from(conv.bias.data);
  if (bn === undefined) return { weight, bias };
  if (bn.runningMean === null || bn.runningVar === null) throw new Error('tfjs network: BatchNorm2d without running statistics');
  const perChannel = weight.length / conv.outChannels;
  for (let c = 0; c < conv.outChannels; c++) {
    const scale = (bn.weight?.data[c] ?? 1) / Math.sqrt(bn.runningVar.data[c] + bn.eps);
    for (let i = c * perChannel; i < (c + 1) * perChannel; i++) weight[i] *= scale;
    bias[c] = (bn.bias?.data[c] ?? 0) + (bias[c] - bn.runningMean.data[c]) * scale;
  }
  return { weight, bias };
}

class Builder {
  readonly tensors: TF.Tensor[] = [];

  constructor(private readonly tf: Tf) {}

  private keep<T extends TF.Tensor>(t: T): T {
    this.tensors.push(t);
    return t;
  }

  /** Conv2d, with the BatchNorm2d and activation after it folded and fused: one tfjs op. */
  conv(conv: Conv2d, bn: BatchNorm2d | undefined, activation: Activation): Op {
    const { tf } = this;
    const layer = convLayer(conv);
    const form = layerForm(layer);
    if (form === 'grouped') throw new Error('tfjs network: grouped convolutions other than depthwise are not built here');
    const { weight, bias } = foldBatchNorm(conv, bn);
    const filterShape: [number, number, number, number] = form === 'depthwise'
      ? [layer.kH, layer.kW, layer.cIn, layer.cOut / layer.cIn]
      : [layer.kH, layer.kW, layer.cIn, layer.cOut];
    const filter = this.keep(tf.tensor4d(gather(weight, filterIndex(layer, 0)), filterShape));
    const b = this.keep(tf.tensor1d(bias));
    const strides: [number, number] = [layer.strideH, layer.strideW];
    const dilations: [number, number] = [layer.dilationH, layer.dilationW];
    if (form === 'depthwise') {
      // fused.depthwiseConv2d's typings take a number for explicit padding: the same on every side.
      if (layer.padH !== layer.padW) throw new Error('tfjs network: depthwise padding must be equal in H and W');
      return (x) => tf.fused.depthwiseConv2d({ x, filter, bias: b, strides, pad: layer.padH, dilations, activation });
    }
    const pad: [[number, number], [number, number], [number, number], [number, number]] = [[0, 0], [layer.padH, layer.padH], [layer.padW, layer.padW], [0, 0]];
    return (x) => tf.fused.conv2d({ x, filter, bias: b, strides, pad, dilations, activation });
  }

  /** `(N, in)` -> `(N, out)`: x W^T + b as one fused matMul. */
  linear(linear: Linear): (x: TF.Tensor2D) => TF.Tensor2D {
    const { tf } = this;
    const weight = this.keep(tf.tensor2d(linear.weight.data, [linear.outFeatures, linear.inFeatures]));
    const bias = linear.bias === null ? undefined : this.keep(tf.tensor1d(linear.bias.data));
    return (x) => tf.fused.matMul({ a: x, b: weight, transposeB: true, bias }) as TF.Tensor2D;
  }

  /** A Sequential's layers, each Conv2d [BatchNorm2d] [ReLU | ReLU6] run as one op. */
  sequence(layers: readonly Module[]): Op {
    const { tf } = this;
    const ops: Op[] = [];
    for (let i = 0; i < layers.length; i++) {
      const layer = layers[i];
      if (layer instanceof Conv2d) {
        const bn = layers[i + 1] instanceof BatchNorm2d ? (layers[++i] as BatchNorm2d) : undefined;
        const next = layers[i + 1];
        const activation: Activation = next instanceof ReLU6 ? 'relu6' : next instanceof ReLU ? 'relu' : 'linear';
        if (activation !== 'linear') i++;
        ops.push(this.conv(layer, bn, activation));
      } else if (layer instanceof AdaptiveAvgPool2d) {
        if (layer.outputSize !== 1 && !(Array.isArray(layer.outputSize) && layer.outputSize.every((s) => s === 1))) throw new Error('tfjs network: only global average pooling');
        ops.push((x) => tf.mean<TF.Tensor4D>(x, [1, 2], true));
      } else if (!(layer instanceof Dropout)) {
        ops.push(this.module(layer));
      }
    }
    return (x) => ops.reduce((y, op) => op(y), x);
  }

  module(m: Module): Op {
    const { tf } = this;
    if (m instanceof InvertedResidual) {
      const body = this.sequence(m.conv.layers);
      return m.useResConnect ? (x) => tf.add(x, body(x)) : body;
    }
    if (m instanceof ASPPPooling) {
      // Its 1x1 result spread over the input's height and width (torchvision's bilinear upsampling of a 1x1 map).
      const body = this.sequence(m.layers);
      return (x) => {
        const y = body(x);
        return tf.broadcastTo(y, [x.shape[0], x.shape[1], x.shape[2], y.shape[3]]);
      };
    }
    if (m instanceof ASPP) {
      const branches = m.convs.modules.map((branch) => this.module(branch));
      const project = this.sequence(m.project.layers);
      return (x) => project(tf.concat4d(branches.map((branch) => branch(x)), 3));
    }
    if (m instanceof Sequential) return this.sequence(m.layers);
    throw new Error(`tfjs network: no tfjs form for ${m.constructor.name}`);
  }
}

/** `model` (eval mode) as tfjs ops over NHWC input; weights become tfjs tensors here, once. */
export function tfjsNetwork(tf: Tf, model: Module): TfjsNetwork {
  const builder = new Builder(tf);
  let forward: TfjsNetwork['forward'];
  if (model instanceof MobileNetV2) {
    const features = builder.sequence(model.features.layers);
    const [classifier, ...rest] = model.classifier.layers.filter((l) => !(l instanceof Dropout));
    if (!(classifier instanceof Linear) || rest.length > 0) throw new Error('tfjs network: MobileNetV2 classifier must be Dropout, Linear');
    const linear = builder.linear(classifier);
    forward = (x) => linear(tf.mean<TF.Tensor2D>(features(x), [1, 2]));
  } else {
    forward = builder.module(model);
  }
  return { forward, dispose: () => tf.dispose(builder.tensors) };
}
