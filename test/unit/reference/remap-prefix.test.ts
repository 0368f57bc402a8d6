// remapIdentity prefix validation (containers/image TestValidateIdentityRemappingPrefix, plus spec §2.5).
import { describe, expect, test } from '@jest/globals';

import { isValidIdentityRemappingPrefix } from '../../../src/reference/index.js';

const HEX = '0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef';

const rows: { name: string; prefix: string; valid: boolean }[] = [
  { name: 'localhost', prefix: 'localhost', valid: true },
  { name: 'plain domain', prefix: 'example.com', valid: true },
  { name: 'domain with port', prefix: 'example.com:80', valid: true },
  { name: 'domain and repo', prefix: 'example.com/repo', valid: true },
  { name: 'deep repo with separators', prefix: 'example.com/ns1/ns2/ns3/repo.with.dots-dashes_underscores', valid: true },
  { name: 'deep repo with port', prefix: 'example.com:80/ns1/ns2/ns3/repo.with.dots-dashes_underscores', valid: true },
  { name: 'upper-case domain', prefix: 'UPPERCASE', valid: true },
  { name: 'quirk: shortname passes (never works)', prefix: 'shortname', valid: true },
  { name: 'quirk: ns/shortname passes (never works)', prefix: 'ns/shortname', valid: true },
  { name: 'docker.io/library', prefix: 'docker.io/library', valid: true },
  { name: 'empty', prefix: '', valid: false },
  { name: 'underscores are not a domain', prefix: 'repo_with_underscores', valid: false },
  { name: 'trailing slash after host', prefix: 'example.com/', valid: false },
  { name: 'upper-case repository', prefix: 'example.com/UPPERCASEISINVALID', valid: false },
  { name: 'trailing slash after repo', prefix: 'example.com/repo/', valid: false },
  { name: 'tag', prefix: 'example.com/repo:tag', valid: false },
  { name: 'digest', prefix: `example.com/repo@sha256:${HEX}`, valid: false },
  { name: 'tag and digest', prefix: `example.com/repo:tag@sha256:${HEX}`, valid: false },
  { name: 'IPv6 literal', prefix: '[::1]:5000', valid: false },
];

describe('isValidIdentityRemappingPrefix', () => {
  test.each(rows)('$name: $prefix', (row) => {
    expect(isValidIdentityRemappingPrefix(row.prefix)).toBe(row.valid);
  });
});
