/**
 * Builds the two conformance bundles that cannot run from the TypeScript
 * sources directly, into `<out>` (default `.runtimes/build`):
 *
 * - `worker.mjs`: the Worker of `worker.ts` with the package sources bundled in
 *   (platform `neutral`: any `node:` import in the entry's graph fails the build),
 *   for workerd (which does not strip types).
 * - `node-dist.mjs`: the command-line runner for Node 20 (no type stripping),
 *   with every `src/**.ts` import pointed at the emitted `dist/**.js` and left
 *   external, so it exercises the package as published. Run `npm run build` first.
 *
 * esbuild comes from `.runtimes/` (see `scripts/runtimes.sh`), like miniflare,
 * so that this package's own install stays lean.
 *
 * Usage: node test/runtimes/bundle.ts [build-dir] [runtimes-dir]   (Node ≥ 22.18)
 */
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve, sep } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";

/** The part of esbuild's API used here. */
interface Plugin {
  name: string;
  setup(build: {
    onResolve(
      options: { filter: RegExp },
      callback: (args: { path: string; resolveDir: string }) => ResolveResult | undefined,
    ): void;
  }): void;
}
type ResolveResult = { path: string; external: boolean } | { errors: { text: string }[] };
interface BuildOptions {
  entryPoints: string[];
  outfile: string;
  bundle: boolean;
  format: "esm";
  platform: "neutral" | "node";
  target: string;
  logLevel: "warning";
  legalComments: "none";
  plugins?: Plugin[];
}
interface Esbuild {
  build(options: BuildOptions): Promise<unknown>;
}

const root = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
const out = resolve(process.argv[2] ?? join(root, ".runtimes/build"));
const runtimesDir = resolve(process.argv[3] ?? join(root, ".runtimes"));
const esbuildEntry = createRequire(join(runtimesDir, "package.json")).resolve("esbuild");
const { build } = (await import(pathToFileURL(esbuildEntry).href)) as Esbuild;
const here = join(root, "test/runtimes");
const src = join(root, "src");
const dist = join(root, "dist");

/** Resolves relative imports of `src/**.ts` to the built `dist/**.js`, kept external. */
const srcToDist: Plugin = {
  name: "src-to-dist",
  setup(b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      const target = resolve(args.resolveDir, args.path);
      if (!target.startsWith(src + sep) || !target.endsWith(".ts")) return undefined;
      const built = join(dist, `${relative(src, target).slice(0, -".ts".length)}.js`);
      if (!existsSync(built)) return { errors: [{ text: `${built} is missing: run \`npm run build\` first` }] };
      return { path: pathToFileURL(built).href, external: true };
    });
  },
};

const common = { bundle: true, format: "esm", target: "es2022", logLevel: "warning", legalComments: "none" } as const;

await build({
  ...common,
  entryPoints: [join(here, "worker.ts")],
  outfile: join(out, "worker.mjs"),
  platform: "neutral",
});
await build({
  ...common,
  entryPoints: [join(here, "run-conformance.ts")],
  outfile: join(out, "node-dist.mjs"),
  platform: "node",
  plugins: [srcToDist],
});
console.log(`bundled worker.mjs and node-dist.mjs into ${relative(root, out) || "."}`);
