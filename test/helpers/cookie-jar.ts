import { parseSetCookie } from "cookie-es";

/** A minimal browser cookie jar: keeps what Set-Cookie says, drops Max-Age=0. */
export class CookieJar {
  readonly cookies = new Map<string, string>();

  /** Applies a response's Set-Cookie lines; returns them for inspection. */
  store(response: Response): string[] {
    const lines = response.headers.getSetCookie();
    for (const line of lines) {
      const parsed = parseSetCookie(line);
      if (!parsed) continue;
      const expired = parsed.maxAge !== undefined && parsed.maxAge <= 0;
      if (expired || parsed.value === "") this.cookies.delete(parsed.name);
      else this.cookies.set(parsed.name, parsed.value);
    }
    return lines;
  }

  header(): string {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join("; ");
  }

  init(init: RequestInit = {}): RequestInit {
    const headers = new Headers(init.headers);
    if (this.cookies.size > 0) headers.set("cookie", this.header());
    return { ...init, headers };
  }
}
