// nitro.config.ts (Nuxt: `nitro: { modules: ["sealed-session/nitro"] }` in nuxt.config.ts)
import { defineNitroConfig } from "nitropack/config";

export default defineNitroConfig({
  modules: ["sealed-session/nitro"],
});
