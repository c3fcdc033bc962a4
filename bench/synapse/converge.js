// Convergence against the real Synapse (issue 14, "Measure" 1). A fresh tenant of BENCH_ROOMS rooms x
// BENCH_MEMBERS members is loaded through the internal API, from empty until Synapse has all of it and
// the service's reconcile queue is empty; then one role change in every room. Then, in the same
// sitting, the minimal script builds the same shape with its own user. Requests are counted from
// Synapse's access log, by who made them. Run through bench/synapse/run.sh converge.
import { internal, metrics, benchAdmin, pool, sleep, stack, synapse, escape } from "./lib/http.js";
import { offset, requests, byRoute } from "./lib/synapse-log.js";
import { shape, promotion, userSlug, PROMOTED } from "./lib/shape.js";
import { verify } from "./lib/verify.js";
import { Minimal } from "./lib/minimal.js";
import { sample, used } from "./lib/cpu.js";

const number = (name, fallback) => Number(process.env[name] ?? fallback);
const config = {
  users: number("BENCH_USERS", 200),
  rooms: number("BENCH_ROOMS", 200),
  members: number("BENCH_MEMBERS", 20),
  concurrency: number("BENCH_CONCURRENCY", 8),
  timeout: number("BENCH_TIMEOUT", 1800) * 1000,
  quiet: number("BENCH_QUIET_MS", 1000),
};
const log = process.env.SYNAPSE_LOG;
const stamp = new Date().toISOString().replace(/\D/g, "").slice(2, 14);
const tenant = `bs${stamp}`;
const tenantName = `Bench ${tenant}`;
const rooms = shape(config);
const userId = (i) => `@${tenant}.${userSlug(i)}:${stack.serverName()}`;
const bot = `@${process.env.APPSERVICE_BOT ?? "openmeet-bot"}:${stack.serverName()}`;
const operator = process.env.ADMIN_MXID;

// The service's requests: made as the bot (or as someone through it), with the server admin token it
// is configured with, or unauthenticated (its reachability check). The bench uses none of these.
const isService = (r) => r.requester === "None" || r.requester.split("|").some((who) => who === bot || who === operator);

const say = (text) => console.log(`==> ${text}`);

/** Polls /metrics until the load is done, the queue is empty, the service has been quiet, and Synapse has it all. */
async function converged(t0, loaded, expected) {
  let queueZeroSince = null;
  let lastCount = -1;
  let lastChange = Date.now();
  let lastCheck = 0;
  let verdict = null;
  while (Date.now() - t0 < config.timeout) {
    const now = Date.now();
    const m = await metrics();
    const queue = m.get("openmeet_reconcile_queue") ?? 0;
    const count = m.get("openmeet_synapse_requests_total") ?? 0;
    if (count !== lastCount) [lastCount, lastChange] = [count, now];
    queueZeroSince = queue > 0 || !loaded.done ? null : (queueZeroSince ?? now);
    if (queueZeroSince && now - lastChange >= config.quiet && now - lastCheck >= 2000) {
      lastCheck = now;
      const verifiedAt = offset(log);
      const cpu = sample();
      verdict = await verify(checker.token, await expected(), space());
      if (verdict.ok) return { at: Math.max(verdict.lastTs, queueZeroSince), verifiedAt, cpu, queueZeroSince, lastTs: verdict.lastTs };
    }
    await sleep(100);
  }
  throw new Error(`not converged after ${config.timeout / 1000} s; ${verdict?.problems.length ?? "?"} problems, first: ${verdict?.problems.slice(0, 5).join("; ")}`);
}

let spaceId = null;
let spaceMembers = [];
const space = () => ({ roomId: spaceId, members: spaceMembers });

async function findSpace() {
  const { rooms: found } = await synapse(checker.token, "GET", `/_synapse/admin/v1/rooms?search_term=${escape(tenantName)}`);
  return found.find((r) => r.room_type === "m.space" && r.name === tenantName)?.room_id ?? null;
}

async function serviceExpectation(levelOf) {
  spaceId ??= await findSpace();
  const list = [];
  await pool(rooms, 4, async (room) => {
    const report = await internal("GET", `tenants/${tenant}/${room.kind}s/${room.slug}/room`);
    list.push({ roomId: report.roomId, label: `${room.kind} ${room.slug}`, members: new Map(room.members.map((m) => [userId(m.user), levelOf(room, m)])) });
  });
  return list;
}

async function servicePhase(name, writes, levelOf) {
  const from = offset(log);
  const before = (await metrics()).get("openmeet_synapse_requests_total");
  const loaded = { done: false };
  const cpu0 = sample();
  const t0 = Date.now();
  const load = writes().then(() => {
    loaded.done = true;
    loaded.at = Date.now();
  });
  const result = await Promise.race([converged(t0, loaded, () => serviceExpectation(levelOf)), load.then(() => new Promise(() => {}))]);
  await load;
  const list = requests(log, from, result.verifiedAt).filter(isService);
  const counted = (await metrics()).get("openmeet_synapse_requests_total") - before;
  return { name, t0, wall: (result.at - t0) / 1000, loaded: (loaded.at - t0) / 1000, requests: list, counted, ...result, cpu: used(cpu0, result.cpu) };
}

async function minimalPhase(name, minimal, work) {
  const from = offset(log);
  const before = minimal.requests;
  const cpu0 = sample();
  const t0 = Date.now();
  await work();
  const t1 = Date.now();
  const cpu = used(cpu0, sample());
  await sleep(200); // Synapse writes the access line just after answering
  const list = requests(log, from).filter((r) => r.requester === minimal.who);
  return { name, wall: (t1 - t0) / 1000, requests: list, counted: minimal.requests - before, cpu };
}

