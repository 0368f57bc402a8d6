/** Go's url.URL.Redacted(), which every URL in a registry trace line or error message goes through. */
import { test, expect } from '@jest/globals';
import { redacted } from '../../../src/go/net/url.js';

test.each([
  ['https://user:pw@example.com/v2/', 'https://user:xxxxx@example.com/v2/'],
  ['https://user@example.com/v2/', 'https://user@example.com/v2/'],
  ['https://example.com/v2/?scope=a', 'https://example.com/v2/?scope=a'],
])('%s → %s', (input, want) => {
  expect(redacted(new URL(input))).toBe(want);
});
