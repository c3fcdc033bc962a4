// The minimal script: exactly the Synapse calls the tenant needs, one after the other, with the
// bench's own user. Per person one account PUT; one createRoom for the space carrying its invites;
// per room one createRoom carrying name, join rule, history visibility, guest access, alias, parent,
// power levels and invites (as the service's createRoom does, plus the invites), then its
// m.space.child. The role change: one power-levels PUT per room.
import { synapse, escape, stack } from "./http.js";
import { promotion } from "./shape.js";

// Synapse's power levels for a private_chat room of version 12 (its creator is not in `users`),
// given in full at creation so that the role change can PUT them without reading them first.
const BASE_LEVELS = {
  ban: 50,
  events: {
    "m.room.avatar": 50,
    "m.room.canonical_alias": 50,
    "m.room.encryption": 100,
    "m.room.history_visibility": 100,
    "m.room.name": 50,
    "m.room.power_levels": 100,
    "m.room.server_acl": 100,
    "m.room.tombstone": 150,
  },
  events_default: 0,
  historical: 100,
  invite: 0,
  kick: 50,
  redact: 50,
  state_default: 50,
  users_default: 0,
};

const state = (type, content, stateKey = "") => ({ type, state_key: stateKey, content });

export class Minimal {
  constructor(token, prefix, tenant) {
    this.token = token;
    this.prefix = prefix;
    this.tenant = tenant;
    this.requests = 0;
    this.levels = new Map();
    this.roomIds = new Map();
    this.spaceId = null;
  }

  userId(index) {
    return `@${this.prefix}.u${String(index).padStart(4, "0")}:${stack.serverName()}`;
  }

  async call(method, path, body) {
    this.requests++;
    return synapse(this.token, method, path, body);
  }

  async load(users, rooms) {
    for (let i = 0; i < users; i++) {
      await this.call("PUT", `/_synapse/admin/v2/users/${escape(this.userId(i))}`, { displayname: `Bench person ${i}` });
    }
    const everyone = Array.from({ length: users }, (_, i) => this.userId(i));
    this.spaceId = (await this.call("POST", "/_matrix/client/v3/createRoom", {
      room_version: "12",
      preset: "private_chat",
      visibility: "private",
      name: this.tenant,
      creation_content: { type: "m.space" },
      initial_state: [state("m.room.history_visibility", { history_visibility: "shared" }), state("m.room.guest_access", { guest_access: "forbidden" })],
      invite: everyone,
    })).room_id;
    const via = [stack.serverName()];
    for (const room of rooms) {
      const users = Object.fromEntries(room.members.filter((m) => m.level !== 0).map((m) => [this.userId(m.user), m.level]));
      const levels = { ...BASE_LEVELS, users };
      const joinRules = room.public
        ? { join_rule: "restricted", allow: [{ type: "m.room_membership", room_id: this.spaceId }] }
        : { join_rule: "invite" };
      const { room_id: roomId } = await this.call("POST", "/_matrix/client/v3/createRoom", {
        room_version: "12",
        preset: "private_chat",
        visibility: "private",
        name: `${room.kind} ${room.slug}`,
        room_alias_name: `${this.prefix}.${room.kind}.${room.slug}`,
        initial_state: [
          state("m.room.history_visibility", { history_visibility: "shared" }),
          state("m.room.guest_access", { guest_access: "forbidden" }),
          state("m.room.join_rules", joinRules),
          state("m.space.parent", { via, canonical: true }, this.spaceId),
        ],
        power_level_content_override: levels,
        invite: room.members.map((m) => this.userId(m.user)),
      });
      this.roomIds.set(room.slug, roomId);
      this.levels.set(room.slug, levels);
      await this.call("PUT", `/_matrix/client/v3/rooms/${escape(this.spaceId)}/state/m.space.child/${escape(roomId)}`, { via });
    }
  }

  async promote(rooms) {
    for (const room of rooms) {
      const change = promotion(room);
      const levels = this.levels.get(room.slug);
      levels.users = { ...levels.users, [this.userId(change.user)]: change.level };
      await this.call("PUT", `/_matrix/client/v3/rooms/${escape(this.roomIds.get(room.slug))}/state/m.room.power_levels/`, levels);
    }
  }
}
