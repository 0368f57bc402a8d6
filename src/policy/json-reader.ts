/** The policy parser's view of the shared Go encoding/json reader (kept as an import path for policy code). */
export * from '../go/encoding/json/scanner.js';
