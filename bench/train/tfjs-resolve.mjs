// A module resolution hook for Node, registered by tfjs.ts before it imports
// '@tensorflow/tfjs-core/dist/register_all_gradients.js': tfjs-core's ES-module files import each other
// without extensions ('./gradients', a folder and a file both), which bundlers accept and Node refuses.
// Inside tfjs-core's dist only, an extensionless relative import goes to the .js file beside it.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export async function resolve(specifier, context, next) {
  if (specifier.startsWith('.') && context.parentURL?.includes('/@tensorflow/tfjs-core/dist/') && !/\.[cm]?js$/.test(specifier)) {
    const file = new URL(`${specifier}.js`, context.parentURL);
    if (existsSync(fileURLToPath(file))) return next(file.href, context);
  }
  return next(specifier, context);
}
