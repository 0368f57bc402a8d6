import { STATUS_CODES } from 'node:http';
import { ImageSourceError } from '../errors.js';
import { goQuote } from '../go/fmt.js';
import { parseAuthHeader } from './www-authenticate.js';
import { GoStruct, goUnmarshal, sliceOf, str, type GoStructType } from '../go/encoding/json/unmarshal.js';

/** parseHTTPErrorResponse's `struct { Details string }` and errcode.Errors' `struct { Errors []errcode.Error }`. */
const DETAILS_ERROR: GoStructType = { k: 'struct', name: '', typeName: 'struct', fields: [{ json: 'details', type: { k: 'string' } }] };
const ERRCODE_ERROR: GoStructType = {
  k: 'struct',
  name: 'Error',
  typeName: 'errcode.Error',
  fields: [
    // errcode.ErrorCode.UnmarshalText: any string, unknown codes become UNKNOWN.
    { json: 'code', type: { k: 'string', name: 'errcode.ErrorCode' } },
    { json: 'message', type: { k: 'string' } },
    { json: 'detail', type: { k: 'any' } },
  ],
};
const ERRCODE_ERRORS: GoStructType = { k: 'struct', name: '', typeName: 'struct', fields: [{ json: 'Errors', type: { k: 'slice', elem: ERRCODE_ERROR } }] };

/**
 * Registry failures worded as containers/image words them (docker/errors.go, distribution_error.go and the
 * distribution `errcode` package), because users compare our messages with skopeo's and CRI-O's.
 */

/** distribution errcode descriptors: code → message (the ones c/image links in: errcode + registry/api/v2). */
const ERROR_CODE_MESSAGES: Record<string, string> = {
  UNKNOWN: 'unknown error',
  UNSUPPORTED: 'The operation is unsupported.',
  UNAUTHORIZED: 'authentication required',
  DENIED: 'requested access to the resource is denied',
  UNAVAILABLE: 'service unavailable',
  TOOMANYREQUESTS: 'too many requests',
  DIGEST_INVALID: 'provided digest did not match uploaded content',
  SIZE_INVALID: 'provided length did not match content length',
  RANGE_INVALID: 'invalid content range',
  NAME_INVALID: 'invalid repository name',
  TAG_INVALID: 'manifest tag did not match URI',
  NAME_UNKNOWN: 'repository name not known to registry',
  MANIFEST_UNKNOWN: 'manifest unknown',
  MANIFEST_INVALID: 'manifest invalid',
  MANIFEST_UNVERIFIED: 'manifest failed signature verification',
  MANIFEST_BLOB_UNKNOWN: 'blob unknown to registry',
  BLOB_UNKNOWN: 'blob unknown to registry',
  BLOB_UPLOAD_UNKNOWN: 'blob upload unknown to registry',
  BLOB_UPLOAD_INVALID: 'blob upload invalid',
  PAGINATION_NUMBER_INVALID: 'invalid number of results requested',
};

/** errcode.ErrorCode.Error(): the code, lower-cased, `_` → space. */
function codeText(code: string): string {
  return code.toLowerCase().replace(/_/g, ' ');
}

/** A registry's error answer, classified like c/image so that "manifest unknown" can be recognised. */
export class RegistryHTTPError extends ImageSourceError {
  constructor(
    message: string,
    /** HTTP status of the answer. */
    readonly statusCode: number,
    /** distribution error code of the primary error (`MANIFEST_UNKNOWN`, …), or undefined for a non-JSON body. */
    readonly errorCode: string | undefined,
    /** Its message (for c/image's "UNKNOWN + not found" heuristics). */
    readonly errorMessage: string,
    /** c/image unexpectedHTTPResponseError: the body could not be parsed as distribution errors. */
    readonly unparsedBody: boolean,
  ) {
    super(message);
  }
}

