/**
 * What the bench's PyTorch is, asked of the interpreter it runs: its version and the BLAS it loaded.
 * Debian's python3-torch links libblas.so.3, which is netlib's reference BLAS unless OpenBLAS (or
 * another) took over the alternative, and PyTorch's GEMM paths are only as fast as that.
 */
import { execFileSync } from 'node:child_process';
import { PYTHON } from '../peers/torch.js';

export interface TorchInfo {
  readonly version: string;
  readonly blasInfo: string;
  /** The BLAS libraries mapped into the process, resolved. */
  readonly blas: readonly string[];
}

const TORCH_INFO = `
import json, os, re, torch
libs = {os.path.realpath(f[-1]) for f in (l.split() for l in open('/proc/self/maps')) if len(f) > 5 and 'blas' in f[-1]}
info = re.search(r'BLAS_INFO=([^,]*)', torch.__config__.show())
print(json.dumps({'version': torch.__version__, 'blasInfo': info.group(1) if info else '?', 'blas': sorted(libs)}))
`;

/** Asked of the interpreter the bench will run (undefined if it has no PyTorch). */
export function torchInfo(): TorchInfo | undefined {
  try {
    const out = execFileSync(PYTHON, ['-c', TORCH_INFO], { encoding: 'utf8', timeout: 60_000, stdio: ['ignore', 'pipe', 'ignore'] });
    return JSON.parse(out) as TorchInfo;
  } catch {
    return undefined;
  }
}

/** netlib's reference BLAS, the libblas.so.3 alternative Debian installs first: unblocked loops, GEMM at a few GFLOP/s. */
export function isReferenceBlas(info: TorchInfo): boolean {
  return info.blas.some((path) => /\/blas\/libblas\.so/.test(path));
}

export function describeTorch(info: TorchInfo): string {
  const netlib = isReferenceBlas(info) ? ' (netlib\'s reference BLAS)' : '';
  return `PyTorch ${info.version}, BLAS_INFO=${info.blasInfo}, BLAS loaded: ${info.blas.join(', ') || 'none found'}${netlib}`;
}
