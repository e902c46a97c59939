import { SessionError } from "../errors.ts";
import { type DataFields, patchFields, toFields } from "./fields.ts";
import { assertStoreUser, wholeSeconds } from "./record.ts";
import { defineScript, type RedisScript } from "./redis-client.ts";
import {
  CLUSTER_CREATE_SCRIPT,
  CLUSTER_DELETE_SCRIPT,
  CLUSTER_INDEX_ADD_SCRIPT,
  CLUSTER_INDEX_DROP_SCRIPT,
  CLUSTER_INDEX_REMOVE_SCRIPT,
  CLUSTER_OWNER_SCRIPT,
  CLUSTER_UPDATE_SCRIPT,
} from "./redis-cluster-scripts.ts";
import type { SessionPatch, StoredSession } from "./types.ts";

/** What the cluster operations need from the store around them. */
export interface ClusterContext {
  key(id: string): string;
  userKey(user: string): string;
  /** A write script with its deadline (first argument, in the server's clock); -1 becomes `lateWrite`. */
  write(
    what: string,
    script: RedisScript,
    keys: string[],
    args: (string | number)[],
    deadline: number,
  ): Promise<unknown>;
  /** A script without a deadline (reads, and the listing's clean-up). */
  run(script: RedisScript, keys: string[], args: (string | number)[]): Promise<unknown>;
  hashFields(fields: DataFields): string[];
  fromHash(id: string, flat: readonly string[]): StoredSession | undefined;
  /** Turns a 0.1 record into a hash (single-node records copied into a cluster). */
  convert(id: string): Promise<void>;
}

/** Retries of an update whose owner changed between its read and its write. */
const OWNER_RACES = 5;
/** Owners remembered from reads and writes (a request reads its session before it updates it). */
const KNOWN_OWNERS = 10_000;
/** The deadline of the index repairs: none (they follow a write that has landed). */
const NO_DEADLINE = Number.MAX_SAFE_INTEGER;

/** A record's owner and time to live, as CLUSTER_OWNER_SCRIPT reads them. */
interface Ownership {
  readonly user: string | undefined;
  /** Seconds to live, 0 for none. */
  readonly ttl: number;
}

/**
 * The writes and the listing of redisStore on Redis Cluster, where a session
 * and its user's index live on different shards (see
 * redis-cluster-scripts.ts for how the index stays exact).
 */
