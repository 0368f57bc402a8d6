/**
 * Which node copy serves which container (findCacheBypass over verdicts as the batch produces them): references are
 * compared as the runtime resolves them, so spellings of one docker.io image match and other tags do not.
 */
import { expect, test } from '@jest/globals';
import { findCacheBypass } from '../../../src/cli/findings/cache-bypass.js';
import type { ImageOccurrence } from '../../../src/cli/k8s/manifests.js';
import type { ImageReport } from '../../../src/cli/output/result.js';
import { PolicyRequirementError } from '../../../src/errors.js';

const D = 'sha256:' + 'b'.repeat(64);

function report(image: string, namespace: string, allowed: boolean, policyPath: string, pullPolicy?: string): ImageReport {
  const occurrence: ImageOccurrence = {
    image, file: `${namespace}.yaml`, absFile: `/${namespace}.yaml`, document: 0, line: 7, column: 14, kind: 'Pod', name: 'p', namespace,
    field: 'containers', container: 'c', path: 'spec.containers[0].image', range: [0, 1], style: 'plain',
    ...(pullPolicy ? { imagePullPolicy: pullPolicy } : {}),
  };
  return {
    input: image, namespace, policyPath, occurrences: [occurrence], manifestDigest: D, exitCode: allowed ? 0 : 1,
    ...(allowed ? { result: { allowed: true } as ImageReport['result'] } : { error: new PolicyRequirementError('Running image … is rejected by policy.') }),
  };
}

test.each([
  ['short name and its docker.io spelling are one image', 'nginx:1.27', 'docker.io/library/nginx:1.27', 1],
  ['another tag of the same content is another image', 'nginx:1.27', 'nginx:1.27.0', 0],
  ['a digest reference finds a copy pulled by tag', 'nginx:1.27', `docker.io/library/nginx@${D}`, 1],
  ['a tag reference does not find a copy pulled by digest', `nginx@${D}`, 'nginx:1.27', 0],
  ['another repository is another image', 'nginx:1.27', 'nginx-unprivileged:1.27', 0],
])('%s', (_n, allowedImage, rejectedImage, count) => {
  const found = findCacheBypass([report(allowedImage, 'dev', true, '/p/dev.json'), report(rejectedImage, 'prod', false, '/p/prod.json')], 'default');
  expect(found).toHaveLength(count);
});

test('one policy file on both sides is not reported: the finding compares namespace policies', () => {
  expect(findCacheBypass([report('nginx:1.27', 'a', true, '/g.json'), report(`nginx@${D}`, 'b', false, '/g.json')], 'default')).toEqual([]);
});
