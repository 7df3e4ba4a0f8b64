// The official TypeScript MCP SDK client, with its own OAuth machinery, against RemoteMCP.
//
// Usage: node ts_sdk_client.mjs <mcp url> <redirect url> <token_endpoint_auth_method>
//
// Talks to its driver (tests/external/test_typescript_sdk_client.py) in JSON lines:
//   stdout {"event": "authorize", "url": ...}        the SDK wants the person sent there
//   stdin  {"callback": "<redirect url>?code=..."}   where the browser ended up
//   stdout {"event": "expire_access_token"}          first session done; make the token expire
//   stdin  {"expired": true}
//   stdout {"event": "result", ...}                  what happened, for the driver to assert on
//   stdout {"event": "error", ...}                   anything went wrong (exit code 1)
// Everything else the SDK does on its own: discovery from the 401, registration, PKCE, `resource`,
// the code exchange, and the refresh when the server refuses the expired token.

import { emit, nextMessage, watchdog } from './driver_channel.mjs';
import { randomBytes } from 'node:crypto';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';

const [mcpUrl, redirectUrl, authMethod] = process.argv.slice(2);

/** Every HTTP exchange the SDK makes, without secrets: what the test asserts the flow on. */
const trace = [];

function describeBody(body) {
  if (body instanceof URLSearchParams) {
    const form = {};
    for (const name of ['grant_type', 'resource', 'redirect_uri', 'client_id']) {
      if (body.has(name)) form[name] = body.get(name);
    }
    form.has_code_verifier = body.has('code_verifier');
    form.has_client_secret = body.has('client_secret');
    return { form };
  }
  if (typeof body === 'string') {
    try {
      const json = JSON.parse(body);
      if (json && typeof json === 'object' && 'jsonrpc' in json) return { rpc: json.method ?? 'response' };
      return { json_keys: Object.keys(json).sort() };
    } catch {
      return {};
    }
  }
  return {};
}

async function tracingFetch(input, init = {}) {
  const url = new URL(input instanceof Request ? input.url : String(input));
  const method = (init.method ?? (input instanceof Request ? input.method : 'GET')).toUpperCase();
  const headers = new Headers(init.headers ?? (input instanceof Request ? input.headers : undefined));
  const authorization = headers.get('authorization');
  const entry = {
    method,
    path: url.pathname,
    auth_scheme: authorization ? authorization.split(' ')[0] : null,
    ...describeBody(init.body),
  };
  const response = await fetch(input, init);
  entry.status = response.status;
  const challenge = response.headers.get('www-authenticate');
  if (challenge) entry.www_authenticate = challenge;
  trace.push(entry);
  return response;
}

/** OAuthClientProvider with in-memory storage, as the SDK's own examples keep it. */
class MemoryOAuthProvider {
  constructor(redirect, metadata) {
    this._redirect = redirect;
    this._metadata = metadata;
    this._state = undefined;
    this.clientInfo = undefined;
    this.savedTokens = [];
    this.authorizationUrls = [];
  }
  get redirectUrl() {
    return this._redirect;
  }
  get clientMetadata() {
    return this._metadata;
  }
  state() {
    this._state = randomBytes(16).toString('base64url');
    return this._state;
  }
  expectedState() {
    return this._state;
  }
  clientInformation() {
    return this.clientInfo;
  }
  saveClientInformation(info) {
    this.clientInfo = info;
  }
  tokens() {
    return this.savedTokens.at(-1);
  }
  saveTokens(tokens) {
    this.savedTokens.push(tokens);
  }
  redirectToAuthorization(url) {
    this.authorizationUrls.push(url.href);
    emit({ event: 'authorize', url: url.href });
  }
  saveCodeVerifier(verifier) {
    this._verifier = verifier;
  }
  codeVerifier() {
    if (!this._verifier) throw new Error('no code verifier saved');
    return this._verifier;
  }
  saveDiscoveryState(state) {
    this.discovery = state;
  }
  discoveryState() {
    return this.discovery;
  }
}

/** The redirect back to the client: check what an application must (state; `iss`, RFC 9207). */
function codeFrom(callback, provider) {
  const url = new URL(callback);
  if (`${url.origin}${url.pathname}` !== redirectUrl) throw new Error(`redirected elsewhere: ${url.origin}${url.pathname}`);
  const params = url.searchParams;
  if (params.has('error')) throw new Error(`authorization refused: ${params.get('error')} ${params.get('error_description') ?? ''}`);
  if (params.get('state') !== provider.expectedState()) throw new Error('state mismatch in the authorization response');
  const issuer = provider.discovery?.authorizationServerMetadata?.issuer;
  if (!issuer || params.get('iss') !== issuer) throw new Error(`iss ${params.get('iss')} is not the issuer ${issuer}`);
  return { code: params.get('code'), iss: params.get('iss') };
}

