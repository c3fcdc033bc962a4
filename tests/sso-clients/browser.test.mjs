// A real browser (Debian's Chromium through Playwright) signs in to Synapse with OpenMeet the way a
// person in a Matrix client does: Synapse's SSO redirect, our login page, the handle picker (a taken
// handle first), back through Synapse to the client with a login token. Screenshots of each page go to
// $SCREENSHOT_DIR; one run is on a phone-sized screen to check the pages are readable there.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { env, fresh, screenshotDir, tenantWith } from './stack.mjs';

const hs = env('HOMESERVER_URL');
const publicUrl = env('PUBLIC_URL');
const done = 'http://localhost/sso-done';
const ssoStart = `${hs}/_matrix/client/v3/login/sso/redirect/oidc-openmeet?redirectUrl=${encodeURIComponent(done)}`;
const password = 'correct horse battery';
const shots = screenshotDir();

/**
 * Chromium from Debian (never a downloaded one), headless, with a fresh profile that is removed afterwards.
 * Nothing listens at the Matrix client's address (http://localhost/, port 80), and Playwright's route()
 * is never called for a request that is the target of a redirect (Synapse's last hop is a 302), so a
 * tiny server stands in for the client and Chromium resolves localhost:80 to it.
 */
async function launch(options = {}) {
  const client = createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end('<!doctype html><meta name="viewport" content="width=device-width"><title>Matrix client</title>'
      + '<h1 style="font-family: system-ui, sans-serif">Back in the Matrix client</h1>');
  });
  await new Promise((resolve) => client.listen(0, '127.0.0.1', resolve));
  const profile = mkdtempSync(join(tmpdir(), 'sso-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM_PATH || '/usr/bin/chromium',
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync', `--host-resolver-rules=MAP localhost:80 127.0.0.1:${client.address().port}`],
    ...options,
  });
  return {
    context,
    close: async () => {
      await context.close();
      client.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

async function matrix(path, { token, body } = {}) {
  const response = await fetch(`${hs}/_matrix/client/v3/${path}`, {
    method: body ? 'POST' : 'GET',
    headers: { ...(token && { authorization: `Bearer ${token}` }), ...(body && { 'content-type': 'application/json' }) },
    body: body && JSON.stringify(body),
  });
  const json = await response.json();
  assert.ok(response.ok, `${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

/** From Synapse's SSO redirect (as a Matrix client starts it) to our login page. */
async function openLogin(page) {
  await page.goto(ssoStart);
  assert.ok(page.url().startsWith(`${publicUrl}/oidc/login?returnUrl=`), `Synapse sent the browser to our login page, not ${page.url()}`);
  await page.getByRole('heading', { name: 'Sign in to Matrix with OpenMeet' }).waitFor();
}

async function submitLogin(page, tenant, user) {
  await page.getByLabel('Community').fill(tenant);
  await page.getByLabel('User name').fill(user);
  await page.getByLabel('Password').fill(password);
  await Promise.all([page.waitForURL(/\/oidc\/handle\?returnUrl=/), page.getByRole('button', { name: 'Sign in' }).click()]);
}

/** Submits the handle picker and returns the status of the page it answers with. */
async function submitHandle(page, handle) {
  await page.getByLabel('Handle').fill(handle);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === `${publicUrl}/oidc/handle` && r.request().method() === 'POST'),
    page.getByRole('button', { name: 'Use this handle' }).click(),
  ]);
  return response.status();
}

/** Does what leads back through Synapse to the Matrix client; says where the browser got stuck if it does not. */
async function backToClient(page, action) {
  const hops = [];
  const log = (response) => hops.push(`${response.status()} ${response.url().split('?')[0]}`);
  page.on('response', log);
  try {
    await Promise.all([page.waitForURL(`${done}?loginToken=*`, { timeout: 15_000 }), action()]);
  } catch (err) {
    await page.screenshot({ path: join(shots, 'stuck.png'), fullPage: true });
    const text = (await page.locator('body').innerText().catch(() => '')).slice(0, 300);
    throw new Error(`the browser never got back to the client: ${hops.join(' -> ')}; the page says: ${text}`, { cause: err });
  } finally {
    page.off('response', log);
  }
}

/** What a phone needs: the viewport meta, no sideways scrolling, fields inside the screen, text big enough. */
async function assertReadableOnPhone(page, what) {
  const layout = await page.evaluate(() => ({
    viewportMeta: document.querySelector('meta[name="viewport"]')?.content ?? '',
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
    controls: [...document.querySelectorAll('input:not([type="hidden"]), button, .button, h1, p, li')].map((e) => {
      const box = e.getBoundingClientRect();
      return { tag: `${e.tagName.toLowerCase()}#${e.id}`, left: box.left, right: box.right, fontSize: parseFloat(getComputedStyle(e).fontSize) };
    }),
  }));
  assert.match(layout.viewportMeta, /width=device-width/, `${what}: viewport meta`);
  assert.ok(layout.scrollWidth <= layout.innerWidth, `${what}: no sideways scrolling (${layout.scrollWidth} > ${layout.innerWidth})`);
  for (const c of layout.controls) {
    assert.ok(c.left >= 0 && c.right <= layout.innerWidth, `${what}: ${c.tag} inside the screen (${c.left}..${c.right})`);
    assert.ok(c.fontSize >= (c.tag.startsWith('input') ? 16 : 13), `${what}: ${c.tag} text of ${c.fontSize}px is too small on a phone`);
  }
}

