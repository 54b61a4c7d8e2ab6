/**
 * A reader of R's serialization format (what `saveRDS`, `save` and lazy-load databases write):
 * the XDR (big-endian) form, versions 2 and 3. It reads the object graph of data sets — vectors
 * of every basic type with their attributes, lists, pairlists, symbols, environments,
 * references, and the ALTREP forms R uses for compact sequences and wrapped vectors. Code
 * (closures, byte code) is not data, and is refused.
 *
 * `RDX2\n`/`RDX3\n` files (`.rda`) hold a pairlist of the saved objects: `readRdaObjects`.
 * See R's src/main/serialize.c for the format this follows.
 */

/** A value from an R file. NA is `null` in logical, integer, double and character vectors. */
export type RValue =
  | { type: 'NULL' }
  | { type: 'logical'; data: (boolean | null)[]; attributes: RAttributes }
  | { type: 'integer'; data: (number | null)[]; attributes: RAttributes }
  | { type: 'double'; data: (number | null)[]; attributes: RAttributes }
  | { type: 'complex'; data: ({ re: number; im: number } | null)[]; attributes: RAttributes }
  | { type: 'character'; data: (string | null)[]; attributes: RAttributes }
  | { type: 'raw'; data: Uint8Array; attributes: RAttributes }
  | { type: 'list'; data: RValue[]; attributes: RAttributes }
  | { type: 'pairlist'; data: { tag: string | null; value: RValue }[]; attributes: RAttributes }
  | { type: 'symbol'; name: string }
  | { type: 'environment'; frame: RValue; attributes: RAttributes }
  /** Language objects, S4 objects, external pointers and the like: kept, not interpreted. */
  | { type: 'other'; sexptype: number; attributes: RAttributes };

export type RAttributes = Map<string, RValue>;

export type RVector = Extract<RValue, { data: unknown }>;

const NULL: RValue = { type: 'NULL' };
const NA_INTEGER = -2147483648;

// SEXP types (R internals) and the pseudo-types serialization adds.
const SXP = {
  NIL: 0,
  SYM: 1,
  LIST: 2,
  CLO: 3,
  ENV: 4,
  PROM: 5,
  LANG: 6,
  SPECIAL: 7,
  BUILTIN: 8,
  CHAR: 9,
  LGL: 10,
  INT: 13,
  REAL: 14,
  CPLX: 15,
  STR: 16,
  DOT: 17,
  VEC: 19,
  EXPR: 20,
  BCODE: 21,
  EXTPTR: 22,
  WEAKREF: 23,
  RAW: 24,
  S4: 25,
  ALTREP: 238,
  ATTRLIST: 239,
  ATTRLANG: 240,
  BASEENV: 241,
  EMPTYENV: 242,
  BCREPREF: 243,
  BCREPDEF: 244,
  GENERICREF: 245,
  CLASSREF: 246,
  PERSIST: 247,
  PACKAGE: 248,
  NAMESPACE: 249,
  BASENAMESPACE: 250,
  MISSINGARG: 251,
  UNBOUNDVALUE: 252,
  GLOBALENV: 253,
  NILVALUE: 254,
  REF: 255,
} as const;

export class RDataError extends Error {
  override readonly name = 'RDataError';
  constructor(
    readonly source: string,
    readonly offset: number,
    reason: string,
  ) {
    super(`${source}: not readable R data at byte ${offset}: ${reason}`);
  }
}

class Reader {
  private pos = 0;
  private readonly refs: RValue[] = [];
  private readonly view: DataView;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly source: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(reason: string): never {
    throw new RDataError(this.source, this.pos, reason);
  }

  private need(n: number): void {
    if (this.pos + n > this.bytes.length) this.fail(`unexpected end of data (needs ${n} more bytes)`);
  }

  int(): number {
    this.need(4);
    const v = this.view.getInt32(this.pos);
    this.pos += 4;
    return v;
  }

  double(): number {
    this.need(8);
    const v = this.view.getFloat64(this.pos);
    this.pos += 8;
    return v;
  }

