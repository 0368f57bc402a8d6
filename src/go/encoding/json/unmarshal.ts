/**
 * Go's `json.Unmarshal` into a typed Go value, as containers/image uses it for every registry and on-disk document
 * (manifests, indexes, `.sig` attachment manifests, sigstore-json signatures, schema-1 JWS blocks, error bodies).
 *
 * Why this matters: an attacker who can push documents chooses their bytes, and c/image reads them with Go's rules,
 * so a verdict is only c/image's if the *same* values come out here:
 *  - a member name selects a struct field exactly, else by Unicode simple case folding (`LAYERS`, `ſchemaVersion`);
 *  - every occurrence is decoded, in order, into the value the earlier ones left: the last scalar wins, structs and
 *    maps merge, pointers are reused, and a slice reuses its backing array (elements are decoded *into* the old ones);
 *  - `null` leaves strings, numbers, bools and structs alone and sets pointers, slices, maps and interfaces to nil;
 *  - a type mismatch is remembered (the first one wins) while decoding goes on, and fails the whole call with
 *    Go 1.24's text (`json: cannot unmarshal number into Go struct field Descriptor.Manifest.layers.annotations of type
 *    string`, embedded struct names included);
 *  - a json.Unmarshaler (time.Time) gets the value, `null` included, and its error ends decoding at once: it is
 *    what Unmarshal returns, even over a type mismatch remembered earlier.
 * Syntax is checked first, over the whole input, by the shared reader (Go's checkValid).
 */
import { GoBase64Error, goBase64Decode } from '../base64.js';
import type { GoTime } from '../../time.js';
import { GoFieldNames } from './fold.js';
import { GoJSONError, readJson, type GoJsonValue } from './scanner.js';

/** A Go type, as much of it as decoding needs; `name` is what reflect's Type.String() prints. */
export type GoType =
  | { readonly k: 'string'; readonly name?: string }
  | { readonly k: 'int'; readonly name?: string }
  | { readonly k: 'bool' }
  | { readonly k: 'any' }
  /** json.RawMessage: the value as written (`null` included), undefined when absent. */
  | { readonly k: 'raw' }
  | { readonly k: 'bytes' }
  | { readonly k: 'ptr'; readonly elem: GoType }
  | { readonly k: 'slice'; readonly elem: GoType }
  | { readonly k: 'map'; readonly elem: GoType }
  | GoUnmarshalerType
  | GoStructType;

/**
 * A type with a json.Unmarshaler (value receiver reached through the field's address, as for time.Time): decoding
 * calls `unmarshalJSON` with the value and what the field holds; a GoJSONError it throws ends decoding.
 */
export interface GoUnmarshalerType {
  readonly k: 'unmarshaler';
  readonly name: string;
  readonly zero: () => GoValue;
  readonly unmarshalJSON: (v: GoJsonValue, existing: GoValue) => GoValue;
}

export interface GoStructType {
  readonly k: 'struct';
  /** reflect Name(): `Descriptor`, `OCI1`, `` for an anonymous struct. */
  readonly name: string;
  /** Type.String(): `v1.Descriptor`. */
  readonly typeName: string;
  readonly fields: readonly GoField[];
}

export interface GoField {
  /** The JSON name (tag or Go field name). */
  readonly json: string;
  readonly type: GoType;
  /** Names of the embedded structs the field is promoted through (Go 1.24 lists them in error texts). */
  readonly via?: readonly string[];
}

/** A decoded Go slice: `items` is the slice, `backing` its array (stale elements beyond len are reused by Go). */
export class GoSlice<T = GoValue> {
  constructor(
    readonly backing: T[],
    public len: number,
  ) {}
  get items(): T[] {
    return this.backing.slice(0, this.len);
  }
}

/** A decoded Go struct: field values by JSON name. */
export class GoStruct {
  constructor(readonly f: Record<string, GoValue>) {}
}

export type GoValue = string | bigint | boolean | Uint8Array | GoJsonValue | GoSlice | Map<string, GoValue> | GoStruct | GoTime | undefined | null;

export function typeString(t: GoType): string {
  switch (t.k) {
    case 'string':
      return t.name ?? 'string';
    case 'int':
      return t.name ?? 'int';
    case 'bool':
      return 'bool';
    case 'any':
      return 'interface {}';
    case 'raw':
      return 'json.RawMessage';
    case 'bytes':
      return '[]uint8';
    case 'ptr':
      return '*' + typeString(t.elem);
    case 'slice':
      return '[]' + typeString(t.elem);
    case 'map':
      return 'map[string]' + typeString(t.elem);
    case 'struct':
      return t.typeName;
    case 'unmarshaler':
      return t.name;
  }
}

