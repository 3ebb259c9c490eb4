/**
 * convkit's Node-only entry, `convkit/node`: what needs node:fs or node:zlib (files, gzip, npm
 * packages). The browser-safe library is `convkit`; this file only re-exports.
 */
export { readIdxFile, decodeIdx, MAX_IDX_BYTES, type IdxReadOptions } from './idx-file.js';
export {
  loadDataset, loadFashionMnist, loadMnistDigits, loadIdxDirectory, hasFashionMnist, FASHION_MNIST_DIR, IDX_FILE_NAMES,
  type DatasetSpec, type IdxDirectoryOptions,
} from './datasets.js';
