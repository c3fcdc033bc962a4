// A stand-in for OpenMeet's own login page, for the dev stack's demo (synapse/dev.sh up --demo) only.
//
// "Sign in with OpenMeet" on the issuer's login page sends the browser here with redirect_uri, state
// and nonce. OpenMeet's real page signs its person in and sends the browser back (GET) to redirect_uri
// with the state and an assertion: a JWT signed with the key the service trusts, for the audience of
// the issuer, echoing the nonce (docs/integration.md has the format). This page does the same with the
// dev stack's HS256 key, and vouches for whoever is typed in: never run it where people sign in for real.
//
// Node 20 or later, no packages. Listens on 127.0.0.1 only. Configured by the environment:
//   STANDIN_PORT (8011), OIDC_ISSUER, OPENMEET_JWT_SECRET, OPENMEET_JWT_ISSUER.
import { createHmac, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';

const port = Number(process.env.STANDIN_PORT || 8011);
const issuer = required('OIDC_ISSUER').replace(/\/+$/, '');
const secret = required('OPENMEET_JWT_SECRET');
const jwtIssuer = required('OPENMEET_JWT_ISSUER');
// The only place assertions go: the issuer's own callback, never an address a request names.
const callback = `${issuer}/openmeet/callback`;
const people = [['alice', 'Alice Demo'], ['bob', 'Bob Demo'], ['carol', 'Carol Demo']];

function required(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`openmeet-login: ${name} is not set`);
    process.exit(2);
  }
  return value;
}

const base64url = (data) => Buffer.from(data).toString('base64url');
const escape = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** OpenMeet's assertion: HS256, at most a minute of life, the nonce of this sign-in, a fresh jti. */
function assertion({ tenant, user, name, nonce }, now = Math.floor(Date.now() / 1000)) {
  const claims = { iss: jwtIssuer, aud: issuer, sub: user, tenant_id: tenant, nonce, jti: randomUUID(), iat: now, nbf: now, exp: now + 50 };
  if (name) {
    claims.name = name;
  }
  const signed = `${base64url(JSON.stringify({ alg: 'HS256', typ: 'JWT' }))}.${base64url(JSON.stringify(claims))}`;
  return `${signed}.${createHmac('sha256', Buffer.from(secret, 'utf8')).update(signed).digest('base64url')}`;
}

function page(response, status, title, body) {
  response.writeHead(status, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store', 'x-frame-options': 'DENY' });
  response.end(`<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>${escape(title)} · OpenMeet (demo)</title>
<style>
  body { font-family: system-ui, sans-serif; margin: 0; background: #fff7ec; color: #1c1e21; }
  main { max-width: 26rem; margin: 3rem auto; background: #fff; padding: 1.5rem 1.75rem; border-radius: .75rem; box-shadow: 0 1px 4px #0002; }
  h1 { font-size: 1.35rem; margin-top: 0; }
  label { display: block; margin: .9rem 0 .3rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; font-size: 1rem; padding: .6rem; border: 1px solid #bbb; border-radius: .4rem; }
  button { margin-top: 1.2rem; font-size: 1rem; padding: .65rem 1.2rem; border: 0; border-radius: .4rem; background: #d9713a; color: #fff; cursor: pointer; }
  .note { background: #fff1d6; padding: .6rem .8rem; border-radius: .4rem; font-size: .9rem; }
  .error { background: #fdecea; color: #8a1c10; padding: .6rem .8rem; border-radius: .4rem; }
  @media (max-width: 30rem) { main { margin: 0; border-radius: 0; box-shadow: none; min-height: 100vh; } }
</style></head><body><main><h1>${escape(title)}</h1>${body}</main></body></html>`);
}

const refuse = (response, message) => page(response, 400, 'Cannot sign in here', `<p class="error">${escape(message)}</p>`);

/** The hand-off's fields, checked: the issuer's callback, a state and a nonce of sane size. */
function handoff(fields) {
  const [redirect, state, nonce] = ['redirect_uri', 'state', 'nonce'].map((k) => fields.get(k) ?? '');
  if (redirect !== callback) {
    return { problem: `This page sends people back to ${callback} only, not to "${redirect}".` };
  }
  if (!state || state.length > 16384 || !nonce || nonce.length > 200) {
    return { problem: 'This sign-in lacks its state or nonce: start again from your Matrix app.' };
  }
  return { state, nonce };
}

function showForm(response, { state, nonce }) {
  const quick = people.map(([slug, name]) => `<option value="${slug}">${escape(name)}</option>`).join('');
  page(response, 200, 'OpenMeet', `<p class="note">A stand-in for OpenMeet's login page on the dev stack: it signs in whoever you name, without a password.</p>
<form method="post" action="/matrix-login">
<input type="hidden" name="redirect_uri" value="${escape(callback)}">
<input type="hidden" name="state" value="${escape(state)}">
<input type="hidden" name="nonce" value="${escape(nonce)}">
<label for="tenant">Community</label>
<input id="tenant" name="tenant" value="demo" required>
<label for="user">Person</label>
<input id="user" name="user" value="alice" list="people" required>
<datalist id="people">${quick}</datalist>
<button type="submit">Continue to Matrix</button>
</form>`);
}

async function readForm(request) {
  let body = '';
  for await (const chunk of request) {
    body += chunk;
    if (body.length > 65536) {
      return null;
    }
  }
  return new URLSearchParams(body);
}

const server = createServer(async (request, response) => {
  const url = new URL(request.url, `http://127.0.0.1:${port}`);
  if (url.pathname === '/health') {
    response.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  if (url.pathname !== '/matrix-login' || !['GET', 'POST'].includes(request.method)) {
    page(response, 404, 'Not here', '<p>This stand-in serves /matrix-login only.</p>');
    return;
  }
  const fields = request.method === 'GET' ? url.searchParams : await readForm(request);
  if (!fields) {
    refuse(response, 'That form is too large.');
    return;
  }
  const checked = handoff(fields);
  if (checked.problem) {
    refuse(response, checked.problem);
    return;
  }
  if (request.method === 'GET') {
    showForm(response, checked);
    return;
  }
  const tenant = (fields.get('tenant') ?? '').trim();
  const user = (fields.get('user') ?? '').trim();
  if (!/^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$/.test(tenant) || !/^[A-Za-z0-9][A-Za-z0-9._~-]{0,99}$/.test(user)) {
    refuse(response, 'The community and the person are OpenMeet ids: letters, digits and . _ ~ -');
    return;
  }
  const name = people.find(([slug]) => slug === user && tenant === 'demo')?.[1];
  const token = assertion({ tenant, user, name, nonce: checked.nonce });
  console.log(`${new Date().toISOString()} signed ${user} of ${tenant} in`);
  // Back as OpenMeet does it: a top-level GET, which carries the issuer's SameSite=Lax hand-off cookie.
  response.writeHead(303, { location: `${callback}?assertion=${encodeURIComponent(token)}&state=${encodeURIComponent(checked.state)}`, 'cache-control': 'no-store' });
  response.end();
});

server.listen(port, '127.0.0.1', () => console.log(`openmeet-login: OpenMeet's login stand-in on http://127.0.0.1:${port}/matrix-login, for ${issuer}`));
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => { server.close(() => process.exit(0)); server.closeAllConnections(); });
}
