import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { type SharedBuild, sharedBuild, sharedTarball } from "./app-cache.ts";
import { createApp, inApp, NODE22, npmInstall, ROOT } from "./built-app.ts";
import { copyFixture, installWith, sh } from "./fixture-app.ts";

/**
 * The Next.js, SvelteKit and React Router apps the tests build from the packed
 * package, each recipe in one place so that the file testing a framework and
 * the cross-app file (cross-app.test.ts) get the very same build, made once
 * per vitest run (app-cache.ts). Builds hold no password: the servers read
 * SESSION_SECRET when they start.
 */

/** Runs `use` with the run's tarball; a tarball private to this file goes once the build is done. */
async function withTarball<T>(use: (tarball: string) => Promise<T>): Promise<T> {
  const tarball = await sharedTarball();
  try {
    return await use(tarball.file);
  } finally {
    tarball.release();
  }
}

/** The README's Next.js files over test/adapters/fixtures/next-app; `next build`, served by `next start`. */
export function nextApp(): Promise<SharedBuild> {
  return withTarball((tarball) =>
    sharedBuild(
      "next",
      () =>
        copyFixture("next-app", {
          "examples/next/lib/session.ts": "lib/session.ts",
          "examples/next/app/page.tsx": "app/page.tsx",
          "examples/next/app/actions.ts": "app/actions.ts",
          "examples/next/app/api/session/route.ts": "app/api/session/route.ts",
        }),
      async (dir) => {
        await installWith(dir, tarball);
        await sh(dir, "node_modules/.bin/next", ["build"]);
      },
    ),
  );
}

export interface ReactRouterVariant {
  readonly major: 7 | 8;
  /** Folder of the node binary that builds and serves the app; undefined: this process's. */
  readonly nodeDir: string | undefined;
}

/** React Router 7 runs on this Node (20+); React Router 8 needs Node 22 from .runtimes/. */
export const REACT_ROUTER_VARIANTS: readonly ReactRouterVariant[] = [
  { major: 7, nodeDir: undefined },
  { major: 8, nodeDir: dirname(NODE22) },
];

/** The environment that puts the variant's node first on PATH. */
export const reactRouterEnv = (variant: ReactRouterVariant): Record<string, string> =>
  variant.nodeDir ? { PATH: `${variant.nodeDir}:${process.env.PATH}` } : {};

/** The README's React Router files over test/adapters/fixtures/react-router-app; `react-router build`. */
export function reactRouterApp(variant: ReactRouterVariant): Promise<SharedBuild> {
  const examples = {
    "examples/react-router/sessions.server.ts": "app/sessions.server.ts",
    "examples/react-router/routes/home.tsx": "app/routes/home.tsx",
  };
  const v8 = {
    "test/adapters/fixtures/react-router-v8/package.json": "package.json",
    "test/adapters/fixtures/react-router-v8/package-lock.json": "package-lock.json",
  };
  return withTarball((tarball) =>
    sharedBuild(
      `react-router-${variant.major}`,
      () => copyFixture("react-router-app", variant.major === 8 ? { ...examples, ...v8 } : examples),
      async (dir) => {
        await installWith(dir, tarball);
        await sh(dir, "node_modules/.bin/react-router", ["build"], reactRouterEnv(variant));
      },
    ),
  );
}

const NODE20 = join(ROOT, ".runtimes/node_modules/node20/bin/node");

export interface SvelteKitVariant {
  readonly name: string;
  readonly major: 2 | 3;
  readonly node: string;
  readonly browser: boolean;
  readonly tsconfig: string;
  readonly deps: Record<string, string>;
}

/** SvelteKit 3 (the current major) needs Node 22; SvelteKit 2 runs on Node 20. */
export const SVELTEKIT_VARIANTS: readonly SvelteKitVariant[] = [
  {
    name: "SvelteKit 3 on Node 22",
    major: 3,
    node: NODE22,
    browser: true,
    tsconfig: "$app/tsconfig",
    deps: {
      "@sveltejs/kit": "^3.0.0",
      "@sveltejs/adapter-node": "^6.0.0",
      "@sveltejs/vite-plugin-svelte": "^7.0.0",
      "@types/node": "^22.0.0",
      svelte: "^5.0.0",
      typescript: "^6.0.0",
      vite: "^8.0.0",
    },
  },
  {
    name: "SvelteKit 2 on Node 20",
    major: 2,
    node: existsSync(NODE20) ? NODE20 : process.execPath,
    browser: false,
    tsconfig: "./.svelte-kit/tsconfig.json",
    deps: {
      "@sveltejs/kit": "^2.62.0",
      "@sveltejs/adapter-node": "^5.0.0",
      "@sveltejs/vite-plugin-svelte": "^6.0.0",
      "@types/node": "^20.0.0",
      svelte: "^5.0.0",
      typescript: "~5.9.0",
      vite: "^7.0.0",
    },
  },
];

/**
 * The README's SvelteKit files over test/adapters/fixtures/sveltekit-app, built
 * with `vite build` (adapter-node) and served with `node build`. adapter-node 6
 * (SvelteKit 3) takes the origin from the config at build time, so that build
 * is made for one origin and not shared; adapter-node 5 reads ORIGIN when the
 * server starts, so the SvelteKit 2 build is shared.
 */
export function svelteKitApp(variant: SvelteKitVariant, origin: string): Promise<SharedBuild> {
  const example = (path: string) => new URL(`../../examples/sveltekit/src/${path}`, import.meta.url);
  return withTarball((tarball) =>
    sharedBuild(
      variant.major === 2 ? "sveltekit-2" : undefined,
      () =>
        createApp("sveltekit-app", {
          "package.json": JSON.stringify({
            name: "sveltekit-app",
            private: true,
            type: "module",
            dependencies: { "sealed-session": `file:${tarball}` },
            devDependencies: variant.deps,
          }),
          "tsconfig.json": JSON.stringify({
            extends: variant.tsconfig,
            include: ["src"],
            compilerOptions: { strict: true, noEmit: true },
          }),
          "src/session-hook.ts": example("hooks.server.ts"),
          "src/app.d.ts": example("app.d.ts"),
          "src/routes/+page.server.ts": example("routes/+page.server.ts"),
          "src/routes/+page.svelte": example("routes/+page.svelte"),
        }),
      async (dir) => {
        await npmInstall(dir);
        const env: Record<string, string> = variant.major === 3 ? { APP_ORIGIN: origin } : {};
        await inApp(dir, variant.node, ["node_modules/vite/bin/vite.js", "build"], env);
      },
    ),
  );
}
