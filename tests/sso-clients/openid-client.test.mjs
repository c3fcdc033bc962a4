// Our OIDC issuer as a strict, independent relying party sees it: openid-client 6 (panva) with client
// e2e-rp. It validates the discovery document, the authorization response (state, iss), and the
// id_token (nonce, iss, aud, exp, alg; the signature against our JWKS with non-repudiation checks on).
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import * as client from 'openid-client';
import { Browserless, env, fresh, tenantWith } from './stack.mjs';

const issuer = new URL(env('OIDC_ISSUER'));
const clientId = env('OIDC_TEST_CLIENT_ID');
const secret = env('OIDC_TEST_CLIENT_SECRET');
const redirectUri = env('OIDC_TEST_REDIRECT_URI');
const scope = 'openid profile email tenant offline_access';
const now = () => Math.floor(Date.now() / 1000);

/** A relying party configured from discovery; http is allowed only because the dev issuer is on loopback. */
const discover = (auth = client.ClientSecretPost(secret)) =>
  client.discovery(issuer, clientId, { require_auth_time: true }, auth, {
    execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks],
  });

/**
 * Starts the code flow with PKCE S256, signs in on our login page (fetch, cookies by hand) and returns
 * the URL the issuer sent the browser back to (nothing listens there), with the checks to finish with.
 */
async function signIn(config, person, parameters = {}) {
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const checks = { pkceCodeVerifier, expectedNonce: client.randomNonce(), expectedState: client.randomState(), idTokenExpected: true };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope,
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    nonce: checks.expectedNonce,
    state: checks.expectedState,
    ...parameters,
  });
  const browser = new Browserless();
  const login = await browser.follow(url.href);
  assert.ok(login.startsWith(`${issuer.href}/login?returnUrl=`), `the issuer asks for a login first, not ${login}`);
  let next = await Browserless.location(await browser.submit(login, 'login', person), login);
  while (next.startsWith(issuer.href)) {
    next = await browser.follow(next);
  }
  assert.ok(next.startsWith(`${redirectUri}?`), `back to the redirect URI, not ${next}`);
  return { callback: new URL(next), checks, browser };
}

const atHash = (accessToken) => createHash('sha256').update(accessToken, 'ascii').digest().subarray(0, 16).toString('base64url');

/** An id_token with one byte of its signature flipped. */
function tamper(idToken) {
  const [header, payload, signature] = idToken.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  bytes[bytes.length >> 1] ^= 0x01;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}