/** c/image registryHTTPResponseToError (with handleErrorResponse and parseHTTPErrorResponse folded in). */
export function registryHTTPResponseToError(statusCode: number, headers: Record<string, string | string[] | undefined>, body: Uint8Array): RegistryHTTPError {
  if (statusCode === 401) {
    for (const c of parseAuthHeader(headers['www-authenticate'])) {
      if (c.scheme !== 'bearer') continue;
      let code: string;
      switch (c.parameters.get('error')) {
        case 'invalid_token':
          code = 'UNAUTHORIZED';
          break;
        case 'insufficient_scope':
          code = 'DENIED';
          break;
        default:
          continue;
      }
      const description = c.parameters.get('error_description');
      const message = description ? description : ERROR_CODE_MESSAGES[code]!;
      // mergeErrors puts the challenge's error first; only the primary error is reported.
      return structuredError(statusCode, code, message, true);
    }
  }
  if (statusCode >= 400 && statusCode < 500) {
    // docker/distribution parseHTTPErrorResponse: two json.Unmarshal passes with Go's rules.
    const detailsDoc = goUnmarshal(body, DETAILS_ERROR);
    const details = str(detailsDoc.value, 'details');
    if (!detailsDoc.error && details !== '') {
      const code = statusCode === 401 ? 'UNAUTHORIZED' : statusCode === 429 ? 'TOOMANYREQUESTS' : 'UNKNOWN';
      return structuredError(statusCode, code, details, true);
    }
    const errorsDoc = goUnmarshal(body, ERRCODE_ERRORS);
    const errors = errorsDoc.error ? [] : sliceOf(errorsDoc.value, 'Errors') ?? [];
    if (errors.length > 0) {
      const first = errors[0] as GoStruct;
      const rawCode = str(first, 'code');
      const code = ERROR_CODE_MESSAGES[rawCode] !== undefined ? rawCode : 'UNKNOWN';
      const message = str(first, 'message');
      const detail = first.f['detail'];
      // Errors.UnmarshalJSON: without detail, and with no / the standard message, the entry is a bare ErrorCode.
      if (detail === undefined && (message === '' || message === ERROR_CODE_MESSAGES[code])) {
        return new RegistryHTTPError(codeText(code), statusCode, code, ERROR_CODE_MESSAGES[code]!, false);
      }
      return structuredError(statusCode, code, message, false);
    }
    // unexpectedHTTPResponseError: no parsable distribution errors.
    if (statusCode === 401) return structuredError(statusCode, 'UNAUTHORIZED', ERROR_CODE_MESSAGES['UNAUTHORIZED']!, true);
    let sample = Buffer.from(body);
    let suffix = '';
    if (sample.length > 50) {
      sample = sample.subarray(0, 50);
      suffix = '...';
    }
    return new RegistryHTTPError(`StatusCode: ${statusCode}, ${goQuote(sample.toString('utf8') + suffix)}`, statusCode, undefined, '', true);
  }
  return new RegistryHTTPError(`received unexpected HTTP status: ${statusCode} ${STATUS_CODES[statusCode] ?? ''}`.trimEnd(), statusCode, undefined, '', false);
}

function structuredError(statusCode: number, code: string, message: string, _synthetic: boolean): RegistryHTTPError {
  // errcode.Error: c/image prints just the message when it is the code's standard one, else "code: message".
  const text = message === ERROR_CODE_MESSAGES[code] ? message : `${codeText(code)}: ${message}`;
  return new RegistryHTTPError(text, statusCode, code, message, false);
}


/** c/image isManifestUnknownError: what makes a missing `.sig` tag mean "no attachments" rather than an error. */
export function isManifestUnknownError(e: unknown): boolean {
  if (!(e instanceof RegistryHTTPError)) return false;
  if (e.errorCode === 'MANIFEST_UNKNOWN') return true;
  if (e.errorCode === 'UNKNOWN' && (e.errorMessage === 'Not Found' || e.errorMessage.toLowerCase().includes('not found'))) return true;
  return e.unparsedBody && e.statusCode === 404;
}

/** c/image httpResponseToError (token endpoints). */
export function httpResponseToError(statusCode: number, headers: Record<string, string | string[] | undefined>, body: Uint8Array, context: string): ImageSourceError {
  if (statusCode === 429) return new ImageSourceError('too many requests to registry');
  if (statusCode === 401) {
    const inner = registryHTTPResponseToError(statusCode, headers, body);
    return new ImageSourceError(`unable to retrieve auth token: invalid username/password: ${inner.message}`);
  }
  return new ImageSourceError(`${context ? context + ': ' : ''}invalid status code from registry ${statusCode} (${statusText(statusCode)})`);
}

