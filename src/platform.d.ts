/**
 * Host APIs the core uses beyond ES2022's lib (see also backend/wasm/platform.d.ts): they exist in Node >= 20
 * and in browsers; declaring only these, rather than pulling in DOM or Node types, keeps the core from
 * using anything else by accident.
 */
declare class TextEncoder {
  encode(input?: string): Uint8Array;
}

declare class TextDecoder {
  constructor(label?: string, options?: { fatal?: boolean; ignoreBOM?: boolean });
  decode(input?: Uint8Array): string;
}

declare const console: { warn(...data: unknown[]): void };
