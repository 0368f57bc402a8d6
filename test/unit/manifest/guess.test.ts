import { describe, expect, test } from '@jest/globals';
import {
  DOCKER_LIST,
  DOCKER_SCHEMA1,
  DOCKER_SCHEMA1_SIGNED,
  DOCKER_SCHEMA2,
  OCI_INDEX,
  OCI_MANIFEST,
  guessMIMEType,
  normalizedMIMEType,
} from '../../../src/manifest/index.js';

/**
 * c/image manifest.GuessMIMEType, the one implementation (issue 16: dir: used to answer "OCI index" and docker ""
 * for a `manifests` array without mediaType; c/image answers OCI index only with schemaVersion 2 and no config type).
 */
const guess = (s: string) => guessMIMEType(new TextEncoder().encode(s));

describe('GuessMIMEType', () => {
  test.each([
    ['manifests without mediaType, schemaVersion 2', '{"schemaVersion":2,"manifests":[{"digest":"sha256:a"}]}', OCI_INDEX],
    ['manifests without mediaType nor schemaVersion', '{"manifests":[{"digest":"sha256:a"}]}', ''],
    ['empty manifests: most likely an OCI artifact', '{"schemaVersion":2,"manifests":[]}', OCI_MANIFEST],
    ['manifests and an OCI config type', '{"schemaVersion":2,"config":{"mediaType":"application/vnd.oci.image.config.v1+json"},"manifests":[{}]}', OCI_MANIFEST],
    ['manifests and another config type: that type (c/image FIXME)', '{"schemaVersion":2,"config":{"mediaType":"x/y"},"manifests":[{}]}', 'x/y'],
    ['a Docker config type', '{"schemaVersion":2,"config":{"mediaType":"application/vnd.docker.container.image.v1+json"}}', DOCKER_SCHEMA2],
    ['a manifests entry whose data is not base64: unmarshal error', '{"schemaVersion":2,"manifests":[{"data":"!"}]}', ''],
    ['a recognised mediaType wins', `{"schemaVersion":1,"signatures":[],"mediaType":"${DOCKER_LIST}"}`, DOCKER_LIST],
    ['an unknown mediaType does not', '{"schemaVersion":1,"mediaType":"x/y"}', DOCKER_SCHEMA1],
    ['schema 1 with signatures', '{"schemaVersion":1,"signatures":[]}', DOCKER_SCHEMA1_SIGNED],
    ['schema 1 with null signatures', '{"schemaVersion":1,"signatures":null}', DOCKER_SCHEMA1],
    ['case-insensitive members', '{"SchemaVersion":1,"SIGNATURES":{}}', DOCKER_SCHEMA1_SIGNED],
    ['schemaVersion 1.0 is not an int', '{"schemaVersion":1.0,"signatures":[]}', ''],
    ['a number too large for float64 in signatures', '{"schemaVersion":1,"signatures":[1e999]}', ''],
    ['schemaVersion 3', '{"schemaVersion":3}', ''],
    ['not JSON', 'nope', ''],
  ])('%s', (_name, doc, expected) => {
    expect(guess(doc)).toBe(expected);
  });

  test('NormalizedMIMEType: unknown types are tried as signed schema 1', () => {
    expect(['text/plain', '', 'application/json', OCI_MANIFEST].map(normalizedMIMEType)).toEqual([DOCKER_SCHEMA1_SIGNED, DOCKER_SCHEMA1_SIGNED, DOCKER_SCHEMA1_SIGNED, OCI_MANIFEST]);
  });
});