// The service's reachability check (GET /versions every few seconds) is not work for the tenant.
const REACHABILITY = "GET /_matrix/client/versions";
const tenantRequests = (p) => p.requests.filter((r) => r.route !== REACHABILITY);

function table(phases) {
  const lines = [];
  const pad = (text, n) => String(text).padEnd(n);
  const head = ["wall s", "requests", "Synapse CPU s", "service CPU s", "bench CPU s", "others CPU s"];
  lines.push(pad("phase", 40) + head.map((h) => pad(h, 15)).join(""));
  for (const p of phases) {
    const cells = [p.wall.toFixed(1), tenantRequests(p).length, p.cpu.synapse.toFixed(1), p.cpu.service.toFixed(1), p.cpu.bench.toFixed(1), p.cpu.others.toFixed(1)];
    lines.push(pad(p.name, 40) + cells.map((c) => pad(c, 15)).join(""));
  }
  return lines.join("\n");
}

function routes(phase) {
  const lines = [`${phase.name}: requests by route (count, sum of Synapse's time to answer them; concurrent requests overlap)`];
  for (const r of byRoute(phase.requests)) {
    lines.push(`  ${String(r.count).padStart(6)}  ${r.seconds.toFixed(1).padStart(7)} s  ${r.route}${r.failed ? `  (${r.failed} answered >= 400)` : ""}`);
  }
  return lines.join("\n");
}

const checker = await benchAdmin("openmeet-bench-check");
const minimalUser = await benchAdmin(`bm${stamp}`);
say(`tenant ${tenant}: ${config.rooms} rooms x ${config.members} members of ${config.users} people; ${config.concurrency} internal API writes in flight`);

const phases = [];
say("service, phase 1: load through the internal API until converged");
phases.push(await servicePhase("service: empty -> converged", async () => {
  await internal("PUT", `tenants/${tenant}`, { name: tenantName });
  await pool([...Array(config.users).keys()], config.concurrency, (i) =>
    internal("PUT", `tenants/${tenant}/users/${userSlug(i)}`, { name: `Bench person ${i}`, handle: `${tenant}.${userSlug(i)}` }));
  spaceMembers = [...Array(config.users).keys()].map(userId);
  await pool(rooms, config.concurrency, async (room) => {
    await internal("PUT", `tenants/${tenant}/${room.kind}s/${room.slug}`, { name: `${room.kind} ${room.slug}`, visibility: room.public ? "public" : "private" });
    for (const m of room.members) {
      await internal("PUT", `tenants/${tenant}/${room.kind}s/${room.slug}/members/${userSlug(m.user)}`, { role: m.role });
    }
  });
}, (room, m) => m.level));
say(`converged in ${phases[0].wall.toFixed(1)} s`);

say("service, phase 2: one role change in every room until converged");
phases.push(await servicePhase("service: a role change in every room", () =>
  pool(rooms, config.concurrency, (room) => {
    const change = promotion(room);
    return internal("PUT", `tenants/${tenant}/${room.kind}s/${room.slug}/members/${userSlug(change.user)}`, { role: change.role });
  }), (room, m) => (m === room.members[PROMOTED] ? promotion(room).level : m.level)));
say(`converged in ${phases[1].wall.toFixed(1)} s`);

say("minimal script, phase 1: the same shape, one call after the other");
const minimal = new Minimal(minimalUser.token, `bm${stamp}`, `Bench minimal ${stamp}`);
minimal.who = minimalUser.userId;
phases.push(await minimalPhase("minimal: empty -> converged", minimal, () => minimal.load(config.users, rooms)));
say("minimal script, phase 2: one power-levels PUT per room");
phases.push(await minimalPhase("minimal: a role change in every room", minimal, () => minimal.promote(rooms)));

// The minimal script's rooms pass the same check as the service's.
const minimalRooms = rooms.map((room) => ({
  roomId: minimal.roomIds.get(room.slug),
  label: `minimal ${room.slug}`,
  members: new Map(room.members.map((m, k) => [minimal.userId(m.user), k === PROMOTED ? promotion(room).level : m.level])),
}));
const check = await verify(checker.token, minimalRooms, { roomId: minimal.spaceId, members: [...Array(config.users).keys()].map((i) => minimal.userId(i)) });
if (!check.ok) throw new Error(`the minimal script's rooms are not right: ${check.problems.slice(0, 5).join("; ")}`);

const [load, change, minLoad, minChange] = phases;
const report = [
  `tenant ${tenant}: ${config.rooms} rooms x ${config.members} members of ${config.users} people; service's internal API writes ${config.concurrency} in flight`,
  `service phase 1: writes done after ${load.loaded.toFixed(1)} s; the last needed event at ${((load.lastTs - load.t0) / 1000).toFixed(1)} s`,
  "",
  table(phases),
  "",
  `ratio to the minimal script (wall time): phase 1 ${(load.wall / minLoad.wall).toFixed(2)}x, phase 2 ${(change.wall / minChange.wall).toFixed(2)}x (goal: at most 1.1x)`,
  `requests to Synapse against the minimal script's: phase 1 ${tenantRequests(load).length} vs ${tenantRequests(minLoad).length}, phase 2 ${tenantRequests(change).length} vs ${tenantRequests(minChange).length} (goal: equal)`,
  `(requests counted from Synapse's access log, the service's reachability checks (${REACHABILITY}) left out; the service's own counter,`,
  ` openmeet_synapse_requests_total, counted ${load.counted} and ${change.counted} with them, the log ${load.requests.length} and ${change.requests.length})`,
  "",
  ...phases.map(routes),
];
console.log(`\n${report.join("\n")}`);
