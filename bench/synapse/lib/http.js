// HTTP to the dev stack: the service's internal API and /metrics, and Synapse (client and admin API).
// Node's fetch keeps connections alive, as the service's HttpClient does.
import { randomBytes } from "node:crypto";

const env = (name) => {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run through bench/synapse/run.sh (it sources synapse/dev.sh env)`);
  }
  return value;
};

export const stack = {
  homeserver: () => env("HOMESERVER_URL"),
  serverName: () => env("SERVER_NAME"),
  internal: () => env("INTERNAL_URL"),
  public: () => env("PUBLIC_URL"),
};

/** One request; throws with the answer unless it is 2xx (or listed in `ok`). */
export async function call(method, url, token, body, ok = []) {
  const headers = {};
  if (token) headers.Authorization = `Bearer ${token}`;
  if (body !== undefined) headers["Content-Type"] = "application/json";
  const response = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  const text = await response.text();
  if (!response.ok && !ok.includes(response.status)) {
    throw new Error(`${method} ${url.replace(/\?.*/, "")} answered ${response.status} ${text.slice(0, 300)}`);
  }
  return { status: response.status, json: text ? JSON.parse(text) : null };
}

/** The internal API (OpenMeet's side): `internal("PUT", "tenants/x", {...})`. */
export const internal = async (method, path, body) =>
  (await call(method, `${stack.internal()}/internal/${path}`, env("INTERNAL_TOKEN"), body)).json;

/** Synapse with a given access token: `synapse(token, "GET", "/_matrix/client/v3/...")`. */
export const synapse = async (token, method, path, body) => (await call(method, stack.homeserver() + path, token, body)).json;

/** The service's /metrics as name (with labels) → number. */
export async function metrics() {
  const response = await fetch(`${stack.internal()}/metrics`);
  const values = new Map();
  for (const line of (await response.text()).split("\n")) {
    const match = /^([a-zA-Z_:][^ ]*) ([-+0-9.eE]+|NaN)$/.exec(line);
    if (match) values.set(match[1], Number(match[2]));
  }
  return values;
}

export const escape = encodeURIComponent;

/**
 * A Synapse admin of the bench's own, created with the stack's server admin token and signed in with
 * a password (an admin's login-as-user token would act as the server admin in Synapse's log). The
 * bench never uses the service's tokens (the bot's, the server admin's) during a measurement, so
 * Synapse's log tells the service's requests from the bench's by who made them.
 */
export async function benchAdmin(localpart) {
  const userId = `@${localpart}:${stack.serverName()}`;
  const password = randomBytes(18).toString("base64url");
  await synapse(env("ADMIN_ACCESS_TOKEN"), "PUT", `/_synapse/admin/v2/users/${escape(userId)}`, { admin: true, displayname: localpart, password });
  const login = await synapse(null, "POST", "/_matrix/client/v3/login", {
    type: "m.login.password",
    identifier: { type: "m.id.user", user: localpart },
    password,
    initial_device_display_name: "openmeet bench",
  });
  return { userId, token: login.access_token };
}

/** Runs `work` over `items` with at most `limit` in flight; the first error stops it. */
export async function pool(items, limit, work) {
  let next = 0;
  const runner = async () => {
    while (next < items.length) {
      const item = items[next++];
      await work(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, runner));
}

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
