// Change latency seen by a Matrix client (issue 14, "Measure" 3). An observing member of a managed
// room syncs with matrix-js-sdk; BENCH_CHANGES times, OpenMeet changes another member's role through
// the internal API (promote, demote, in turn) and the bench times from just before the PUT until the
// observer's client has the new power level. Then the message path: a second member sends
// BENCH_MESSAGES messages, each timed until the observer's client has it, with the service running,
// with it stopped (SIGTERM to its pid), and with it running again. Run through bench/synapse/run.sh latency.
import { createHmac } from "node:crypto";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import * as sdk from "matrix-js-sdk";
import { logger } from "matrix-js-sdk/lib/logger.js";
import { internal, call, metrics, sleep, stack } from "./lib/http.js";
import { sample, used } from "./lib/cpu.js";

logger.setLevel("error");
const number = (name, fallback) => Number(process.env[name] ?? fallback);
const config = { changes: number("BENCH_CHANGES", 100), messages: number("BENCH_MESSAGES", 100), gap: number("BENCH_GAP_MS", 200) };
const stamp = new Date().toISOString().replace(/\D/g, "").slice(2, 14);
const tenant = `bl${stamp}`;
const room = `tenants/${tenant}/events/latency`;
const say = (text) => console.log(`==> ${text}`);

const base64url = (value) => Buffer.from(typeof value === "string" ? value : JSON.stringify(value)).toString("base64url");

/** An OpenMeet token for a person (HS256 with the dev stack's secret), as OpenMeet's API issues them. */
function openMeetToken(slug) {
  const now = Math.floor(Date.now() / 1000);
  const body = `${base64url({ alg: "HS256", typ: "JWT" })}.${base64url({
    sub: slug, tenant_id: tenant, name: slug, sid: `bench-${slug}`,
    iss: process.env.OPENMEET_JWT_ISSUER, aud: process.env.OPENMEET_JWT_AUDIENCE, iat: now, exp: now + 3600,
  })}`;
  return `${body}.${createHmac("sha256", process.env.OPENMEET_JWT_SECRET).update(body).digest("base64url")}`;
}

/** A synced matrix-js-sdk client for a person, with the session the service's credential API gives them. */
async function client(slug) {
  const { json: c } = await call("POST", `${stack.public()}/api/matrix/credentials`, openMeetToken(slug), {});
  const matrix = sdk.createClient({
    baseUrl: c.homeserverUrl,
    userId: c.userId,
    deviceId: c.deviceId,
    accessToken: c.accessToken,
    refreshToken: c.refreshToken ?? undefined,
    tokenRefreshFunction: async (refreshToken) => {
      const { json } = await call("POST", `${c.homeserverUrl}/_matrix/client/v3/refresh`, null, { refresh_token: refreshToken });
      return { accessToken: json.access_token, refreshToken: json.refresh_token, expiry: json.expires_in_ms ? new Date(Date.now() + json.expires_in_ms) : undefined };
    },
  });
  const prepared = new Promise((resolve) => matrix.on(sdk.ClientEvent.Sync, (s) => s === "PREPARED" && resolve()));
  await matrix.startClient({ initialSyncLimit: 1 });
  await prepared;
  return matrix;
}

/** Resolves with performance.now() the first time `test(...)` holds for one of `emitter`'s `event`s. */
function when(emitter, event, test, what, seconds = 30) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      emitter.off(event, listener);
      reject(new Error(`${what}: not seen within ${seconds} s`));
    }, seconds * 1000);
    const listener = (...args) => {
      if (!test(...args)) return;
      const at = performance.now();
      clearTimeout(timer);
      emitter.off(event, listener);
      resolve(at);
    };
    emitter.on(event, listener);
  });
}

/** Waits until the service has an empty reconcile queue and has sent Synapse nothing, nor been sent anything, for a second. */
async function serviceQuiet() {
  let last = -1;
  let since = Date.now();
  for (;;) {
    const m = await metrics();
    const count = `${m.get("openmeet_synapse_requests_total")} ${m.get("openmeet_transactions_stored_total")}`;
    if (count !== last || m.get("openmeet_reconcile_queue") > 0) [last, since] = [count, Date.now()];
    if (Date.now() - since >= 1000) return;
    await sleep(100);
  }
}

// Each series is timed with the CPU everything took meanwhile (the service's pid changes at its restart).
async function measured(name, run) {
  process.env.APPSERVICE_PID = readFileSync(`${process.env.DEV_DIR}/pids/appservice.pid`, "utf8").trim();
  const from = sample();
  const times = await run();
  const to = sample();
  return { ...stats(name, times), cpu: used(from, to), seconds: (to.at - from.at) / 1000 };
}

const stats = (name, ms) => {
  const sorted = [...ms].sort((a, b) => a - b);
  const rank = (p) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
  return { name, n: sorted.length, min: sorted[0], p50: rank(50), p95: rank(95), max: sorted.at(-1), mean: sorted.reduce((a, b) => a + b, 0) / sorted.length };
};

let lastSent = null;
async function messages(label, sender, observer, roomId) {
  const times = [];
  for (let i = 0; i < config.messages; i++) {
    const body = `${tenant} ${label} ${i}`;
    const seen = when(observer, sdk.RoomEvent.Timeline, (event, r, toStart) =>
      !toStart && event.getRoomId() === roomId && event.getType() === "m.room.message" && event.getContent().body === body, body);
    const t0 = performance.now();
    lastSent = (await sender.sendTextMessage(roomId, body)).event_id;
    times.push((await seen) - t0);
    await sleep(config.gap);
  }
  return times;
}

