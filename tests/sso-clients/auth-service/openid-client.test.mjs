// Our issuer as Synapse's matrix_authentication_service (synapse/dev.sh up --auth-service), seen by a
// strict relying party that was not written for Matrix: openid-client 6 (panva). Discovery (also as
// Synapse serves it), dynamic registration of a public native client, the code flow with PKCE S256 and
// the Matrix scopes (the library checks state, iss, PKCE and the id_token, its signature against our
// JWKS), refresh, introspection as Synapse makes it (the shared secret as a bearer token) and as nobody
// else may, revocation; and what the issuer refuses, read by the library.
import { before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as client from 'openid-client';
import { Browserless, env, fresh, putInternal, signInAndAllow } from '../stack.mjs';

const issuer = new URL(env('OIDC_ISSUER'));
const hs = env('HOMESERVER_URL');
// Nothing listens here: the code is read from the redirect, as a native app would.
const redirectUri = 'http://127.0.0.1:8765/callback';
const password = 'correct horse battery';
const app = 'openid-client test';
// http is allowed only because the dev issuer is on loopback.
const options = { execute: [client.allowInsecureRequests, client.enableNonRepudiationChecks] };
const registration = {
  client_name: app, client_uri: 'https://openid-client.test.openmeet.example/', application_type: 'native',
  redirect_uris: [redirectUri], token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'],
};

/** A device id as a Matrix app makes one (10 to 255 characters), and the scopes for a session on it. */
const newDevice = () => randomBytes(8).toString('hex').toUpperCase();
const matrixScope = (device) => `openid urn:matrix:client:api:* urn:matrix:client:device:${device}`;

/** Client authentication as Synapse does it at the introspection endpoint: the shared secret as a bearer token, no client_id. */
const bearer = (secret) => (_as, _client, _body, headers) => {
  headers.set('authorization', `Bearer ${secret}`);
};

/** Synapse as an introspecting party, with the given client authentication (bearer sends no client id). */
function homeserver(config, auth) {
  const synapse = new client.Configuration(config.serverMetadata(), 'synapse-homeserver', {}, auth);
  client.allowInsecureRequests(synapse);
  return synapse;
}

const whoami = (token) => fetch(`${hs}/_matrix/client/v3/account/whoami`, { headers: { authorization: `Bearer ${token}` } });

/** The code flow's start: a URL for a new device with PKCE S256, state and nonce, and the checks to finish with. */
async function authorizationUrl(config, parameters = {}) {
  const device = newDevice();
  const pkceCodeVerifier = client.randomPKCECodeVerifier();
  const checks = { pkceCodeVerifier, expectedState: client.randomState(), expectedNonce: client.randomNonce(), idTokenExpected: true };
  const url = client.buildAuthorizationUrl(config, {
    redirect_uri: redirectUri,
    scope: matrixScope(device),
    code_challenge: await client.calculatePKCECodeChallenge(pkceCodeVerifier),
    code_challenge_method: 'S256',
    state: checks.expectedState,
    nonce: checks.expectedNonce,
    ...parameters,
  });
  return { url, checks, device };
}

/** A person signs in to a new device through our pages (login, consent); the callback the issuer sent the browser to. */
async function signIn(config, person) {
  const { url, checks, device } = await authorizationUrl(config);
  const browser = new Browserless();
  const callback = new URL(await signInAndAllow(browser, url.href, person, app));
  assert.equal(`${callback.origin}${callback.pathname}`, redirectUri);
  return { callback, checks, device, browser };
}

/** Asserts that a library call fails with an OAuth error answer: its status and error code. */
async function refused(call, status, error) {
  await assert.rejects(call, (err) => {
    const challenge = err instanceof client.WWWAuthenticateChallengeError ? err.cause[0]?.parameters : err;
    assert.equal(err.status, status, `${err.name}: ${err.message}`);
    assert.equal(challenge?.error, error, `${err.name}: ${err.message}`);
    return true;
  });
}

describe('openid-client against the issuer as Synapse\'s auth service', { timeout: 180_000 }, () => {
  const handle = fresh('oc.');
  let person;
  let config;
  let session;

  before(async () => {
    assert.equal(env('OIDC_MODE'), 'matrix_auth_service', 'run against synapse/dev.sh up --auth-service');
    const tenant = fresh('mas');
    await putInternal(`tenants/${tenant}`, { name: `openid-client ${tenant}` });
    await putInternal(`tenants/${tenant}/users/olga`, { name: 'Olga', handle, password });
    person = { tenant, user: 'olga', password };
  });

  it('discovers the issuer, and Synapse\'s auth_metadata and the host\'s root serve the same document', async () => {
    const metadata = (await client.discovery(issuer, 'nobody-yet', {}, client.None(), options)).serverMetadata();
    assert.equal(metadata.issuer, issuer.href);
    assert.equal(metadata.registration_endpoint, `${issuer.href}/oauth2/register`);
    assert.equal(metadata.introspection_endpoint, `${issuer.href}/oauth2/introspect`);
    assert.equal(metadata.revocation_endpoint, `${issuer.href}/oauth2/revoke`);
    assert.equal(metadata.account_management_uri, `${issuer.href}/account`);
    assert.deepEqual(metadata.code_challenge_methods_supported, ['S256']);
    assert.deepEqual(metadata.response_types_supported, ['code']);
    assert.equal(metadata.authorization_response_iss_parameter_supported, true);
    for (const grant of ['authorization_code', 'refresh_token']) {
      assert.ok(metadata.grant_types_supported.includes(grant), grant);
    }
    for (const scope of ['openid', 'urn:matrix:client:api:*']) {
      assert.ok(metadata.scopes_supported.includes(scope), scope);
    }

    const synapse = await fetch(`${hs}/_matrix/client/v1/auth_metadata`);
    assert.equal(synapse.status, 200);
    assert.deepEqual(await synapse.json(), { ...metadata }, 'Synapse serves the issuer\'s own metadata');
    const root = await fetch(new URL('/.well-known/openid-configuration', issuer));
    assert.deepEqual(await root.json(), { ...metadata }, 'the same document at the host\'s root');
  });

  // Registrations are 30 a minute from an address, and matrix-js-sdk's test takes 8 of them: one
  // here, one refused below. (The same metadata giving the same client: AuthServiceRegistrationTests.)
  it('registers a public native client: no secret, auth method none, its loopback redirect URI', async () => {
    config = await client.dynamicClientRegistration(issuer, registration, client.None(), options);
    const registered = config.clientMetadata();
    assert.match(registered.client_id, /^\S{8,}$/);
    assert.equal(registered.client_secret, undefined, 'a public client gets no secret');
    assert.equal(registered.token_endpoint_auth_method, 'none');
    assert.equal(registered.application_type, 'native');
    assert.equal(registered.client_name, app);
    assert.equal(registered.client_uri, registration.client_uri);
    assert.deepEqual(registered.redirect_uris, [redirectUri]);
    assert.deepEqual(registered.grant_types, ['authorization_code', 'refresh_token']);
    assert.deepEqual(registered.response_types, ['code']);
    assert.ok(Math.abs(registered.client_id_issued_at - Date.now() / 1000) < 3600, `client_id_issued_at ${registered.client_id_issued_at}`);
  });

  it('refuses to register a confidential client', async () => {
    const confidential = { ...registration, token_endpoint_auth_method: 'client_secret_basic' };
    await refused(client.dynamicClientRegistration(issuer, confidential, client.ClientSecretBasic(), options), 400, 'invalid_client_metadata');
  });

  it('signs someone in with the code flow, PKCE S256 and the Matrix scopes: Synapse knows the person and the device', async () => {
    const { callback, checks, device, browser } = await signIn(config, person);
    assert.equal(callback.searchParams.get('iss'), issuer.href, 'RFC 9207 iss in the authorization response');
    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    assert.equal(tokens.token_type.toLowerCase(), 'bearer');
    assert.ok(tokens.access_token && tokens.refresh_token, 'the API scope brings a refresh token');
    assert.ok(tokens.expires_in > 0 && tokens.expires_in <= 300, `access tokens live 5 minutes: expires_in ${tokens.expires_in}`);
    const claims = tokens.claims();
    assert.equal(claims.iss, issuer.href);
    assert.ok([claims.aud].flat().includes(config.clientMetadata().client_id));
    assert.equal(claims.nonce, checks.expectedNonce);
    assert.equal(claims.preferred_username, handle);

    const me = await whoami(tokens.access_token);
    assert.equal(me.status, 200);
    assert.deepEqual(await me.json(), { user_id: `@${handle}:${env('SERVER_NAME')}`, device_id: device, is_guest: false });
    session = { tokens, device, claims, browser };
  });

  it('answers Synapse\'s introspection (the secret as a bearer token): active, the localpart, the scope with the device', async () => {
    const synapse = homeserver(config, bearer(env('MAS_SECRET')));
    const answer = await client.tokenIntrospection(synapse, session.tokens.access_token);
    assert.equal(answer.active, true);
    assert.equal(answer.username, handle, 'username is the localpart');
    assert.equal(answer.sub, session.claims.sub);
    assert.equal(answer.client_id, config.clientMetadata().client_id);
    const scopes = answer.scope.split(' ');
    for (const scope of ['urn:matrix:client:api:*', `urn:matrix:client:device:${session.device}`,
      'urn:matrix:org.matrix.msc2967.client:api:*', `urn:matrix:org.matrix.msc2967.client:device:${session.device}`]) {
      assert.ok(scopes.includes(scope), `${scope} in ${answer.scope}`);
    }
    assert.ok(answer.expires_in > 0 && answer.expires_in <= 300, `expires_in ${answer.expires_in}`);

    const refresh = await client.tokenIntrospection(synapse, session.tokens.refresh_token);
    assert.equal(refresh.active, false, 'a refresh token is not one Synapse may accept');
  });

  it('refuses introspection without the secret, with a wrong one, and to the registered public client', async () => {
    const token = session.tokens.access_token;
    await refused(client.tokenIntrospection(homeserver(config, client.None()), token), 401, 'invalid_client');
    await refused(client.tokenIntrospection(homeserver(config, bearer(`not-${env('MAS_SECRET')}`)), token), 401, 'invalid_client');
    await refused(client.tokenIntrospection(config, token), 400, 'unauthorized_client');
  });

  it('refreshes: a new access token for the same device; a refresh token used twice is refused, and the tokens it gave with it', async () => {
    const refreshed = await client.refreshTokenGrant(config, session.tokens.refresh_token);
    assert.ok(refreshed.access_token && refreshed.access_token !== session.tokens.access_token);
    assert.ok(refreshed.refresh_token && refreshed.refresh_token !== session.tokens.refresh_token, 'a new refresh token: each works once');
    assert.equal(refreshed.claims()?.sub, session.claims.sub);
    const me = await (await whoami(refreshed.access_token)).json();
    assert.equal(me.device_id, session.device, 'the same device after a refresh');

    await refused(client.refreshTokenGrant(config, session.tokens.refresh_token), 400, 'invalid_grant');
    // Used again, a refresh token is taken as stolen: the chain it started is revoked, and its session
    // ends in Synapse at once, whatever Synapse remembers of the newest access token.
    await refused(client.refreshTokenGrant(config, refreshed.refresh_token), 400, 'invalid_grant');
    const synapse = homeserver(config, bearer(env('MAS_SECRET')));
    assert.equal((await client.tokenIntrospection(synapse, refreshed.access_token)).active, false);
    assert.equal((await whoami(refreshed.access_token)).status, 401);
  });

  it('signs out by revocation: introspection says inactive, Synapse refuses the token at once, the refresh token is refused', async () => {
    const { callback, checks } = await signIn(config, person);
    const tokens = await client.authorizationCodeGrant(config, callback, checks);
    assert.equal((await whoami(tokens.access_token)).status, 200);

    await client.tokenRevocation(config, tokens.access_token, { token_type_hint: 'access_token' });
    const answer = await client.tokenIntrospection(homeserver(config, bearer(env('MAS_SECRET'))), tokens.access_token);
    assert.equal(answer.active, false);
    assert.equal((await whoami(tokens.access_token)).status, 401, 'the device is gone, whatever Synapse remembers of the token');
    await refused(client.refreshTokenGrant(config, tokens.refresh_token), 400, 'invalid_grant');
  });

  it('refuses a code with the wrong PKCE verifier, and a code used twice', async () => {
    const other = await signIn(config, person);
    const wrong = { ...other.checks, pkceCodeVerifier: client.randomPKCECodeVerifier() };
    await refused(client.authorizationCodeGrant(config, other.callback, wrong), 400, 'invalid_grant');

    const once = await signIn(config, person);
    await client.authorizationCodeGrant(config, once.callback, once.checks);
    await refused(client.authorizationCodeGrant(config, once.callback, once.checks), 400, 'invalid_grant');
  });

  // RFC 6749 4.1.2.1: the client and its redirect_uri are good, so the error goes back to the client,
  // with state and iss, which the library checks before it reads the error.
  it('sends a request without PKCE, one with Synapse\'s admin scope, and prompt=none for a new device back with the error', async () => {
    const noPkce = await authorizationUrl(config);
    noPkce.url.searchParams.delete('code_challenge');
    noPkce.url.searchParams.delete('code_challenge_method');
    const admin = await authorizationUrl(config);
    admin.url.searchParams.set('scope', `${admin.url.searchParams.get('scope')} urn:synapse:admin:*`);
    const silent = await authorizationUrl(config, { prompt: 'none' });
    for (const [request, browser, error] of [[noPkce, new Browserless(), 'invalid_request'], [admin, new Browserless(), 'invalid_scope'],
      [silent, session.browser, 'consent_required']]) {
      const back = new URL(await browser.follow(request.url.href));
      assert.equal(`${back.origin}${back.pathname}`, redirectUri, error);
      assert.equal(back.searchParams.get('code'), null, error);
      await assert.rejects(client.authorizationCodeGrant(config, back, request.checks), (err) => {
        assert.ok(err instanceof client.AuthorizationResponseError, `${error}: ${err.name}: ${err.message}`);
        assert.equal(err.error, error);
        return true;
      });
    }
  });

  it('shows an error page, never a redirect, for a redirect URI the client did not register', async () => {
    const { url } = await authorizationUrl(config, { redirect_uri: 'http://127.0.0.1:9999/evil' });
    const response = await new Browserless().send(url.href);
    assert.equal(response.status, 400);
    assert.equal(response.headers.get('location'), null);
    assert.match(await response.text(), /redirect_uri/);
  });
});
