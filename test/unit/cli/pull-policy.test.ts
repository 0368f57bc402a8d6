/** The pull policy the API server gives a container (SetDefaults_Container), one row per case. */
import { expect, test } from '@jest/globals';
import { effectivePullPolicy, reusesLocalCopy } from '../../../src/cli/pull-policy.js';
import { kubeletReference } from '../../../src/cli/findings/cache-bypass.js';

const D = 'sha256:' + 'a'.repeat(64);

test.each([
  ['explicit Always', 'reg/app:v1', 'Always', 'Always', 'explicit'],
  ['explicit IfNotPresent on :latest', 'reg/app:latest', 'IfNotPresent', 'IfNotPresent', 'explicit'],
  ['explicit Never', 'reg/app', 'Never', 'Never', 'explicit'],
  ['empty value is unset', 'reg/app:v1', '', 'IfNotPresent', 'default-tag'],
  ['default from :latest', 'reg/app:latest', undefined, 'Always', 'default-latest-tag'],
  ['default from no tag', 'nginx', undefined, 'Always', 'default-no-tag'],
  ['default from a version tag', 'nginx:1.27', undefined, 'IfNotPresent', 'default-tag'],
  ['default from a digest', `reg/app@${D}`, undefined, 'IfNotPresent', 'default-digest'],
  // ParseImageName keeps the tag of name:tag@digest, so :latest@digest defaults to Always.
  ['default from :latest@digest', `reg/app:latest@${D}`, undefined, 'Always', 'default-latest-tag'],
  ['default from :v1@digest', `reg/app:v1@${D}`, undefined, 'IfNotPresent', 'default-tag'],
  ['an unparsable reference has no tag', 'Reg/App:v1', undefined, 'IfNotPresent', 'default-unparsable'],
])('%s', (_name, image, explicit, policy, source) => {
  expect(effectivePullPolicy(image, explicit)).toMatchObject({ policy, source });
});

test('only IfNotPresent and Never start from a local copy', () => {
  expect(['Always', 'IfNotPresent', 'Never'].map(reusesLocalCopy)).toEqual([false, true, true]);
});

test("the kubelet's reference: :latest appended only when there is neither tag nor digest", () => {
  expect(kubeletReference('nginx')).toBe('nginx:latest');
  expect(kubeletReference('nginx:1.27')).toBe('nginx:1.27');
  expect(kubeletReference(`nginx@${D}`)).toBe(`nginx@${D}`);
});