describe('openid-client against our issuer', () => {
  const handle = fresh('rp.');
  let tenant;
  let person;
  let first;

  before(async () => {
    tenant = await tenantWith({
      rita: { name: 'Rita Relying', email: 'rita@example.org', password: 'correct horse battery', handle },
    });
    person = { tenant, user: 'rita', password: 'correct horse battery' };
  });

  it('discovers the issuer: code flow, PKCE S256 only, both client_secret methods, RS256 id_tokens', async () => {
    const metadata = (await discover()).serverMetadata();
    assert.equal(metadata.issuer, issuer.href);
    for (const endpoint of ['authorization_endpoint', 'token_endpoint', 'userinfo_endpoint', 'jwks_uri', 'end_session_endpoint']) {
      assert.ok(metadata[endpoint]?.startsWith(`${issuer.href}/`), `${endpoint} under the issuer: ${metadata[endpoint]}`);
    }
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.ok((await discover()).serverMetadata().supportsPKCE());
    assert.deepEqual(metadata.response_types_supported, ['code']);
    for (const method of ['client_secret_basic', 'client_secret_post']) {
      assert.ok(metadata.token_endpoint_auth_methods_supported.includes(method), method);
    }
    assert.ok(metadata.id_token_signing_alg_values_supported.includes('RS256'));
    for (const s of scope.split(' ')) {
      assert.ok(metadata.scopes_supported.includes(s), s);
    }
    for (const claim of ['sub', 'name', 'preferred_username', 'matrix_handle', 'tenant_id', 'sid']) {
      assert.ok(metadata.claims_supported.includes(claim), claim);
    }

    const jwks = await (await fetch(metadata.jwks_uri)).json();
    const signing = jwks.keys.filter((k) => k.use === 'sig');
    assert.ok(signing.length > 0 && signing.every((k) => k.kty === 'RSA' && k.kid && !k.d), 'public RSA signing keys with a kid');
  });

  it('signs someone in with the code flow and PKCE S256, and the id_token passes strict validation', async () => {
    const config = await discover();
    const started = now();
    const { callback, checks } = await signIn(config, person);
    assert.equal(callback.searchParams.get('iss'), issuer.href, 'RFC 9207 iss in the authorization response');
    const tokens = await client.authorizationCodeGrant(config, callback, checks);

    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.access_token && tokens.refresh_token && tokens.expires_in > 0);
    const claims = tokens.claims();
    assert.equal(claims.iss, issuer.href);
    assert.ok([claims.aud].flat().includes(clientId));
    assert.equal(claims.nonce, checks.expectedNonce);
    assert.match(claims.sub, /^\S{8,}$/);
    assert.equal(claims.matrix_handle, handle);
    assert.equal(claims.preferred_username, handle);
    assert.equal(claims.name, 'Rita Relying');
    assert.equal(claims.tenant_id, tenant);
    assert.match(String(claims.sid), /^\S{8,}$/);
    assert.ok(claims.auth_time >= started - 5 && claims.auth_time <= now() + 5, `auth_time ${claims.auth_time} is when Rita signed in`);
    assert.equal(claims.at_hash, atHash(tokens.access_token));
    assert.ok(claims.exp > now() && claims.iat <= now() + 5);
    first = { tokens, claims };
  });

  it('answers userinfo for the access token, for the same subject', async () => {
    const config = await discover();
    const info = await client.fetchUserInfo(config, first.tokens.access_token, first.claims.sub);
    assert.equal(info.sub, first.claims.sub);
    assert.equal(info.matrix_handle, handle);
    assert.equal(info.preferred_username, handle);
    assert.equal(info.name, 'Rita Relying');
    assert.equal(info.tenant_id, tenant);
  });

  it('refreshes: new tokens, an id_token for the same person and sign-in', async () => {
    const config = await discover();
    const refreshed = await client.refreshTokenGrant(config, first.tokens.refresh_token);
    assert.ok(refreshed.access_token && refreshed.access_token !== first.tokens.access_token);
    const claims = refreshed.claims();
    assert.ok(claims, 'an id_token comes with the refresh (scope openid)');
    assert.equal(claims.iss, issuer.href);
    assert.equal(claims.sub, first.claims.sub);
    assert.equal(claims.auth_time, first.claims.auth_time, 'auth_time stays the time of the sign-in');
    assert.equal(claims.sid, first.claims.sid);
    assert.equal(claims.matrix_handle, handle);
    assert.equal(claims.at_hash, atHash(refreshed.access_token));
    const info = await client.fetchUserInfo(config, refreshed.access_token, first.claims.sub);
    assert.equal(info.sub, first.claims.sub);
  });

  it('accepts client_secret_basic too, and a second sign-in is the same subject with a new sid', async () => {
    const config = await discover(client.ClientSecretBasic(secret));
    const { callback, checks } = await signIn(config, person);
    const claims = (await client.authorizationCodeGrant(config, callback, checks)).claims();
    assert.equal(claims.sub, first.claims.sub);
    assert.notEqual(claims.sid, first.claims.sid);
  });

  it('a relying party rejects an id_token whose signature was tampered with', async () => {
    const config = await discover();
    const tokenEndpoint = config.serverMetadata().token_endpoint;
    let tampered = false;
    config[client.customFetch] = async (url, options) => {
      const response = await fetch(url, options);
      if (String(url) !== tokenEndpoint || !response.ok) {
        return response;
      }
      const body = await response.json();
      body.id_token = tamper(body.id_token);
      tampered = true;
      return new Response(JSON.stringify(body), { status: response.status, headers: { 'content-type': 'application/json' } });
    };
    const { callback, checks } = await signIn(config, person);
    await assert.rejects(client.authorizationCodeGrant(config, callback, checks), (err) => {
      assert.match(`${err.message} ${err.cause?.message ?? ''}`, /signature/i);
      return true;
    });
    assert.ok(tampered, 'the token endpoint answered and its id_token was tampered with');
  });

  it('refuses a code used twice, and a code with the wrong PKCE verifier', async () => {
    const config = await discover();
    const once = await signIn(config, person);
    await client.authorizationCodeGrant(config, once.callback, once.checks);
    await assert.rejects(client.authorizationCodeGrant(config, once.callback, once.checks), { error: 'invalid_grant' });

    const other = await signIn(config, person);
    const wrong = { ...other.checks, pkceCodeVerifier: client.randomPKCECodeVerifier() };
    await assert.rejects(client.authorizationCodeGrant(config, other.callback, wrong), { error: 'invalid_grant' });
  });

  it('answers prompt=none without a session with login_required at the redirect URI', async () => {
    const config = await discover();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri, scope, state, prompt: 'none',
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    const back = new URL(await new Browserless().follow(url.href));
    assert.equal(`${back.origin}${back.pathname}`, redirectUri);
    assert.equal(back.searchParams.get('error'), 'login_required');
    assert.equal(back.searchParams.get('state'), state);
  });

  it('shows an error page, never a redirect, for an unknown client or a redirect_uri it did not register', async () => {
    const config = await discover();
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: 'http://127.0.0.1:8765/elsewhere', scope, state: client.randomState(),
      code_challenge: await client.calculatePKCECodeChallenge(client.randomPKCECodeVerifier()), code_challenge_method: 'S256',
    });
    const unknownClient = new URL(url);
    unknownClient.searchParams.set('client_id', 'nobody');
    unknownClient.searchParams.set('redirect_uri', redirectUri);
    for (const [what, request] of [['redirect_uri', url], ['client_id', unknownClient]]) {
      const response = await new Browserless().send(request.href);
      assert.equal(response.headers.get('location'), null, `${what}: no redirect anywhere, not even to the login page`);
      assert.equal(response.status, 400, what);
      assert.match(await response.text(), new RegExp(what), what);
    }
  });

  // RFC 6749 4.1.2.1: the client and its redirect_uri are good, so the error goes back to the client.
  it('sends a request without PKCE, or with plain PKCE, back to the client with invalid_request', async () => {
    const config = await discover();
    for (const pkce of [{}, { code_challenge: client.randomPKCECodeVerifier(), code_challenge_method: 'plain' }]) {
      const state = client.randomState();
      const url = client.buildAuthorizationUrl(config, { redirect_uri: redirectUri, scope, state, ...pkce });
      const back = new URL(await new Browserless().follow(url.href));
      assert.equal(`${back.origin}${back.pathname}`, redirectUri);
      assert.equal(back.searchParams.get('error'), 'invalid_request');
      assert.ok(back.searchParams.get('error_description'), 'error_description');
      assert.equal(back.searchParams.get('state'), state);
      assert.equal(back.searchParams.get('code'), null, 'no code');
    }
  });
});
