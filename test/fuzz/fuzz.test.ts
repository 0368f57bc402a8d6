/**
 * The fuzz targets, briefly and with a fixed seed (the long run is `npx tsx scripts/fuzz.ts`, ≥ 1,000,000 inputs).
 * Each target must show no crash (an exception outside the module's documented error classes), no slow input and,
 * for the verifiers, no accepted mutation of a valid signature whose meaning changed.
 */
import { describe, test, expect } from '@jest/globals';
import { certificateTarget, chainTarget, gpgTarget, payloadTarget, policyTarget, referenceTarget, runTarget, setTarget, sigstoreTarget, type FuzzTarget } from './targets.js';

const SEED = 20261127;
const cases: [FuzzTarget<never>, number][] = [
  [referenceTarget as FuzzTarget<never>, 3000],
  [policyTarget as FuzzTarget<never>, 600],
  [payloadTarget as FuzzTarget<never>, 2000],
  [certificateTarget as FuzzTarget<never>, 1500],
  [chainTarget as FuzzTarget<never>, 1500],
  [setTarget as FuzzTarget<never>, 800],
  [sigstoreTarget as FuzzTarget<never>, 600],
  [gpgTarget as FuzzTarget<never>, 300],
];

describe('fuzz (seeded, short)', () => {
  test.each(cases.map(([t, n]) => [t.name, t, n] as const))('%s', async (_name, target, n) => {
    const s = await runTarget(target, n, SEED);
    expect(s.inputs).toBe(n);
    expect({ crashes: s.crashes, badAccepts: s.badAccepts, slow: s.slow, examples: s.examples.filter((e) => !e.startsWith('benign')) }).toEqual({ crashes: 0, badAccepts: 0, slow: 0, examples: [] });
  }, 60_000);
});
