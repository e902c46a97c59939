// iron-session with node req/res and its defaults.
import { createServer } from "node:http";
import { getIronSession } from "iron-session";
import { type Counter, PASSWORD, ready } from "./common.ts";

const options = { password: PASSWORD, cookieName: "iron" };

ready(
  createServer(async (req, res) => {
    if (req.url !== "/read" && req.url !== "/write") {
      res.statusCode = 404;
      res.end();
      return;
    }
    const session = await getIronSession<Counter>(req, res, options);
    if (req.url === "/write") {
      session.count = (session.count ?? 0) + 1;
      await session.save();
    }
    res.setHeader("content-type", "application/json; charset=utf-8");
    res.end(JSON.stringify({ count: session.count ?? 0 }));
  }),
);
