/**
 * Go 1.24's policiesValid (crypto/x509/verify.go; skopeo 1.18's Go): RFC 5280 §6.1 certificate-policy processing
 * as updated by RFC 9618 (a policy graph instead of a tree). Go 1.24 added it to chain building, so a chain whose
 * policies do not work out is dropped ("all candidate chains have invalid policies"). c/image passes no
 * CertificatePolicies and no inhibit flags: the user-initial-policy-set is anyPolicy, and only
 * `requireExplicitPolicy` / `inhibitPolicyMapping` / `inhibitAnyPolicy` in the chain itself can make it fail.
 * OIDs are compared by the hex of their DER contents, as Go compares `OID.der`.
 */
import { ANY_POLICY_DER, type Certificate } from './parser.js';

interface Node {
  readonly validPolicy: string;
  expectedPolicySet: string[];
  readonly parents: Set<Node>;
  readonly children: Set<Node>;
}

function newNode(valid: string, parents: readonly Node[]): Node {
  const n: Node = { validPolicy: valid, expectedPolicySet: [valid], parents: new Set(), children: new Set() };
  for (const p of parents) {
    p.children.add(n);
    n.parents.add(p);
  }
  return n;
}

class PolicyGraph {
  strata: Map<string, Node>[] = [new Map([[ANY_POLICY_DER, newNode(ANY_POLICY_DER, [])]])];
  parentIndex = new Map<string, Node[]>();
  depth = 0;

  insert(n: Node): void {
    this.strata[this.depth]!.set(n.validPolicy, n);
  }
  parentsWithExpected(expected: string): Node[] {
    return this.depth === 0 ? [] : (this.parentIndex.get(expected) ?? []);
  }
  parentWithAnyPolicy(): Node | undefined {
    return this.depth === 0 ? undefined : this.strata[this.depth - 1]!.get(ANY_POLICY_DER);
  }
  parents(): Node[] {
    return this.depth === 0 ? [] : [...this.strata[this.depth - 1]!.values()];
  }
  leaves(): Map<string, Node> {
    return this.strata[this.depth]!;
  }
  leafWithPolicy(p: string): Node | undefined {
    return this.strata[this.depth]!.get(p);
  }
  deleteLeaf(p: string): void {
    const n = this.strata[this.depth]!.get(p);
    if (!n) return;
    for (const q of n.parents) q.children.delete(n);
    for (const c of n.children) c.parents.delete(n);
    this.strata[this.depth]!.delete(p);
  }
  validPolicyNodes(): Node[] {
    const out: Node[] = [];
    for (let i = this.depth; i >= 0; i--) {
      for (const n of this.strata[i]!.values()) {
        if (n.validPolicy === ANY_POLICY_DER) continue;
        if (n.parents.size === 1 && [...n.parents][0]!.validPolicy === ANY_POLICY_DER) out.push(n);
      }
    }
    return out;
  }
  prune(): void {
    for (let i = this.depth - 1; i > 0; i--) {
      for (const n of [...this.strata[i]!.values()]) {
        if (n.children.size === 0) {
          for (const p of n.parents) p.children.delete(n);
          this.strata[i]!.delete(n.validPolicy);
        }
      }
    }
  }
  incrDepth(): void {
    this.parentIndex = new Map();
    for (const n of this.strata[this.depth]!.values()) {
      for (const e of n.expectedPolicySet) {
        const l = this.parentIndex.get(e) ?? [];
        l.push(n);
        this.parentIndex.set(e, l);
      }
    }
    this.depth++;
    this.strata.push(new Map());
  }
}

const bytesEq = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

/** Go policiesValid; `chain` is leaf first, trust anchor last. */
export function policiesValid(chain: readonly Certificate[]): boolean {
  if (chain.length === 1) return true;
  const n = chain.length - 1;
  let pg: PolicyGraph | undefined = new PolicyGraph();
  let inhibitAnyPolicy = n + 1;
  let explicitPolicy = n + 1;
  let policyMapping = n + 1;

  for (let i = n - 1; i >= 0; i--) {
    const cert = chain[i]!;
    const isSelfSigned = bytesEq(cert.rawIssuer, cert.rawSubject);
    if (cert.policies.length === 0) pg = undefined;
    if (explicitPolicy === 0 && !pg) return false;
    if (pg) {
      pg.incrDepth();
      const policies = new Set<string>();
      for (const policy of cert.policies) {
        policies.add(policy);
        if (policy === ANY_POLICY_DER) continue;
        let parents = pg.parentsWithExpected(policy);
        if (parents.length === 0) {
          const any = pg.parentWithAnyPolicy();
          if (any) parents = [any];
        }
        if (parents.length > 0) pg.insert(newNode(policy, parents));
      }
      if (policies.has(ANY_POLICY_DER) && (inhibitAnyPolicy > 0 || (n - i < n && isSelfSigned))) {
        const missing = new Map<string, Node[]>();
        const leaves = pg.leaves();
        for (const p of pg.parents()) {
          for (const expected of p.expectedPolicySet) {
            if (!leaves.has(expected)) {
              const l = missing.get(expected) ?? [];
              l.push(p);
              missing.set(expected, l);
            }
          }
        }
        for (const [oid, parents] of missing) pg.insert(newNode(oid, parents));
      }
      pg.prune();
      if (i !== 0 && cert.policyMappings.length > 0) {
        const mappings = new Map<string, string[]>();
        for (const m of cert.policyMappings) {
          if (policyMapping > 0) {
            if (m.issuerDomainPolicy === ANY_POLICY_DER || m.subjectDomainPolicy === ANY_POLICY_DER) return false;
            const l = mappings.get(m.issuerDomainPolicy) ?? [];
            l.push(m.subjectDomainPolicy);
            mappings.set(m.issuerDomainPolicy, l);
          } else {
            pg.deleteLeaf(m.issuerDomainPolicy);
            pg.prune();
          }
        }
        for (const [issuer, subjects] of mappings) {
          const matching = pg.leafWithPolicy(issuer);
          if (matching) matching.expectedPolicySet = subjects;
          else {
            const any = pg.leafWithPolicy(ANY_POLICY_DER);
            if (any) {
              const node = newNode(issuer, [any]);
              node.expectedPolicySet = subjects;
              pg.insert(node);
            }
          }
        }
      }
    }
    if (i !== 0) {
      if (!isSelfSigned) {
        if (explicitPolicy > 0) explicitPolicy--;
        if (policyMapping > 0) policyMapping--;
        if (inhibitAnyPolicy > 0) inhibitAnyPolicy--;
      }
      // Go: `(v > 0 || vZero) && v < current` — a negative value counts as absent.
      const lower = (v: number | undefined, current: number) => (v !== undefined && v >= 0 && v < current ? v : current);
      explicitPolicy = lower(cert.requireExplicitPolicy, explicitPolicy);
      policyMapping = lower(cert.inhibitPolicyMapping, policyMapping);
      inhibitAnyPolicy = lower(cert.inhibitAnyPolicy, inhibitAnyPolicy);
    }
  }
  if (explicitPolicy > 0) explicitPolicy--;
  if (chain[0]!.requireExplicitPolicy === 0) explicitPolicy = 0;
  let valid: Node[] = [];
  if (pg) {
    valid = pg.validPolicyNodes();
    const any = pg.leafWithPolicy(ANY_POLICY_DER);
    if (any) valid.push(any);
  }
  return !(explicitPolicy === 0 && valid.length === 0);
}
