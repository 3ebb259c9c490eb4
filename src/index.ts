/**
 * convkit: PyTorch-exact 2-D convolutions for JavaScript and TypeScript.
 * This file only re-exports the public API.
 */
export { ConvkitArgumentError } from './errors.js';
export { Generator, manualSeed, DEFAULT_SEED } from './random.js';
export { Tensor, tensor, full, zeros, ones, rand, randn, uniform, type Shape, type NestedArray } from './tensor.js';
export { conv2d, conv2dGeometry, outputSize, type Conv2dOptions, type Padding } from './ops/conv2d.js';
export type { IntOrPair } from './ops/args.js';
export { pad, PAD_MODES, type PadMode } from './ops/pad.js';
export { relu } from './ops/relu.js';
export { relu6, hardswish } from './ops/activation.js';
export { dropout, type DropoutOptions } from './ops/dropout.js';
export { conv2dInputGrad, conv2dWeightGrad } from './ops/conv2d-grad.js';
export { add, sub, mul, div, type Operand } from './ops/arithmetic.js';
export { sum, mean, type Dims } from './ops/reduce.js';
export { flatten } from './ops/shape.js';
export { cat, catShape } from './ops/cat.js';
export {
  maxPool2d, maxPool2dWithIndices, avgPool2d, adaptiveAvgPool2d, maxPool2dGeometry, avgPool2dGeometry, adaptiveAvgPool2dGeometry, poolOutputSize,
  type MaxPool2dOptions, type AvgPool2dOptions, type AdaptiveSize,
} from './ops/pool.js';
export { linear } from './ops/linear.js';
export { batchNorm, type BatchNormOptions } from './ops/batch-norm.js';
export { softmax, logSoftmax } from './ops/softmax.js';
export { nllLoss, crossEntropy, mseLoss, REDUCTIONS, type Reduction, type ClassTarget, type NllLossOptions, type CrossEntropyOptions, type MseLossOptions } from './ops/loss.js';
export { noGrad, isGradEnabled } from './autograd/grad-mode.js';
export type { Node } from './autograd/node.js';
export type { BackwardOptions } from './autograd/engine.js';
export { Module, type StateDict, type ChildInput } from './nn/module.js';
export { Conv2d, PADDING_MODES, type PaddingMode, type Conv2dModuleOptions } from './nn/conv2d.js';
export { DepthwiseSeparableConv2d, type DepthwiseSeparableOptions } from './nn/depthwise-separable.js';
export { ReLU } from './nn/relu.js';
export { ReLU6, Hardswish } from './nn/activation.js';
export { Dropout, type DropoutModuleOptions } from './nn/dropout.js';
export { Flatten } from './nn/flatten.js';
export { Identity } from './nn/identity.js';
export { ModuleList } from './nn/module-list.js';
export { Sequential } from './nn/sequential.js';
export { MaxPool2d, AvgPool2d, AdaptiveAvgPool2d } from './nn/pool.js';
export type { PoolGeometry } from './backend/backend.js';
export { Linear, type LinearOptions } from './nn/linear.js';
export { BatchNorm2d, type BatchNorm2dOptions } from './nn/batch-norm.js';
export { Loss, CrossEntropyLoss, NLLLoss, MSELoss } from './nn/loss.js';
export { setBackend, getBackend, registerBackend, ready } from './backend/registry.js';
export { setNumThreads, getNumThreads, setWinograd, getWinograd } from './backend/wasm/index.js';
export { setFusion, getFusion } from './infer/inference.js';
export type { MatmulGeometry, ChannelGeometry } from './backend/backend.js';
export type { Backend, ConvGeometry, ConvStep, PadGeometry, BinaryOp, BroadcastGeometry, ReduceGeometry } from './backend/backend.js';
export type { AxisGeometry, SoftmaxGeometry } from './backend/backend.js';
export type { UnaryActivation } from './backend/backend.js';
export { moduleFromJSON, type LayerJSON } from './nn/json.js';
export { loadSafetensors, saveSafetensors, MAX_HEADER_BYTES, type SafetensorsFile, type SafetensorsDtype } from './io/safetensors.js';
export { exportOnnx, ONNX_DEFAULT_OPSET, ONNX_MIN_OPSET, ONNX_MAX_OPSET, ONNX_INPUT_NAME, ONNX_OUTPUT_NAME, type OnnxExportOptions } from './io/onnx/export.js';
export { OnnxGraph, type OnnxExportable, type OnnxValue, type OnnxAttributes } from './io/onnx/graph.js';
export { layerCost, parameterCount, conv2dMacs, effectiveKernelSize, type LayerCost } from './analysis/cost.js';
export { summary, formatSummary, type Summary, type SummaryRow } from './analysis/summary.js';
export { compare, formatCompare, type CompareOptions, type Variant } from './analysis/compare.js';
export {
  spatialLayers, receptiveFields, nextField, coverageMap, formatCoverage, dilatedStack, hdc,
  type SpatialLayer, type ReceptiveField, type CoverageMap, type HdcResult,
} from './analysis/receptive-field.js';
export { readIdx, isGzip, type IdxArray, type IdxData, type IdxType } from './io/idx.js';
export {
  imageDataset, datasetFromIdx, pixelStatistics, FASHION_MNIST_CLASSES, DIGIT_CLASSES,
  type ImageDataset, type ImageDatasetFields, type DatasetSplits,
} from './data/dataset.js';
export { DataLoader, type DataLoaderOptions, type Batch } from './data/loader.js';
export {
  trainStep, evaluate, fit, countCorrect,
  type StepOptimizer, type StepSchedule, type BatchResult, type Progress, type EpochResult, type FitOptions,
} from './train/trainer.js';
export { twinJSON, TWIN_KINDS, TWIN_GROUPS, type TwinKind, type TwinOptions } from './train/twins.js';
export { Optimizer, REQUIRED, type ParamGroup, type ParamGroupInput, type ParamState, type OptimizerStateDict } from './optim/optimizer.js';
export { SGD, type SGDOptions, type SGDParamGroup } from './optim/sgd.js';
export { Adam, type AdamOptions, type AdamParamGroup } from './optim/adam.js';
export { AdamW } from './optim/adamw.js';
export {
  LRScheduler, StepLR, CosineAnnealingLR, OneCycleLR,
  type SchedulerStateDict, type StepLROptions, type CosineAnnealingLROptions, type OneCycleLROptions,
} from './optim/lr-scheduler.js';
