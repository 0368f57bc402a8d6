import { GoStruct, goUnmarshal, stringMapOf, str } from '../go/encoding/json/unmarshal.js';
import { SIGSTORE_JSON } from './shapes.js';

export interface SigstoreJSON {
  mimeType: string;
  payload: Uint8Array;
  annotations: Record<string, string>;
}

/**
 * c/image internal/signature sigstoreFromBlob: the `sigstore-json` signature format (lookaside files, `dir:`
 * signature-N files) decoded with Go's rules into sigstoreJSONRepresentation — `payload` is a Go `[]byte`, so it is
 * standard base64 with CR/LF skipped anywhere. Throws the GoJSONError Go's json.Unmarshal returns.
 */
export function parseSigstoreJSON(body: Uint8Array): SigstoreJSON {
  const r = goUnmarshal(body, SIGSTORE_JSON);
  if (r.error) throw r.error;
  const payload = (r.value as GoStruct).f['payload'];
  return {
    mimeType: str(r.value, 'mimeType'),
    payload: payload instanceof Uint8Array ? payload : new Uint8Array(0),
    annotations: Object.fromEntries(stringMapOf(r.value, 'annotations') ?? []),
  };
}
