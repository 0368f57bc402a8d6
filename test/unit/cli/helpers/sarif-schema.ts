/**
 * A subset of the OASIS SARIF 2.1.0 JSON schema (sarif-schema-2.1.0.json, errata 01), written from it by hand
 * because the full schema is not reachable from here and no npm package ships it (`@types/sarif` is types only).
 * Every definition keeps the official required members, enums, minimums, formats and `additionalProperties: false`
 * where the official schema has them; the members we never emit are left out (so emitting one fails the check —
 * extend this subset from the official schema before using a new member).
 */
const propertyBag = { type: 'object', properties: { tags: { type: 'array', uniqueItems: true, items: { type: 'string' } } }, additionalProperties: true };
const level = { enum: ['none', 'note', 'warning', 'error'] };
const message = {
  type: 'object',
  properties: { text: { type: 'string' }, markdown: { type: 'string' }, id: { type: 'string' }, arguments: { type: 'array', items: { type: 'string' } }, properties: { $ref: '#/definitions/propertyBag' } },
  additionalProperties: false,
  anyOf: [{ required: ['text'] }, { required: ['id'] }],
};

export const SARIF_2_1_0_SUBSET = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema (subset)',
  type: 'object',
  properties: {
    $schema: { type: 'string', format: 'uri' },
    version: { enum: ['2.1.0'] },
    runs: { type: ['array', 'null'], minItems: 0, uniqueItems: false, items: { $ref: '#/definitions/run' } },
    properties: { $ref: '#/definitions/propertyBag' },
  },
  required: ['version', 'runs'],
  additionalProperties: false,
  definitions: {
    propertyBag,
    message,
    multiformatMessageString: {
      type: 'object',
      properties: { text: { type: 'string' }, markdown: { type: 'string' }, properties: { $ref: '#/definitions/propertyBag' } },
      required: ['text'],
      additionalProperties: false,
    },
    run: {
      type: 'object',
      properties: {
        tool: { $ref: '#/definitions/tool' },
        invocations: { type: 'array', minItems: 0, uniqueItems: false, items: { $ref: '#/definitions/invocation' } },
        results: { type: ['array', 'null'], minItems: 0, uniqueItems: false, items: { $ref: '#/definitions/result' } },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      required: ['tool'],
      additionalProperties: false,
    },
    tool: {
      type: 'object',
      properties: { driver: { $ref: '#/definitions/toolComponent' }, properties: { $ref: '#/definitions/propertyBag' } },
      required: ['driver'],
      additionalProperties: false,
    },
    toolComponent: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        version: { type: 'string' },
        semanticVersion: { type: 'string' },
        informationUri: { type: 'string', format: 'uri' },
        rules: { type: 'array', minItems: 0, uniqueItems: true, items: { $ref: '#/definitions/reportingDescriptor' } },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      required: ['name'],
      additionalProperties: false,
    },
    reportingDescriptor: {
      type: 'object',
      properties: {
        id: { type: 'string' },
        name: { type: 'string' },
        shortDescription: { $ref: '#/definitions/multiformatMessageString' },
        fullDescription: { $ref: '#/definitions/multiformatMessageString' },
        defaultConfiguration: { $ref: '#/definitions/reportingConfiguration' },
        helpUri: { type: 'string', format: 'uri' },
        help: { $ref: '#/definitions/multiformatMessageString' },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      required: ['id'],
      additionalProperties: false,
    },
    reportingConfiguration: {
      type: 'object',
      properties: { enabled: { type: 'boolean' }, level, rank: { type: 'number', minimum: -1, maximum: 100 }, properties: { $ref: '#/definitions/propertyBag' } },
      additionalProperties: false,
    },
    invocation: {
      type: 'object',
      properties: { executionSuccessful: { type: 'boolean' }, exitCode: { type: 'integer' }, properties: { $ref: '#/definitions/propertyBag' } },
      required: ['executionSuccessful'],
      additionalProperties: false,
    },
    result: {
      type: 'object',
      properties: {
        ruleId: { type: 'string' },
        ruleIndex: { type: 'integer', minimum: -1 },
        kind: { enum: ['notApplicable', 'pass', 'fail', 'review', 'open', 'informational'] },
        level,
        message: { $ref: '#/definitions/message' },
        locations: { type: 'array', minItems: 0, uniqueItems: false, items: { $ref: '#/definitions/location' } },
        partialFingerprints: { type: 'object', additionalProperties: { type: 'string' } },
        fingerprints: { type: 'object', additionalProperties: { type: 'string' } },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      required: ['message'],
      additionalProperties: false,
    },
    location: {
      type: 'object',
      properties: {
        id: { type: 'integer', minimum: -1 },
        physicalLocation: { $ref: '#/definitions/physicalLocation' },
        logicalLocations: { type: 'array', minItems: 0, uniqueItems: true, items: { $ref: '#/definitions/logicalLocation' } },
        message: { $ref: '#/definitions/message' },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      additionalProperties: false,
    },
    physicalLocation: {
      type: 'object',
      properties: {
        artifactLocation: { $ref: '#/definitions/artifactLocation' },
        region: { $ref: '#/definitions/region' },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      anyOf: [{ required: ['artifactLocation'] }],
      additionalProperties: false,
    },
    artifactLocation: {
      type: 'object',
      properties: { uri: { type: 'string', format: 'uri-reference' }, uriBaseId: { type: 'string' }, index: { type: 'integer', minimum: -1 }, description: { $ref: '#/definitions/message' }, properties: { $ref: '#/definitions/propertyBag' } },
      additionalProperties: false,
    },
    region: {
      type: 'object',
      properties: {
        startLine: { type: 'integer', minimum: 1 },
        startColumn: { type: 'integer', minimum: 1 },
        endLine: { type: 'integer', minimum: 1 },
        endColumn: { type: 'integer', minimum: 1 },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      additionalProperties: false,
    },
    logicalLocation: {
      type: 'object',
      properties: {
        name: { type: 'string' },
        index: { type: 'integer', minimum: -1 },
        fullyQualifiedName: { type: 'string' },
        decoratedName: { type: 'string' },
        parentIndex: { type: 'integer', minimum: -1 },
        kind: { type: 'string' },
        properties: { $ref: '#/definitions/propertyBag' },
      },
      additionalProperties: false,
    },
  },
} as const;
