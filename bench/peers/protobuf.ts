/**
 * A minimal protocol-buffers writer: just enough wire format (varints and length-delimited fields)
 * to serialise the few ONNX messages that `onnx-model.ts` builds. Hand-written so that the bench
 * needs no protobuf library and no .proto compilation step.
 */

/** Wire types of the protobuf encoding. */
const VARINT = 0;
const LENGTH_DELIMITED = 2;

/** Accumulates the bytes of one message; nested messages are built as their own `ProtoWriter`. */
export class ProtoWriter {
  // Byte runs in order; weights go in as one run each (megabytes), not byte by byte.
  private readonly chunks: Uint8Array[] = [];
  private length = 0;

  private push(bytes: Uint8Array): void {
    this.chunks.push(bytes);
    this.length += bytes.length;
  }

  private varint(value: number): void {
    // Only non-negative integers up to 2^53 occur (sizes, enums, lengths), so plain arithmetic is exact
    // where bit operators (32-bit) would not be.
    if (!Number.isSafeInteger(value) || value < 0) throw new Error(`protobuf varint out of range: ${value}`);
    const bytes: number[] = [];
    let v = value;
    while (v >= 0x80) {
      bytes.push((v % 0x80) | 0x80);
      v = Math.floor(v / 0x80);
    }
    bytes.push(v);
    this.push(Uint8Array.from(bytes));
  }

  private key(field: number, wireType: number): void {
    this.varint(field * 8 + wireType);
  }

  /** An int32/int64/enum field. */
  int(field: number, value: number): this {
    this.key(field, VARINT);
    this.varint(value);
    return this;
  }

  /**
   * A repeated int64 field, one key per element (unpacked): ONNX's schema is proto2, whose repeated
   * scalars are unpacked by default, and every parser accepts this form.
   */
  ints(field: number, values: readonly number[]): this {
    for (const value of values) this.int(field, value);
    return this;
  }

  bytes(field: number, value: Uint8Array): this {
    this.key(field, LENGTH_DELIMITED);
    this.varint(value.length);
    this.push(value);
    return this;
  }

  string(field: number, value: string): this {
    return this.bytes(field, new TextEncoder().encode(value));
  }

  message(field: number, value: ProtoWriter): this {
    return this.bytes(field, value.finish());
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
