/**
 * The sigstore code's view of the shared Go encoding/json reader and decoders (src/util/go-json/).
 *
 * c/image parses every untrusted sigstore JSON document (the Rekor SET, its payload, the hashedrekord body) with
 * `json.Unmarshal`: the whole input is validated with Go's scanner first, then decoded either paranoidly (SET,
 * SET payload) or leniently (hashedrekord body). Failures are {@link GoJSONError} with Go's text; callers prefix
 * them and turn them into InvalidSignatureError. This module keeps the names the sigstore (and bundle) code imports.
 */
import { readJson } from '../../go/encoding/json/scanner.js';
import type { GoJsonValue } from '../../go/encoding/json/scanner.js';

export {
  GoJSONError,
  LenientStruct,
  decodeBytes,
  decodeFloat64,
  decodeInt64,
  decodeLenient,
  decodeString,
  goFloatV,
  goJsonKind as jsonTypeWord,
  paranoidObject,
  paranoidObjectExactFields as paranoidExactFields,
  type LenientSchema,
  type LenientValue,
} from '../../go/encoding/json/decode.js';

export type JValue = GoJsonValue;

/** `json.Unmarshal`'s first step: the whole input must be one valid JSON value (Go scanner messages). */
export function parseGoJSON(input: string | Uint8Array): JValue {
  return readJson(input, { positions: false }).root;
}
