/**
 * The few host APIs the wasm backend uses that ES2022's lib does not declare. They exist in Node >= 20
 * and in browsers; declaring them here (rather than pulling in DOM or Node types) keeps the core from
 * using anything else by accident.
 */
declare function atob(data: string): string;

declare namespace WebAssembly {
  class Module {
    constructor(bytes: Uint8Array);
  }
  class Instance {
    constructor(module: Module, imports: Record<string, Record<string, unknown>>);
    readonly exports: Record<string, unknown>;
  }
  class Memory {
    constructor(descriptor: { initial: number; maximum?: number; shared?: boolean });
    readonly buffer: ArrayBuffer | SharedArrayBuffer;
    grow(delta: number): number;
  }
  function validate(bytes: Uint8Array): boolean;
  function compile(bytes: Uint8Array): Promise<Module>;
  function instantiate(module: Module, imports: Record<string, Record<string, unknown>>): Promise<Instance>;
}

declare const performance: { now(): number };
declare function setTimeout(callback: (value?: unknown) => void, ms: number): unknown;
