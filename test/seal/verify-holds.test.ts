import { createCipheriv, createHmac, pbkdf2Sync } from "node:crypto";
import * as hapi from "@hapi/iron";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { DerivationBudget } from "../../src/seal/budget.ts";
import { resolveSealOptions } from "../../src/seal/options.ts";
import { sealWith } from "../../src/seal/seal.ts";
import { unsealDetailed } from "../../src/seal/unseal.ts";
import { countingBackend } from "../helpers/counting-backend.ts";

// A check that ends in any way (opened, refused, failed) gives back what it took
// from the derivation budget: its in-flight slot, and the hold a seal of ours
// puts on every budget while its keys are derived. A leak would refuse every
// untagged token of the process from then on, so each case ends by opening one.

const PW = "verify-holds-password-that-is-long-enough-for-iron";
let setting = 0;
const budget = (b: Partial<DerivationBudget> = {}) => ({ maxInFlight: 1, maxPerSecond: 1e6 + ++setting, ...b });
const hapi8192 = {
  ...hapi.defaults,
  encryption: { ...hapi.defaults.encryption, iterations: 8192 },
  integrity: { ...hapi.defaults.integrity, iterations: 8192 },
};

async function code(call: () => unknown): Promise<string> {
  try {
    await call();
    return "opened";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

/** An untagged token of another writer opens under this budget: nothing holds it. */
async function expectBudgetOpen(options: ReturnType<typeof resolveSealOptions>) {
  const token = await hapi.seal({ free: true }, PW, hapi8192);
  expect((await unsealDetailed(countingBackend().backend, token, PW, options)).value).toEqual({ free: true });
}

/** A token of ours (tagged salts) whose ciphertext is replaced, under a valid MAC: it fails only at decryption. */
function undecryptable(token: string, iterations: number): string {
  const parts = token.split("*");
  const cipher = createCipheriv("aes-256-cbc", Buffer.alloc(32, 1), Buffer.alloc(16, 2));
  parts[4] = Buffer.concat([cipher.update("garbage"), cipher.final()]).toString("base64url");
  const base = parts.slice(0, 6).join("*");
  parts[7] = createHmac("sha256", pbkdf2Sync(PW, parts[6] ?? "", iterations, 32, "sha1"))
    .update(base)
    .digest("base64url");
  return parts.join("*");
}

describe("every way a check ends gives the budget back", () => {
  it("a tagged token that opens synchronously (1 iteration, keys new to this backend)", async () => {
    const options = resolveSealOptions({ iterations: 1, derivationBudget: budget() });
    const token = await sealWith(countingBackend().backend, { v: 1 }, PW, options);
    const opened = unsealDetailed(countingBackend().backend, token, PW, options);
    expect(opened).not.toBeInstanceOf(Promise);
    await expectBudgetOpen(resolveSealOptions({ derivationBudget: options.derivationBudget }));
  });

  it("a tagged token that fails at decryption, synchronously and on the thread pool", async () => {
    for (const iterations of [1, 8192]) {
      const options = resolveSealOptions({ iterations, derivationBudget: budget() });
      const token = undecryptable(await sealWith(countingBackend().backend, { v: 1 }, PW, options), iterations);
      expect(await code(() => unsealDetailed(countingBackend().backend, token, PW, options))).toBe("ERR_SEAL_PAYLOAD");
      await expectBudgetOpen(resolveSealOptions({ derivationBudget: options.derivationBudget }));
    }
  });

  it("a tagged token whose tags pass but whose MAC does not", async () => {
    const options = resolveSealOptions({ derivationBudget: budget() });
    const token = await sealWith(countingBackend().backend, { v: 1 }, PW, options);
    const parts = token.split("*");
    parts[7] = `${parts[7]?.startsWith("A") ? "B" : "A"}${parts[7]?.slice(1)}`;
    expect(await code(() => unsealDetailed(countingBackend().backend, parts.join("*"), PW, options))).toBe(
      "ERR_SEAL_MAC",
    );
    await expectBudgetOpen(options);
  });

  it("a tagged token whose key derivation fails", async () => {
    const options = resolveSealOptions({ derivationBudget: budget() });
    const token = await sealWith(countingBackend().backend, { v: 1 }, PW, options);
    const { backend } = countingBackend();
    const failing = { ...backend, deriveKey: () => Promise.reject(new Error("pool failure")) };
    expect(await code(() => unsealDetailed(failing, token, PW, options))).toBe("Error: pool failure");
    await expectBudgetOpen(options);
  });

  it("an untagged token whose check throws after taking its slot (a password too short)", async () => {
    const options = resolveSealOptions({ derivationBudget: budget() });
    const token = await hapi.seal({ v: 1 }, PW, hapi8192);
    for (let i = 0; i < 3; i++) {
      // No fallback: the only try is the 8192-iteration one, which takes the budget's one slot first.
      expect(
        await code(() => unsealDetailed(countingBackend().backend, token, "short", options, { legacyFallback: false })),
      ).toBe("ERR_CONFIG");
    }
    await expectBudgetOpen(options);
  });

  it("an untagged token whose derivation fails", async () => {
    const options = resolveSealOptions({ derivationBudget: budget() });
    const token = await hapi.seal({ v: 1 }, PW, hapi8192);
    const { backend } = countingBackend();
    const failing = {
      ...backend,
      deriveKey: (...args: Parameters<typeof backend.deriveKey>) =>
        args[2] > 1 ? Promise.reject(new Error("pool failure")) : backend.deriveKey(...args),
    };
    expect(await code(() => unsealDetailed(failing, token, PW, options))).toBe("Error: pool failure");
    await expectBudgetOpen(options);
  });
});

describe("what the budget learns from a check that throws", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("a derivation whose check threw opened nothing: the rate halves as for a failed MAC", async () => {
    vi.spyOn(performance, "now").mockReturnValue(5_000_000);
    const options = resolveSealOptions({ derivationBudget: { maxInFlight: 100, maxPerSecond: 4.000_001 } });
    const strict = { legacyFallback: false };
    const tokens = await Promise.all([1, 2, 3].map((n) => hapi.seal({ n }, PW, hapi8192)));
    // Two checks that throw after taking a derivation: 4 → 2 → 1 per second, and 1 left in the bucket.
    for (let i = 0; i < 2; i++) {
      expect(
        await code(() => unsealDetailed(countingBackend().backend, tokens[0] as string, "short", options, strict)),
      ).toBe("ERR_CONFIG");
    }
    expect(await code(() => unsealDetailed(countingBackend().backend, tokens[1] as string, PW, options, strict))).toBe(
      "opened",
    );
    expect(await code(() => unsealDetailed(countingBackend().backend, tokens[2] as string, PW, options, strict))).toBe(
      "ERR_SEAL_BUSY",
    );
  });
});

describe("a seal of ours new to this process", () => {
  it("starts deriving its encryption key beside its integrity key", () => {
    const options = resolveSealOptions({});
    return (async () => {
      const token = await sealWith(countingBackend().backend, { v: 1 }, PW, options);
      const { backend, calls } = countingBackend();
      const pending = unsealDetailed(backend, token, PW, options);
      // Both derivations are on the pool before the first one is awaited.
      expect(calls.pbkdf2).toBe(2);
      expect((await pending).value).toEqual({ v: 1 });
      expect(calls.pbkdf2).toBe(2);
    })();
  });

  it("skips the tag check when its keys are cached: the MAC decides at the same cost", async () => {
    const options = resolveSealOptions({});
    const { backend, calls } = countingBackend();
    const first = await sealWith(backend, { n: 1 }, PW, options);
    const second = await sealWith(backend, { n: 2 }, PW, options);
    await unsealDetailed(backend, first, PW, options);
    const before = calls.createHmac;
    expect((await unsealDetailed(backend, second, PW, options)).value).toEqual({ n: 2 });
    expect(calls.createHmac - before).toBe(1);
  });
});