// Only the service the dev stack started, found by its pid file, and only if it is that process.
function stopService() {
  const dev = process.env.DEV_DIR;
  const pid = Number(readFileSync(`${dev}/pids/appservice.pid`, "utf8").trim());
  if (!readFileSync(`/proc/${pid}/cmdline`, "utf8").includes("OpenMeet.AppService.dll")) throw new Error(`pid ${pid} is not the service`);
  process.kill(pid, "SIGTERM");
  return pid;
}

async function gone(pid) {
  for (let i = 0; i < 150; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await sleep(100);
  }
  throw new Error(`the service (pid ${pid}) did not stop within 15 s`);
}

const startStack = () => execFileSync("bash", [process.env.DEV_SH, "up"], { stdio: ["ignore", "ignore", "inherit"] });

say(`tenant ${tenant}: one event room; ${config.changes} role changes, ${config.messages} messages per run, ${config.gap} ms between`);
await internal("PUT", `tenants/${tenant}`, { name: `Bench ${tenant}` });
for (const slug of ["host", "observer", "target", "sender"]) {
  await internal("PUT", `tenants/${tenant}/users/${slug}`, { name: slug, handle: `${tenant}.${slug}` });
}
await internal("PUT", room, { name: "Latency", visibility: "private" });
for (const [slug, role] of [["host", "host"], ["observer", "participant"], ["target", "participant"], ["sender", "participant"]]) {
  await internal("PUT", `${room}/members/${slug}`, { role });
}
let roomId = null;
for (let i = 0; !roomId; i++) {
  const report = await internal("GET", `${room}/room`);
  if (report.state === "ready" && report.drift.length === 0) roomId = report.roomId;
  else if (i > 600) throw new Error(`the room did not converge within 60 s: ${JSON.stringify(report)}`);
  else await sleep(100);
}
const target = `@${tenant}.target:${stack.serverName()}`;
const observer = await client("observer");
const sender = await client("sender");
for (const c of [observer, sender]) {
  const joined = when(c, sdk.RoomEvent.MyMembership, (r, membership) => r.roomId === roomId && membership === "join", "join");
  await c.joinRoom(roomId);
  await joined;
}
say(`observer and sender joined ${roomId}`);
await serviceQuiet();

const levelOf = (content) => content.users?.[target] ?? content.users_default ?? 0;
const changes = [];
async function roleChanges() {
  for (let i = 0; i < config.changes; i++) {
    const [role, level] = i % 2 === 0 ? ["moderator", 50] : ["participant", 0];
    const seen = when(observer, sdk.RoomStateEvent.Events, (event) =>
      event.getRoomId() === roomId && event.getType() === "m.room.power_levels" && levelOf(event.getContent()) === level, `change ${i} to ${role}`);
    const t0 = performance.now();
    await internal("PUT", `${room}/members/target`, { role });
    changes.push((await seen) - t0);
    await sleep(config.gap);
  }
  return changes;
}

const results = [await measured("role change -> power level seen (goal p50 < 100, p95 < 200)", roleChanges)];
say("role changes done; messages with the service running");
await serviceQuiet();
results.push(await measured("message, service running", () => messages("running", sender, observer, roomId)));

say("stopping the service (SIGTERM)");
try {
  await gone(stopService());
  results.push(await measured("message, service stopped", () => messages("stopped", sender, observer, roomId)));
} finally {
  say("starting the service again (synapse/dev.sh up)");
  startStack();
}
// Synapse keeps what the service missed and delivers it after the restart, one transaction at a time
// and after a back-off: wait for the last message of the outage to reach the service, so that the
// series below is not Synapse catching up.
const backlog = Date.now();
while (!(await internal("GET", "status")).recentEvents.some((e) => e.eventId === lastSent)) {
  if (Date.now() - backlog > 180_000) throw new Error("Synapse did not deliver the outage's messages to the service within 180 s");
  await sleep(250);
}
say(`Synapse delivered the outage's backlog to the service after ${((Date.now() - backlog) / 1000).toFixed(1)} s`);
await serviceQuiet();
results.push(await measured("message, service running again", () => messages("again", sender, observer, roomId)));
observer.stopClient();
sender.stopClient();

const pad = (text, n) => String(text).padEnd(n);
const ms = (v) => pad(v.toFixed(1), 9);
const version = JSON.parse(readFileSync(new URL("./node_modules/matrix-js-sdk/package.json", import.meta.url), "utf8")).version;
console.log(`\ntenant ${tenant}, room ${roomId}, observer ${observer.getUserId()}, matrix-js-sdk ${version}`);
const share = (r, key) => pad(`${Math.round((100 * r.cpu[key]) / r.seconds)}%`, 9);
console.log(`${pad("what (ms)", 62)}${pad("n", 6)}${["min", "p50", "p95", "max", "mean"].map((h) => pad(h, 9)).join("")}CPU: Synapse, service, others (% of a core)`);
for (const r of results) {
  console.log(`${pad(r.name, 62)}${pad(r.n, 6)}${ms(r.min)}${ms(r.p50)}${ms(r.p95)}${ms(r.max)}${ms(r.mean)}${share(r, "synapse")}${share(r, "service")}${share(r, "others")}`);
}
console.log(`\nrole changes, in order (ms): ${changes.map((v) => v.toFixed(0)).join(" ")}`);
process.exit(0);