/** Go's http.StatusText (Node's table has the same IANA phrases). */
export function statusText(code: number): string {
  return STATUS_CODES[code] ?? '';
}

/** Go's url.Error operation name: `Get`, `Head`, `Post`. */
export function goOp(method: string): string {
  return method.charAt(0) + method.slice(1).toLowerCase();
}

/**
 * A transport failure as Go's net/http reports it: `Get "URL": <cause>`, with the causes users know from skopeo
 * (`x509: certificate signed by unknown authority`, `http: server gave HTTP response to HTTPS client`, …).
 */
export function goTransportError(method: string, url: string, e: unknown, timeoutMs: number): ImageSourceError {
  return new ImageSourceError(`${goOp(method)} ${goQuote(url)}: ${goCause(url, e, timeoutMs)}`);
}

/** Go ≥ 1.20 wraps every certificate verification failure in tls.CertificateVerificationError. */
const TLS_VERIFY_PREFIX = 'tls: failed to verify certificate: ';

function goCause(url: string, e: unknown, timeoutMs: number): string {
  const err = e as { code?: string; name?: string; message?: string; cause?: unknown; host?: string; cert?: { subjectaltname?: string } };
  const cause = err.cause as typeof err | undefined;
  const code = err.code ?? cause?.code;
  const u = new URL(url);
  const port = u.port || (u.protocol === 'https:' ? '443' : '80');
  const hostPort = `${u.hostname}:${port}`;
  if (err.name === 'TimeoutError' || err.name === 'AbortError' || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return `context deadline exceeded (no answer within ${timeoutMs} ms)`;
  }
  switch (code) {
    case 'ECONNREFUSED':
      return `dial tcp ${hostPort}: connect: connection refused`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `dial tcp: lookup ${u.hostname}: no such host`;
    case 'ETIMEDOUT':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return `dial tcp ${hostPort}: i/o timeout`;
    case 'ECONNRESET':
      return `read tcp ${hostPort}: read: connection reset by peer`;
    case 'EHOSTUNREACH':
      return `dial tcp ${hostPort}: connect: no route to host`;
    case 'UNABLE_TO_VERIFY_LEAF_SIGNATURE':
    case 'UNABLE_TO_GET_ISSUER_CERT':
    case 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY':
    case 'SELF_SIGNED_CERT_IN_CHAIN':
    case 'DEPTH_ZERO_SELF_SIGNED_CERT':
    case 'CERT_UNTRUSTED':
      return `${TLS_VERIFY_PREFIX}x509: certificate signed by unknown authority`;
    case 'CERT_HAS_EXPIRED':
    case 'CERT_NOT_YET_VALID':
      return `${TLS_VERIFY_PREFIX}x509: certificate has expired or is not yet valid`;
    case 'ERR_TLS_CERT_ALTNAME_INVALID': {
      const alt = (err.cert ?? cause?.cert)?.subjectaltname;
      const names = alt ? alt.split(/,\s*/).map((s) => s.replace(/^(DNS|IP Address):/, '')).join(', ') : 'other names';
      return `${TLS_VERIFY_PREFIX}x509: certificate is valid for ${names}, not ${u.hostname.replace(/^\[|\]$/g, '')}`;
    }
    case 'ERR_SSL_WRONG_VERSION_NUMBER':
    case 'ERR_SSL_PACKET_LENGTH_TOO_LONG':
    case 'ERR_SSL_HTTP_REQUEST':
      return 'http: server gave HTTP response to HTTPS client';
    case 'UND_ERR_SOCKET':
    case 'UND_ERR_CLOSED':
      return 'EOF';
  }
  const msg = err.message ?? String(e);
  if (/wrong version number|packet length too long|http request/i.test(msg)) return 'http: server gave HTTP response to HTTPS client';
  return msg;
}