// Bounded: a browser that never starts fails the suite rather than stalling it.
describe('a browser signs in to Synapse with OpenMeet', { timeout: 180_000 }, () => {
  let browser;
  before(async () => { browser = await launch({ viewport: { width: 1024, height: 768 } }); });
  after(async () => { await browser?.close(); });

  it('logs in, is refused a taken handle, picks a free one and gets that Matrix ID', async () => {
    const taken = fresh('taken.');
    const chosen = fresh('nia.');
    const tenant = await tenantWith({
      nia: { name: 'Nia Browser', password },
      taker: { name: 'Taker', handle: taken },
    });
    const page = await browser.context.newPage();

    await openLogin(page);
    await page.screenshot({ path: join(shots, 'login.png'), fullPage: true });
    await submitLogin(page, tenant, 'nia');

    await page.getByRole('heading', { name: 'Choose your Matrix handle' }).waitFor();
    assert.match(await page.locator('main').innerText(), /Hello Nia Browser/);
    await page.screenshot({ path: join(shots, 'handle.png'), fullPage: true });

    assert.equal(await submitHandle(page, taken), 409);
    const problem = await page.locator('#problem').innerText();
    assert.match(problem, /is taken/, 'the picker says why');
    assert.match(await page.locator('main').innerText(), /Free:/, 'and offers free handles');
    assert.equal(await page.getByLabel('Handle').inputValue(), taken, 'what was typed stays in the field');
    await page.screenshot({ path: join(shots, 'handle-taken.png'), fullPage: true });

    await page.getByLabel('Handle').fill(chosen);
    await page.locator('#live').filter({ hasText: 'is free' }).waitFor({ timeout: 5000 });
    await backToClient(page, () => page.getByRole('button', { name: 'Use this handle' }).click());
    await page.screenshot({ path: join(shots, 'done.png'), fullPage: true });

    const loginToken = new URL(page.url()).searchParams.get('loginToken');
    assert.ok(loginToken, 'Synapse hands the client a login token');
    const login = await matrix('login', { body: { type: 'm.login.token', token: loginToken } });
    const whoami = await matrix('account/whoami', { token: login.access_token });
    assert.equal(whoami.user_id, `@${chosen}:${env('SERVER_NAME')}`);
  });

  it('signs in with OpenMeet through the demo stack\'s stand-in for OpenMeet\'s login page', async () => {
    const standIn = env('OPENMEET_LOGIN_URL');
    const health = await fetch(new URL('/health', standIn)).catch(() => null);
    assert.ok(health?.ok, `nothing answers at ${standIn}: the stand-in runs with synapse/dev.sh up --demo`);
    // Someone OpenMeet knows and the issuer does not yet: the assertion makes them.
    const tenant = await tenantWith({});
    const chosen = fresh('quinn.');
    // A browser nobody signed in with yet: the issuer's session of the test before would carry it through.
    await browser.context.clearCookies();
    const page = await browser.context.newPage();

    await openLogin(page);
    await Promise.all([page.waitForURL(`${standIn}?*`), page.getByRole('link', { name: 'Sign in with OpenMeet' }).click()]);
    await page.getByLabel('Community').fill(tenant);
    await page.getByLabel('Person').fill('quinn');
    await page.screenshot({ path: join(shots, 'openmeet-standin.png'), fullPage: true });
    await Promise.all([page.waitForURL(/\/oidc\/handle\?returnUrl=/), page.getByRole('button', { name: 'Continue to Matrix' }).click()]);

    await page.getByRole('heading', { name: 'Choose your Matrix handle' }).waitFor();
    assert.match(await page.locator('main').innerText(), /Hello quinn/);
    await page.getByLabel('Handle').fill(chosen);
    await backToClient(page, () => page.getByRole('button', { name: 'Use this handle' }).click());

    const loginToken = new URL(page.url()).searchParams.get('loginToken');
    const login = await matrix('login', { body: { type: 'm.login.token', token: loginToken } });
    const whoami = await matrix('account/whoami', { token: login.access_token });
    assert.equal(whoami.user_id, `@${chosen}:${env('SERVER_NAME')}`);
  });
});

describe('the sign-in pages on a phone', { timeout: 120_000 }, () => {
  let phone;
  before(async () => {
    phone = await launch({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  });
  after(async () => { await phone?.close(); });

  it('shows the login page and the handle picker readable on a 390x844 screen', async () => {
    const tenant = await tenantWith({ omar: { name: 'Omar Onthephone-With-A-Long-Name', password } });
    const page = await phone.context.newPage();

    await openLogin(page);
    await assertReadableOnPhone(page, 'login page');
    await page.screenshot({ path: join(shots, 'login-phone.png'), fullPage: true });

    // By its name, as people know their community (tenantWith names it so), not by its id.
    await submitLogin(page, `SSO clients ${tenant}`, 'omar');
    await page.getByRole('heading', { name: 'Choose your Matrix handle' }).waitFor();
    assert.equal(await submitHandle(page, 'admin'), 409, 'a reserved handle is refused');
    await assertReadableOnPhone(page, 'handle picker with an error');
    await page.screenshot({ path: join(shots, 'handle-phone.png'), fullPage: true });
  });
});
