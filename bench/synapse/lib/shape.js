// The tenant both sides build: ROOMS rooms (events and groups in turn, every third one public) of
// MEMBERS members each, drawn from USERS people; in every room the first three members have
// non-zero roles. The role change: the fourth member of every room becomes a moderator.

// The service's default mapping (config.example.yaml, reconciler.power_levels); the dev stack keeps it.
const LEVELS = {
  event: { host: 100, moderator: 50, speaker: 25, participant: 0 },
  group: { owner: 100, admin: 75, moderator: 50, member: 0 },
};
const ROLES = { event: ["host", "moderator", "speaker"], group: ["owner", "admin", "moderator"] };
const PLAIN = { event: "participant", group: "member" };

export const PROMOTED = 3;

export function shape({ users, rooms, members }) {
  if (members > users) throw new Error(`BENCH_MEMBERS (${members}) exceeds BENCH_USERS (${users})`);
  const stride = Math.floor(users / members);
  const list = [];
  for (let i = 0; i < rooms; i++) {
    const kind = i % 2 === 0 ? "event" : "group";
    const roomMembers = [];
    for (let k = 0; k < members; k++) {
      const role = ROLES[kind][k] ?? PLAIN[kind];
      roomMembers.push({ user: (i * 13 + k * stride) % users, role, level: LEVELS[kind][role] });
    }
    list.push({ index: i, kind, slug: `r${String(i).padStart(4, "0")}`, public: i % 3 === 0, members: roomMembers });
  }
  return list;
}

/** The role change of phase 2, per room: which member, the new role and its level. */
export const promotion = (room) => ({ ...room.members[PROMOTED], role: "moderator", level: LEVELS[room.kind].moderator });

export const userSlug = (index) => `u${String(index).padStart(4, "0")}`;
