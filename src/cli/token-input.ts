import { parse } from "cookie-es";
import { CHUNK_MARKER, chunkCount, chunkName, readChunked } from "../cookie/chunks.ts";
import { SessionError } from "../errors.ts";
import { MAC_PREFIX } from "../seal/seal.ts";
import { UsageError } from "./io.ts";

/** A cookie as it appeared in the input. */
export interface CookiePart {
  readonly name: string;
  readonly value: string;
}

/** A sealed token found in the input, and the cookies that carried it. */
export interface FoundToken {
  /** The session cookie's name; undefined when the input was a bare token. */
  readonly name: string | undefined;
  /** The token, chunks joined; undefined when chunks are missing or the marker is malformed. */
  readonly token: string | undefined;
  /** The main cookie, then each chunk present, in order. */
  readonly parts: readonly CookiePart[];
  /** The chunk count a `__chunked__N` main cookie announces. */
  readonly chunks: number | undefined;
  /** Chunks the marker announces that the input lacks. */
  readonly missing: readonly string[];
}

/**
 * Finds session tokens in what a user pastes: a bare `Fe26.2*…` token, a
 * `Cookie:` header, `name=value` pairs separated by `;` or newlines, or
 * `Set-Cookie:` lines (only their first pair counts). Chunked sessions
 * (`name=__chunked__N` plus `name.1 … name.N`) are joined as h3 v2 does.
 * With `name`, only that cookie is looked at; otherwise every cookie whose
 * value is a seal or a chunk marker, chunks themselves excepted.
 *
 * @example
 * findTokens("Cookie: h3=__chunked__2; h3.1=Fe26.2*…; h3.2=…")[0]?.token;
 */
export function findTokens(input: string, name?: string): FoundToken[] {
  const text = input.trim();
  // A token never contains "=" (base64url without padding), a cookie list always does.
  if (!text.includes("=")) return [{ name: undefined, token: text, parts: [], chunks: undefined, missing: [] }];
  const cookies = parseCookieInput(text);
  const names = name === undefined ? sessionCookieNames(cookies) : name in cookies ? [name] : [];
  return names.map((cookieName) => collect(cookies, cookieName));
}

/**
 * The one token `unseal` should open: the only session in the input, or the
 * one named. Several candidates without `name` is a usage error; announced
 * chunks that are missing make the token unreadable, as on a server.
 */
export function pickToken(input: string, name: string | undefined): string {
  const found = findTokens(input, name);
  if (found.length === 0) {
    throw new UsageError(
      name === undefined
        ? `no session cookie in the input (looked for values starting with ${MAC_PREFIX}* or ${CHUNK_MARKER})`
        : `no cookie named "${name}" in the input`,
    );
  }
  if (found.length > 1) {
    throw new UsageError(`several session cookies (${found.map((f) => f.name).join(", ")}): pick one with --name`);
  }
  const [only] = found as [FoundToken];
  if (only.token === undefined) {
    const reason =
      only.missing.length > 0 ? `chunks ${only.missing.join(", ")} are missing` : "the chunk marker is malformed";
    throw new SessionError("ERR_SEAL_FORMAT", `not a valid seal: ${reason}`);
  }
  return only.token;
}

/** Every cookie in the input, first occurrence winning (as a server reads them). */
export function parseCookieInput(text: string): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const rawLine of text.split(/\r?\n/)) {
    let line = rawLine.trim();
    if (/^set-cookie:/i.test(line)) {
      // Attributes (Path, Expires…) follow the first pair; they are not cookies.
      line = line.replace(/^set-cookie:/i, "").split(";")[0] ?? "";
    }
    line = line.replace(/^cookie:/i, "");
    for (const [key, value] of Object.entries(parse(line))) {
      if (value !== undefined && !(key in cookies)) cookies[key] = value;
    }
  }
  return cookies;
}

function sessionCookieNames(cookies: Record<string, string>): string[] {
  const names = Object.keys(cookies).filter((key) => {
    const value = cookies[key] ?? "";
    return value.startsWith(`${MAC_PREFIX}*`) || value.startsWith(CHUNK_MARKER);
  });
  // `h3.1` starts with the seal prefix too; it is a chunk of `h3`, not a session of its own.
  return names.filter((key) => {
    const base = /^(.+)\.\d+$/.exec(key)?.[1];
    return base === undefined || !cookies[base]?.startsWith(CHUNK_MARKER);
  });
}

function collect(cookies: Record<string, string>, name: string): FoundToken {
  const main = cookies[name] ?? "";
  const parts: CookiePart[] = [{ name, value: main }];
  if (!main.startsWith(CHUNK_MARKER)) return { name, token: main, parts, chunks: undefined, missing: [] };
  const count = chunkCount(main);
  const missing: string[] = [];
  for (let i = 1; i <= (count ?? 0); i++) {
    const chunk = chunkName(name, i);
    const value = cookies[chunk];
    if (value) parts.push({ name: chunk, value });
    else missing.push(chunk);
  }
  const token = count === undefined ? undefined : readChunked(new Map(Object.entries(cookies)), name);
  return { name, token, parts, chunks: count, missing };
}
