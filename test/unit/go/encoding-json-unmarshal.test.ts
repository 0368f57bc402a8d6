import { describe, expect, test } from '@jest/globals';
import { GoSlice, GoStruct, goUnmarshal, sliceOf, str, stringMapOf, type GoStructType } from '../../../src/go/encoding/json/unmarshal.js';
import { OCI1, OCI1_INDEX } from '../../../src/manifest/index.js';
import { GO_TIME, GoTime } from '../../../src/go/time.js';

/**
 * Go's json.Unmarshal into c/image's structs, row by row. Each row's expectation is what Go 1.24 does (the
 * crafted-documents conformance suite checks the same rules against skopeo 1.18 end to end).
 */
const enc = (s: string) => new TextEncoder().encode(s);
const layerTypes = (doc: string) => (sliceOf(goUnmarshal(enc(doc), OCI1).value, 'layers') ?? []).map((l) => str(l, 'mediaType'));

describe('member selection, repetition and merging', () => {
  test.each([
    ['exact name', '{"layers":[{"mediaType":"a"}]}', ['a']],
    ['upper case selects the field', '{"LAYERS":[{"mediaType":"a"}]}', ['a']],
    ['the last occurrence wins', '{"layers":[{"mediaType":"a"}],"Layers":[]}', []],
    ['U+017F folds to s', '{"layers":[{"mediaType":"a"}],"layerſ":[]}', []],
    ['U+0130 does not fold to i', '{"layers":[{"mediaType":"a"}],"layİrs":[]}', ['a']],
    ['null resets a slice', '{"layers":[{"mediaType":"a"}],"layers":null}', []],
    ['a repeated array decodes into the earlier elements', '{"layers":[{"mediaType":"a","digest":"d"}],"layers":[{"digest":"e"}]}', ['a']],
    ['stale backing-array elements are reused', '{"layers":[{"mediaType":"a"},{"mediaType":"b"}],"layers":[{}],"layers":[{},{}]}', ['a', 'b']],
    ['an empty array makes a fresh slice', '{"layers":[{"mediaType":"a"}],"layers":[],"layers":[{}]}', ['']],
    ['null leaves a string alone', '{"layers":[{"mediaType":"a","mediaType":null}]}', ['a']],
    ['an escaped member name is unescaped first', '{"lay\\u0065rs":[{"mediaType":"a"}]}', ['a']],
  ])('%s', (_name, doc, expected) => {
    expect(layerTypes(doc)).toEqual(expected);
  });

  test('maps merge across occurrences; within one object the last key wins', () => {
    const r = goUnmarshal(enc('{"layers":[{"annotations":{"k":"1","k":"2"},"Annotations":{"x":"y"}}]}'), OCI1);
    expect(Object.fromEntries(stringMapOf(sliceOf(r.value, 'layers')![0], 'annotations')!)).toEqual({ k: '2', x: 'y' });
  });

  test('a pointer is decoded through: a later Platform merges into the first', () => {
    const r = goUnmarshal(enc('{"manifests":[{"platform":{"os":"linux","architecture":"arm64"},"Platform":{"architecture":"amd64"}}]}'), OCI1_INDEX);
    const p = (sliceOf(r.value, 'manifests')![0] as GoStruct).f['platform'];
    expect([str(p, 'os'), str(p, 'architecture')]).toEqual(['linux', 'amd64']);
  });
});

