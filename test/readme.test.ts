import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/**
 * Every TypeScript (and TSX) block of the README is an example file that
 * test/examples.test.ts runs. The README may only spell one import the way a
 * user would (`vinxi/http`, which this repository replaces by h3 v1).
 */
const readme = readFileSync(new URL("../README.md", import.meta.url), "utf8");
const blocks = [...readme.matchAll(/(?:<!-- example: (\S+) -->\n)?```tsx?\n([\s\S]*?)```/g)];
const normalize = (code: string) => code.replace('from "vinxi/http"', 'from "h3-v1"').trim();

describe("README code", () => {
  it("has TypeScript examples", () => {
    expect(blocks.length).toBeGreaterThanOrEqual(6);
  });

  it.each(blocks.map((m, i) => [m[1] ?? `(unmarked block ${i + 1})`, m[2] ?? ""]))(
    "%s is a tested example file, verbatim",
    (file, code) => {
      expect(file, "every ts block must name its example file").toMatch(/^examples\//);
      const source = readFileSync(new URL(`../${file}`, import.meta.url), "utf8");
      expect(normalize(code)).toBe(source.trim());
    },
  );
});
