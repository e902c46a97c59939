// Baseline: plain node:http, no session. Both scenarios answer the same small JSON.
import { createServer } from "node:http";
import { ready } from "./common.ts";

const body = JSON.stringify({ count: 1 });

ready(
  createServer((req, res) => {
    if (req.url !== "/read" && req.url !== "/write") {
      res.statusCode = 404;
      res.end();
      return;
    }
    res.setHeader("content-type", "application/json; charset=utf-8");
    res.end(body);
  }),
);
