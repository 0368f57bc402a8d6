import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { describe, expect, test } from '@jest/globals';

import { EvaluationError, PolicyFormatError } from '../../../src/errors.js';
import { defaultPolicyPath, loadPolicyFile, parsePolicy } from '../../../src/policy/parse.js';
import type { Policy } from '../../../src/policy/types.js';
import { CONTAINERS_IMAGE_FIXTURES, sharedPresent } from '../../helpers/shared.js';

/** A policy whose only default requirement is `req` (written on line 3, starting at column 5). */
const withDefault = (req: string): string => `{\n  "default": [\n    ${req}\n  ]\n}`;
/** A policy with a docker scope holding `req` (line 5, column 7 onwards). */
const withTransports = (transports: string): string =>
  `{\n  "default": [{"type": "reject"}],\n  "transports": ${transports}\n}`;

interface Bad {
  name: string;
  doc: string | Uint8Array;
  message: string;
  /** `line:column` of the offending value. */
  at: string;
  path: string;
}

/** containers/image 5.34 messages, verbatim (spec §2); positions are ours. */
const invalid: Bad[] = [
  // --- syntax (Go encoding/json) ---
  { name: 'empty file', doc: '', message: 'unexpected end of JSON input', at: '1:1', path: '$' },
  { name: 'trailing comma', doc: '{"default": [{"type": "reject"}],}', message: "invalid character '}' looking for beginning of object key string", at: '1:34', path: '$' },
  { name: 'garbage after the object', doc: '{"default": [{"type": "reject"}]} x', message: "invalid character 'x' after top-level value", at: '1:35', path: '$' },
  { name: 'UTF-8 BOM', doc: '\ufeff{"default": [{"type": "reject"}]}', message: "invalid character 'ï' looking for beginning of value", at: '1:1', path: '$' },
  { name: 'syntax error wins over a semantic one before it', doc: '{"Default": 1, "x": }', message: "invalid character '}' looking for beginning of value", at: '1:21', path: '$.x' },
  // --- top level ---
  { name: 'array instead of object', doc: '[]', message: 'JSON object expected, got 91', at: '1:1', path: '$' },
  { name: 'null document', doc: 'null', message: 'JSON object expected, got <nil>', at: '1:1', path: '$' },
  { name: 'string document', doc: '"text"', message: 'JSON object expected, got "text"', at: '1:1', path: '$' },
  { name: 'number document', doc: '1', message: 'JSON object expected, got 1', at: '1:1', path: '$' },
  { name: 'empty object', doc: '{}', message: 'Default policy is missing', at: '1:1', path: '$' },
  { name: 'keys are case-sensitive', doc: '{"Default": [{"type": "reject"}]}', message: 'Unknown key "Default"', at: '1:2', path: '$.Default' },
  { name: 'duplicate default', doc: '{"default": [{"type": "reject"}],\n "default": [{"type": "insecureAcceptAnything"}]}', message: 'Duplicate key "default"', at: '2:2', path: '$.default' },
  { name: 'empty default', doc: '{"default": []}', message: 'List of verification policy requirements must not be empty', at: '1:13', path: '$.default' },
  { name: 'null default', doc: '{"default": null}', message: 'List of verification policy requirements must not be empty', at: '1:13', path: '$.default' },
  { name: 'default is an object', doc: '{"default": {}}', message: 'json: cannot unmarshal object into Go value of type []json.RawMessage', at: '1:13', path: '$.default' },
  { name: 'default is a string', doc: '{"default": "reject"}', message: 'json: cannot unmarshal string into Go value of type []json.RawMessage', at: '1:13', path: '$.default' },
  // --- requirement dispatch ---
  { name: 'requirement without type', doc: withDefault('{}'), message: 'Unknown policy requirement type ""', at: '3:5', path: '$.default[0]' },
  { name: 'null requirement', doc: withDefault('null'), message: 'Unknown policy requirement type ""', at: '3:5', path: '$.default[0]' },
  { name: 'type is case-sensitive', doc: withDefault('{"type": "Reject"}'), message: 'Unknown policy requirement type "Reject"', at: '3:14', path: '$.default[0].type' },
  { name: 'key found leniently, refused strictly', doc: withDefault('{"TYPE": "reject"}'), message: 'Unknown key "TYPE"', at: '3:6', path: '$.default[0].TYPE' },
  { name: 'requirement is a number', doc: withDefault('1'), message: 'json: cannot unmarshal number into Go value of type signature.prCommon', at: '3:5', path: '$.default[0]' },
  { name: 'requirement type is a number', doc: withDefault('{"type": 1}'), message: 'json: cannot unmarshal number into Go struct field prCommon.type of type signature.prTypeIdentifier', at: '3:14', path: '$.default[0].type' },
  { name: 'extra key on reject', doc: withDefault('{"type": "reject", "keyPath": "/k"}'), message: 'Unknown key "keyPath"', at: '3:24', path: '$.default[0].keyPath' },
  { name: 'duplicate type', doc: withDefault('{"type": "reject", "type": "reject"}'), message: 'Duplicate key "type"', at: '3:24', path: '$.default[0].type' },
  { name: 'second requirement fails', doc: withDefault('{"type": "insecureAcceptAnything"}, {"type": "nope"}'), message: 'Unknown policy requirement type "nope"', at: '3:50', path: '$.default[1].type' },
  // --- signedBy ---
  { name: 'signedBy without any key', doc: withDefault('{"type": "signedBy"}'), message: 'Exactly one of keyPath, keyPaths and keyData must be specified, none of them present', at: '3:5', path: '$.default[0]' },
  { name: 'signedBy without keyType', doc: withDefault('{"type": "signedBy", "keyPath": "/a"}'), message: 'invalid keyType ""', at: '3:5', path: '$.default[0]' },
  { name: 'signedBy with an empty keyPath', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": ""}'), message: 'exactly one of keyPath, keyPaths and keyData must be specified', at: '3:5', path: '$.default[0]' },
  { name: 'signedBy with null keyPaths', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPaths": null}'), message: 'exactly one of keyPath, keyPaths and keyData must be specified', at: '3:5', path: '$.default[0]' },
  { name: 'signedBy with two key sources', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "keyData": ""}'), message: 'Exactly one of keyPath, keyPaths and keyData must be specified, more than one present', at: '3:5', path: '$.default[0]' },
  { name: 'two sources win over a missing keyType', doc: withDefault('{"type": "signedBy", "keyPath": "", "keyPaths": null}'), message: 'Exactly one of keyPath, keyPaths and keyData must be specified, more than one present', at: '3:5', path: '$.default[0]' },
  { name: 'keyType with wrong case', doc: withDefault('{"type": "signedBy", "keyType": "gpgKeys", "keyPath": "/a"}'), message: 'Unrecognized keyType value "gpgKeys"', at: '3:37', path: '$.default[0].keyType' },
  { name: 'null keyType', doc: withDefault('{"type": "signedBy", "keyType": null, "keyPath": "/a"}'), message: 'Unrecognized keyType value ""', at: '3:37', path: '$.default[0].keyType' },
  { name: 'keyType is a number', doc: withDefault('{"type": "signedBy", "keyType": 1, "keyPath": "/a"}'), message: 'json: cannot unmarshal number into Go value of type string', at: '3:37', path: '$.default[0].keyType' },
  { name: 'keyPath is a number', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": 1}'), message: 'json: cannot unmarshal number into Go value of type string', at: '3:59', path: '$.default[0].keyPath' },
  { name: 'keyPaths is a string', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPaths": "/a"}'), message: 'json: cannot unmarshal string into Go value of type []string', at: '3:60', path: '$.default[0].keyPaths' },
  { name: 'keyPaths element is a bool', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPaths": ["/a", true]}'), message: 'json: cannot unmarshal bool into Go value of type string', at: '3:67', path: '$.default[0].keyPaths[1]' },
  { name: 'keyData is a number', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyData": 1}'), message: 'json: cannot unmarshal number into Go value of type []uint8', at: '3:59', path: '$.default[0].keyData' },
  { name: 'keyData without padding', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyData": "abc"}'), message: 'illegal base64 data at input byte 0', at: '3:59', path: '$.default[0].keyData' },
  { name: 'keyData in URL-safe alphabet', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyData": "YW-_"}'), message: 'illegal base64 data at input byte 2', at: '3:59', path: '$.default[0].keyData' },
  { name: 'keyData with a space', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyData": "YW Jj"}'), message: 'illegal base64 data at input byte 2', at: '3:59', path: '$.default[0].keyData' },
  { name: 'keyData with data after padding', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyData": "YQ==YQ=="}'), message: 'illegal base64 data at input byte 4', at: '3:59', path: '$.default[0].keyData' },
  { name: 'keyData as an array of too-large numbers', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyData": [1, 256]}'), message: 'json: cannot unmarshal number 256 into Go value of type uint8', at: '3:63', path: '$.default[0].keyData[1]' },
  { name: 'identity errors come before key errors', doc: withDefault('{"type": "signedBy", "signedIdentity": {"type": "matchExact", "x": 1}}'), message: 'Unknown key "x"', at: '3:67', path: '$.default[0].signedIdentity.x' },
  // --- identities ---
  { name: 'null signedIdentity', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "signedIdentity": null}'), message: 'Unknown policy reference match type ""', at: '3:83', path: '$.default[0].signedIdentity' },
  { name: 'signedIdentity as a string', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "signedIdentity": "matchExact"}'), message: 'json: cannot unmarshal string into Go value of type signature.prmCommon', at: '3:83', path: '$.default[0].signedIdentity' },
  { name: 'unknown identity type', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "signedIdentity": {"type": "matchAnything"}}'), message: 'Unknown policy reference match type "matchAnything"', at: '3:92', path: '$.default[0].signedIdentity.type' },
  { name: 'identity type is a bool', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "signedIdentity": {"type": true}}'), message: 'json: cannot unmarshal bool into Go struct field prmCommon.type of type signature.prmTypeIdentifier', at: '3:92', path: '$.default[0].signedIdentity.type' },
  { name: 'exactReference upper case', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "signedIdentity": {"type": "exactReference", "dockerReference": "Busybox:latest"}}'), message: 'Invalid format of dockerReference "Busybox:latest": invalid reference format: repository name must be lowercase', at: '3:129', path: '$.default[0].signedIdentity.dockerReference' },
  { name: 'exactReference without tag', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "signedIdentity": {"type": "exactReference", "dockerReference": "busybox"}}'), message: 'dockerReference "busybox" contains neither a tag nor digest', at: '3:129', path: '$.default[0].signedIdentity.dockerReference' },
  { name: 'exactReference empty', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "signedIdentity": {"type": "exactReference", "dockerReference": ""}}'), message: 'Invalid format of dockerReference "": invalid reference format', at: '3:129', path: '$.default[0].signedIdentity.dockerReference' },
  { name: 'exactReference missing', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "signedIdentity": {"type": "exactReference"}}'), message: 'Key "dockerReference" missing in a JSON object', at: '3:83', path: '$.default[0].signedIdentity' },
  { name: 'exactRepository invalid', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "signedIdentity": {"type": "exactRepository", "dockerRepository": "a/B"}}'), message: 'Invalid format of dockerRepository "a/B": invalid reference format: repository name must be lowercase', at: '3:131', path: '$.default[0].signedIdentity.dockerRepository' },
  { name: 'remapIdentity prefix with trailing slash', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "signedIdentity": {"type": "remapIdentity", "prefix": "example.com/", "signedPrefix": "example.net"}}'), message: 'prefix "example.com/" is not valid', at: '3:119', path: '$.default[0].signedIdentity.prefix' },
  { name: 'remapIdentity signedPrefix with a tag', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "signedIdentity": {"type": "remapIdentity", "prefix": "example.com", "signedPrefix": "example.net/a:b"}}'), message: 'prefix "example.net/a:b" is not valid', at: '3:150', path: '$.default[0].signedIdentity.signedPrefix' },
  { name: 'remapIdentity missing signedPrefix', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/a", "signedIdentity": {"type": "remapIdentity", "prefix": "example.com"}}'), message: 'Key "signedPrefix" missing in a JSON object', at: '3:83', path: '$.default[0].signedIdentity' },
  // --- signedBaseLayer ---
  { name: 'signedBaseLayer without identity', doc: withDefault('{"type": "signedBaseLayer"}'), message: 'Key "baseLayerIdentity" missing in a JSON object', at: '3:5', path: '$.default[0]' },
  { name: 'signedBaseLayer with null identity', doc: withDefault('{"type": "signedBaseLayer", "baseLayerIdentity": null}'), message: 'Unknown policy reference match type ""', at: '3:54', path: '$.default[0].baseLayerIdentity' },
  // --- sigstoreSigned ---
  { name: 'sigstoreSigned has no keyType', doc: withDefault('{"type": "sigstoreSigned", "keyType": "GPGKeys", "keyPath": "/a"}'), message: 'Unknown key "keyType"', at: '3:32', path: '$.default[0].keyType' },
  { name: 'sigstoreSigned without key source', doc: withDefault('{"type": "sigstoreSigned"}'), message: 'exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified', at: '3:5', path: '$.default[0]' },
  { name: 'sigstoreSigned with two key sources', doc: withDefault('{"type": "sigstoreSigned", "keyPath": "/a", "keyData": ""}'), message: 'exactly one of keyPath, keyPaths, keyData, keyDatas, fulcio, and pki must be specified', at: '3:5', path: '$.default[0]' },
  { name: 'empty keyPaths', doc: withDefault('{"type": "sigstoreSigned", "keyPaths": []}'), message: '"keyPaths" contains no entries', at: '3:44', path: '$.default[0].keyPaths' },
  { name: 'null keyDatas', doc: withDefault('{"type": "sigstoreSigned", "keyDatas": null}'), message: '"keyDatas" contains no entries', at: '3:44', path: '$.default[0].keyDatas' },
  { name: 'empty rekorPublicKeyPaths (sic casing)', doc: withDefault('{"type": "sigstoreSigned", "keyPath": "/a", "rekorPublicKeyPaths": []}'), message: '"rekorPublickeyPaths" contains no entries', at: '3:72', path: '$.default[0].rekorPublicKeyPaths' },
  { name: 'empty rekorPublicKeyDatas (sic casing)', doc: withDefault('{"type": "sigstoreSigned", "keyPath": "/a", "rekorPublicKeyDatas": null}'), message: '"rekorPublickeyDatas" contains no entries', at: '3:72', path: '$.default[0].rekorPublicKeyDatas' },
  { name: 'empty-list checks run in upstream order', doc: withDefault('{"type": "sigstoreSigned", "rekorPublicKeyPaths": [], "keyDatas": []}'), message: '"keyDatas" contains no entries', at: '3:71', path: '$.default[0].keyDatas' },
  { name: 'keyDatas element not base64', doc: withDefault('{"type": "sigstoreSigned", "keyDatas": ["YWJj", "abc"]}'), message: 'illegal base64 data at input byte 0', at: '3:53', path: '$.default[0].keyDatas[1]' },
  { name: 'two Rekor sources', doc: withDefault('{"type": "sigstoreSigned", "keyPath": "/a", "rekorPublicKeyPath": "/r", "rekorPublicKeyData": ""}'), message: 'at most one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas can be used simultaneously', at: '3:5', path: '$.default[0]' },
  { name: 'fulcio without Rekor', doc: withDefault('{"type": "sigstoreSigned", "fulcio": {"caPath": "/ca", "oidcIssuer": "https://x", "subjectEmail": "a@b"}}'), message: 'At least one of rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas must be specified if fulcio is used', at: '3:5', path: '$.default[0]' },
  { name: 'pki with Rekor', doc: withDefault('{"type": "sigstoreSigned", "pki": {"caRootsPath": "/ca", "subjectEmail": "a@b"}, "rekorPublicKeyPath": "/r"}'), message: 'rekorPublickeyPath, rekorPublicKeyPaths, rekorPublickeyData and rekorPublicKeyDatas are not supported for pki', at: '3:5', path: '$.default[0]' },
  { name: 'null fulcio', doc: withDefault('{"type": "sigstoreSigned", "fulcio": null}'), message: 'JSON object expected, got <nil>', at: '3:42', path: '$.default[0].fulcio' },
  { name: 'fulcio with both CA sources', doc: withDefault('{"type": "sigstoreSigned", "fulcio": {"caPath": "/ca", "caData": "", "oidcIssuer": "i", "subjectEmail": "e"}}'), message: 'caPath and caData cannot be used simultaneously', at: '3:42', path: '$.default[0].fulcio' },
  { name: 'fulcio without CA', doc: withDefault('{"type": "sigstoreSigned", "fulcio": {"caPath": "", "oidcIssuer": "i", "subjectEmail": "e"}}'), message: 'At least one of caPath and caData must be specified', at: '3:42', path: '$.default[0].fulcio' },
  { name: 'fulcio without issuer', doc: withDefault('{"type": "sigstoreSigned", "fulcio": {"caPath": "/ca", "oidcIssuer": ""}}'), message: 'oidcIssuer not specified', at: '3:42', path: '$.default[0].fulcio' },
  { name: 'fulcio without email', doc: withDefault('{"type": "sigstoreSigned", "fulcio": {"caData": "", "oidcIssuer": "i"}}'), message: 'subjectEmail not specified', at: '3:42', path: '$.default[0].fulcio' },
  { name: 'fulcio unknown key', doc: withDefault('{"type": "sigstoreSigned", "fulcio": {"caPath": "/ca", "subjectemail": "e"}}'), message: 'Unknown key "subjectemail"', at: '3:60', path: '$.default[0].fulcio.subjectemail' },
  { name: 'pki with both root sources', doc: withDefault('{"type": "sigstoreSigned", "pki": {"caRootsPath": "/r", "caRootsData": ""}}'), message: 'caRootsPath and caRootsData cannot be used simultaneously', at: '3:39', path: '$.default[0].pki' },
  { name: 'pki without roots', doc: withDefault('{"type": "sigstoreSigned", "pki": {"subjectEmail": "e"}}'), message: 'At least one of caRootsPath and caRootsData must be specified', at: '3:39', path: '$.default[0].pki' },
  { name: 'pki with both intermediate sources', doc: withDefault('{"type": "sigstoreSigned", "pki": {"caRootsPath": "/r", "caIntermediatesPath": "/i", "caIntermediatesData": ""}}'), message: 'caIntermediatesPath and caIntermediatesData cannot be used simultaneously', at: '3:39', path: '$.default[0].pki' },
  { name: 'pki without subject', doc: withDefault('{"type": "sigstoreSigned", "pki": {"caRootsPath": "/r", "subjectEmail": "", "subjectHostname": ""}}'), message: 'At least one of subjectEmail, subjectHostname must be specified', at: '3:39', path: '$.default[0].pki' },
  // --- transports and scopes ---
  { name: 'null transports', doc: withTransports('null'), message: 'JSON object expected, got <nil>', at: '3:17', path: '$.transports' },
  { name: 'transports as an array', doc: withTransports('[]'), message: 'JSON object expected, got 91', at: '3:17', path: '$.transports' },
  { name: 'null transport section', doc: withTransports('{"docker": null}'), message: 'JSON object expected, got <nil>', at: '3:28', path: '$.transports.docker' },
  { name: 'relative dir scope', doc: withTransports('{"dir": {"relative/path": [{"type": "reject"}]}}'), message: 'Unknown key "relative/path"', at: '3:26', path: '$.transports.dir["relative/path"]' },
  { name: 'unclean dir scope', doc: withTransports('{"dir": {"/a/": [{"type": "reject"}]}}'), message: 'Unknown key "/a/"', at: '3:26', path: '$.transports.dir["/a/"]' },
  { name: 'docker-archive scope other than ""', doc: withTransports('{"docker-archive": {"/a.tar": [{"type": "reject"}]}}'), message: 'Unknown key "/a.tar"', at: '3:37', path: '$.transports["docker-archive"]["/a.tar"]' },
  { name: 'docker-daemon scope that is an image ID', doc: withTransports(`{"docker-daemon": {"sha256:${'a'.repeat(64)}": [{"type": "reject"}]}}`), message: `Unknown key "sha256:${'a'.repeat(64)}"`, at: '3:36', path: `$.transports["docker-daemon"]["sha256:${'a'.repeat(64)}"]` },
  { name: 'duplicate scope', doc: withTransports('{"docker": {"quay.io": [{"type": "reject"}], "quay.io": [{"type": "reject"}]}}'), message: 'Duplicate key "quay.io"', at: '3:62', path: '$.transports.docker["quay.io"]' },
  { name: 'duplicate invalid scope: duplicate wins', doc: withTransports('{"dir": {"x": [{"type": "reject"}], "x": []}}'), message: 'Unknown key "x"', at: '3:26', path: '$.transports.dir.x' },
  { name: 'empty scope list', doc: withTransports('{"docker": {"": []}}'), message: 'List of verification policy requirements must not be empty', at: '3:33', path: '$.transports.docker[""]' },
  { name: 'error inside a scope', doc: withTransports('{"docker": {\n    "quay.io/x": [{"type": "signedBy", "keyType": "GPGKeys", "keyPaths": "/k"}]\n  }}'), message: 'json: cannot unmarshal string into Go value of type []string', at: '4:74', path: '$.transports.docker["quay.io/x"][0].keyPaths' },
  { name: 'escaped key is compared unescaped', doc: '{"default": [{"type": "reject"}], "\\u0064efault": []}', message: 'Duplicate key "default"', at: '1:35', path: '$.default' },
];

function parseError(doc: string | Uint8Array): PolicyFormatError {
  try {
    parsePolicy(doc);
  } catch (e) {
    if (e instanceof PolicyFormatError) return e;
    throw e;
  }
  throw new Error('parsed without error');
}

describe('parsePolicy refuses what containers/image refuses, with its message', () => {
  test.each(invalid)('$name', ({ doc, message, at, path }) => {
    const e = parseError(doc);
    expect(e.message).toBe(message);
    expect(e.position).toBeDefined();
    expect(`${e.position!.line}:${e.position!.column}`).toBe(at);
    expect(e.position!.path).toBe(path);
  });

  test('every semantic position points at the start of a value or a key', () => {
    for (const { doc, at, message } of invalid) {
      if (typeof doc !== 'string' || /^(invalid character|unexpected end)/.test(message)) continue;
      const [line, column] = at.split(':').map(Number) as [number, number];
      const ch = [...doc.split('\n')[line - 1]!][column - 1];
      expect(`${message}: ${ch}`).toMatch(/: [{["tfn0-9-]$/);
    }
  });
});

interface Good {
  name: string;
  doc: string;
  check?: (p: Policy) => void;
}

const req0 = (p: Policy): Record<string, unknown> => p.default[0] as unknown as Record<string, unknown>;

const valid: Good[] = [
  { name: 'minimal', doc: '{"default": [{"type": "insecureAcceptAnything"}]}', check: (p) => expect(p.transports.size).toBe(0) },
  { name: 'whitespace and CRLF', doc: '\r\n {\r\n\t"default" : [ { "type" : "reject" } ] } \r\n', check: (p) => expect(p.default).toHaveLength(1) },
  { name: 'empty transports and empty transport section', doc: '{"default": [{"type": "reject"}], "transports": {"docker": {}}}', check: (p) => expect(p.transports.get('docker')?.size).toBe(0) },
  { name: 'unknown transport names are accepted', doc: '{"default": [{"type": "reject"}], "transports": {"nonexistent-transport": {"anything goes": [{"type": "reject"}]}}}', check: (p) => expect(p.transports.get('nonexistent-transport')?.has('anything goes')).toBe(true) },
  { name: 'docker accepts any scope string', doc: '{"default": [{"type": "reject"}], "transports": {"docker": {"bogus/Not Valid": [{"type": "reject"}], "": [{"type": "reject"}]}}}', check: (p) => expect([...p.transports.get('docker')!.keys()]).toEqual(['bogus/Not Valid', '']) },
  { name: 'base64 with \\r\\n inside is accepted', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyData": "YW\\r\\nJj"}'), check: (p) => expect(Buffer.from(req0(p)['keyData'] as Uint8Array).toString()).toBe('abc') },
  { name: 'empty keyData is present', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyData": ""}'), check: (p) => expect(req0(p)['keyData']).toEqual(new Uint8Array(0)) },
  { name: 'keyData as an array of bytes (Go []byte)', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyData": [97, 98, null]}'), check: (p) => expect(Array.from(req0(p)['keyData'] as Uint8Array)).toEqual([97, 98, 0]) },
  { name: 'non-zero trailing bits are tolerated', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyData": "YR=="}'), check: (p) => expect(Array.from(req0(p)['keyData'] as Uint8Array)).toEqual([0x61]) },
  { name: 'signedBy keyPaths [] parses (fails at evaluation)', doc: withDefault('{"type": "signedBy", "keyType": "X509Certificates", "keyPaths": []}'), check: (p) => expect(req0(p)).toMatchObject({ keyType: 'X509Certificates', keyPaths: [] }) },
  { name: 'default signedIdentity', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k"}'), check: (p) => expect(req0(p)).toMatchObject({ keyPath: '/k', signedIdentity: { type: 'matchRepoDigestOrExact' }, location: { path: '$.default[0]', line: 3, column: 5 } }) },
  { name: 'exactRepository accepts a tag', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k", "signedIdentity": {"type": "exactRepository", "dockerRepository": "busybox:latest"}}'), check: (p) => expect(req0(p)['signedIdentity']).toEqual({ type: 'exactRepository', dockerRepository: 'busybox:latest' }) },
  { name: 'remapIdentity', doc: withDefault('{"type": "signedBy", "keyType": "GPGKeys", "keyPath": "/k", "signedIdentity": {"type": "remapIdentity", "prefix": "docker.io/library", "signedPrefix": "localhost:5000"}}'), check: (p) => expect(req0(p)['signedIdentity']).toEqual({ type: 'remapIdentity', prefix: 'docker.io/library', signedPrefix: 'localhost:5000' }) },
  { name: 'sigstore keyPath "" does not count as a source', doc: withDefault('{"type": "sigstoreSigned", "keyPath": "", "keyData": "YWJj"}'), check: (p) => expect(req0(p)['keyPath']).toBeUndefined() },
  { name: 'sigstore keyDatas with a null element', doc: withDefault('{"type": "sigstoreSigned", "keyDatas": [null, "YWJj"]}'), check: (p) => expect((req0(p)['keyDatas'] as Uint8Array[]).map((b) => b.length)).toEqual([0, 3]) },
  { name: 'fulcio with an empty rekorPublicKeyData', doc: withDefault('{"type": "sigstoreSigned", "fulcio": {"caData": "", "oidcIssuer": "https://i", "subjectEmail": "a@b"}, "rekorPublicKeyData": ""}'), check: (p) => expect(req0(p)).toMatchObject({ fulcio: { oidcIssuer: 'https://i', subjectEmail: 'a@b' }, rekorPublicKeyData: new Uint8Array(0) }) },
  { name: 'pki with hostname only', doc: withDefault('{"type": "sigstoreSigned", "pki": {"caRootsData": "YWJj", "caIntermediatesPath": "/i", "subjectHostname": "h"}}'), check: (p) => expect(req0(p)['pki']).toEqual({ caRootsData: new Uint8Array([97, 98, 99]), caIntermediatesPath: '/i', subjectHostname: 'h' }) },
  { name: 'keys may be escaped', doc: '{"\\u0064efault": [{"t\\u0079pe": "reject"}]}', check: (p) => expect(p.default[0]!.type).toBe('reject') },
  { name: 'null string fields read as ""', doc: withDefault('{"type": "sigstoreSigned", "keyPath": null, "rekorPublicKeyPath": null, "keyPaths": ["/a"]}'), check: (p) => expect(req0(p)).toMatchObject({ keyPaths: ['/a'] }) },
  { name: 'every documented scope form for path transports', doc: '{"default": [{"type": "reject"}], "transports": {"dir": {"": [{"type": "reject"}], "/a/b": [{"type": "reject"}]}, "oci": {"/x": [{"type": "reject"}]}, "docker-archive": {"": [{"type": "reject"}]}, "atomic": {"registry.example.com/ns/stream:tag": [{"type": "reject"}]}, "ostree": {"anything": [{"type": "reject"}]}}}', check: (p) => expect(p.transports.size).toBe(5) },
];

describe('parsePolicy accepts what containers/image accepts', () => {
  test.each(valid)('$name', ({ doc, check }) => {
    const p = parsePolicy(doc);
    check?.(p);
  });

  test('raw bytes are read as Go reads them (invalid UTF-8 in a key becomes U+FFFD)', () => {
    const doc = Buffer.concat([Buffer.from('{"default": [{"type": "reject"}], "k'), Buffer.from([0xff]), Buffer.from('": 1}')]);
    expect(parseError(doc).message).toBe('Unknown key "k\ufffd"');
  });

  test('policy path is recorded, not used in messages', () => {
    expect(parsePolicy('{"default": [{"type": "reject"}]}', { path: '/p.json' }).path).toBe('/p.json');
    expect(parseError('{}').message).toBe('Default policy is missing');
  });
});

const FIXTURE = join(CONTAINERS_IMAGE_FIXTURES, 'policy.json');

describe('upstream fixture', () => {
  test('containers/image signature/fixtures/policy.json parses', () => {
    if (!sharedPresent(FIXTURE, 'the containers/image policy.json fixture')) return;
    const p = parsePolicy(readFileSync(FIXTURE));
    expect(p.default).toEqual([{ type: 'reject', location: { path: '$.default[0]', line: 3, column: 9 } }]);
    const docker = p.transports.get('docker')!;
    expect(docker.has('*.access.redhat.com')).toBe(true);
    expect(docker.has('bogus/key-data-example')).toBe(true);
    expect(docker.get('example.com/hardened')!.map((r) => r.type)).toEqual(['signedBy', 'signedBy', 'signedBaseLayer']);
    expect(Buffer.from((docker.get('bogus/key-data-example')![0] as { keyData: Uint8Array }).keyData).toString()).toBe('nonsense');
  });
});

describe('loadPolicyFile and defaultPolicyPath', () => {
  const dir = mkdtempSync(join(tmpdir(), 'imgpolicy-policy-'));

  test('parse errors are wrapped with the file name, keeping the position', async () => {
    const file = join(dir, 'bad.json');
    writeFileSync(file, '{\n  "default": []\n}');
    await expect(loadPolicyFile(file)).rejects.toMatchObject({
      message: `invalid policy in "${file}": List of verification policy requirements must not be empty`,
      position: { path: '$.default', line: 2, column: 14 },
    });
    await expect(loadPolicyFile(file)).rejects.toBeInstanceOf(PolicyFormatError);
  });

  test('read errors are Go-worded and not wrapped', async () => {
    await expect(loadPolicyFile(join(dir, 'missing.json'))).rejects.toThrow(`open ${join(dir, 'missing.json')}: no such file or directory`);
    await expect(loadPolicyFile(dir)).rejects.toThrow(`read ${dir}: is a directory`);
    await expect(loadPolicyFile(join(dir, 'missing.json'))).rejects.toBeInstanceOf(EvaluationError);
  });

  test('a good file loads with its path', async () => {
    const file = join(dir, 'good.json');
    writeFileSync(file, '{"default": [{"type": "insecureAcceptAnything"}]}');
    expect((await loadPolicyFile(file)).path).toBe(file);
  });

  test('defaultPolicyPath: user file, then system file, then an error naming both', async () => {
    const home = join(dir, 'home');
    const system = join(dir, 'etc-policy.json');
    const user = join(home, '.config/containers/policy.json');
    await expect(defaultPolicyPath({ homeDir: home, systemPath: system })).rejects.toThrow(
      `no policy.json file found at any of the following: "${user}", "${system}"`,
    );
    writeFileSync(system, '{}');
    expect(await defaultPolicyPath({ homeDir: home, systemPath: system })).toBe(system);
    mkdirSync(join(home, '.config/containers'), { recursive: true });
    writeFileSync(user, '{}');
    expect(await defaultPolicyPath({ homeDir: home, systemPath: system })).toBe(user);
    expect(await defaultPolicyPath({ env: { HOME: home }, systemPath: system })).toBe(user);
  });
});
