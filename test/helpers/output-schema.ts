/**
 * Every `imgpolicy verify --output json` a test reads goes through here: parsed, and checked against the published
 * schemas/verify-output.schema.json, so that the schema users code against is the output they get.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv } from 'ajv';

const SCHEMA = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../schemas/verify-output.schema.json');

let validate: ReturnType<Ajv['compile']> | undefined;

/** The parsed document; throws with every schema violation when the output does not match the schema. */
export function parseVerifyJSON(stdout: string): any { // eslint-disable-line @typescript-eslint/no-explicit-any
  const doc: unknown = JSON.parse(stdout);
  validate ??= new Ajv({ allErrors: true, strict: false }).compile(JSON.parse(readFileSync(SCHEMA, 'utf8')) as object);
  if (!validate(doc)) {
    throw new Error(`verify --output json does not match schemas/verify-output.schema.json:\n${(validate.errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`).join('\n')}`);
  }
  return doc;
}
