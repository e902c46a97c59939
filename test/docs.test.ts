import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const root = fileURLToPath(new URL("..", import.meta.url));
const entries = ["src/index.ts", "src/seal/index.ts", "src/adapters/sveltekit.ts", "src/adapters/nitro.ts"].map(
  (file) => join(root, file),
);

/** Every symbol an entry point exports, with whether its declaration's JSDoc has an @example. */
function exportsWithoutExample(): string[] {
  const program = ts.createProgram(entries, {
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    allowImportingTsExtensions: true,
    noEmit: true,
  });
  const checker = program.getTypeChecker();
  const missing: string[] = [];
  for (const entry of entries) {
    const source = program.getSourceFile(entry);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error(`cannot read ${entry}`);
    for (const exported of checker.getExportsOfModule(moduleSymbol)) {
      const symbol = exported.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(exported) : exported;
      const hasExample = (symbol.declarations ?? []).some((declaration) =>
        ts.getJSDocTags(declaration).some((tag) => tag.tagName.text === "example"),
      );
      if (!hasExample) missing.push(`${entry.slice(root.length)}: ${exported.name}`);
    }
  }
  return missing;
}

describe("documentation", () => {
  it("every public export has JSDoc with an @example", () => {
    expect(exportsWithoutExample()).toEqual([]);
  });

  it("no code path decides by one of our errors' messages (codes only)", () => {
    const compares = /\.message\s*(===|!==|==|!=)|\.message\.(includes|startsWith|endsWith|match)\(/;
    // A Redis reply error carries its code as the first word of its message: that one line may look.
    const redisReplyCode = /\.message\.startsWith\("NOSCRIPT"\)/;
    const offenders: string[] = [];
    const walk = (dir: string) => {
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) walk(path);
        else if (path.endsWith(".ts")) {
          const lines = readFileSync(path, "utf8").split("\n");
          for (const [i, line] of lines.entries()) {
            if (compares.test(line) && !redisReplyCode.test(line))
              offenders.push(`${path.slice(root.length)}:${i + 1}`);
          }
        }
      }
    };
    walk(join(root, "src"));
    expect(offenders).toEqual([]);
  });
});
