// Whether Synapse holds what the tenant should have, read with the bench's own admin token: every
// room has its members invited or joined (and nobody else but its creator), their power levels, and
// is a child of the tenant's space, which has every person of the tenant invited or joined.
import { synapse, escape, pool } from "./http.js";

const ACTIVE = new Set(["invite", "join"]);

async function state(token, roomId) {
  const { state } = await synapse(token, "GET", `/_synapse/admin/v1/rooms/${escape(roomId)}/state`);
  return new Map(state.map((e) => [`${e.type}|${e.state_key}`, e]));
}

function creators(events) {
  const create = events.get("m.room.create|");
  return new Set([create?.sender, ...(create?.content.additional_creators ?? [])].filter(Boolean));
}

/**
 * rooms: [{roomId, label, members: Map userId → level}]; space: {roomId, members: [userId]}.
 * Returns {ok, problems, lastTs}: lastTs is the newest origin_server_ts among the events that make
 * the state right (members, power levels, space children), i.e. when Synapse had the last of it.
 */
export async function verify(token, rooms, space) {
  const problems = [];
  let lastTs = 0;
  const use = (event) => {
    if (event) lastTs = Math.max(lastTs, event.origin_server_ts);
  };
  const missing = rooms.filter((r) => !r.roomId);
  if (missing.length) problems.push(`${missing.length} rooms have no room id yet (first: ${missing[0].label})`);
  if (!space.roomId) return { ok: false, problems: [...problems, "the tenant has no space yet"], lastTs };

  const spaceState = await state(token, space.roomId);
  const spaceCreators = creators(spaceState);
  for (const userId of space.members) {
    const member = spaceState.get(`m.room.member|${userId}`);
    if (!ACTIVE.has(member?.content.membership)) problems.push(`space: ${userId} is ${member?.content.membership ?? "absent"}`);
    if (!spaceCreators.has(userId)) use(member);
  }

  await pool(rooms.filter((r) => r.roomId), 4, async (room) => {
    const events = await state(token, room.roomId);
    const roomCreators = creators(events);
    const levels = events.get("m.room.power_levels|")?.content ?? {};
    use(events.get("m.room.power_levels|"));
    for (const [userId, level] of room.members) {
      const member = events.get(`m.room.member|${userId}`);
      if (!ACTIVE.has(member?.content.membership)) problems.push(`${room.label}: ${userId} is ${member?.content.membership ?? "absent"}`);
      use(member);
      const actual = levels.users?.[userId] ?? levels.users_default ?? 0;
      if (actual !== level) problems.push(`${room.label}: ${userId} has level ${actual}, wanted ${level}`);
    }
    for (const [key, event] of events) {
      const [type, userId] = key.split("|");
      if (type === "m.room.member" && ACTIVE.has(event.content.membership) && !room.members.has(userId) && !roomCreators.has(userId)) {
        problems.push(`${room.label}: ${userId} is ${event.content.membership} but not a member`);
      }
    }
    for (const [userId, level] of Object.entries(levels.users ?? {})) {
      if (!room.members.has(userId) && !roomCreators.has(userId) && level !== (levels.users_default ?? 0)) {
        problems.push(`${room.label}: ${userId} has level ${level} but is not a member`);
      }
    }
    const child = spaceState.get(`m.space.child|${room.roomId}`);
    if (!child?.content.via) problems.push(`${room.label}: not a child of the space`);
    use(child);
  });
  return { ok: problems.length === 0, problems, lastTs };
}
