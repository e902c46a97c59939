// iron-session 1 (the `{ persistent, flash }` seals before the `~2` marker)
// ships no types; these cover what the tests call.
declare module "iron-session-1" {
  export interface OlderIronSession {
    set(entry: { name: string; value: unknown; flash?: boolean }): void;
    get(entry?: { name?: string }): unknown;
    serializeCookie(options?: Record<string, unknown>): Promise<string>;
  }
  export function createSession(options: { password: string; ttl?: number }): Promise<OlderIronSession>;
}
