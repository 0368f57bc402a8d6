import type { PublicKey } from 'openpgp';
import { EvaluationError, ImgpolicyError } from '../../errors.js';
import { errnoText } from '../../go/os.js';
import { LIMITS } from '../../limits.js';
import type { SignedByRequirement } from '../../policy/types.js';
import type { VerifyContext } from '../types.js';
import type { OpenPGPModule } from './openpgp.js';

/**
 * c/image loadBytesFromConfigSources for signedBy: every configured file is read (the first read error aborts, as a
 * plain OS error) *before* the one-source check, and `keyPath: ""` / `keyPaths: null` / `keyData: null` count as unset.
 * `keyPaths: []` yields zero blobs and `keyData: ""` one empty blob — both end in "No public keys imported".
 */
export async function loadKeyBlobs(req: SignedByRequirement, ctx: VerifyContext): Promise<Uint8Array[]> {
  let sources = 0;
  let blobs: Uint8Array[] | undefined;
  if (req.keyPath !== undefined && req.keyPath !== '') {
    sources++;
    blobs = [await readKeyFile(req.keyPath, ctx)];
  }
  if (req.keyPaths !== undefined) {
    sources++;
    blobs = [];
    for (const path of req.keyPaths) blobs.push(await readKeyFile(path, ctx));
  }
  if (req.keyData !== undefined) {
    sources++;
    blobs = [req.keyData];
  }
  const notOne = 'Internal inconsistency: not exactly one of "keyPath", "keyPaths" and "keyData" specified';
  if (sources > 1 || blobs === undefined) throw new EvaluationError(notOne);
  return blobs;
}

/** os.ReadFile's error shapes (`open /x: no such file or directory`), since users compare them with skopeo's. */
async function readKeyFile(path: string, ctx: VerifyContext): Promise<Uint8Array> {
  let data: Uint8Array;
  try {
    data = await ctx.readFile(path);
  } catch (e) {
    if (e instanceof ImgpolicyError) throw e;
    throw new EvaluationError(goFileErrorMessage(path, e));
  }
  if (data.length > LIMITS.maxKeyFileBytes) {
    throw new EvaluationError(`reading ${path}: key file larger than ${LIMITS.maxKeyFileBytes} bytes`);
  }
  return data;
}

export function goFileErrorMessage(path: string, e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  const message = err instanceof Error ? err.message : String(e);
  if (/^(open|read) /.test(message)) return message; // already Go-shaped (the image layer's reader does this)
  if (err?.code === 'EISDIR') return `read ${path}: is a directory`; // Go's open succeeds, the read fails
  return `open ${path}: ${errnoText(err)}`;
}

/** The private keyring of one signedBy evaluation: what GPGME's ephemeral home would hold. */
export interface Keyring {
  /** One entry per distinct primary key; duplicates from several blobs are merged as gpg --import merges them. */
  readonly keys: PublicKey[];
  /** c/image's "trusted identities": upper-case primary fingerprints of the keys imported, in import order. */
  readonly identities: string[];
}

/**
 * Imports every blob as gpg --import would: binary or ASCII-armoured keyrings, several keys (and several armour blocks)
 * per blob, secret-key blocks contributing their public part. Garbage imports nothing instead of failing — GPGME
 * reports zero imports and c/image then says "No public keys imported" (a policy verdict, not an I/O error).
 * Keys without any user ID are skipped because gpg refuses to import them ("no user ID").
 */
export async function importKeyring(openpgp: OpenPGPModule, blobs: readonly Uint8Array[]): Promise<Keyring> {
  const keys: PublicKey[] = [];
  const identities: string[] = [];
  // Tolerate malformed or unsupported packets in a keyring like gpg does: import what parses.
  const config = { ignoreMalformedPackets: true, ignoreUnsupportedPackets: true };
  for (const blob of blobs) {
    for (const part of splitKeyBlob(blob)) {
      let parsed: PublicKey[];
      try {
        const read =
          typeof part === 'string'
            ? await openpgp.readKeys({ armoredKeys: part, config })
            : await openpgp.readKeys({ binaryKeys: part, config });
        parsed = read.map((k) => (k.isPrivate() ? k.toPublic() : (k as PublicKey)));
      } catch {
        continue; // nothing importable in this part
      }
      for (const key of parsed) {
        if (key.users.length === 0) continue;
        const fingerprint = key.getFingerprint().toUpperCase();
        const existing = keys.find((k) => k.getFingerprint().toUpperCase() === fingerprint);
        if (existing) {
          try {
            const merged = await existing.update(key);
            keys[keys.indexOf(existing)] = merged;
          } catch {
            // keep what we had; gpg would report the second copy as "unchanged"
          }
        } else {
          keys.push(key);
        }
        identities.push(fingerprint); // gpg lists a re-imported key again (status "unchanged"); harmless duplicate
      }
    }
  }
  return { keys, identities };
}

const ARMOR_BLOCK = /-----BEGIN PGP (PUBLIC|PRIVATE) KEY BLOCK-----[\s\S]*?-----END PGP \1 KEY BLOCK-----/g;

/** An armoured blob may hold several blocks, possibly with text around them; anything else is tried as binary. */
function splitKeyBlob(blob: Uint8Array): (string | Uint8Array)[] {
  if (blob.length === 0) return [];
  const text = Buffer.from(blob).toString('latin1');
  if (!text.includes('-----BEGIN PGP ')) return [blob];
  return [...text.matchAll(ARMOR_BLOCK)].map((m) => m[0]);
}
