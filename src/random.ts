/**
 * Seedable pseudo-random numbers. The stream is PCG-XSH-RR 32 (O'Neill, 2014) on a 64-bit state held
 * as two 32-bit halves, so it is exact and identical in every JavaScript engine; same seed, same numbers.
 */
import { argError, isInt, show } from './errors.js';

const MUL_HI = 0x5851f42d;
const MUL_LO = 0x4c957f2d;
const INC_HI = 0x14057b7e;
const INC_LO = 0xf767814f;

/** The seed the default generator starts from, so a program that never seeds is still reproducible. */
export const DEFAULT_SEED = 67280421310721;

export class Generator {
  private hi = 0;
  private lo = 0;
  /** A spare normal deviate: Box-Muller makes them in pairs. */
  private spare: number | null = null;

  constructor(seed: number = DEFAULT_SEED) {
    this.manualSeed(seed);
  }

  /** Restarts the stream from `seed`, a non-negative integer (up to 2^53 - 1). */
  manualSeed(seed: number): this {
    if (!isInt(seed) || seed < 0 || !Number.isSafeInteger(seed)) {
      throw argError('manualSeed', `seed must be a non-negative safe integer, got ${show(seed)}`);
    }
    this.hi = 0;
    this.lo = 0;
    this.spare = null;
    this.step();
    this.add(Math.floor(seed / 2 ** 32) >>> 0, seed >>> 0);
    this.step();
    return this;
  }

  /** The next 32 uniformly distributed bits, as an unsigned integer. */
  nextUint32(): number {
    const hi = this.hi;
    const lo = this.lo;
    this.step();
    // output = rotr32(((state >> 18) ^ state) >> 27, state >> 59)
    const xHi = hi ^ (hi >>> 18);
    const xLo = lo ^ ((lo >>> 18) | (hi << 14));
    const xorshifted = ((xLo >>> 27) | (xHi << 5)) >>> 0;
    const rot = hi >>> 27;
    return ((xorshifted >>> rot) | (xorshifted << ((32 - rot) & 31))) >>> 0;
  }

  /** Uniform in [0, 1) with 24 random bits: every value is exactly representable in float32. */
  uniform(): number {
    return (this.nextUint32() >>> 8) / 16777216;
  }

  /** Standard normal deviate (Box-Muller). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    const u1 = 1 - this.uniform(); // (0, 1]: log stays finite
    const u2 = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    this.spare = r * Math.sin(2 * Math.PI * u2);
    return r * Math.cos(2 * Math.PI * u2);
  }

  private step(): void {
    // state = state * MUL + INC (mod 2^64), with 16-bit limbs for the low product to stay exact.
    const aLo = this.lo;
    const a0 = aLo & 0xffff;
    const a1 = aLo >>> 16;
    const b0 = MUL_LO & 0xffff;
    const b1 = MUL_LO >>> 16;
    const p00 = a0 * b0;
    const mid = a1 * b0 + a0 * b1 + (p00 >>> 16);
    const lo = ((mid & 0xffff) * 0x10000 + (p00 & 0xffff)) >>> 0;
    const carry = Math.floor(mid / 0x10000) + a1 * b1;
    const hi = (Math.imul(this.hi, MUL_LO) + Math.imul(aLo, MUL_HI) + carry) >>> 0;
    this.hi = hi;
    this.lo = lo;
    this.add(INC_HI, INC_LO);
  }

  private add(hi: number, lo: number): void {
    const sum = this.lo + lo;
    this.lo = sum >>> 0;
    this.hi = (this.hi + hi + (sum > 0xffffffff ? 1 : 0)) >>> 0;
  }
}

/** The generator that `rand`, `randn` and module initialisation draw from unless given another. */
export const defaultGenerator = new Generator();

/** Seeds the default generator, like `torch.manual_seed`. */
export function manualSeed(seed: number): void {
  defaultGenerator.manualSeed(seed);
}
