// The forged-cookie flood target: reads the session (never writes, so a forged
// cookie costs only its verification) with this library's defaults.
// FLOOD_SRC points at another copy of src/ (an older commit) to compare.
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { PASSWORD, ready } from "./common.ts";

type Lib = typeof import("sealed-session");
const lib = (await import(process.env.FLOOD_SRC ? pathToFileURL(process.env.FLOOD_SRC).href : "sealed-session")) as Lib;

const config = { password: PASSWORD, onError: () => {} };

const handler = lib.eventHandler(async (event) => {
  if (event.url.pathname === "/login") {
    const session = await lib.useSession<{ user?: string }>(event, config);
    await session.update({ user: "ada" });
    return { id: session.id };
  }
  const session = await lib.getSession<{ user?: string }>(event, config);
  return { user: session.data.user ?? null };
});

ready(createServer(lib.toNodeListener(handler)));
