import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import { describe, expect, test } from '@jest/globals';

import { parsePolicy } from '../../../src/policy/parse.js';
import { schemaErrors } from '../../../src/policy/schema-check.js';
import { CONTAINERS_IMAGE_FIXTURES, sharedPresent } from '../../helpers/shared.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const FIXTURE = join(CONTAINERS_IMAGE_FIXTURES, 'policy.json');

describe('policy JSON Schema', () => {
  test('the committed standalone validator is generated from the current schema', () => {
    // Exits non-zero (and the test fails) if src/policy/generated is stale: run `npm run schema`.
    const out = execFileSync(process.execPath, [join(root, 'scripts/compile-schema.mjs'), '--check'], { encoding: 'utf8' });
    expect(out).toContain('up to date');
  });

  test('the schema itself is valid JSON with additionalProperties: false on every object definition', () => {
    const schema = JSON.parse(readFileSync(join(root, 'schemas/policy.schema.json'), 'utf8')) as {
      definitions: Record<string, { type?: string; additionalProperties?: unknown; properties?: unknown }>;
    };
    for (const [name, def] of Object.entries(schema.definitions)) {
      if (def.type === 'object' && def.properties !== undefined && name !== 'requirement' && name !== 'identity') {
        expect([name, def.additionalProperties]).toEqual([name, false]);
      }
    }
  });

  test('the upstream fixture satisfies the schema', () => {
    if (!sharedPresent(FIXTURE, 'the containers/image policy.json fixture')) return;
    expect(schemaErrors(JSON.parse(readFileSync(FIXTURE, 'utf8')))).toEqual([]);
  });

  const rows: { name: string; doc: unknown; findings: { path: string; message: string }[] }[] = [
    { name: 'minimal', doc: { default: [{ type: 'reject' }] }, findings: [] },
    { name: 'missing default', doc: {}, findings: [{ path: '$', message: 'Key "default" missing' }] },
    {
      name: 'all unknown keys at once',
      doc: { default: [{ type: 'reject', keyPath: '/k' }], Transports: {} },
      findings: [
        { path: '$.Transports', message: 'Unknown key "Transports"' },
        { path: '$.default[0].keyPath', message: 'Unknown key "keyPath"' },
      ],
    },
    {
      name: 'signedBy with two sources',
      doc: { default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/a', keyPaths: ['/b'] }] },
      findings: [{ path: '$.default[0]', message: 'exactly one of keyPath, keyPaths and keyData must be specified' }],
    },
    {
      name: 'fulcio without Rekor',
      doc: { default: [{ type: 'sigstoreSigned', fulcio: { caPath: '/ca', oidcIssuer: 'i', subjectEmail: 'e' } }] },
      findings: [
        {
          path: '$.default[0]',
          message: 'At least one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas must be specified if fulcio is used',
        },
      ],
    },
    {
      name: 'invalid scopes for path and archive transports',
      doc: { default: [{ type: 'reject' }], transports: { dir: { rel: [{ type: 'reject' }] }, tarball: { '/x': [{ type: 'reject' }] } } },
      findings: [
        { path: '$.transports.dir.rel', message: 'Invalid scope "rel"' },
        { path: '$.transports.tarball["/x"]', message: 'Invalid scope "/x"' },
      ],
    },
    {
      name: 'identity with a stray key',
      doc: { default: [{ type: 'signedBy', keyType: 'GPGKeys', keyPath: '/k', signedIdentity: { type: 'matchExact', prefix: 'x' } }] },
      findings: [{ path: '$.default[0].signedIdentity.prefix', message: 'Unknown key "prefix"' }],
    },
  ];

  test.each(rows)('$name', ({ doc, findings }) => {
    expect(schemaErrors(doc)).toEqual(findings);
  });

  test('documents the parser accepts in ordinary form also satisfy the schema', () => {
    const docs = [
      '{"default": [{"type": "insecureAcceptAnything"}], "transports": {"docker": {"quay.io": [{"type": "sigstoreSigned", "keyPaths": ["/a", "/b"], "rekorPublicKeyPath": "/r", "signedIdentity": {"type": "remapIdentity", "prefix": "quay.io", "signedPrefix": "example.com"}}]}}}',
      '{"default": [{"type": "sigstoreSigned", "fulcio": {"caData": "YWJj", "oidcIssuer": "https://i", "subjectEmail": "a@b"}, "rekorPublicKeyDatas": ["YWJj"]}]}',
      '{"default": [{"type": "sigstoreSigned", "pki": {"caRootsPath": "/r", "caIntermediatesData": "YWJj", "subjectHostname": "h"}}]}',
      '{"default": [{"type": "signedBaseLayer", "baseLayerIdentity": {"type": "exactReference", "dockerReference": "busybox:latest"}}]}',
      '{"default": [{"type": "reject"}], "transports": {"atomic": {"registry.example.com/ns/stream:tag": [{"type": "reject"}]}, "containers-storage": {"[overlay@/var/lib/containers/storage]": [{"type": "reject"}]}}}',
    ];
    for (const doc of docs) {
      expect(() => parsePolicy(doc)).not.toThrow();
      expect(schemaErrors(JSON.parse(doc))).toEqual([]);
    }
  });
});
