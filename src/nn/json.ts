/**
 * Models as JSON: each layer is `{ "type": <class name>, ...its constructor arguments }`, with PyTorch's
 * argument names in camelCase, and a Sequential holds `"layers"`. `Sequential.toJSON()` writes this form
 * (through each module's `toJSON`), `moduleFromJSON` reads it back.
 */
import { argError, ConvkitArgumentError, show } from '../errors.js';
import type { IntOrPair } from '../ops/args.js';
import type { AdaptiveSize, AvgPool2dOptions, MaxPool2dOptions } from '../ops/pool.js';
import { Conv2d, type Conv2dModuleOptions } from './conv2d.js';
import { DepthwiseSeparableConv2d, type DepthwiseSeparableOptions } from './depthwise-separable.js';
import type { Module } from './module.js';
import { Hardswish, ReLU6 } from './activation.js';
import { Dropout } from './dropout.js';
import { Flatten } from './flatten.js';
import { Identity } from './identity.js';
import { BatchNorm2d, type BatchNorm2dOptions } from './batch-norm.js';
import { Linear, type LinearOptions } from './linear.js';
import { AdaptiveAvgPool2d, AvgPool2d, MaxPool2d } from './pool.js';
import { ReLU } from './relu.js';
import { Sequential } from './sequential.js';

export type LayerJSON =
  | ({ type: 'Conv2d'; inChannels: number; outChannels: number; kernelSize: number | number[] } & Omit<Conv2dModuleOptions, 'generator'>)
  | ({ type: 'DepthwiseSeparableConv2d'; inChannels: number; outChannels: number; kernelSize?: number | number[] } & Omit<DepthwiseSeparableOptions, 'generator'>)
  | { type: 'ReLU' }
  | { type: 'ReLU6' } | { type: 'Hardswish' } | { type: 'Identity' }
  | { type: 'Dropout'; p?: number }
  | { type: 'Flatten'; startDim?: number; endDim?: number }
  | ({ type: 'Linear'; inFeatures: number; outFeatures: number } & Omit<LinearOptions, 'generator'>)
  | ({ type: 'BatchNorm2d'; numFeatures: number } & BatchNorm2dOptions)
  | ({ type: 'MaxPool2d'; kernelSize: IntOrPair } & MaxPool2dOptions)
  | ({ type: 'AvgPool2d'; kernelSize: IntOrPair } & AvgPool2dOptions)
  | { type: 'AdaptiveAvgPool2d'; outputSize: AdaptiveSize }
  | { type: 'Sequential'; layers: LayerJSON[] };

const TYPES = ['Conv2d', 'DepthwiseSeparableConv2d', 'ReLU', 'Sequential', 'MaxPool2d', 'AvgPool2d', 'AdaptiveAvgPool2d', 'ReLU6', 'Hardswish', 'Identity', 'Dropout', 'Flatten', 'Linear', 'BatchNorm2d'];

/** Builds a module (with freshly initialised weights) from its JSON description. */
export function moduleFromJSON(json: unknown, where = 'moduleFromJSON'): Module {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) throw argError(where, `a layer must be an object, got ${show(json)}`);
  const { type, ...args } = json as { type?: unknown } & Record<string, unknown>;
  switch (type) {
    case 'Conv2d': {
      const { inChannels, outChannels, kernelSize, ...options } = args;
      return located(where, () => new Conv2d(inChannels as number, outChannels as number, kernelSize as number, options));
    }
    case 'DepthwiseSeparableConv2d': {
      const { inChannels, outChannels, kernelSize, ...options } = args;
      return located(where, () => new DepthwiseSeparableConv2d(inChannels as number, outChannels as number, (kernelSize ?? 3) as number, options));
    }
    case 'ReLU':
    case 'ReLU6':
    case 'Hardswish':
    case 'Identity':
      if (Object.keys(args).length > 0) throw argError(where, `${type} takes no arguments, got ${Object.keys(args).map(show).join(', ')}`);
      return new { ReLU, ReLU6, Hardswish, Identity }[type]();
    case 'Dropout': {
      const { p, ...rest } = args;
      if (Object.keys(rest).length > 0) throw argError(where, `Dropout takes only "p", got ${Object.keys(rest).map(show).join(', ')}`);
      return located(where, () => new Dropout(p as number | undefined));
    }
    case 'Flatten': {
      const { startDim, endDim, ...rest } = args;
      if (Object.keys(rest).length > 0) throw argError(where, `Flatten takes only "startDim" and "endDim", got ${Object.keys(rest).map(show).join(', ')}`);
      return located(where, () => new Flatten(startDim as number | undefined, endDim as number | undefined));
    }
    case 'Linear': {
      const { inFeatures, outFeatures, ...options } = args;
      return located(where, () => new Linear(inFeatures as number, outFeatures as number, options));
    }
    case 'BatchNorm2d': {
      const { numFeatures, ...options } = args;
      return located(where, () => new BatchNorm2d(numFeatures as number, options));
    }
    case 'MaxPool2d':
    case 'AvgPool2d': {
      const { kernelSize, ...options } = args;
      return located(where, () => new (type === 'MaxPool2d' ? MaxPool2d : AvgPool2d)(kernelSize as IntOrPair, options));
    }
    case 'AdaptiveAvgPool2d': {
      const { outputSize, ...rest } = args;
      if (Object.keys(rest).length > 0) throw argError(where, `AdaptiveAvgPool2d takes only "outputSize", got ${Object.keys(rest).map(show).join(', ')}`);
      return located(where, () => new AdaptiveAvgPool2d(outputSize as AdaptiveSize));
    }
    case 'Sequential': {
      const { layers, ...rest } = args;
      if (!Array.isArray(layers)) throw argError(where, `Sequential needs "layers": an array, got ${show(layers)}`);
      if (Object.keys(rest).length > 0) throw argError(where, `Sequential takes only "layers", got ${Object.keys(rest).map(show).join(', ')}`);
      return new Sequential(...layers.map((layer, i) => moduleFromJSON(layer, `${where}: layer ${i}`)));
    }
    default:
      throw argError(where, `unknown layer type ${show(type)}; expected one of ${TYPES.join(', ')}`);
  }
}

/** Runs a constructor, prefixing its argument errors with where the layer sits in the JSON. */
function located(where: string, build: () => Module): Module {
  try {
    return build();
  } catch (e) {
    throw e instanceof ConvkitArgumentError ? argError(where, e.message) : e;
  }
}
