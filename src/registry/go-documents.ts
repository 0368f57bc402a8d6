/**
 * The two registry answers c/image's docker client decodes with `json.Unmarshal` into its own structs: the bearer
 * token response and the X-Registry-Supports-Signatures list. They are decoded by goUnmarshal (Go's rules) into
 * c/image's struct shapes, because a hostile registry can otherwise make the two tools read different values.
 */
import { GoSlice, GoStruct, goUnmarshal, type GoStructType, type GoType, type GoValue } from '../go/encoding/json/unmarshal.js';
import { GO_TIME, GoTime } from '../go/time.js';

const STRING: GoType = { k: 'string' };
const INT: GoType = { k: 'int' };

/**
 * c/image newBearerTokenFromHTTPResponseBody's anonymous `struct { Token string "json:\"token\""; … }`; its
 * unexported `expirationTime` is never decoded but is part of the type's name in Go's error text.
 */
const BEARER_TOKEN: GoStructType = {
  k: 'struct',
  name: '',
  typeName:
    'struct { Token string "json:\\"token\\""; AccessToken string "json:\\"access_token\\""; ExpiresIn int "json:\\"expires_in\\""; IssuedAt time.Time "json:\\"issued_at\\""; docker.expirationTime time.Time }',
  fields: [
    { json: 'token', type: STRING },
    { json: 'access_token', type: STRING },
    { json: 'expires_in', type: INT },
    { json: 'issued_at', type: GO_TIME },
  ],
};

/** c/image docker.extensionSignature: `{schemaVersion int; name, type string; content []byte}`. */
const EXTENSION_SIGNATURE: GoStructType = {
  k: 'struct',
  name: 'extensionSignature',
  typeName: 'docker.extensionSignature',
  fields: [
    { json: 'schemaVersion', type: INT },
    { json: 'name', type: STRING },
    { json: 'type', type: STRING },
    { json: 'content', type: { k: 'bytes' } },
  ],
};

/** c/image docker.extensionSignatureList: `{signatures []extensionSignature}`. */
const EXTENSION_SIGNATURE_LIST: GoStructType = {
  k: 'struct',
  name: 'extensionSignatureList',
  typeName: 'docker.extensionSignatureList',
  fields: [{ json: 'signatures', type: { k: 'slice', elem: EXTENSION_SIGNATURE } }],
};

function decode(bytes: Uint8Array, shape: GoStructType): GoStruct {
  const { value, error } = goUnmarshal(bytes, shape);
  if (error) throw error;
  return value as GoStruct;
}

/** A Go `int` as a number (exact up to 2^53, which is all a lifetime or a version needs). */
const int = (v: GoValue): number => Number(v as bigint);

export interface BearerTokenResponse {
  token: string;
  accessToken: string;
  expiresIn: number;
  /** Milliseconds since the epoch; undefined = zero time (c/image then uses "now"). */
  issuedAt: number | undefined;
}

/** c/image newBearerTokenFromHTTPResponseBody: `json.Unmarshal` into {@link BEARER_TOKEN}. */
export function decodeBearerToken(bytes: Uint8Array): BearerTokenResponse {
  const { f } = decode(bytes, BEARER_TOKEN);
  const issuedAt = f['issued_at'] as GoTime;
  return { token: f['token'] as string, accessToken: f['access_token'] as string, expiresIn: int(f['expires_in']), issuedAt: issuedAt.isZero() ? undefined : issuedAt.unixMilli() };
}

/** c/image extensionSignature, as the client reads it. */
export interface ExtensionSignature {
  version: number;
  name: string;
  type: string;
  content: Uint8Array | undefined;
}

/**
 * c/image getExtensionsSignatures: `json.Unmarshal` into extensionSignatureList. One bad entry (an illegal base64
 * `content`, a string `schemaVersion`) fails the whole list, as in Go.
 */
export function decodeExtensionSignatureList(bytes: Uint8Array): ExtensionSignature[] {
  const list = decode(bytes, EXTENSION_SIGNATURE_LIST).f['signatures'];
  if (!(list instanceof GoSlice)) return [];
  return list.items.map((s) => {
    const { f } = s as GoStruct;
    return { version: int(f['schemaVersion']), name: f['name'] as string, type: f['type'] as string, content: f['content'] as Uint8Array | undefined };
  });
}
