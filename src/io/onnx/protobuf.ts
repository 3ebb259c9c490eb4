/**
 * The protocol-buffers wire format, as much as writing onnx.proto's messages takes: varints (int64
 * included, negative ones as their 64-bit two's complement), 32-bit floats and length-delimited fields.
 * Written here rather than taken from a protobuf library so that convkit's main entry has no runtime
 * dependency: a bare package import stops dist/index.js loading in a browser without a bundler.
 * test/io/onnx.test.ts decodes what it writes with @bufbuild/protobuf against ONNX's own onnx.proto.
 */

const VARINT = 0;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

const encoder = new TextEncoder();

/** The bytes of one message; a nested message is built as its own `ProtoWriter` and added with `message`. */
export class ProtoWriter {
  // byte runs in order: a weight goes in as one run (megabytes), not byte by byte
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private varint(value: bigint): void {
    const bytes: number[] = [];
    let v = BigInt.asUintN(64, value);
    while (v >= 0x80n) {
      bytes.push(Number(v & 0x7fn) | 0x80);
      v >>= 7n;
    }
    bytes.push(Number(v));
    this.push(Uint8Array.from(bytes));
  }

  private key(field: number, wireType: number): void {
    this.varint(BigInt(field * 8 + wireType));
  }

  /** An int32, int64 or enum field (an integer of at most 64 bits). */
  int(field: number, value: number | bigint): this {
    this.key(field, VARINT);
    this.varint(BigInt(value));
    return this;
  }

  /** A repeated integer field, one key per element: onnx.proto is proto2, whose repeated fields are unpacked unless marked. */
  ints(field: number, values: ReadonlyArray<number | bigint>): this {
    for (const value of values) this.int(field, value);
    return this;
  }

  /** A float field (little-endian IEEE single precision). */
  float(field: number, value: number): this {
    this.key(field, FIXED32);
    const bytes = new Uint8Array(4);
    new DataView(bytes.buffer).setFloat32(0, value, true);
    this.push(bytes);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, LENGTH_DELIMITED);
    this.varint(BigInt(value.length));
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, encoder.encode(value));
  }

  /** A nested message; its bytes are not copied until `finish`. */
  message(field: number, value: ProtoWriter): this {
    this.key(field, LENGTH_DELIMITED);
    this.varint(BigInt(value.length));
    for (const chunk of value.chunks) this.push(chunk);
    return this;
  }

  finish(): Uint8Array {
    const out = new Uint8Array(this.length);
    let offset = 0;
    for (const chunk of this.chunks) {
      out.set(chunk, offset);
      offset += chunk.length;
    }
    return out;
  }
}
