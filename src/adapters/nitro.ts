/**
 * The session functions Nitro auto-imports from h3 under the same names. The
 * module maps each to this package so that a file that forgets its import
 * still reads and writes sealed-session cookies, never h3's.
 */
const SESSION_AUTO_IMPORTS: readonly string[] = Object.freeze([
  "useSession",
  "getSession",
  "updateSession",
  "clearSession",
  "sealSession",
  "unsealSession",
]);

/** The part of a Nitro 2 (`nitropack`) or Nitro 3 (`nitro`) instance the module touches. */
interface NitroLike {
  options: {
    /** unimport options; `false` when auto-imports are off (Nitro 3's default). */
    imports: false | { presets?: unknown[] } | undefined;
    runtimeConfig?: Record<string, unknown>;
  };
}

/** A Nitro module: what `modules: [...]` in nitro.config (or `nitro.modules` in Nuxt) accepts. */
interface SessionNitroModule {
  readonly name: string;
  setup(nitro: NitroLike): void;
}

/**
 * The Nitro module. With auto-imports on, `useSession`, `getSession`,
 * `updateSession`, `clearSession`, `sealSession` and `unsealSession` resolve
 * to sealed-session in every server file, ahead of h3's functions of the same
 * names (a higher unimport priority, so the order of presets does not matter).
 * The generated types follow, so `useSession` is typed as this package's.
 * It also declares `runtimeConfig.session.password` (default `""`), which
 * Nitro fills from `NITRO_SESSION_PASSWORD` at run time.
 *
 * @example
 * // nitro.config.ts
 * import { defineNitroConfig } from "nitropack/config";
 *
 * export default defineNitroConfig({ modules: ["sealed-session/nitro"] });
 *
 * // routes/index.ts (no import needed)
 * export default defineEventHandler(async (event) => {
 *   const session = await useSession(event, { password: useRuntimeConfig().session.password });
 *   return session.data;
 * });
 */
const sessionModule: SessionNitroModule = {
  name: "sealed-session",
  setup(nitro) {
    declarePasswordKey(nitro.options.runtimeConfig);
    const imports = nitro.options.imports;
    // Auto-imports off: nothing can fall back to h3 implicitly, so nothing to map.
    if (!imports) return;
    imports.presets ??= [];
    imports.presets.push({ from: "sealed-session", priority: PRIORITY, imports: [...SESSION_AUTO_IMPORTS] });
  },
};

/** Above unimport's default of 1, which h3's preset has. */
const PRIORITY = 10;

/** Nitro maps `NITRO_*` variables only onto keys that exist, so the key must be declared at build time. */
function declarePasswordKey(runtimeConfig: Record<string, unknown> | undefined): void {
  if (!runtimeConfig) return;
  const current = runtimeConfig.session;
  if (current === undefined) runtimeConfig.session = { password: "" };
  else if (typeof current === "object" && current !== null && !("password" in current)) {
    (current as Record<string, unknown>).password = "";
  }
}

export default sessionModule;
