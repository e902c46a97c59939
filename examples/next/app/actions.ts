"use server";

import { cookies } from "next/headers";
import { getNextSession } from "sealed-session/next";
import { type AppSession, sessionConfig } from "../lib/session";

async function session() {
  return getNextSession<AppSession>(await cookies(), sessionConfig);
}

export async function signIn(form: FormData) {
  const current = await session();
  // A new id at sign-in defeats session fixation.
  await current.regenerate();
  await current.update({ user: String(form.get("user")), visits: 0 });
}

export async function countVisit() {
  await (await session()).update((data) => ({ visits: (data.visits ?? 0) + 1 }));
}

export async function signOut() {
  await (await session()).clear();
}
