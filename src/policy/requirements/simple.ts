/** `insecureAcceptAnything`, `reject` and `signedBaseLayer`: the requirement types without key material. */
import { decodeString, paranoidObjectExactFields } from '../go-decode.js';
import type { JsonNode } from '../../go/encoding/json/scanner.js';
import type { PolicyReferenceMatch, PolicyRequirement } from '../types.js';
import { parseReferenceMatch } from './reference-match.js';

const typeField = { type: (v: JsonNode) => void decodeString(v, 'signature.prTypeIdentifier') };

/** Exactly `{"type": …}`: a typo such as `"keyPath"` on a reject must not pass unnoticed. */
export function parseTypeOnly(node: JsonNode, type: 'insecureAcceptAnything' | 'reject'): PolicyRequirement {
  paranoidObjectExactFields(node, typeField);
  return { type, location: locationOf(node) };
}

export function parseSignedBaseLayer(node: JsonNode): PolicyRequirement {
  // Kept as a raw value while reading, parsed afterwards: upstream's RawMessage ordering (a missing key is
  // reported before the identity's own errors).
  let identity: JsonNode | undefined;
  paranoidObjectExactFields(node, {
    ...typeField,
    baseLayerIdentity: (v) => {
      identity = v;
    },
  });
  const baseLayerIdentity: PolicyReferenceMatch = parseReferenceMatch(identity!);
  return { type: 'signedBaseLayer', baseLayerIdentity, location: locationOf(node) };
}

export function locationOf(node: JsonNode): { path: string; line: number; column: number } {
  return { path: node.loc.path, line: node.loc.line, column: node.loc.column };
}