function texts(result) {
  return result.content.filter(item => item.type === 'text').map(item => item.text);
}

async function useTools(client) {
  const listed = await client.listTools();
  const hello = await client.callTool({ name: 'hello', arguments: {} });
  const time = await client.callTool({ name: 'get_time', arguments: { timezone: 'Europe/Moscow' } });
  return {
    tools: listed.tools.map(tool => tool.name).sort(),
    hello: { is_error: hello.isError ?? false, text: texts(hello) },
    get_time: { is_error: time.isError ?? false, text: texts(time) },
  };
}

async function main() {
  const metadata = {
    client_name: 'RemoteMCP external test (TypeScript SDK)',
    redirect_uris: [redirectUrl],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: authMethod,
  };
  const provider = new MemoryOAuthProvider(redirectUrl, metadata);
  const client = new Client({ name: 'remotemcp-ts-sdk-test', version: '1.0.0' }, { capabilities: {} });
  const transportOptions = { authProvider: provider, fetch: tracingFetch };

  // The SDK's documented flow: the first connect meets the 401, discovers, registers, sends the
  // person to the authorization endpoint and throws UnauthorizedError.
  let firstConnectError = null;
  const firstTransport = new StreamableHTTPClientTransport(new URL(mcpUrl), transportOptions);
  try {
    await client.connect(firstTransport);
  } catch (error) {
    if (!(error instanceof UnauthorizedError)) throw error;
    firstConnectError = error.constructor.name;
  }
  if (firstConnectError === null) throw new Error('connected without authorization');
  const callback = (await nextMessage()).callback;
  const { code, iss } = codeFrom(callback, provider);
  await firstTransport.finishAuth(code);

  await client.connect(new StreamableHTTPClientTransport(new URL(mcpUrl), transportOptions));
  const serverVersion = client.getServerVersion();
  const protocolVersion = client.transport?.protocolVersion ?? null;
  const before = await useTools(client);
  const firstTokens = provider.tokens();
  const sessionBefore = client.transport?.sessionId ?? null;

  // Time passes on the server until the access token has expired; the SDK only learns it from
  // the 401 on its next request, and must refresh rather than send the person back.
  emit({ event: 'expire_access_token' });
  const answer = await nextMessage();
  if (answer.expired !== true) throw new Error('the driver did not expire the token');
  const after = await useTools(client);
  const finalTokens = provider.tokens();
  const sessionAfter = client.transport?.sessionId ?? null;
  await client.close();

  const tokenRequests = trace.filter(entry => entry.path === new URL(provider.discovery.authorizationServerMetadata.token_endpoint).pathname);
  emit({
    event: 'result',
    first_connect_error: firstConnectError,
    authorization_urls: provider.authorizationUrls,
    callback_iss: iss,
    discovery: {
      authorization_server: provider.discovery.authorizationServerUrl,
      issuer: provider.discovery.authorizationServerMetadata?.issuer ?? null,
      resource: provider.discovery.resourceMetadata?.resource ?? null,
    },
    client_information: {
      client_id: provider.clientInfo?.client_id ?? null,
      has_client_secret: Boolean(provider.clientInfo?.client_secret),
      token_endpoint_auth_method: provider.clientInfo?.token_endpoint_auth_method ?? null,
    },
    server: serverVersion ?? null,
    protocol_version: protocolVersion,
    session_id_before: sessionBefore,
    session_id_after: sessionAfter,
    before_refresh: before,
    after_refresh: after,
    tokens_saved: provider.savedTokens.length,
    token_requests: tokenRequests,
    refreshed: tokenRequests.some(entry => entry.form?.grant_type === 'refresh_token' && entry.status === 200),
    refresh_token_changed: Boolean(finalTokens.refresh_token) && finalTokens.refresh_token !== firstTokens.refresh_token,
    access_token_changed: finalTokens.access_token !== firstTokens.access_token,
    first_access_token: firstTokens.access_token,
    final_access_token: finalTokens.access_token,
    final_scope: finalTokens.scope ?? null,
    trace,
  });
}

main()
  .then(() => {
    clearTimeout(watchdog);
    process.exit(0);
  })
  .catch(error => {
    emit({ event: 'error', message: String(error?.message ?? error), name: error?.constructor?.name, stack: error?.stack, trace });
    process.exit(1);
  });
