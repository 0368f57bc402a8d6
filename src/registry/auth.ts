import { createHash } from 'node:crypto';
import { ImageSourceError } from '../errors.js';
import { LIMITS } from '../limits.js';
import type { Trace } from '../trace.js';
import { goQuote, goQuoteBytes } from '../go/fmt.js';
import { redacted } from '../go/net/url.js';
import type { Credentials } from './credentials.js';
import { httpResponseToError } from './errors.js';
import { decodeBearerToken } from './go-documents.js';
import type { RegistryPool } from './pool.js';
import { USER_AGENT, type RegistryRequester } from './request.js';
import type { Secrets } from './secrets.js';
import type { Challenge, Scope } from './www-authenticate.js';

/**
 * c/image setupRequestAuth: the Authorization header the ping's challenges call for — Basic, or a Bearer token for
 * scope `repository:NAME:pull` (plus the scope an insufficient_scope answer asked for), fetched from the
 * challenge's realm and cached with its lifetime (min 60 s).
 */

/** c/image minimumTokenLifetimeSeconds. */
const MIN_TOKEN_LIFETIME_S = 60;

interface BearerToken {
  token: string;
  expiresAt: number;
}

export interface RegistryAuthConfig {
  /** The host the client talks to (`registry-1.docker.io` for docker.io). */
  registry: string;
  repository: string;
  credentials: Credentials;
  trace: Trace;
  pool: RegistryPool;
}

export class RegistryAuth {
  private challenges: Challenge[] = [];
  private readonly tokens: Map<string, Promise<BearerToken>>;
  private readonly scope: Scope;
  private readonly debug: (message: string, data?: Record<string, unknown>) => void;

  constructor(
    private readonly cfg: RegistryAuthConfig,
    private readonly secrets: Secrets,
    private readonly requester: RegistryRequester,
  ) {
    this.debug = secrets.debugTo(cfg.trace);
    this.scope = { resourceType: 'repository', remoteName: cfg.repository, actions: 'pull' };
    // Tokens are shared through the pool per registry + repository + credentials (hashed: no secret in a map key).
    const who = createHash('sha256').update(JSON.stringify(cfg.credentials)).digest('hex').slice(0, 16);
    const key = `${cfg.registry}/${cfg.repository}#${who}`;
    let cache = cfg.pool.tokenCaches.get(key);
    if (!cache) {
      cache = new Map();
      cfg.pool.tokenCaches.set(key, cache);
    }
    this.tokens = cache;
  }

  /** The challenges of the registry's ping answer, which decide every later Authorization header. */
  useChallenges(challenges: Challenge[]): void {
    this.challenges = challenges;
  }

  async authorization(extraScope: Scope | undefined): Promise<string | undefined> {
    if (this.challenges.length === 0) return undefined;
    const names: string[] = [];
    for (const c of this.challenges) {
      names.push(c.scheme);
      if (c.scheme === 'basic') {
        const { username, password } = this.cfg.credentials;
        return 'Basic ' + Buffer.from(`${username}:${password}`).toString('base64');
      }
      if (c.scheme === 'bearer') {
        const scopes = [this.scope];
        let cacheKey = '';
        if (extraScope) {
          cacheKey = `${extraScope.resourceType}:${extraScope.remoteName}:${extraScope.actions}`;
          scopes.push(extraScope);
        }
        let tokenP = this.tokens.get(cacheKey);
        if (tokenP) {
          const t = await tokenP.catch(() => undefined);
          if (!t || Date.now() > t.expiresAt) tokenP = undefined;
        }
        if (!tokenP) {
          // The in-flight promise is cached too, so parallel requests share one token request.
          tokenP = this.fetchToken(c, scopes);
          this.tokens.set(cacheKey, tokenP);
          tokenP.catch(() => this.tokens.delete(cacheKey));
        }
        const token = await tokenP;
        this.secrets.add(token.token);
        return `Bearer ${token.token}`;
      }
      this.debug(`no handler for ${c.scheme} authentication`);
    }
    this.cfg.trace.info(`None of the challenges sent by server (${names.join(', ')}) are supported, trying an unauthenticated request anyway`);
    return undefined;
  }

  private async fetchToken(c: Challenge, scopes: Scope[]): Promise<BearerToken> {
    const realm = c.parameters.get('realm');
    if (realm === undefined) throw new ImageSourceError('missing realm in bearer auth challenge');
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new ImageSourceError(`parse ${goQuote(realm)}: invalid URI for request`);
    }
    const creds = this.cfg.credentials;
    const service = c.parameters.get('service');
    const scopeStrings = scopes
      .filter((s) => s.resourceType && s.remoteName && s.actions)
      .map((s) => `${s.resourceType}:${s.remoteName}:${s.actions}`);
    const headers: Record<string, string> = { 'user-agent': USER_AGENT };
    let method: 'GET' | 'POST';
    let body: string | undefined;
    let context: string;
    if (creds.identityToken) {
      // OAuth2 refresh-token grant (c/image getBearerTokenOAuth2).
      method = 'POST';
      context = 'Trying to obtain access token';
      const form = new URLSearchParams(url.search);
      if (service) form.append('service', service);
      for (const s of scopeStrings) form.append('scope', s);
      form.append('grant_type', 'refresh_token');
      form.append('refresh_token', creds.identityToken);
      form.append('client_id', 'containers/image');
      // Go's url.Values.Encode() sorts by key.
      form.sort();
      body = form.toString();
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      method = 'GET';
      context = 'Requesting bearer token';
      if (creds.username) url.searchParams.append('account', creds.username);
      if (service) url.searchParams.append('service', service);
      for (const s of scopeStrings) url.searchParams.append('scope', s);
      // Go's url.Values.Encode() sorts by key (the realm's own parameters included).
      url.searchParams.sort();
      if (creds.username && creds.password) {
        headers['authorization'] = 'Basic ' + Buffer.from(`${creds.username}:${creds.password}`).toString('base64');
      }
    }
    this.debug(`${method} ${redacted(url)}`, { tokenRequest: true, scopes: scopeStrings });
    const basic = headers['authorization'];
    delete headers['authorization'];
    const response = await this.requester.send(method, url, headers, body, basic, (l) => this.debug(l));
    if (response.statusCode !== 200) {
      const errBody = await this.requester.readBody(response, LIMITS.maxErrorBodyBytes).catch(() => new Uint8Array());
      throw new ImageSourceError(this.secrets.scrub(httpResponseToError(response.statusCode, response.headers, errBody, context).message));
    }
    const blob = await this.requester.readBody(response, LIMITS.maxTokenBytes);
    let parsed;
    try {
      parsed = decodeBearerToken(blob);
    } catch (e) {
      // As c/image: the first 50 bytes of the body that did not decode (known secrets are still scrubbed).
      const sample = goQuoteBytes(blob.subarray(0, 50));
      throw new ImageSourceError(this.secrets.scrub(`decoding bearer token (last URL ${goQuote(redacted(new URL(response.url)))}, body start ${sample}): ${(e as Error).message}`));
    }
    const token = parsed.token !== '' ? parsed.token : parsed.accessToken;
    let expiresIn = parsed.expiresIn;
    if (expiresIn < MIN_TOKEN_LIFETIME_S) {
      expiresIn = MIN_TOKEN_LIFETIME_S;
      this.debug(`Increasing token expiration to: ${expiresIn} seconds`);
    }
    return { token, expiresAt: (parsed.issuedAt ?? Date.now()) + expiresIn * 1000 };
  }
}