/** The zero value of a Go type (pointers, slices, maps and interfaces are nil = undefined). */
export function zeroValue(t: GoType): GoValue {
  switch (t.k) {
    case 'string':
      return '';
    case 'int':
      return 0n;
    case 'bool':
      return false;
    case 'struct':
      return new GoStruct(Object.fromEntries(t.fields.map((f) => [f.json, zeroValue(f.type)])));
    case 'unmarshaler':
      return t.zero();
    default:
      return undefined;
  }
}

interface State {
  error?: GoJSONError;
  /** Go's errorContext: the innermost struct and the field names from the top. */
  struct: string;
  stack: string[];
  hasContext: boolean;
  /** The whole backing array of each []byte decoded in this call (Go reuses it when the member repeats). */
  byteBacking: WeakMap<Uint8Array, Uint8Array>;
}

/** `json.Unmarshal(bytes, &v)` where v starts as `initial` (or the zero value): the value, and the error Go returns. */
export function goUnmarshal(bytes: Uint8Array, t: GoType, initial?: GoValue): { value: GoValue; error?: GoJSONError } {
  let root: GoJsonValue;
  try {
    root = readJson(bytes, { positions: false }).root;
  } catch (e) {
    if (e instanceof GoJSONError) return { value: initial ?? zeroValue(t), error: new GoJSONError(e.message) };
    throw e;
  }
  return goUnmarshalValue(root, t, initial);
}

/** As {@link goUnmarshal}, over a value already read (a json.RawMessage being decoded again, for instance). */
export function goUnmarshalValue(root: GoJsonValue, t: GoType, initial?: GoValue): { value: GoValue; error?: GoJSONError } {
  const st: State = { struct: '', stack: [], hasContext: false, byteBacking: new WeakMap() };
  // A struct is decoded in place: when an Unmarshaler's error ends decoding, `start` holds what was decoded so far.
  const start = initial === undefined ? zeroValue(t) : initial;
  try {
    const value = decode(root, t, start, st);
    return { value, ...(st.error ? { error: st.error } : {}) };
  } catch (e) {
    if (e instanceof GoJSONError) return { value: start, error: e };
    throw e;
  }
}

function typeError(st: State, what: string, t: GoType | string): void {
  if (st.error) return;
  const goType = typeof t === 'string' ? t : typeString(t);
  const where = st.hasContext ? `Go struct field ${st.struct}.${st.stack.join('.')}` : 'Go value';
  st.error = new GoJSONError(`json: cannot unmarshal ${what} into ${where} of type ${goType}`);
}

function saveError(st: State, e: GoJSONError): void {
  st.error ??= e;
}

/** Go's convertNumber into an interface: float64, and only overflow fails. */
function checkFloat(v: Extract<GoJsonValue, { kind: 'number' }>, st: State): void {
  if (!Number.isFinite(Number(v.raw))) typeError(st, `number ${v.raw}`, 'float64');
}

/** Decoding into `interface{}`: the value replaces what was there; numbers are float64 (overflow is an error). */
function decodeAny(v: GoJsonValue, st: State): GoValue {
  const pending: GoJsonValue[] = [v];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (next.kind === 'number') checkFloat(next, st);
    else if (next.kind === 'array') for (let i = next.items.length - 1; i >= 0; i--) pending.push(next.items[i]!);
    else if (next.kind === 'object') for (let i = next.entries.length - 1; i >= 0; i--) pending.push(next.entries[i]!.value);
  }
  return v.kind === 'null' ? undefined : v;
}

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function decode(v: GoJsonValue, t: GoType, existing: GoValue, st: State): GoValue {
  if (t.k === 'any') return decodeAny(v, st);
  if (t.k === 'raw') return v;
  if (t.k === 'unmarshaler') return t.unmarshalJSON(v, existing);
  if (v.kind === 'null') {
    // Go: null only resets pointers, slices, maps and interfaces (and []byte, a slice).
    return t.k === 'ptr' || t.k === 'slice' || t.k === 'map' || t.k === 'bytes' ? undefined : existing;
  }
  if (t.k === 'ptr') {
    // indirect(): a nil pointer is allocated, a non-nil one is decoded through.
    const target = existing === undefined ? zeroValue(t.elem) : existing;
    return decode(v, t.elem, target, st);
  }
  switch (v.kind) {
    case 'string':
      if (t.k === 'string') return v.value;
      if (t.k === 'bytes') {
        try {
          return goBase64Decode(v.bytes ?? v.value);
        } catch (e) {
          if (!(e instanceof GoBase64Error)) throw e;
          saveError(st, new GoJSONError(e.message));
          return existing;
        }
      }
      typeError(st, 'string', t);
      return existing;
    case 'number':
      if (t.k === 'int') {
        if (/^-?\d+$/.test(v.raw)) {
          const n = BigInt(v.raw);
          if (n >= INT64_MIN && n <= INT64_MAX) return n;
        }
        typeError(st, `number ${v.raw}`, t);
        return existing;
      }
      typeError(st, 'number', t);
      return existing;
    case 'bool':
      if (t.k === 'bool') return v.value;
      typeError(st, 'bool', t);
      return existing;
    case 'array':
      if (t.k === 'slice') return decodeSlice(v, t, existing, st);
      if (t.k === 'bytes') return decodeByteArray(v, existing, st);
      typeError(st, 'array', t);
      return existing;
    case 'object':
      if (t.k === 'struct') return decodeStruct(v, t, existing, st);
      if (t.k === 'map') return decodeMap(v, t, existing, st);
      typeError(st, 'object', t);
      return existing;
  }
}

