import { data, Form, redirect } from "react-router";
import { commitSession, destroySession, getSession } from "../sessions.server";
import type { Route } from "./+types/home";

export async function loader({ request }: Route.LoaderArgs) {
  const session = await getSession(request.headers.get("Cookie"));
  const notice = session.get("notice"); // a flash: read once, gone once committed
  const view = { user: session.get("user"), visits: session.get("visits") ?? 0, notice };
  // Commit only when something changed, so anonymous visitors get no cookie.
  if (notice === undefined) return view;
  return data(view, { headers: { "Set-Cookie": await commitSession(session) } });
}

export async function action({ request }: Route.ActionArgs) {
  const session = await getSession(request.headers.get("Cookie"));
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "sign-out") {
    return redirect("/", { headers: { "Set-Cookie": await destroySession(session) } });
  }
  if (intent === "sign-in") {
    const user = String(form.get("user"));
    session.set("user", user);
    session.set("visits", 0);
    session.flash("notice", `Welcome, ${user}!`);
  } else {
    session.set("visits", (session.get("visits") ?? 0) + 1);
  }
  return redirect("/", { headers: { "Set-Cookie": await commitSession(session) } });
}

export default function Home({ loaderData }: Route.ComponentProps) {
  const { user, visits, notice } = loaderData;
  if (!user) {
    return (
      <Form method="post">
        <label>
          Name <input name="user" required />
        </label>
        <button type="submit" name="intent" value="sign-in">
          Sign in
        </button>
      </Form>
    );
  }
  return (
    <main>
      {notice && <p id="notice">{notice}</p>}
      <p>
        Signed in as <b id="user">{user}</b>, <span id="visits">{visits}</span> visits.
      </p>
      <Form method="post">
        <button type="submit" name="intent" value="visit">
          Count a visit
        </button>
        <button type="submit" name="intent" value="sign-out">
          Sign out
        </button>
      </Form>
    </main>
  );
}
