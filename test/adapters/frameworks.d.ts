// The second majors are installed under aliases (`express-4`, `koa-2`); their
// types are close enough to the current ones for what the tests call.
declare module "express-4" {
  import express from "express";
  export default express;
}

declare module "koa-2" {
  import Koa from "koa";
  export default Koa;
}
