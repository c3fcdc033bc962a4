// Synapse's access log (.dev/logs/synapse.log, INFO): one "Processed request" line per request, with
// who made it ({@user} or {None}), how long Synapse took, and the method and path. Requests are counted
// from here, not from the service, so the figures hold whatever the service's code looks like.
import { openSync, readSync, closeSync, statSync } from "node:fs";

const LINE =
  /^(\S+ \S+) - synapse\.access\.http\.\d+ - \d+ - \w+ - \S+ - \S+ - \d+ - \{([^}]*)\} Processed request: ([\d.]+)sec\/.* (\d{3}) "(\w+) (\S+) HTTP\/[\d.]+"/;

export const offset = (file) => statSync(file).size;

/** The requests Synapse finished between two offsets of its log. */
export function requests(file, from, to = offset(file)) {
  const fd = openSync(file, "r");
  const buffer = Buffer.alloc(to - from);
  readSync(fd, buffer, 0, buffer.length, from);
  closeSync(fd);
  const found = [];
  for (const line of buffer.toString("utf8").split("\n")) {
    const m = LINE.exec(line);
    if (m) {
      found.push({ requester: m[2], seconds: Number(m[3]), status: Number(m[4]), method: m[5], route: route(m[5], m[6]) });
    }
  }
  return found;
}

/** "PUT /_matrix/client/v3/rooms/%21abc/state/m.space.child/%21def" → "PUT /rooms/{roomId}/state/m.space.child/{stateKey}". */
export function route(method, path) {
  const parts = path.split("?")[0].split("/").map((p) => decodeURIComponent(p));
  const out = [];
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i];
    const before = out.at(-1);
    if (out.at(-2) === "state" || (out.at(-2) === "send" && i === parts.length - 1)) {
      out.push(out.at(-2) === "state" ? "{stateKey}" : "{txnId}");
    } else if (part.startsWith("!")) out.push("{roomId}");
    else if (part.startsWith("@")) out.push("{userId}");
    else if (part.startsWith("#")) out.push("{alias}");
    else if (part.startsWith("$")) out.push("{eventId}");
    else if (before === "appservice" && out.at(-2) === "v1") out.push("{appserviceId}");
    else out.push(part);
  }
  const text = out.join("/").replace(/^\/_matrix\/client\/(v3|v1|r0)/, "");
  return `${method} ${text}`;
}

/** Requests by route, busiest first: [{route, count, seconds}] with `seconds` Synapse's time on them. */
export function byRoute(list) {
  const routes = new Map();
  for (const r of list) {
    const entry = routes.get(r.route) ?? { route: r.route, count: 0, seconds: 0, failed: 0 };
    entry.count++;
    entry.seconds += r.seconds;
    if (r.status >= 400) entry.failed++;
    routes.set(r.route, entry);
  }
  return [...routes.values()].sort((a, b) => b.count - a.count || a.route.localeCompare(b.route));
}
