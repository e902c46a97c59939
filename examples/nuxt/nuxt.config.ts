// nuxt.config.ts: Nuxt's server is Nitro, so the module goes under `nitro.modules`.
export default defineNuxtConfig({
  compatibilityDate: "2025-07-15",
  nitro: { modules: ["sealed-session/nitro"] },
});
