import { cookies } from "next/headers";
import { getNextSession } from "sealed-session/next";
import { type AppSession, sessionConfig } from "../../../lib/session";

export async function GET() {
  const session = await getNextSession<AppSession>(await cookies(), sessionConfig);
  return Response.json({ signedIn: Boolean(session.data.user), ...session.data });
}

export async function POST() {
  const session = await getNextSession<AppSession>(await cookies(), sessionConfig);
  await session.update((data) => ({ visits: (data.visits ?? 0) + 1 }));
  return Response.json(session.data);
}
