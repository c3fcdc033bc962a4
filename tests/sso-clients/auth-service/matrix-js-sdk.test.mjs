// matrix-js-sdk 37.5 signs in OAuth-natively (next-generation Matrix auth: MSC3861, MSC2964-2967)
// against the dev stack run as `synapse/dev.sh up --auth-service`, where our issuer is Synapse's
// matrix_authentication_service: discovery through Synapse's auth_metadata, dynamic registration, the
// authorization code with PKCE (our login and consent pages walked as a browser would, by HTTP), the
// token exchange; then whoami with the SDK's device, a joined managed room, a message sent by one person
// and received by another through sync; a refreshed token, and a reused one ending the session; the
// account page signing the session out and allowing a cross-signing reset; a revoked person's client
// refused.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { Browserless, env, fresh, putInternal, signInAndAllow } from '../stack.mjs';

/** The browser storage oidc-client-ts keeps its sign-in state in; nothing else of a browser is needed. */
class MemoryStorage {
  #items = new Map();
  get length() { return this.#items.size; }
  key(i) { return [...this.#items.keys()][i] ?? null; }
  getItem(k) { return this.#items.has(k) ? this.#items.get(k) : null; }
  setItem(k, v) { this.#items.set(k, String(v)); }
  removeItem(k) { this.#items.delete(k); }
  clear() { this.#items.clear(); }
}

// Nothing listens at the redirect URI: the code is read from the redirect, as a native app would.
const redirectUri = 'http://127.0.0.1:8765/callback';
globalThis.window ??= { sessionStorage: new MemoryStorage(), localStorage: new MemoryStorage(), location: { origin: 'http://127.0.0.1:8765', href: redirectUri } };
const sdk = await import('matrix-js-sdk');

const hs = env('HOMESERVER_URL');
const password = 'correct horse battery';

/** The internal API's view of a managed room, once it exists. */
async function roomOf(tenant, kind, slug) {
  for (let i = 0; i < 120; i++) {
    const response = await fetch(`${env('INTERNAL_URL')}/internal/tenants/${tenant}/${kind}/${slug}/room`, {
      headers: { authorization: `Bearer ${env('INTERNAL_TOKEN')}` },
    });
    const room = response.ok ? await response.json() : null;
    if (room?.state === 'ready' && room.roomId) {
      return room.roomId;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(`${tenant}/${kind}/${slug} never got ready`);
}

const whoami = (token) => fetch(`${hs}/_matrix/client/v3/account/whoami`, { headers: { authorization: `Bearer ${token}` } });

const token = (form) => fetch(`${env('OIDC_ISSUER')}/token`, {
  method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(form),
});

/** The token OpenMeet's web client holds: HS256 with the stack's OpenMeet key, sub and tenant_id, a session id. */
function openMeetToken(tenant, sub, sid) {
  const part = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const now = Math.floor(Date.now() / 1000);
  const body = `${part({ alg: 'HS256', typ: 'JWT' })}.${part({ iss: env('OPENMEET_JWT_ISSUER'), aud: env('OPENMEET_JWT_AUDIENCE'), sub, tenant_id: tenant, sid, iat: now, exp: now + 300 })}`;
  return `${body}.${createHmac('sha256', Buffer.from(env('OPENMEET_JWT_SECRET'), 'utf8')).update(body).digest('base64url')}`;
}

/** Waits for a condition a sync brings (a timeline event), at most 30 s. */
function eventually(client, event, test) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${event} matched within 30 s`)), 30_000);
    const listener = (...args) => {
      if (test(...args)) {
        clearTimeout(timer);
        client.off(event, listener);
        resolve(args);
      }
    };
    client.on(event, listener);
  });
}

/**
 * What a Matrix app does to sign someone in: discovery from the homeserver, registration, the
 * authorization URL, the person's steps in the browser (password, consent), the code for tokens.
 */
async function signIn(tenant, user) {
  const metadata = await sdk.createClient({ baseUrl: hs }).getAuthMetadata();
  const clientId = await sdk.registerOidcClient(metadata, {
    clientName: 'matrix-js-sdk test', clientUri: 'https://js-sdk.test.openmeet.example/', applicationType: 'native',
    redirectUris: [redirectUri], contacts: [],
  });
  const url = await sdk.generateOidcAuthorizationUrl({ metadata, redirectUri, clientId, homeserverUrl: hs, nonce: fresh('nonce') });
  const deviceId = new URL(url).searchParams.get('scope').match(/device:(\S+)/)[1];

  const browser = new Browserless();
  const back = new URL(await signInAndAllow(browser, url, { tenant, user, password }, 'matrix-js-sdk test'));
  assert.equal(`${back.origin}${back.pathname}`, redirectUri);

  const { tokenResponse, idTokenClaims } = await sdk.completeAuthorizationCodeGrant(back.searchParams.get('code'), back.searchParams.get('state'));
  return { metadata, clientId, deviceId, tokenResponse, idTokenClaims, browser };
}

describe('matrix-js-sdk signs in OAuth-natively against the issuer as Synapse\'s auth service', { timeout: 240_000 }, () => {
  let tenant;
  let roomId;
  const clients = [];
  const handles = { ola: fresh('ola.'), pia: fresh('pia.') };

  before(async () => {
    assert.equal(env('OIDC_MODE'), 'matrix_auth_service', 'run against synapse/dev.sh up --auth-service');
    tenant = fresh('mas');
    await putInternal(`tenants/${tenant}`, { name: `Auth service ${tenant}` });
    for (const [slug, handle] of Object.entries(handles)) {
      await putInternal(`tenants/${tenant}/users/${slug}`, { name: slug, handle, password });
    }
    await putInternal(`tenants/${tenant}/events/chat`, { name: 'Chat', visibility: 'private' });
    await putInternal(`tenants/${tenant}/events/chat/members/ola`, { role: 'host' });
    await putInternal(`tenants/${tenant}/events/chat/members/pia`, { role: 'participant' });
    roomId = await roomOf(tenant, 'events', 'chat');
  });

  after(() => { for (const client of clients) client.stopClient(); });

  it('discovers the issuer through Synapse, signs in, syncs, joins, and sends to someone who receives it', async () => {
    const ola = await signIn(tenant, 'ola');
    const olaClient = sdk.createClient({ baseUrl: hs, accessToken: ola.tokenResponse.access_token, deviceId: ola.deviceId });
    const whoami = await olaClient.whoami();
    assert.equal(whoami.user_id, `@${handles.ola}:${env('SERVER_NAME')}`);
    assert.equal(whoami.device_id, ola.deviceId, 'the device of the SDK\'s device scope');

    const pia = await signIn(tenant, 'pia');
    const piaClient = sdk.createClient({ baseUrl: hs, accessToken: pia.tokenResponse.access_token, deviceId: pia.deviceId, userId: `@${handles.pia}:${env('SERVER_NAME')}` });
    clients.push(piaClient);
    await piaClient.joinRoom(roomId);
    const received = eventually(piaClient, 'Room.timeline', (event) => event.getType() === 'm.room.message' && event.getContent().body === 'hello from matrix-js-sdk');
    await piaClient.startClient({ initialSyncLimit: 5 });

    olaClient.credentials.userId = whoami.user_id;
    await olaClient.joinRoom(roomId);
    await olaClient.sendTextMessage(roomId, 'hello from matrix-js-sdk');
    const [event] = await received;
    assert.equal(event.getSender(), whoami.user_id);
  });

  it('refreshes its token with the SDK\'s refresher', async () => {
    const ola = await signIn(tenant, 'ola');
    const refresher = new sdk.OidcTokenRefresher(ola.metadata.issuer, ola.clientId, redirectUri, ola.deviceId, ola.idTokenClaims);
    await refresher.oidcClientReady;
    const refreshed = await refresher.doRefreshAccessToken(ola.tokenResponse.refresh_token);
    assert.notEqual(refreshed.accessToken, ola.tokenResponse.access_token);
    const me = await sdk.createClient({ baseUrl: hs, accessToken: refreshed.accessToken }).whoami();
    assert.equal(me.device_id, ola.deviceId, 'the same device after a refresh');

    // The refresh token it was given before works once: used again (a stolen copy), it is refused, and
    // the session ends in Synapse at once, the newest token too, whatever Synapse remembers of it.
    const reused = await token({ grant_type: 'refresh_token', refresh_token: ola.tokenResponse.refresh_token, client_id: ola.clientId });
    assert.equal(reused.status, 400);
    assert.equal((await reused.json()).error, 'invalid_grant');
    assert.equal((await whoami(refreshed.accessToken)).status, 401, 'the chain\'s device is deleted');
  });

  it('signs out by revoking its token, which ends the session in Synapse at once', async () => {
    const ola = await signIn(tenant, 'ola');
    const access = ola.tokenResponse.access_token;
    assert.equal((await whoami(access)).status, 200);

    const revoked = await fetch(ola.metadata.revocation_endpoint, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: access, token_type_hint: 'access_token', client_id: ola.clientId }),
    });
    assert.equal(revoked.status, 200);
    assert.equal((await whoami(access)).status, 401, 'the device is gone, whatever Synapse remembers of the token');
  });

  it('is signed out from the account page Synapse links to, which ends its session in Synapse at once', async () => {
    const ola = await signIn(tenant, 'ola');
    assert.equal((await whoami(ola.tokenResponse.access_token)).status, 200);
    const list = await (await ola.browser.send(`${ola.metadata.account_management_uri}?action=org.matrix.sessions_list`)).text();
    assert.match(list, /matrix-js-sdk test/);
    assert.ok(list.includes(ola.deviceId), 'the SDK\'s session is listed');

    // What Element opens to sign a session out (MSC4191), in the browser the person signed in with.
    const end = `${ola.metadata.account_management_uri}?action=org.matrix.session_end&device_id=${encodeURIComponent(ola.deviceId)}`;
    const done = await ola.browser.submit(end, '/oidc/account/sign-out', {});
    assert.equal(done.status, 200, await done.text());
    assert.equal((await whoami(ola.tokenResponse.access_token)).status, 401);
  });

  it('resets its cross-signing keys once the person allowed it on the account page', async () => {
    const ola = await signIn(tenant, 'ola');
    const userId = `@${handles.ola}:${env('SERVER_NAME')}`;
    const masterKey = () => {
      const key = Buffer.from(generateKeyPairSync('ed25519').publicKey.export({ format: 'jwk' }).x, 'base64url').toString('base64').replace(/=+$/, '');
      return { user_id: userId, usage: ['master'], keys: { [`ed25519:${key}`]: key } };
    };
    const upload = (key) => fetch(`${hs}/_matrix/client/v3/keys/device_signing/upload`, {
      method: 'POST', headers: { authorization: `Bearer ${ola.tokenResponse.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ master_key: key }),
    });
    const first = await upload(masterKey());
    assert.equal(first.status, 200, `the first keys need no approval: ${await first.text()}`);

    // Replacing them does: Synapse sends the person to our account page (it has no other way in this mode).
    const replacement = masterKey();
    const refused = await upload(replacement);
    assert.equal(refused.status, 401);
    const url = (await refused.json()).params['m.oauth'].url;
    assert.equal(url, `${ola.metadata.account_management_uri}?action=org.matrix.cross_signing_reset`);
    assert.match(await (await ola.browser.send(url)).text(), /Reset your encryption identity\?/);
    const allowed = await ola.browser.submit(url, '/oidc/account/cross-signing-reset', {});
    assert.equal(allowed.status, 200, await allowed.text());

    const replaced = await upload(replacement);
    assert.equal(replaced.status, 200, await replaced.text());
  });

  it('gives the credential API\'s web session from the issuer, refreshable there, one device a session', async () => {
    const web = (session) => fetch(`${env('PUBLIC_URL')}/api/matrix/credentials`, {
      method: 'POST', headers: { authorization: `Bearer ${openMeetToken(tenant, 'pia', session)}` },
    });
    const first = await (await web('s1')).json();
    assert.equal(first.userId, `@${handles.pia}:${env('SERVER_NAME')}`, JSON.stringify(first));
    assert.equal(first.tokenEndpoint, `${env('OIDC_ISSUER')}/token`);
    const me = await (await whoami(first.accessToken)).json();
    assert.equal(me.device_id, first.deviceId);
    assert.equal((await (await web('s1')).json()).deviceId, first.deviceId, 'the same OpenMeet session, the same device');
    assert.notEqual((await (await web('s2')).json()).deviceId, first.deviceId, 'another session, another device');

    const refreshed = await token({ grant_type: 'refresh_token', refresh_token: first.refreshToken, client_id: first.clientId });
    assert.equal(refreshed.status, 200);
    assert.equal((await whoami((await refreshed.json()).access_token)).status, 200);

    // Only the credential API can use its grant.
    const forged = await token({ grant_type: 'urn:openmeet:params:oauth:grant-type:credential', client_id: 'openmeet-web', assertion: 'e30.e30.e30' });
    assert.equal((await forged.json()).error, 'invalid_grant');
  });

  it('refuses a revoked person\'s client at once', async () => {
    const ola = await signIn(tenant, 'ola');
    assert.equal((await whoami(ola.tokenResponse.access_token)).status, 200);
    const gone = await fetch(`${env('INTERNAL_URL')}/internal/tenants/${tenant}/users/ola`, {
      method: 'DELETE', headers: { authorization: `Bearer ${env('INTERNAL_TOKEN')}` },
    });
    assert.equal(gone.status, 202);
    for (let i = 0; i < 60 && (await whoami(ola.tokenResponse.access_token)).status !== 401; i++) {
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    assert.equal((await whoami(ola.tokenResponse.access_token)).status, 401);
  });
});

describe('what the auth service refuses', { timeout: 60_000 }, () => {
  const issuer = () => env('OIDC_ISSUER');

  it('refuses introspection and /_synapse/mas/ without the shared secret', async () => {
    const introspect = (headers) => fetch(`${issuer()}/oauth2/introspect`, {
      method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: 'token=x&token_type_hint=access_token',
    });
    assert.equal((await introspect({ authorization: 'Bearer not-the-secret-0123456789abcdef0123' })).status, 401);
    const good = await introspect({ authorization: `Bearer ${env('MAS_SECRET')}` });
    assert.equal(good.status, 200);
    assert.equal((await good.json()).active, false, 'an unknown token is not active');

    const provision = (headers) => fetch(`${hs}/_synapse/mas/provision_user`, {
      method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ localpart: 'intruder' }),
    });
    assert.equal((await provision({ authorization: 'Bearer not-the-secret-0123456789abcdef0123' })).status, 403);
    assert.equal((await provision({})).status, 401);
  });

  it('refuses an unknown client and an unregistered redirect with a page, and a request without PKCE at the client', async () => {
    const { client_id: clientId } = await (await fetch(`${issuer()}/oauth2/register`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_name: 'negative', client_uri: 'https://negative.test.openmeet.example/', redirect_uris: [redirectUri], application_type: 'native', token_endpoint_auth_method: 'none', grant_types: ['authorization_code', 'refresh_token'], response_types: ['code'] }),
    })).json();
    const authorize = (params) => fetch(`${issuer()}/authorize?${new URLSearchParams({ response_type: 'code', scope: 'openid urn:matrix:client:api:*', state: 's', ...params })}`, { redirect: 'manual' });

    const unknown = await authorize({ client_id: 'nobody', redirect_uri: redirectUri, code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    assert.equal(unknown.status, 400);
    assert.equal(unknown.headers.get('location'), null);
    const elsewhere = await authorize({ client_id: clientId, redirect_uri: 'http://127.0.0.1:9999/evil', code_challenge: 'x'.repeat(43), code_challenge_method: 'S256' });
    assert.equal(elsewhere.status, 400);
    assert.equal(elsewhere.headers.get('location'), null);
    const noPkce = await authorize({ client_id: clientId, redirect_uri: redirectUri });
    assert.equal(new URL(noPkce.headers.get('location')).searchParams.get('error'), 'invalid_request');
  });
});