  bytesOf(n: number): Uint8Array {
    this.need(n);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** A vector length: an int, or -1 followed by two ints for a long vector. */
  length(): number {
    const n = this.int();
    if (n >= 0) return n;
    if (n !== -1) this.fail(`negative length ${n}`);
    return this.int() * 2 ** 32 + (this.int() >>> 0);
  }

  header(): void {
    const format = new TextDecoder('latin1').decode(this.bytesOf(2));
    if (format !== 'X\n') this.fail(`format "${JSON.stringify(format)}" is not XDR ("X\\n"); only binary XDR serialization is supported`);
    const version = this.int();
    if (version !== 2 && version !== 3) this.fail(`serialization version ${version} (supported: 2, 3)`);
    this.int(); // writer's R version
    this.int(); // minimal reader version
    if (version === 3) this.bytesOf(this.int()); // native encoding name
  }

  item(): RValue {
    const flags = this.int();
    const type = flags & 0xff;
    const levels = flags >>> 12;
    const hasAttributes = (flags & (1 << 9)) !== 0;
    const hasTag = (flags & (1 << 10)) !== 0;
    switch (type) {
      case SXP.NILVALUE:
        return NULL;
      case SXP.REF: {
        const index = flags >>> 8 === 0 ? this.int() : flags >>> 8;
        return this.refs[index - 1] ?? this.fail(`reference ${index} to an object not read yet`);
      }
      case SXP.EMPTYENV:
      case SXP.BASEENV:
      case SXP.GLOBALENV:
      case SXP.BASENAMESPACE:
        return { type: 'environment', frame: NULL, attributes: new Map() };
      case SXP.UNBOUNDVALUE:
      case SXP.MISSINGARG:
        return { type: 'other', sexptype: type, attributes: new Map() };
      case SXP.PERSIST:
      case SXP.NAMESPACE:
      case SXP.PACKAGE: {
        this.stringVectorOfNames();
        const value: RValue = { type: 'environment', frame: NULL, attributes: new Map() };
        this.refs.push(value);
        return value;
      }
      case SXP.SYM: {
        const name = this.item();
        const value: RValue = { type: 'symbol', name: name.type === 'character' ? (name.data[0] ?? 'NA') : '' };
        this.refs.push(value);
        return value;
      }
      case SXP.ENV: {
        this.int(); // locked
        const env: { type: 'environment'; frame: RValue; attributes: RAttributes } = {
          type: 'environment',
          frame: NULL,
          attributes: new Map(),
        };
        this.refs.push(env);
        this.item(); // enclosing environment
        env.frame = this.item();
        const hashtab = this.item();
        if (env.frame.type === 'NULL' && hashtab.type === 'list') env.frame = hashtab;
        env.attributes = toAttributes(this.item());
        return env;
      }
      case SXP.LIST:
      case SXP.LANG:
      case SXP.CLO:
      case SXP.PROM:
      case SXP.DOT:
      case SXP.ATTRLIST:
      case SXP.ATTRLANG:
        return this.pairlist(type, hasAttributes, hasTag);
      case SXP.ALTREP:
        return this.altrep();
      case SXP.EXTPTR: {
        const value: RValue = { type: 'other', sexptype: type, attributes: new Map() };
        this.refs.push(value);
        this.item(); // protected value
        this.item(); // tag
        return this.withAttributes(value, hasAttributes);
      }
      case SXP.WEAKREF: {
        const value: RValue = { type: 'other', sexptype: type, attributes: new Map() };
        this.refs.push(value);
        return this.withAttributes(value, hasAttributes);
      }
      case SXP.SPECIAL:
      case SXP.BUILTIN:
        this.bytesOf(this.int());
        return this.withAttributes({ type: 'other', sexptype: type, attributes: new Map() }, hasAttributes);
      case SXP.CHAR:
        return { type: 'character', data: [this.charsxp(levels)], attributes: new Map() };
      case SXP.S4:
        return this.withAttributes({ type: 'other', sexptype: type, attributes: new Map() }, hasAttributes);
      case SXP.BCODE:
      case SXP.CLASSREF:
      case SXP.GENERICREF:
        return this.fail(`R object of type ${type} (byte code or a reference class) is code, not data`);
      default:
        return this.withAttributes(this.vector(type), hasAttributes);
    }
  }

  private withAttributes<T extends RValue>(value: T, hasAttributes: boolean): T {
    if (hasAttributes && 'attributes' in value) value.attributes = toAttributes(this.item());
    return value;
  }

  private stringVectorOfNames(): void {
    if (this.int() !== 0) this.fail('persistent name vector does not start with 0');
    const n = this.int();
    for (let i = 0; i < n; i++) this.item();
  }

  /** CHARSXP: a string, or NA_STRING (length -1). Bytes are UTF-8 unless marked latin1. */
  private charsxp(levels: number): string | null {
    const n = this.int();
    if (n === -1) return null;
    const raw = this.bytesOf(n);
    const latin1 = (levels & (1 << 2)) !== 0;
    return new TextDecoder(latin1 ? 'latin1' : 'utf-8').decode(raw);
  }

  private pairlist(type: number, hasAttributes: boolean, hasTag: boolean): RValue {
    const attributes = hasAttributes ? toAttributes(this.item()) : new Map<string, RValue>();
    const tagValue = hasTag ? this.item() : NULL;
    const tag = tagValue.type === 'symbol' ? tagValue.name : null;
    const head = this.item();
    const rest = this.item();
    if (type !== SXP.LIST && type !== SXP.ATTRLIST) return { type: 'other', sexptype: type, attributes };
    const data = [{ tag, value: head }];
    if (rest.type === 'pairlist') data.push(...rest.data);
    else if (rest.type !== 'NULL') this.fail('pairlist whose tail is not a pairlist');
    return { type: 'pairlist', data, attributes };
  }

  private vector(type: number): RVector {
    const attributes = new Map<string, RValue>();
    const n = this.length();
    switch (type) {
      case SXP.LGL:
      case SXP.INT: {
        const data: (number | null)[] = new Array<number | null>(n);
        for (let i = 0; i < n; i++) {
          const v = this.int();
          data[i] = v === NA_INTEGER ? null : v;
        }
        if (type === SXP.INT) return { type: 'integer', data, attributes };
        return { type: 'logical', data: data.map((v) => (v === null ? null : v !== 0)), attributes };
      }
      case SXP.REAL: {
        const data: (number | null)[] = new Array<number | null>(n);
        for (let i = 0; i < n; i++) data[i] = this.real();
        return { type: 'double', data, attributes };
      }
      case SXP.CPLX: {
        const data: ({ re: number; im: number } | null)[] = [];
        for (let i = 0; i < n; i++) {
          const re = this.real();
          const im = this.real();
          data.push(re === null || im === null ? null : { re, im });
        }
        return { type: 'complex', data, attributes };
      }
      case SXP.STR: {
        const data: (string | null)[] = new Array<string | null>(n);
        for (let i = 0; i < n; i++) {
          const flags = this.int();
          if ((flags & 0xff) !== SXP.CHAR) this.fail(`character vector element of type ${flags & 0xff}`);
          data[i] = this.charsxp(flags >>> 12);
        }
        return { type: 'character', data, attributes };
      }
      case SXP.VEC:
      case SXP.EXPR: {
        const data: RValue[] = [];
        for (let i = 0; i < n; i++) data.push(this.item());
        return { type: 'list', data, attributes };
      }
      case SXP.RAW:
        return { type: 'raw', data: this.bytesOf(n).slice(), attributes };
      default:
        return this.fail(`unknown R object type ${type}`);
    }
  }

  /** A double; R's NA (a NaN whose low word is 1954) becomes null, any other NaN stays NaN. */
  private real(): number | null {
    this.need(8);
    const low = this.view.getUint32(this.pos + 4);
    const v = this.double();
    return Number.isNaN(v) && low === 1954 ? null : v;
  }

  /**
   * ALTREP: a class (a pairlist naming it), its state, and attributes. The compact sequences
   * and wrappers R writes for data are expanded into ordinary vectors.
   */
  private altrep(): RValue {
    const info = this.item();
    const state = this.item();
    const attributes = toAttributes(this.item());
    const cls = info.type === 'pairlist' && info.data[0]?.value.type === 'symbol' ? info.data[0].value.name : '?';
    let value: RValue;
    if (cls === 'compact_intseq' || cls === 'compact_realseq') {
      const [n, start, step] = state.type === 'double' || state.type === 'integer' ? state.data : [];
      if (n == null || start == null || step == null) this.fail(`${cls} with state ${state.type}`);
      const data = Array.from({ length: n }, (_, i) => start + i * step);
      value = { type: cls === 'compact_intseq' ? 'integer' : 'double', data, attributes: new Map() };
    } else if (cls.startsWith('wrap_') && state.type === 'list' && state.data[0]) {
      value = state.data[0];
    } else if (cls === 'deferred_string' && state.type === 'pairlist' && state.data[0]) {
      const inner = state.data[0].value;
      if (inner.type !== 'integer' && inner.type !== 'double') this.fail(`deferred_string over ${inner.type}`);
      value = { type: 'character', data: inner.data.map((v) => (v === null ? null : String(v))), attributes: new Map() };
    } else {
      return this.fail(`ALTREP class "${cls}" is not supported`);
    }
    if ('attributes' in value) for (const [k, v] of attributes) value.attributes.set(k, v);
    return value;
  }
}

function toAttributes(value: RValue): RAttributes {
  const out: RAttributes = new Map();
  if (value.type === 'pairlist') for (const { tag, value: v } of value.data) if (tag !== null) out.set(tag, v);
  return out;
}

/** One serialized object (`saveRDS` without compression, a lazy-load chunk once decompressed). */
export function unserialize(bytes: Uint8Array, source: string): RValue {
  const reader = new Reader(bytes, source);
  reader.header();
  return reader.item();
}

/** The objects of an uncompressed `.rda` file (`RDX2\n` or `RDX3\n`), by name. */
export function readRdaObjects(bytes: Uint8Array, source: string): Map<string, RValue> {
  const magic = new TextDecoder('latin1').decode(bytes.subarray(0, 5));
  if (magic !== 'RDX2\n' && magic !== 'RDX3\n') {
    throw new RDataError(source, 0, `not an R data file (starts with ${JSON.stringify(magic)}, expected "RDX2\\n" or "RDX3\\n")`);
  }
  const top = unserialize(bytes.subarray(5), source);
  if (top.type !== 'pairlist') throw new RDataError(source, 5, `holds a ${top.type}, expected a pairlist of named objects`);
  return new Map(top.data.filter((d) => d.tag !== null).map((d) => [d.tag!, d.value]));
}
