import { cookies } from "next/headers";
import { getNextSession } from "sealed-session/next";
import { type AppSession, sessionConfig } from "../lib/session";
import { countVisit, signIn, signOut } from "./actions";

// A Server Component: it reads the session (writing is for Server Actions and Route Handlers).
export default async function Home() {
  const session = await getNextSession<AppSession>(await cookies(), sessionConfig);
  const { user, visits = 0 } = session.data;
  if (!user) {
    return (
      <form action={signIn}>
        <label>
          Name <input name="user" required />
        </label>
        <button type="submit">Sign in</button>
      </form>
    );
  }
  return (
    <main>
      <p>
        Signed in as <b id="user">{user}</b>, <span id="visits">{visits}</span> visits.
      </p>
      <form action={countVisit}>
        <button type="submit">Count a visit</button>
      </form>
      <form action={signOut}>
        <button type="submit">Sign out</button>
      </form>
    </main>
  );
}