/**
 * A JSON array into `[]byte` is a slice like any other: the elements are decoded into the old backing array (the
 * bytes a base64 string or an earlier array left, also beyond the old length), and `null` or a rejected element
 * leaves the byte that was there. `[]` is a new empty slice.
 */
function decodeByteArray(v: Extract<GoJsonValue, { kind: 'array' }>, existing: GoValue, st: State): Uint8Array {
  if (v.items.length === 0) return new Uint8Array(0);
  const old = existing instanceof Uint8Array ? (st.byteBacking.get(existing) ?? existing) : new Uint8Array(0);
  const backing = new Uint8Array(Math.max(old.length, v.items.length));
  backing.set(old);
  v.items.forEach((item, i) => {
    if (item.kind === 'null') return;
    if (item.kind === 'number' && /^\d+$/.test(item.raw) && Number(item.raw) <= 255) backing[i] = Number(item.raw);
    else typeError(st, item.kind === 'number' ? `number ${item.raw}` : item.kind, 'uint8');
  });
  const slice = backing.subarray(0, v.items.length);
  st.byteBacking.set(slice, backing);
  return slice;
}

function decodeSlice(v: Extract<GoJsonValue, { kind: 'array' }>, t: Extract<GoType, { k: 'slice' }>, existing: GoValue, st: State): GoSlice {
  // Go reuses the backing array: elements below the old capacity are decoded into what was there (stale or not).
  const backing = existing instanceof GoSlice ? existing.backing : [];
  if (v.items.length === 0) return new GoSlice([], 0);
  v.items.forEach((item, i) => {
    if (i >= backing.length) backing.push(zeroValue(t.elem));
    backing[i] = decode(item, t.elem, backing[i], st);
  });
  return new GoSlice(backing, v.items.length);
}

function decodeMap(v: Extract<GoJsonValue, { kind: 'object' }>, t: Extract<GoType, { k: 'map' }>, existing: GoValue, st: State): Map<string, GoValue> {
  const m = existing instanceof Map ? existing : new Map<string, GoValue>();
  for (const e of v.entries) m.set(e.key, decode(e.value, t.elem, zeroValue(t.elem), st));
  return m;
}

function decodeStruct(v: Extract<GoJsonValue, { kind: 'object' }>, t: GoStructType, existing: GoValue, st: State): GoStruct {
  const target = existing instanceof GoStruct ? existing : (zeroValue(t) as GoStruct);
  for (const e of v.entries) {
    const field = selectField(t, e.key);
    if (!field) continue;
    const saved = { struct: st.struct, depth: st.stack.length, hasContext: st.hasContext };
    st.stack.push(...(field.via ?? []), field.json);
    st.struct = t.name;
    st.hasContext = true;
    target.f[field.json] = decode(e.value, field.type, target.f[field.json], st);
    st.stack.length = saved.depth;
    st.struct = saved.struct;
    st.hasContext = saved.hasContext;
  }
  return target;
}

const fieldNames = new WeakMap<GoStructType, GoFieldNames>();

/** encoding/json's field choice for a member name (src/go/encoding/json/fold.ts). */
function selectField(t: GoStructType, key: string): GoField | undefined {
  let names = fieldNames.get(t);
  if (!names) {
    names = new GoFieldNames(t.fields.map((f) => f.json));
    fieldNames.set(t, names);
  }
  const i = names.lookup(key);
  return i === undefined ? undefined : t.fields[i];
}

// ------------------------------------------------------------------------------------------------ accessors

/** A struct field as a string ('' when the struct itself is absent). */
export function str(s: GoValue, field: string): string {
  const v = s instanceof GoStruct ? s.f[field] : undefined;
  return typeof v === 'string' ? v : '';
}

export function structOf(s: GoValue, field: string): GoStruct | undefined {
  const v = s instanceof GoStruct ? s.f[field] : undefined;
  return v instanceof GoStruct ? v : undefined;
}

export function sliceOf(s: GoValue, field: string): GoValue[] | undefined {
  const v = s instanceof GoStruct ? s.f[field] : undefined;
  return v instanceof GoSlice ? v.items : undefined;
}

export function stringMapOf(s: GoValue, field: string): Map<string, string> | undefined {
  const v = s instanceof GoStruct ? s.f[field] : undefined;
  return v instanceof Map ? (v as Map<string, string>) : undefined;
}
