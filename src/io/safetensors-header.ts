/**
 * The JSON header of a safetensors file, parsed by a reader that accepts only its grammar: an object
 * whose members are tensor entries `{"dtype": string, "shape": [uint...], "data_offsets": [uint, uint]}`
 * and an optional `"__metadata__": {string: string}`. A general JSON parser would accept what a
 * hostile file can abuse: duplicate keys (which parsers resolve differently), `1e3` or `24.0` for an
 * integer, integers past 2^53 silently rounded, and arbitrary nesting. Here the depth is fixed at three,
 * every integer is read from its digits, and each error names the header character where it happened.
 */
import { argError, show } from '../errors.js';

/** What the header says about one tensor, before it is checked against the data. */
export interface HeaderEntry {
  readonly name: string;
  readonly dtype: string;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

export interface Header {
  readonly entries: HeaderEntry[];
  readonly metadata: Array<[string, string]>;
}

const WHERE = 'loadSafetensors';
const METADATA_KEY = '__metadata__';
const ENTRY_FIELDS = ['dtype', 'shape', 'data_offsets'] as const;

/**
 * Whether `text` is valid UTF-16, so that it has a UTF-8 form: in a `u` regular expression a surrogate
 * pair is one code point, so `\p{Cs}` matches only an unpaired half (String.isWellFormed is ES2024).
 */
export function isWellFormed(text: string): boolean {
  return !/\p{Cs}/u.test(text);
}

/** Parses `text`, the decoded header. @throws ConvkitArgumentError naming the first problem. */
export function parseHeader(text: string): Header {
  const reader = new HeaderReader(text);
  const entries: HeaderEntry[] = [];
  let metadata: Array<[string, string]> = [];
  // The reference implementation requires the header to open with '{' (no leading whitespace).
  if (text[0] !== '{') throw reader.fail('the header must be a JSON object starting with \'{\'');
  reader.object((name) => {
    if (name === METADATA_KEY) metadata = reader.metadata();
    else entries.push(reader.entry(name));
  });
  reader.skipSpace();
  if (reader.pos < text.length) throw reader.fail('unexpected text after the header object');
  return { entries, metadata };
}

class HeaderReader {
  pos = 0;

  constructor(private readonly text: string) {}

  fail(message: string): Error {
    return argError(WHERE, `${message} (header character ${this.pos})`);
  }

  skipSpace(): void {
    const text = this.text;
    while (this.pos < text.length) {
      const c = text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) break;
      this.pos++;
    }
  }

  private expect(char: string, what: string): void {
    this.skipSpace();
    if (this.text[this.pos] !== char) throw this.fail(`expected ${what}`);
    this.pos++;
  }

  private peek(char: string): boolean {
    this.skipSpace();
    return this.text[this.pos] === char;
  }

  /** `{ "key": <value read by onMember>, ... }`, rejecting a key seen twice in the same object. */
  object(onMember: (key: string) => void): void {
    this.expect('{', 'a JSON object');
    const seen = new Set<string>();
    if (this.peek('}')) {
      this.pos++;
      return;
    }
    for (;;) {
      const key = this.string('a string key');
      if (seen.has(key)) throw this.fail(`duplicate key ${show(key)}`);
      seen.add(key);
      this.expect(':', "':'");
      onMember(key);
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === '}') return;
      if (c !== ',') {
        this.pos--;
        throw this.fail("expected ',' or '}'");
      }
    }
  }

  /** A JSON string: the token is delimited here, its escapes decoded by JSON.parse, which knows them all. */
  string(what: string): string {
    this.expect('"', what);
    const text = this.text;
    const start = this.pos - 1;
    for (;;) {
      if (this.pos >= text.length) throw this.fail('unterminated string');
      const c = text.charCodeAt(this.pos);
      if (c === 0x22) break;
      if (c < 0x20) throw this.fail('control character in a string');
      this.pos += c === 0x5c ? 2 : 1;
    }
    this.pos++;
    let value: string;
    try {
      value = JSON.parse(text.slice(start, this.pos)) as string;
    } catch {
      throw this.fail('invalid escape in a string');
    }
    // Valid JSON may escape half a surrogate pair (`"\ud800"`), which no UTF-8 string can hold.
    if (!isWellFormed(value)) throw this.fail('string escapes an unpaired surrogate');
    return value;
  }

  /** A non-negative integer written as plain digits, below 2^53 so that it is exact. */
  uint(what: string): number {
    this.skipSpace();
    const text = this.text;
    const start = this.pos;
    while (this.pos < text.length && text.charCodeAt(this.pos) >= 0x30 && text.charCodeAt(this.pos) <= 0x39) this.pos++;
    const digits = text.slice(start, this.pos);
    const next = text[this.pos];
    if (digits === '' || (digits.length > 1 && digits[0] === '0') || next === '.' || next === 'e' || next === 'E') {
      this.pos = start;
      throw this.fail(`${what} must be a non-negative integer`);
    }
    const value = Number(digits);
    if (!Number.isSafeInteger(value)) {
      this.pos = start;
      throw this.fail(`${what} ${digits.length > 20 ? `of ${digits.length} digits` : digits} is 2^53 or more`);
    }
    return value;
  }

  /** `[uint, ...]`. */
  uintArray(what: string): number[] {
    this.expect('[', `${what} as an array`);
    const values: number[] = [];
    if (this.peek(']')) {
      this.pos++;
      return values;
    }
    for (;;) {
      values.push(this.uint(`each item of ${what}`));
      this.skipSpace();
      const c = this.text[this.pos++];
      if (c === ']') return values;
      if (c !== ',') {
        this.pos--;
        throw this.fail(`expected ',' or ']' in ${what}`);
      }
    }
  }

  metadata(): Array<[string, string]> {
    const pairs: Array<[string, string]> = [];
    this.object((key) => pairs.push([key, this.string(`a string value for ${METADATA_KEY} key ${show(key)}`)]));
    return pairs;
  }

  entry(name: string): HeaderEntry {
    const fields: { dtype?: string; shape?: number[]; data_offsets?: number[] } = {};
    this.object((key) => {
      if (key === 'dtype') fields.dtype = this.string(`a string dtype for tensor ${show(name)}`);
      else if (key === 'shape') fields.shape = this.uintArray(`the shape of tensor ${show(name)}`);
      else if (key === 'data_offsets') fields.data_offsets = this.uintArray(`the data_offsets of tensor ${show(name)}`);
      else throw this.fail(`tensor ${show(name)} has key ${show(key)}: an entry holds only dtype, shape and data_offsets`);
    });
    const missing = ENTRY_FIELDS.filter((field) => fields[field] === undefined);
    if (missing.length > 0) throw this.fail(`tensor ${show(name)} lacks ${missing.join(', ')}`);
    const offsets = fields.data_offsets as number[];
    if (offsets.length !== 2) throw this.fail(`the data_offsets of tensor ${show(name)} must be [begin, end], got ${show(offsets)}`);
    return { name, dtype: fields.dtype as string, shape: fields.shape as number[], begin: offsets[0], end: offsets[1] };
  }
}
