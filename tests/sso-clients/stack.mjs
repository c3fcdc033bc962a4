// What the tests share: the dev stack's addresses (from `synapse/dev.sh env`), OpenMeet's internal API
// to create people, and a cookie-keeping fetch that walks our sign-in pages one redirect at a time.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export function env(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run with the dev stack's env, set -a; source <(bash synapse/dev.sh env); set +a`);
  }
  return value.replace(/\/+$/, '');
}

/** A fresh, valid id (tenant id, slug or handle part): the stack's data persists between runs. */
export const fresh = (prefix) => `${prefix}${randomBytes(4).toString('hex')}`;

/** PUT to OpenMeet's internal API (desired state); throws with the answer unless it is 2xx. */
export async function putInternal(path, body) {
  const response = await fetch(`${env('INTERNAL_URL')}/internal/${path}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${env('INTERNAL_TOKEN')}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (!response.ok) {
    throw new Error(`PUT /internal/${path}: ${response.status} ${await response.text()}`);
  }
}

/** A new tenant with the given people: { slug: { name, password?, handle? } }. Returns the tenant id. */
export async function tenantWith(people) {
  const tenant = fresh('sso');
  await putInternal(`tenants/${tenant}`, { name: `SSO clients ${tenant}` });
  for (const [slug, person] of Object.entries(people)) {
    await putInternal(`tenants/${tenant}/users/${slug}`, person);
  }
  return tenant;
}

export const screenshotDir = () => {
  const dir = process.env.SCREENSHOT_DIR || join(import.meta.dirname, '..', '..', '.dev', 'test-results', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
};

/**
 * fetch that never follows redirects and keeps cookies per host by hand, as a browser would. (Node's fetch
 * keeps none; Synapse's cookie is Secure, which no HTTP client returns over http by itself.)
 */
export class Browserless {
  #jars = new Map();

  async send(url, { method = 'GET', form } = {}) {
    const target = new URL(url);
    const jar = this.#jars.get(target.host) ?? new Map();
    this.#jars.set(target.host, jar);
    const headers = {};
    if (jar.size > 0) {
      headers.cookie = [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    let body;
    if (form) {
      headers['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    }
    const response = await fetch(target, { method, headers, body, redirect: 'manual' });
    for (const cookie of response.headers.getSetCookie()) {
      const [pair] = cookie.split(';');
      const eq = pair.indexOf('=');
      jar.set(pair.slice(0, eq).trim(), pair.slice(eq + 1));
    }
    return response;
  }

  /** Where a redirect answer sends the browser, absolute; throws if the answer is not a redirect. */
  static async location(response, from) {
    if (![301, 302, 303, 307, 308].includes(response.status)) {
      throw new Error(`expected a redirect from ${from}, got ${response.status}: ${(await response.text()).slice(0, 500)}`);
    }
    return new URL(response.headers.get('location'), from).href;
  }

  async follow(url) {
    return Browserless.location(await this.send(url), url);
  }

  /** The page's hidden fields (the CSRF token, the return address). */
  static hidden(html) {
    const fields = {};
    for (const m of html.matchAll(/<input type="hidden" name="([^"]*)" value="([^"]*)">/g)) {
      fields[decode(m[1])] = decode(m[2]);
    }
    return fields;
  }

  /** Loads the form at `page` and posts it to `action` with `fields` filled in; returns the answer. */
  async submit(page, action, fields) {
    const html = await (await this.send(page)).text();
    return this.send(new URL(action, page).href, { method: 'POST', form: { ...Browserless.hidden(html), ...fields } });
  }
}

/**
 * The person's steps in the browser for an app that registered itself with the auth service (up
 * --auth-service): from the authorization URL to our login page, signed in there, then our consent
 * page, which names the app, allowed. Returns where the issuer sends the browser back to.
 */
export async function signInAndAllow(browser, url, { tenant, user, password }, app) {
  const login = await browser.follow(url);
  assert.match(login, /\/oidc\/login\?returnUrl=/, 'not signed in yet: to the login page');
  const authorize = await Browserless.location(await browser.submit(login, '/oidc/login', { tenant, user, password }), login);
  const consent = await browser.follow(authorize);
  assert.match(consent, /\/oidc\/consent\?returnUrl=/, 'a client that registered itself is asked about first');
  assert.ok((await (await browser.send(consent)).text()).includes(app), `the consent page names ${app}`);
  const again = await Browserless.location(await browser.submit(consent, '/oidc/consent', { answer: 'allow' }), consent);
  return browser.follow(again);
}

const decode = (text) =>
  text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_, e) =>
    e[0] === '#' ? String.fromCodePoint(e[1] === 'x' || e[1] === 'X' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10))
      : { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[e.toLowerCase()]);
