/**
 * The policy parser's view of the shared Go encoding/json decoders (src/util/go-json/decode.ts).
 *
 * c/image's policy parser is "paranoid" only at the object level (duplicate and unknown keys); field values go
 * through Go's ordinary decoder, so its quirks are part of the policy language. The shared decoders throw
 * GoJSONError; here each becomes a PolicyFormatError with c/image's text and our position (path, line, column)
 * of the offending value, which is what `lint` shows.
 */
import { PolicyFormatError } from '../errors.js';
import { goBase64Decode as goBase64DecodeOrThrow, GoBase64Error } from '../go/encoding/base64.js';
import * as go from '../go/encoding/json/decode.js';
import { goFieldFor } from '../go/encoding/json/fold.js';
import { GoJSONError, type JsonLocation, type JsonNode, type JsonObject, type JsonObjectEntry } from '../go/encoding/json/scanner.js';

export { goFloatV, goJsonKind, goTokenRepr } from '../go/encoding/json/decode.js';

/** Throws c/image's message with our position (path, line, column) of the offending value. */
export function fail(message: string, loc: JsonLocation): never {
  throw new PolicyFormatError(message, { path: loc.path, line: loc.line, column: loc.column });
}

/** Wraps a shared decoder so that its GoJSONError leaves as a PolicyFormatError at the same position. */
function inPolicy<A extends unknown[], R>(decode: (...args: A) => R): (...args: A) => R {
  return (...args) => {
    try {
      return decode(...args);
    } catch (e) {
      if (!(e instanceof GoJSONError)) throw e;
      // Policy nodes always come from the reader, so the location is always there.
      throw new PolicyFormatError(e.message, e.loc && { path: e.loc.path, line: e.loc.line, column: e.loc.column });
    }
  };
}

export const cannotUnmarshal: (node: JsonNode, goType: string) => never = inPolicy(go.cannotUnmarshal);
export const decodeString: (node: JsonNode, goType?: string) => string = inPolicy(go.decodeString);
export const decodeStringSlice: (node: JsonNode) => string[] | undefined = inPolicy(go.decodeStringSlice);
export const decodeBytes: (node: JsonNode) => Uint8Array | undefined = inPolicy(go.decodeBytes);
export const decodeBytesSlice: (node: JsonNode) => Uint8Array[] | undefined = inPolicy(go.decodeBytesSlice);

type PolicyResolver = (key: string, entry: JsonObjectEntry) => ((value: JsonNode) => void) | undefined;

/** c/image `ParanoidUnmarshalJSONObject` (see the shared decoder); members are reader nodes, hence the casts. */
export const paranoidObject = inPolicy(go.paranoidObject) as (node: JsonNode, resolve: PolicyResolver) => JsonObject;

/** c/image `ParanoidUnmarshalJSONObjectExactFields`. */
export const paranoidObjectExactFields = inPolicy(go.paranoidObjectExactFields) as (
  node: JsonNode,
  fields: Record<string, (value: JsonNode) => void>,
) => JsonObject;

/** Go `base64.StdEncoding.Decode`: the bytes, or the input byte offset that Go's CorruptInputError names. */
export function goBase64Decode(src: Uint8Array): Uint8Array | number {
  try {
    return goBase64DecodeOrThrow(src);
  } catch (e) {
    if (e instanceof GoBase64Error) return e.offset;
    throw e;
  }
}

/**
 * The lenient first pass of `newPolicyRequirementFromJSON` / `newPolicyReferenceMatchFromJSON`: Go's
 * json.Unmarshal into a struct with one field `type` — keys match case-insensitively, the last match wins,
 * other keys are ignored, `null` keeps "". Returns the effective `type` and the node it came from.
 */
export function lenientType(node: JsonNode, structName: string, typeName: string): { type: string; at: JsonLocation } {
  const { value, error } = go.decodeLenient(node, {
    t: 'struct',
    goName: structName,
    goType: `signature.${structName}`,
    fields: { type: { t: 'string', goType: `signature.${typeName}` } },
  });
  // Go records the first type error and keeps decoding; the error still wins over any later value.
  if (error) fail(error.message, error.loc ?? node.loc);
  const type = value instanceof go.LenientStruct ? ((value.fields['type'] as string | undefined) ?? '') : '';
  // The value that won is the last string member selecting `type` (`null` members keep the earlier value).
  const winner =
    node.kind === 'object'
      ? node.entries.findLast((e) => e.value.kind === 'string' && goFieldFor(['type'], e.key) !== undefined)
      : undefined;
  return { type, at: winner?.value.loc ?? node.loc };
}
