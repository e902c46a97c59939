import { cartTotal } from "./cart.ts";
import type { CookieStats } from "./cookies.ts";
import { html, type SafeHtml } from "./html.ts";
import { layout } from "./layout.ts";
import { type DemoData, IDLE_TIMEOUT_SECONDS, MAX_AGE_SECONDS, ROLES, sessionEndsAt } from "./session.ts";

/** Everything a page shows; routes build it, views only render it. */
export interface PageModel {
  readonly session: { id: string; createdAt: number; lastSeenAt?: number | undefined; data: DemoData };
  /** False until the browser holds a session cookie. */
  readonly hasCookie: boolean;
  readonly cookies: CookieStats;
  readonly notices: readonly { text: string; warn?: boolean }[];
  /** Set in store mode: where sessions live and how many this user has. */
  readonly store?: { label: string; userSessions: number } | undefined;
  readonly cartLimit: number;
}

/** The one page of the demo: sign-in form or account, counter and cart, and the session panel. */
export function renderPage(model: PageModel): string {
  const subtitle = model.store
    ? `Sessions in ${model.store.label}: the cookie holds only a sealed reference.`
    : "Cookie sessions: the whole session is sealed into the cookie; the server stores nothing.";
  const user = model.session.data.user;
  const notices = model.notices.map((n) => html`<p class="notice${n.warn ? " warn" : ""}" role="status">${n.text}</p>`);
  const left = user ? [accountCard(model), counterCard(model), cartCard(model)] : [signInCard()];
  return layout(
    "sealed-session demo",
    subtitle,
    html`${notices}<div class="stack">${left}</div><div class="stack">${sessionPanel(model)}</div>`,
  );
}

function signInCard(): SafeHtml {
  return html`<section class="card" id="sign-in">
  <h2>Sign in</h2>
  <form class="fields" method="post" action="/sign-in">
    <label>Name <input name="name" required maxlength="40" autocomplete="username" placeholder="Ada"></label>
    <label>Role <select name="role">${ROLES.map((role) => html`<option>${role}</option>`)}</select></label>
    <div><button class="primary" type="submit">Sign in</button></div>
  </form>
  <p class="muted">No passwords here: the name is the user. Signing in gives the session a new id (against session fixation).</p>
</section>`;
}

function accountCard(model: PageModel): SafeHtml {
  const user = model.session.data.user!;
  const everywhere = model.store
    ? html`<form method="post" action="/sign-out-everywhere"><button class="danger" type="submit">Sign out everywhere (${model.store.userSessions})</button></form>`
    : "";
  return html`<section class="card" id="account">
  <h2>Hello, <span id="user-name">${user.name}</span> <span class="pill">${user.role}</span></h2>
  <div class="row">
    <form method="post" action="/sign-out"><button type="submit">Sign out</button></form>
    ${everywhere}
  </div>
  ${
    model.store
      ? html`<p class="muted">${model.store.userSessions} session(s) signed in as ${user.name}. Sign in with the same name in another browser profile, then sign out everywhere.</p>`
      : html`<p class="muted">Start with <code>--store redis://localhost:6379</code> to try "sign out everywhere".</p>`
  }
</section>`;
}

function counterCard(model: PageModel): SafeHtml {
  const button = (op: string, label: string) =>
    html`<form method="post" action="/counter"><button name="op" value="${op}" type="submit">${label}</button></form>`;
  return html`<section class="card" id="counter">
  <h2>Counter</h2>
  <div class="row"><span class="big" id="count">${model.session.data.counter ?? 0}</span>
    ${button("dec", "−1")} ${button("inc", "+1")} ${button("reset", "Reset")}</div>
  <p class="muted">Each click reseals the session and sets a new cookie.</p>
</section>`;
}

function cartCard(model: PageModel): SafeHtml {
  const cart = model.session.data.cart ?? [];
  const button = (count: string, label: string) =>
    html`<form method="post" action="/cart"><button name="add" value="${count}" type="submit">${label}</button></form>`;
  const shown = cart.slice(-4).reverse();
  return html`<section class="card" id="cart">
  <h2>Cart <span class="pill" id="cart-count">${cart.length} item(s)</span></h2>
  <div class="row">${button("1", "Add 1")} ${button("50", "Add 50")}
    <form method="post" action="/cart"><button name="add" value="0" type="submit" class="danger">Empty</button></form></div>
  <div class="bar" title="items / limit"><i style="width:${Math.min(100, (cart.length / model.cartLimit) * 100).toFixed(1)}%"></i></div>
  <p class="muted">${cart.length} of ${model.cartLimit} items · total ${cartTotal(cart)}${
    model.store ? "" : " · past about 4 KB the cookie splits into chunks"
  }</p>
  ${
    shown.length > 0
      ? html`<ul class="items">${shown.map((item) => html`<li><code>${item.sku}</code> ${item.name}</li>`)}${
          cart.length > shown.length ? html`<li class="muted">…and ${cart.length - shown.length} more</li>` : ""
        }</ul>`
      : ""
  }
</section>`;
}

function sessionPanel(model: PageModel): SafeHtml {
  const { session, cookies } = model;
  const rows: [string, unknown][] = model.hasCookie
    ? [
        ["Session id", html`<code id="session-id">${session.id}</code>`],
        ["Age", html`<span data-since="${session.createdAt}">${seconds(Date.now() - session.createdAt)}</span>`],
        ["Ends in", countdown(sessionEndsAt(session), "ends-in")],
        ["At the latest in", countdown(session.createdAt + MAX_AGE_SECONDS * 1000, "max-age-in")],
      ]
    : [["Session", "none yet: reading a session writes no cookie until something is stored"]];
  const cookieRows = cookies.cookies.map(
    (cookie) => html`<tr><th><code>${cookie.name}</code></th><td>${cookie.bytes} bytes</td></tr>`,
  );
  return html`<section class="card" id="session-panel">
  <h2>Session</h2>
  <table>${rows.map(([label, value]) => html`<tr><th>${label}</th><td>${value}</td></tr>`)}</table>
  <p class="muted">Ends ${MAX_AGE_SECONDS / 3600} h after sign-in (maxAge), or after ${IDLE_TIMEOUT_SECONDS / 60} min without a visit (idleTimeout, which slides: a visit after half of it reseals the cookie).</p>
  <h2 style="margin-top:16px">Cookies this request carried</h2>
  <table>
    ${cookieRows.length > 0 ? cookieRows : html`<tr><td colspan="2" class="muted">no session cookie</td></tr>`}
    <tr><th>Chunks</th><td id="chunk-count">${cookies.chunks}</td></tr>
    <tr><th>Session cookies</th><td id="session-bytes">${cookies.sessionBytes} bytes</td></tr>
    <tr><th>Cookie header</th><td>${cookies.headerBytes} bytes</td></tr>
  </table>
  <p class="muted">HttpOnly: page scripts cannot read these (try <code>document.cookie</code> in the console). A browser keeps about 4 KB per cookie, so a larger session is split into <code>demo.1 … demo.N</code> with <code>demo=__chunked__N</code>.</p>
  <p class="muted">Copy the Cookie header from the developer tools and look inside: <code>npx sealed-session inspect "Cookie: …"</code>, or with the password, <code>unseal</code>.</p>
</section>`;
}

function countdown(until: number, id: string): SafeHtml {
  return html`<span id="${id}" data-until="${until}">${seconds(until - Date.now())}</span>`;
}

function seconds(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const minutes = Math.floor(total / 60);
  return minutes > 0 ? `${minutes} min ${total % 60} s` : `${total} s`;
}
