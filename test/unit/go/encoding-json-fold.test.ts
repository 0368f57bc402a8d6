/**
 * encoding/json's member → field choice, shared by goUnmarshal and decodeLenient (the policy's first pass over
 * `type`, the Rekor hashedrekord body): exact first, then Unicode simple case folding — which is not toLowerCase.
 */
import { describe, expect, test } from '@jest/globals';
import { GoFieldNames, goFieldFor } from '../../../src/go/encoding/json/fold.js';
import { decodeLenient, LenientStruct, parseGoJSON } from '../../../src/go/encoding/json/decode.js';

describe('GoFieldNames', () => {
  test.each([
    ['exact', 'spec', 'spec'],
    ['ASCII case', 'SPEC', 'spec'],
    ['U+017F (long s) folds to s', 'ſpec', 'spec'],
    ['U+212A (Kelvin) folds to k', 'Kind', 'kind'],
    ['U+0130 does not fold to i', 'İd', undefined],
    ['unknown', 'other', undefined],
  ])('%s', (_name, key, field) => {
    expect(goFieldFor(['kind', 'spec', 'id'], key)).toBe(field);
  });

  test('an exact match beats an earlier folded one; otherwise the first folded field wins', () => {
    expect(new GoFieldNames(['Name', 'name']).lookup('name')).toBe(1);
    expect(new GoFieldNames(['Name', 'name']).lookup('NAME')).toBe(0);
  });
});

test('decodeLenient selects fields by the same rule (U+017F included)', () => {
  const { value } = decodeLenient(parseGoJSON('{"spec":"a","ſpec":"b"}'), { t: 'struct', goName: 'T', goType: 'x.T', fields: { spec: { t: 'string' } } });
  expect((value as LenientStruct).fields['spec']).toBe('b');
});
