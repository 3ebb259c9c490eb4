// The WebAssembly kernels. TypeScript (src/backend/wasm/) owns the memory: it lays out inputs,
// packed weights and per-worker workspaces, writes a parameter block, and calls these with offsets.
// Kernels never allocate and hold no static data, so every worker can instantiate this module over
// one shared memory.

export { gemmDirectTask, gemmIm2colTask, packWeights } from './gemm';
export { padTask, splitTask } from './plane';
export { depthwiseTask } from './depthwise';
export { denseTask } from './dense';
export { reluFloats, reluGradFloats, activationFloats, activationGradFloats, residualFloats } from './activation';
export {
  winograd4InputTask, winogradGemmTask, winograd4OutputTask, winograd2InputTask, winograd2OutputTask,
  winograd6InputTask, winograd6OutputTask, winograd7InputTask, winograd7OutputTask,
} from './winograd';
export { weightGradGemmTask, weightGradSumTask } from './weight-grad';
export { depthwiseWeightGradTask } from './depthwise-grad';
export {
  winogradWeightGradInputTask, winogradWeightGradOutputTask, winogradWeightGradGemmTask, winogradWeightGradWeightTask,
} from './winograd-weight-grad';
export { depthwiseInputGradTask } from './depthwise-input-grad';
export { channelShiftedSums, channelGradSumsFloats, channelCombineFloats } from './batch-norm';