export function clusterOperations(ctx: ClusterContext) {
  /**
   * The owner each recent session had when last seen ('' for none). Only a
   * guess: the update script checks it (-3 when it is wrong), so it saves the
   * read of the owner, never decides anything.
   */
  const known = new Map<string, string>();
  function remember(id: string, user: string | undefined): void {
    known.delete(id);
    known.set(id, user ?? "");
    if (known.size > KNOWN_OWNERS) known.delete(known.keys().next().value as string);
  }

  async function indexAdd(user: string, id: string, ttl: number, deadline: number): Promise<void> {
    await ctx.write("index", CLUSTER_INDEX_ADD_SCRIPT, [ctx.userKey(user)], [id, ttl], deadline);
  }

  async function ownership(id: string): Promise<Ownership | false> {
    const result = await ctx.run(CLUSTER_OWNER_SCRIPT, [ctx.key(id)], []);
    if (!Array.isArray(result)) return false;
    const [user, pttl] = result as [string, number];
    return { user: user === "" ? undefined : user, ttl: pttl > 0 ? Math.ceil(pttl / 1000) : 0 };
  }

  async function owner(id: string): Promise<string | undefined | false> {
    const found = await ownership(id);
    return found === false ? false : found.user;
  }

  /**
   * Makes `user`'s index hold `id` again, after a write that made `user` its
   * owner: a clean-up that ran between the write-ahead and the record write
   * may have taken it out. Its failure leaves what the write-ahead left.
   */
  async function reindex(user: string, id: string, ttl: number): Promise<void> {
    await ctx.run(CLUSTER_INDEX_ADD_SCRIPT, [ctx.userKey(user)], [NO_DEADLINE, id, ttl]).catch(() => {});
  }

  /**
   * Takes `id` out of `user`'s index once a write has ended its place there,
   * then reads the record: if a parallel write has made `user` its owner
   * again, the id goes back. It runs after a write that landed, so it never
   * fails that write: on an outage the id stays until a listing drops it.
   */
  async function unindex(user: string, id: string): Promise<void> {
    try {
      await ctx.run(CLUSTER_INDEX_DROP_SCRIPT, [ctx.userKey(user)], [id]);
      const now = await ownership(id);
      if (now !== false && now.user === user) await reindex(user, id, now.ttl);
    } catch {
      // A stale id is harmless: listings check each id against its record.
    }
  }

  return {
    /** Notes the owner of a record a read returned. */
    seen(id: string, record: StoredSession | undefined): void {
      if (record) remember(id, record.user);
      else known.delete(id);
    },

    async create(record: StoredSession, ttlSeconds: number | undefined, deadline: number): Promise<boolean> {
      const user = assertStoreUser(record.user);
      const fields = ctx.hashFields(toFields(record.data));
      const ttl = wholeSeconds(ttlSeconds) ?? 0;
      if (user !== undefined) await indexAdd(user, record.id, ttl, deadline);
      const args = [ttl, record.createdAt, user ?? "", ...fields];
      const created = (await ctx.write("create", CLUSTER_CREATE_SCRIPT, [ctx.key(record.id)], args, deadline)) === 1;
      if (created) remember(record.id, user);
      // Another record had the id: the write-ahead was for nothing, unless that record is the user's too.
      else if (user !== undefined) await unindex(user, record.id);
      return created;
    },

    async update(
      id: string,
      patch: SessionPatch,
      ttlSeconds: number | undefined,
      deadline: number,
    ): Promise<StoredSession | undefined> {
      const user = patch.user === null || patch.user === undefined ? undefined : assertStoreUser(patch.user);
      const change = patch.user === undefined ? "=" : user === undefined ? "-" : "+";
      const { set, unset } = patchFields(patch);
      const ttl = wholeSeconds(ttlSeconds) ?? 0;
      const tail = [set.size, ...ctx.hashFields(set), ...unset.map((k) => `.${k}`)];
      for (let attempt = 0; attempt < OWNER_RACES; attempt++) {
        // The owner after this write must have the id in its index first.
        let expected = "*";
        let ahead: string | undefined;
        if (change === "+") {
          ahead = user as string;
        } else if (change === "=") {
          // The owner seen last (first attempt), else the owner read now.
          const guess = attempt === 0 ? known.get(id) : undefined;
          const current = guess === undefined ? await owner(id) : guess === "" ? undefined : guess;
          if (current === false) return undefined;
          ahead = current;
          expected = current ?? "";
        }
        if (ahead !== undefined) await indexAdd(ahead, id, ttl, deadline);
        const args = [ttl, change, user ?? "", expected, ...tail];
        let result = await ctx.write("update", CLUSTER_UPDATE_SCRIPT, [ctx.key(id)], args, deadline);
        if (result === -2) {
          await ctx.convert(id);
          result = await ctx.write("update", CLUSTER_UPDATE_SCRIPT, [ctx.key(id)], args, deadline);
        }
        if (!Array.isArray(result)) {
          // Nothing was written: the record is gone (0) or has another owner (-3).
          if (ahead !== undefined) await unindex(ahead, id);
          if (result === -3) continue; // index the owner it has now, then try again
          known.delete(id);
          return undefined;
        }
        const [previous, ...flat] = result as string[];
        const merged = ctx.fromHash(id, flat);
        if (change === "+") await reindex(user as string, id, ttl);
        if (previous && previous !== merged?.user) await unindex(previous, id);
        if (merged) remember(id, merged.user);
        else known.delete(id);
        return merged;
      }
      throw new SessionError("ERR_STORE_UNAVAILABLE", "session store: the owner kept changing during an update");
    },

    async delete(id: string, deadline: number): Promise<boolean> {
      known.delete(id);
      const result = await ctx.write("delete", CLUSTER_DELETE_SCRIPT, [ctx.key(id)], [], deadline);
      if (!Array.isArray(result)) return false;
      const [, previous] = result as [number, string];
      if (previous) await unindex(previous, id);
      return true;
    },

    async listByUser(user: string): Promise<string[]> {
      const index = ctx.userKey(user);
      const flat = (await ctx.run(ZRANGE_SCRIPT, [index], [])) as string[];
      const members: [string, string][] = [];
      for (let i = 0; i + 1 < flat.length; i += 2) members.push([flat[i] as string, flat[i + 1] as string]);
      const owners = await Promise.all(members.map(([id]) => owner(id)));
      const live: string[] = [];
      const stale: Promise<unknown>[] = [];
      for (const [i, [id, score]] of members.entries()) {
        if (owners[i] === user) live.push(id);
        else stale.push(ctx.run(CLUSTER_INDEX_REMOVE_SCRIPT, [index], [id, score]));
      }
      await Promise.all(stale);
      return live;
    },
  };
}

/** KEYS: user index. Its members with their scores. */
const ZRANGE_SCRIPT = defineScript("return redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')");
