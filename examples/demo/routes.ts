import {
  type EventHandler,
  eventHandler,
  getSession,
  type HTTPEvent,
  listUserSessions,
  revokeUserSessions,
  type SessionConfig,
  type SessionManager,
  useSession,
} from "sealed-session";
import { COOKIE_CART_LIMIT, pickItems, STORE_CART_LIMIT } from "./cart.ts";
import { cookieStats } from "./cookies.ts";
import { type DemoData, REFUSAL_REASONS, ROLES, refusedCookies, sessionEndsAt } from "./session.ts";
import { type PageModel, renderPage } from "./views.ts";

type Notice = PageModel["notices"][number];
type Route = (event: HTTPEvent) => Promise<unknown>;

/** Where sessions live, for the page header; undefined for cookie-only sessions. */
export interface DemoRoutesOptions {
  readonly config: SessionConfig<DemoData>;
  readonly storeLabel?: string | undefined;
}

/**
 * The demo's routes: one page, and a POST per form. Every POST answers
 * 303 See Other back to the page (post/redirect/get), so a reload never
 * resubmits a form and the page always shows the cookies the browser now holds;
 * a POST whose body is not a form answers 400.
 */
export function createRoutes({ config, storeLabel }: DemoRoutesOptions): EventHandler {
  const cartLimit = config.store ? STORE_CART_LIMIT : COOKIE_CART_LIMIT;

  /** The session manager when someone is signed in; anonymous visitors get no cookie. */
  async function signedIn(event: HTTPEvent): Promise<SessionManager<DemoData> | undefined> {
    const session = await getSession(event, config);
    return session.data.user ? useSession(event, config) : undefined;
  }

  async function page(event: HTTPEvent): Promise<string> {
    const session = await getSession(event, config);
    const user = session.data.user;
    const notices: Notice[] = [];
    if (event.url.searchParams.has("signed-out"))
      notices.push({ text: "Signed out: the session cookie and its chunks are gone." });
    const revoked = event.url.searchParams.get("revoked");
    if (revoked !== null) notices.push({ text: `Signed out everywhere: ${Number(revoked)} session(s) revoked.` });
    const refused = refusedCookies.get(event);
    if (refused) {
      notices.push({
        text: `Your session cookie was refused (${refused}): ${REFUSAL_REASONS[refused] ?? "it is not valid here"}. A fresh session starts.`,
        warn: true,
      });
    }
    if (user) {
      const flashes = await (await useSession(event, config)).flashes();
      if (flashes.notice) notices.push(flashes.notice as Notice);
    }
    const store =
      storeLabel && user
        ? { label: storeLabel, userSessions: (await listUserSessions(config, user.name)).length }
        : undefined;
    const cookies = cookieStats(event.req.headers.get("cookie"), config.name ?? "h3");
    return renderPage({
      session,
      hasCookie: cookies.cookies.length > 0 && !refused,
      cookies,
      notices,
      store: storeLabel && !user ? { label: storeLabel, userSessions: 0 } : store,
      cartLimit,
    });
  }

  const routes = new Map<string, Route>([
    ["GET /", page],
    [
      "POST /sign-in",
      async (event) => {
        const form = await readForm(event);
        if (!form) return notAForm(event);
        const name = String(form.get("name") ?? "")
          .trim()
          .slice(0, 40);
        const role = ROLES.find((r) => r === form.get("role")) ?? "member";
        if (!name) return redirect("/");
        const session = await useSession(event, config);
        // A new id at sign-in: an id planted before sign-in (session fixation) is worthless.
        await session.regenerate();
        await session.update({ user: { name, role } });
        const where = config.store ? "the data is in Redis, the cookie holds a reference" : "it is all in the cookie";
        await session.flash("notice", { text: `Signed in as ${name}. Reload: ${where}.` });
        return redirect("/");
      },
    ],
    [
      "POST /counter",
      async (event) => {
        const form = await readForm(event);
        if (!form) return notAForm(event);
        const session = await signedIn(event);
        if (!session) return redirect("/");
        const op = form.get("op");
        await session.update((data) => ({
          counter: op === "reset" ? 0 : (data.counter ?? 0) + (op === "dec" ? -1 : 1),
        }));
        return redirect("/");
      },
    ],
    [
      "POST /cart",
      async (event) => {
        const form = await readForm(event);
        if (!form) return notAForm(event);
        const session = await signedIn(event);
        if (!session) return redirect("/");
        const wanted = Number(form.get("add"));
        const cart = session.data.cart ?? [];
        if (wanted === 0) {
          await session.update({ cart: [] });
          return redirect("/");
        }
        const room = Math.max(0, cartLimit - cart.length);
        const count = Math.min(room, wanted === 50 ? 50 : 1);
        await session.update({ cart: [...cart, ...pickItems(count, cart.length)] });
        if (count < (wanted === 50 ? 50 : 1)) {
          const why = config.store
            ? "the demo's guard"
            : "about 13 KB sealed, near the 14 KiB a cookie session may use; with --store the data lives in Redis";
          await session.flash("notice", { text: `The cart is full at ${cartLimit} items: ${why}.`, warn: true });
        }
        return redirect("/");
      },
    ],
    [
      "POST /sign-out",
      async (event) => {
        const session = await useSession(event, config);
        await session.clear();
        return redirect("/?signed-out");
      },
    ],
    [
      "POST /sign-out-everywhere",
      async (event) => {
        const session = await signedIn(event);
        if (!session || !config.store) return redirect("/");
        const revoked = await revokeUserSessions(config, session.data.user!.name);
        await session.clear();
        return redirect(`/?revoked=${revoked}`);
      },
    ],
    [
      "GET /session.json",
      async (event) => {
        const session = await getSession(event, config);
        const cookies = cookieStats(event.req.headers.get("cookie"), config.name ?? "h3");
        return { ...session, endsAt: sessionEndsAt(session), cookies };
      },
    ],
  ]);

  return eventHandler(async (event) => {
    const route = routes.get(`${event.method} ${event.url.pathname}`);
    if (route) return route(event);
    event.res.status = 404;
    return '<!doctype html><title>Not found</title><p>Not found. <a href="/">Back to the demo</a></p>';
  });
}

/**
 * The fields of a form post; undefined when the body is not a form (JSON, plain
 * text, no body, a broken multipart body). The page's forms always send one,
 * so anything else is a client's mistake, not a server error.
 */
async function readForm(event: HTTPEvent): Promise<FormData | undefined> {
  const type = event.req.headers.get("content-type") ?? "";
  if (!/^\s*(application\/x-www-form-urlencoded|multipart\/form-data)\s*(;|$)/i.test(type)) return undefined;
  try {
    return await event.req.formData();
  } catch {
    return undefined;
  }
}

/** 400 Bad Request for a POST that is not a form, in the style of the 404 page. */
function notAForm(event: HTTPEvent): string {
  event.res.status = 400;
  return '<!doctype html><title>Bad request</title><p>Bad request: this page expects a form (application/x-www-form-urlencoded or multipart/form-data). <a href="/">Back to the demo</a></p>';
}

function redirect(location: string): Response {
  return new Response(null, { status: 303, headers: { location } });
}
