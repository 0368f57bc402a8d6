/**
 * One image, one classification: JSON, JUnit, SARIF and the exit code all read ERROR_KINDS, so an image that
 * could not be read is `"class":"Error"` in JSON and `type="Error"` in JUnit (it used to be `ImageSourceError`
 * there), and a rejection carries CRI-O's `SignatureValidationFailed` only for PRE/ISE.
 */
import { describe, expect, test } from '@jest/globals';
import {
  ERROR_KINDS,
  EvaluationError,
  ImageSourceError,
  InvalidSignatureError,
  PolicyFormatError,
  PolicyRequirementError,
  UsageError,
  type ImgpolicyError,
} from '../../../../src/errors.js';
import { exitCodeForError } from '../../../../src/cli/exit-codes.js';
import { renderJSON } from '../../../../src/cli/output/json.js';
import { renderJUnit } from '../../../../src/cli/output/junit.js';
import { renderSARIF } from '../../../../src/cli/output/sarif.js';
import { verdictOf, type ImageReport } from '../../../../src/cli/output/result.js';

const rows: [ImgpolicyError, 'rejected' | 'error', number, string, string | undefined][] = [
  [new PolicyRequirementError('A signature was required, but no signature exists'), 'rejected', 1, 'PolicyRequirementError', 'SignatureValidationFailed'],
  [new InvalidSignatureError('cryptographic signature verification failed'), 'rejected', 1, 'InvalidSignatureError', 'SignatureValidationFailed'],
  [new EvaluationError('open /k.pub: no such file or directory'), 'rejected', 1, 'Error', undefined],
  [new ImageSourceError('manifest unknown'), 'error', 2, 'Error', undefined],
  [new PolicyFormatError('invalid policy in "/p.json": Unknown key "x"'), 'error', 3, 'InvalidPolicyFormatError', undefined],
  [new UsageError('Invalid source name docker://x: invalid reference format'), 'error', 3, 'Error', undefined],
];

describe('every output reads the one error table', () => {
  test('the table covers every kind once', () => {
    expect(Object.keys(ERROR_KINDS).sort()).toEqual(rows.map(([e]) => e.kind).sort());
  });
  test.each(rows)('%s', (error, verdict, exitCode, cls, reason) => {
    const report: ImageReport = { input: 'example.com/a:v1', error, exitCode: exitCodeForError(error) };
    expect(verdictOf(report)).toBe(verdict);
    expect(report.exitCode).toBe(exitCode);
    const json = JSON.parse(renderJSON([report])).results[0];
    expect(json.error.class).toBe(cls);
    expect(json.verdict).toBe(verdict);
    const junit = renderJUnit([report]);
    const tag = verdict === 'error' ? 'error' : 'failure';
    expect(junit).toMatch(new RegExp(`<${tag} message="[^"]*" type="${reason ?? cls}"`));
    const sarif = JSON.parse(renderSARIF([report], '0.0.0'));
    expect(sarif.runs[0].results[0].properties.errorClass).toBe(cls);
  });
});
