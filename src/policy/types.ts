/**
 * The typed policy model: what containers/image's policy_types.go holds after a successful parse.
 * Field presence follows c/image: an absent optional field is `undefined`; base64 fields are decoded bytes.
 */

export type PolicyReferenceMatch =
  | { readonly type: 'matchExact' }
  | { readonly type: 'matchRepoDigestOrExact' }
  | { readonly type: 'matchRepository' }
  | { readonly type: 'exactReference'; readonly dockerReference: string }
  | { readonly type: 'exactRepository'; readonly dockerRepository: string }
  | { readonly type: 'remapIdentity'; readonly prefix: string; readonly signedPrefix: string };

export type SignedByKeyType = 'GPGKeys' | 'signedByGPGKeys' | 'X509Certificates' | 'signedByX509CAs';

export interface FulcioOptions {
  readonly caPath?: string;
  readonly caData?: Uint8Array;
  readonly oidcIssuer: string;
  readonly subjectEmail: string;
}

export interface PKIOptions {
  readonly caRootsPath?: string;
  readonly caRootsData?: Uint8Array;
  readonly caIntermediatesPath?: string;
  readonly caIntermediatesData?: Uint8Array;
  readonly subjectEmail?: string;
  readonly subjectHostname?: string;
}

/** Where a requirement or scope stands in the policy file, for explanations. */
export interface Located {
  readonly location?: { readonly path: string; readonly line: number; readonly column: number };
}

export type PolicyRequirement = Located &
  (
    | { readonly type: 'insecureAcceptAnything' }
    | { readonly type: 'reject' }
    | { readonly type: 'signedBaseLayer'; readonly baseLayerIdentity: PolicyReferenceMatch }
    | {
        readonly type: 'signedBy';
        readonly keyType: SignedByKeyType;
        readonly keyPath?: string;
        readonly keyPaths?: readonly string[];
        readonly keyData?: Uint8Array;
        readonly signedIdentity: PolicyReferenceMatch;
      }
    | {
        readonly type: 'sigstoreSigned';
        readonly keyPath?: string;
        readonly keyPaths?: readonly string[];
        readonly keyData?: Uint8Array;
        /** A `null` element is kept as an empty array (c/image accepts it, it fails at evaluation). */
        readonly keyDatas?: readonly Uint8Array[];
        readonly fulcio?: FulcioOptions;
        readonly pki?: PKIOptions;
        readonly rekorPublicKeyPath?: string;
        readonly rekorPublicKeyPaths?: readonly string[];
        readonly rekorPublicKeyData?: Uint8Array;
        readonly rekorPublicKeyDatas?: readonly Uint8Array[];
        readonly signedIdentity: PolicyReferenceMatch;
      }
  );

export type SignedByRequirement = Extract<PolicyRequirement, { type: 'signedBy' }>;
export type SigstoreSignedRequirement = Extract<PolicyRequirement, { type: 'sigstoreSigned' }>;

export type PolicyRequirements = readonly PolicyRequirement[];

export interface Policy {
  readonly default: PolicyRequirements;
  /** transport name → scope → requirements, in document order. */
  readonly transports: ReadonlyMap<string, ReadonlyMap<string, PolicyRequirements>>;
  /** The file it was read from, when it was read from a file. */
  readonly path?: string;
}
