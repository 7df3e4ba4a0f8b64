// openid-client (a certified OpenID Connect relying party library) against RemoteMCP.
//
// Usage: node oidc_rp.mjs '<json>' with
//   {"issuer": ..., "redirect_uri": ..., "auth_method": "none" | "client_secret_basic" | "client_secret_post",
//    "client_id": ..., "client_secret": ...}   (client_id given: pre-registered; absent: RFC 7591 registration)
//
// Talks to its driver (tests/external/test_openid_client_rp.py) in JSON lines:
//   stdout {"event": "authorize", "url": ...}        send the person there
//   stdin  {"callback": "<redirect uri>?code=..."}   where the browser ended up
//   stdout {"event": "result", ...} | {"event": "error", ...}

import { createHash } from 'node:crypto';
import { emit, nextMessage, watchdog } from './driver_channel.mjs';

import * as oidc from 'openid-client';

const options = JSON.parse(process.argv[2]);
const SCOPE = 'openid profile email';
const MAX_AGE = 600;

/** Every HTTP exchange the library makes (method, path, form field names, status): no secrets. */
const trace = [];

async function tracingFetch(url, init) {
  const entry = { method: init.method, path: new URL(url).pathname };
  const authorization = new Headers(init.headers).get('authorization');
  entry.auth_scheme = authorization ? authorization.split(' ')[0] : null;
  if (init.body instanceof URLSearchParams) {
    entry.form = [...init.body.keys()].sort();
    if (init.body.has('grant_type')) entry.grant_type = init.body.get('grant_type');
    if (init.body.has('token_type_hint')) entry.token_type_hint = init.body.get('token_type_hint');
  }
  const response = await fetch(url, init);
  entry.status = response.status;
  trace.push(entry);
  return response;
}

function clientAuthentication() {
  switch (options.auth_method) {
    case 'none':
      return oidc.None();
    case 'client_secret_basic':
      return oidc.ClientSecretBasic(options.client_secret);
    case 'client_secret_post':
      return oidc.ClientSecretPost(options.client_secret);
    default:
      throw new Error(`unsupported auth_method ${options.auth_method}`);
  }
}

async function configure() {
  const discoveryOptions = {
    // Plain http is allowed only because the server is on 127.0.0.1 for the test; the signature of
    // every id_token is checked against the JWKS (non-repudiation checks), not taken on TLS's word.
    execute: [oidc.allowInsecureRequests, oidc.enableNonRepudiationChecks],
    [oidc.customFetch]: tracingFetch,
    timeout: 15,
  };
  const issuer = new URL(options.issuer);
  if (options.client_id) {
    const config = await oidc.discovery(issuer, options.client_id, undefined, clientAuthentication(), discoveryOptions);
    return { config, registration: 'preregistered' };
  }
  const metadata = {
    client_name: 'RemoteMCP external test (openid-client)',
    redirect_uris: [options.redirect_uri],
    response_types: ['code'],
    grant_types: ['authorization_code', 'refresh_token'],
    token_endpoint_auth_method: options.auth_method,
    id_token_signed_response_alg: 'RS256',
  };
  const config = await oidc.dynamicClientRegistration(issuer, metadata, clientAuthentication(), discoveryOptions);
  return { config, registration: 'dynamic' };
}

/** OIDC Core §3.1.3.8 / §3.2.2.9: base64url of the left half of SHA-256 (the RS256/ES256 hash). */
function atHash(accessToken) {
  const digest = createHash('sha256').update(accessToken, 'ascii').digest();
  return digest.subarray(0, digest.length / 2).toString('base64url');
}

function jwsHeader(jwt) {
  return JSON.parse(Buffer.from(jwt.split('.')[0], 'base64url').toString('utf8'));
}

/** What a refused call looked like: the library's error class, OAuth error code and HTTP status. */
async function refusal(promise) {
  try {
    await promise;
    return { refused: false };
  } catch (error) {
    const challenge = error?.cause?.[0];
    return {
      refused: true,
      name: error?.constructor?.name ?? null,
      code: error?.code ?? null,
      error: error?.error ?? challenge?.parameters?.error ?? null,
      status: error?.status ?? error?.cause?.status ?? null,
      scheme: challenge?.scheme ?? null,
    };
  }
}

function idTokenReport(tokens, nonce) {
  const claims = tokens.claims();
  const header = jwsHeader(tokens.id_token);
  return {
    claims,
    header,
    at_hash_expected: atHash(tokens.access_token),
    at_hash_matches: claims.at_hash === atHash(tokens.access_token),
    nonce_matches: nonce === undefined ? claims.nonce === undefined : claims.nonce === nonce,
  };
}

