import { plainDetail } from './detail.js';
import { CACHE_BYPASS_RULE, findingsSARIFResults } from './findings.js';
import { errorClass, errorOf, kubeletReason, verdictOf, type ImageReport, type RunNotes } from './result.js';

/**
 * SARIF 2.1.0 (GitHub code scanning `upload-sarif`, GitLab, Azure DevOps): one result per place a rejected or
 * unevaluable image is used, located at the `image:` line of the manifest. Command-line images have no file, so
 * their results carry a logical location (the image) instead. Allowed images produce no result: code scanning
 * lists problems, and an empty `results` array is how SARIF says "none".
 */
export const SARIF_RULES = [
  {
    id: 'IMGPOLICY1',
    name: 'SignatureValidationFailed',
    shortDescription: { text: 'The image policy rejects this image (CRI-O/kubelet reason SignatureValidationFailed)' },
    fullDescription: {
      text: 'containers/image denied the image with a PolicyRequirementError or InvalidSignatureError; the node would not pull it and the pod would not start.',
    },
    defaultConfiguration: { level: 'error' },
    helpUri: 'https://github.com/containers/image/blob/main/docs/containers-policy.json.5.md',
  },
  {
    id: 'IMGPOLICY2',
    name: 'ImageRejected',
    shortDescription: { text: 'The image is rejected for a reason other than a signature verdict (e.g. a key file that cannot be read)' },
    fullDescription: { text: 'containers/image failed while evaluating the policy for this image; the pull would fail.' },
    defaultConfiguration: { level: 'error' },
  },
  {
    id: 'IMGPOLICY3',
    name: 'ImageNotEvaluated',
    shortDescription: { text: 'The image could not be evaluated (registry, network or file trouble); it is not allowed' },
    fullDescription: { text: 'The registry or image could not be read, so the policy could not be applied. Such an image is never treated as allowed.' },
    defaultConfiguration: { level: 'error' },
  },
] as const;

/** Manifest rules, after the cache-bypass finding's IMGPOLICY4 (rule indices follow the driver's `rules` order). */
const MANIFEST_RULES = [
  {
    id: 'IMGPOLICY5',
    name: 'ManifestNotRead',
    shortDescription: { text: 'A manifest, document or construct was not read (refused or unparsable); its images were not evaluated' },
    fullDescription: { text: 'imgpolicy refuses what kubectl could read differently; nothing it did not read is ever treated as allowed.' },
    defaultConfiguration: { level: 'error' },
  },
  {
    id: 'IMGPOLICY6',
    name: 'ManifestPlaceIgnored',
    shortDescription: { text: 'A container-like object in a document of an --ignore-kind kind was not evaluated' },
    defaultConfiguration: { level: 'warning' },
  },
] as const;

export function renderSARIF(reports: readonly ImageReport[], version: string, notes: RunNotes = { warnings: [] }): string {
  const results: unknown[] = [];
  const manifestRule = (i: 0 | 1) => ({ ruleId: MANIFEST_RULES[i].id, ruleIndex: SARIF_RULES.length + 1 + i });
  for (const p of notes.problems ?? []) {
    results.push({
      ...manifestRule(0),
      level: 'error',
      message: { text: p.message },
      locations: [{ physicalLocation: { artifactLocation: { uri: p.file.split('\\').join('/') }, region: { startLine: p.line, startColumn: p.column } } }],
      partialFingerprints: { manifestProblem: `${p.file}:${p.message}` },
    });
  }
  for (const w of notes.skippedDocuments ?? []) {
    results.push({ ...manifestRule(1), level: 'warning', message: { text: w }, locations: [{ logicalLocations: [{ name: 'imgpolicy', kind: 'resource' }] }] });
  }
  for (const r of reports) {
    const v = verdictOf(r);
    if (v === 'allowed') continue;
    const e = errorOf(r);
    const ruleIndex = v === 'error' ? 2 : kubeletReason(e) ? 0 : 1;
    const base = {
      ruleId: SARIF_RULES[ruleIndex].id,
      ruleIndex,
      level: 'error',
      message: { text: plainDetail(r) || v },
      properties: {
        image: r.input,
        verdict: v,
        ...(r.manifestDigest ? { manifestDigest: r.manifestDigest } : {}),
        ...(r.policyPath ? { policy: r.policyPath } : {}),
        ...(r.namespace !== undefined ? { namespace: r.namespace } : {}),
        ...(e ? { errorClass: errorClass(e) } : {}),
      },
      // Stable across runs, so code scanning tracks "the same problem" instead of opening a new alert each time.
      partialFingerprints: { imageReference: r.input },
    };
    const occ = r.occurrences ?? [];
    if (occ.length === 0) {
      results.push({ ...base, locations: [{ logicalLocations: [{ name: r.input, kind: 'resource' }] }] });
      continue;
    }
    for (const o of occ) {
      results.push({
        ...base,
        locations: [
          {
            physicalLocation: {
              artifactLocation: { uri: o.file.split('\\').join('/') },
              region: { startLine: o.line, startColumn: o.column },
            },
            logicalLocations: [{ name: `${o.kind}/${o.name}/${o.container}`, kind: 'resource' }],
          },
        ],
      });
    }
  }
  results.push(...findingsSARIFResults(notes, SARIF_RULES.length));
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'imgpolicy',
            version,
            informationUri: 'https://github.com/containers/image/blob/main/docs/containers-policy.json.5.md',
            rules: [...SARIF_RULES, CACHE_BYPASS_RULE, ...MANIFEST_RULES],
          },
        },
        results,
        invocations: [{ executionSuccessful: reports.every((r) => verdictOf(r) !== 'error') && (notes.problems ?? []).length === 0 }],
      },
    ],
  };
  return JSON.stringify(log, null, 2) + '\n';
}
