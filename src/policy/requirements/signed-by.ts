/** `signedBy` (GPG "simple signing"), parsed as c/image's `prSignedBy.UnmarshalJSON` + `newPRSignedBy`. */
import { goQuote } from '../../go/fmt.js';
import { decodeBytes, decodeString, decodeStringSlice, fail, paranoidObject } from '../go-decode.js';
import type { JsonNode } from '../../go/encoding/json/scanner.js';
import type { PolicyRequirement, SignedByKeyType } from '../types.js';
import { DEFAULT_SIGNED_IDENTITY, parseReferenceMatch } from './reference-match.js';
import { locationOf } from './simple.js';

const KEY_TYPES: readonly string[] = ['GPGKeys', 'signedByGPGKeys', 'X509Certificates', 'signedByX509CAs'];

export function parseSignedBy(node: JsonNode): PolicyRequirement {
  let keyType = '';
  let keyPath = '';
  let keyPaths: string[] | undefined;
  let keyData: Uint8Array | undefined;
  let signedIdentity: JsonNode | undefined;
  // Presence is decided by the key, not its value: `"keyPath": ""` still "is present" for the first check.
  let gotKeyPath = false;
  let gotKeyPaths = false;
  let gotKeyData = false;

  paranoidObject(node, (key) => {
    switch (key) {
      case 'type':
        return (v) => void decodeString(v, 'signature.prTypeIdentifier');
      case 'keyType':
        return (v) => {
          // sbKeyType.UnmarshalJSON: a present value (even null or "") must be valid, and fails right here.
          const s = decodeString(v);
          if (!KEY_TYPES.includes(s)) fail(`Unrecognized keyType value ${goQuote(s)}`, v.loc);
          keyType = s;
        };
      case 'keyPath':
        gotKeyPath = true;
        return (v) => {
          keyPath = decodeString(v);
        };
      case 'keyPaths':
        gotKeyPaths = true;
        return (v) => {
          keyPaths = decodeStringSlice(v);
        };
      case 'keyData':
        gotKeyData = true;
        return (v) => {
          keyData = decodeBytes(v);
        };
      case 'signedIdentity':
        return (v) => {
          signedIdentity = v;
        };
      default:
        return undefined;
    }
  });

  // Order of the checks after reading is upstream's: identity, key presence, keyType, key value count.
  const identity = signedIdentity === undefined ? DEFAULT_SIGNED_IDENTITY : parseReferenceMatch(signedIdentity);
  const present = Number(gotKeyPath) + Number(gotKeyPaths) + Number(gotKeyData);
  if (present === 0) {
    fail('Exactly one of keyPath, keyPaths and keyData must be specified, none of them present', node.loc);
  }
  if (present > 1) {
    fail('Exactly one of keyPath, keyPaths and keyData must be specified, more than one present', node.loc);
  }
  // Reached only when keyType was absent (a present invalid one failed while reading).
  if (!KEY_TYPES.includes(keyType)) fail(`invalid keyType ${goQuote(keyType)}`, node.loc);
  // Value-based: "" / null do not count as a key source, so e.g. `"keyPath": ""` alone is refused here.
  const set = Number(keyPath !== '') + Number(keyPaths !== undefined) + Number(keyData !== undefined);
  if (set !== 1) fail('exactly one of keyPath, keyPaths and keyData must be specified', node.loc);

  return {
    type: 'signedBy',
    keyType: keyType as SignedByKeyType,
    ...(keyPath !== '' ? { keyPath } : {}),
    ...(keyPaths !== undefined ? { keyPaths } : {}),
    ...(keyData !== undefined ? { keyData } : {}),
    signedIdentity: identity,
    location: locationOf(node),
  };
}