async function main() {
  const { config, registration } = await configure();
  const server = config.serverMetadata();
  const clientMetadata = config.clientMetadata();

  const codeVerifier = oidc.randomPKCECodeVerifier();
  const nonce = oidc.randomNonce();
  const state = oidc.randomState();
  const authorizationUrl = oidc.buildAuthorizationUrl(config, {
    redirect_uri: options.redirect_uri,
    scope: SCOPE,
    code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
    code_challenge_method: 'S256',
    nonce,
    state,
    max_age: String(MAX_AGE),
  });
  emit({ event: 'authorize', url: authorizationUrl.href });
  const callback = new URL((await nextMessage()).callback);

  // Validates the authorization response (state, RFC 9207 iss), redeems the code with the PKCE
  // verifier, and validates the id_token: JWS signature against the JWKS, iss, aud, azp, exp, iat,
  // nonce, auth_time within max_age. The library leaves at_hash to the relying party in the code
  // flow: checked below.
  const tokens = await oidc.authorizationCodeGrant(config, callback, {
    pkceCodeVerifier: codeVerifier,
    expectedNonce: nonce,
    expectedState: state,
    maxAge: MAX_AGE,
  });
  const first = idTokenReport(tokens, nonce);
  const subject = first.claims.sub;
  const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, subject);

  // Refresh: a new id_token for the same subject (validated by the library the same way), a new
  // access token and a rotated refresh token.
  const refreshed = await oidc.refreshTokenGrant(config, tokens.refresh_token);
  const second = refreshed.id_token ? idTokenReport(refreshed, undefined) : null;
  const userinfoAfterRefresh = await oidc.fetchUserInfo(config, refreshed.access_token, subject);

  // Revocation (RFC 7009): first the current access token alone, then the refresh token, which
  // ends the whole grant: its refresh token and every access token it produced.
  const introspectable = clientMetadata.token_endpoint_auth_method !== 'none';
  const introspectBefore = introspectable ? await oidc.tokenIntrospection(config, refreshed.access_token) : null;
  await oidc.tokenRevocation(config, refreshed.access_token, { token_type_hint: 'access_token' });
  const revokedAccessTokenUserinfo = await refusal(oidc.fetchUserInfo(config, refreshed.access_token, subject));
  const introspectRevokedAccess = introspectable ? await oidc.tokenIntrospection(config, refreshed.access_token) : null;
  const firstAccessTokenStillValid = await refusal(oidc.fetchUserInfo(config, tokens.access_token, subject));

  await oidc.tokenRevocation(config, refreshed.refresh_token, { token_type_hint: 'refresh_token' });
  const revokedRefresh = await refusal(oidc.refreshTokenGrant(config, refreshed.refresh_token));
  const grantAccessTokenAfterRevocation = await refusal(oidc.fetchUserInfo(config, tokens.access_token, subject));
  const introspectRevokedRefresh = introspectable
    ? await oidc.tokenIntrospection(config, refreshed.refresh_token, { token_type_hint: 'refresh_token' })
    : null;

  emit({
    event: 'result',
    registration,
    server: {
      issuer: server.issuer,
      jwks_uri: server.jwks_uri,
      authorization_response_iss_parameter_supported: server.authorization_response_iss_parameter_supported ?? null,
    },
    client: {
      client_id: clientMetadata.client_id,
      token_endpoint_auth_method: clientMetadata.token_endpoint_auth_method ?? null,
      has_client_secret: Boolean(clientMetadata.client_secret) || Boolean(options.client_secret),
    },
    authorization_url: authorizationUrl.href,
    callback_params: [...callback.searchParams.keys()].sort(),
    nonce,
    jwks_cached: Object.keys(oidc.getJwksCache(config) ?? {}).length > 0,
    id_token: first,
    userinfo,
    access_token: tokens.access_token,
    token_scope: tokens.scope ?? null,
    token_type: tokens.token_type,
    expires_in: tokens.expiresIn() ?? null,
    refresh: {
      id_token: second,
      refresh_token_rotated: Boolean(refreshed.refresh_token) && refreshed.refresh_token !== tokens.refresh_token,
      access_token_changed: refreshed.access_token !== tokens.access_token,
      userinfo: userinfoAfterRefresh,
    },
    revocation: {
      introspect_before: introspectBefore,
      revoked_access_token_userinfo: revokedAccessTokenUserinfo,
      introspect_revoked_access_token: introspectRevokedAccess,
      sibling_access_token_before_refresh_revocation: firstAccessTokenStillValid,
      revoked_refresh_token_grant: revokedRefresh,
      grant_access_token_after_refresh_revocation: grantAccessTokenAfterRevocation,
      introspect_revoked_refresh_token: introspectRevokedRefresh,
    },
    trace,
  });
}

main()
  .then(() => {
    clearTimeout(watchdog);
    process.exit(0);
  })
  .catch(error => {
    emit({
      event: 'error',
      message: String(error?.message ?? error),
      name: error?.constructor?.name,
      code: error?.code ?? null,
      cause: error?.cause === undefined ? null : String(JSON.stringify(error.cause) ?? error.cause),
      stack: error?.stack,
      trace,
    });
    process.exit(1);
  });