describe("type errors: Go 1.24's text, the first one wins, embedded structs named", () => {
  test.each([
    ['{"layers":"x"}', 'json: cannot unmarshal string into Go struct field OCI1.Manifest.layers of type []v1.Descriptor'],
    ['{"layers":["x"]}', 'json: cannot unmarshal string into Go struct field OCI1.Manifest.layers of type v1.Descriptor'],
    ['{"schemaVersion":2.0}', 'json: cannot unmarshal number 2.0 into Go struct field OCI1.Manifest.Versioned.schemaVersion of type int'],
    ['{"layers":[{"annotations":{"a":1}}]}', 'json: cannot unmarshal number into Go struct field Descriptor.Manifest.layers.annotations of type string'],
    ['{"layers":[{"size":"1"}],"config":5}', 'json: cannot unmarshal string into Go struct field Descriptor.Manifest.layers.size of type int64'],
    ['{"layers":[{"data":"!!"}]}', 'illegal base64 data at input byte 0'],
    ['[]', 'json: cannot unmarshal array into Go value of type manifest.OCI1'],
    ['{"layers":[]} x', "invalid character 'x' after top-level value"],
  ])('%s', (doc, message) => {
    expect(goUnmarshal(enc(doc), OCI1).error?.message).toBe(message);
  });

  test('a []byte takes standard base64 with CR/LF skipped, or an array of numbers', () => {
    const shape: GoStructType = { k: 'struct', name: 'T', typeName: 'x.T', fields: [{ json: 'b', type: { k: 'bytes' } }] };
    const bytes = (doc: string) => Buffer.from((goUnmarshal(enc(doc), shape).value as GoStruct).f['b'] as Uint8Array).toString();
    expect(bytes('{"b":"aGVs\\nbG8="}')).toBe('hello');
    expect(bytes('{"b":[104,105]}')).toBe('hi');
    expect(goUnmarshal(enc('{"b":"aGVsbG8"}'), shape).error?.message).toBe('illegal base64 data at input byte 4');
  });

  test('slices are GoSlice values with their length', () => {
    const v = (goUnmarshal(enc('{"layers":[{},{}]}'), OCI1).value as GoStruct).f['layers'];
    expect(v instanceof GoSlice && v.len).toBe(2);
  });

  test('an array into []byte decodes into the old backing bytes: null keeps a byte, also one past the old length', () => {
    const shape: GoStructType = { k: 'struct', name: 'T', typeName: 'x.T', fields: [{ json: 'b', type: { k: 'bytes' } }] };
    const bytes = (doc: string) => [...((goUnmarshal(enc(doc), shape).value as GoStruct).f['b'] as Uint8Array)];
    expect(bytes('{"b":"AQID","b":[null,9]}')).toEqual([1, 9]);
    expect(bytes('{"b":[1,2,3],"b":[null],"b":[null,null,null]}')).toEqual([1, 2, 3]);
    expect(bytes('{"b":[1,2,3],"b":[],"b":[null,null]}')).toEqual([0, 0]);
    expect(goUnmarshal(enc('{"b":[1,"x",-1]}'), shape).error?.message).toBe('json: cannot unmarshal string into Go struct field T.b of type uint8');
    expect(goUnmarshal(enc('{"b":[256]}'), shape).error?.message).toBe('json: cannot unmarshal number 256 into Go struct field T.b of type uint8');
  });
});

describe('a json.Unmarshaler field (time.Time)', () => {
  const anon: GoStructType = { k: 'struct', name: '', typeName: 'struct { N int; T time.Time }', fields: [{ json: 'n', type: { k: 'int' } }, { json: 't', type: GO_TIME }] };
  const run = (doc: string) => goUnmarshal(enc(doc), anon);
  const t = (doc: string) => ((run(doc).value as GoStruct).f['t'] as GoTime).unixMilli();

  test('gets null (a no-op for time.Time) and strings; the zero value is year 1', () => {
    expect(t('{}')).toBe(GoTime.ZERO.unixMilli());
    expect(t('{"t":"2024-01-02T03:04:05.5+01:00","t":null}')).toBe(Date.parse('2024-01-02T02:04:05.5Z'));
  });

  test('its error ends decoding and wins over a type error remembered earlier', () => {
    const r = run('{"n":"x","t":5,"n":"y"}');
    expect(r.error?.message).toBe('Time.UnmarshalJSON: input is not a JSON string');
    expect(run('{"t":"2024-02-30T00:00:00Z","n":"x"}').error?.message).toBe('parsing time "2024-02-30T00:00:00Z": day out of range');
  });

  test('an anonymous struct: field errors name the empty struct, top-level ones the whole type', () => {
    expect(run('{"n":1.5}').error?.message).toBe('json: cannot unmarshal number 1.5 into Go struct field .n of type int');
    expect(run('{"n":9223372036854775808}').error?.message).toBe('json: cannot unmarshal number 9223372036854775808 into Go struct field .n of type int');
    expect(run('"x"').error?.message).toBe('json: cannot unmarshal string into Go value of type struct { N int; T time.Time }');
  });
});
