import * as hapi from "@hapi/iron";
import { afterEach, describe, expect, it, vi } from "vitest";
import { getSession, type SessionConfig } from "../../src/index.ts";
import type { DerivationBudget } from "../../src/seal/budget.ts";
import { resolveSealOptions } from "../../src/seal/options.ts";
import { sealWith } from "../../src/seal/seal.ts";
import { unsealDetailed } from "../../src/seal/unseal.ts";
import { countingBackend } from "../helpers/counting-backend.ts";

const PASSWORD = "budget-password-that-is-long-enough-for-iron";
const hapi8192 = {
  ...hapi.defaults,
  encryption: { ...hapi.defaults.encryption, iterations: 8192 },
  integrity: { ...hapi.defaults.integrity, iterations: 8192 },
};
/** Tokens sealed by another iron writer: untagged salts, each one new to this process. */
const untagged = (n: number) => Promise.all(Array.from({ length: n }, (_, i) => hapi.seal({ i }, PASSWORD, hapi8192)));
/** A well-formed forgery: random salts and MAC, the shape of a flood. */
const forged = async () => {
  const parts = (
    await hapi.seal({ x: 1 }, PASSWORD, {
      ...hapi8192,
      encryption: { ...hapi8192.encryption, iterations: 1 },
      integrity: { ...hapi8192.integrity, iterations: 1 },
    })
  ).split("*");
  parts[7] = `${"A".repeat(42)}${Math.random() < 0.5 ? "Q" : "g"}`;
  return parts.join("*");
};

/** A Web event carrying one session cookie. */
const request2 = (token: string) => ({
  req: new Request("https://example.com/", { headers: new Headers({ cookie: `h3=${token}` }) }),
  res: { headers: new Headers() },
});

// Limiters are process-wide per setting: each test uses a setting of its own.
let setting = 0;
const budget = (b: Partial<DerivationBudget>) => ({ maxInFlight: 1000, maxPerSecond: 1000 + ++setting / 1000, ...b });

/** The code a call fails with (thrown at once or rejected later), or "opened". */
async function codeOf(call: () => unknown): Promise<string> {
  try {
    await call();
    return "opened";
  } catch (error) {
    return (error as { code?: string }).code ?? String(error);
  }
}

describe("the derivation budget for untagged salts", () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it("pauses while a tagged seal new to this process derives its keys: forgeries never take its CPU", async () => {
    const options = resolveSealOptions({ derivationBudget: budget({}) });
    const [first, second] = await untagged(2);
    const tagged = await sealWith(countingBackend().backend, { mine: true }, PASSWORD, options);
    const { backend } = countingBackend();
    const mine = unsealDetailed(backend, tagged, PASSWORD, options);
    // Plenty of budget, but a real user of this process is waiting for a derivation.
    expect(await codeOf(() => unsealDetailed(backend, first as string, PASSWORD, options))).toBe("ERR_SEAL_BUSY");
    expect((await mine).value).toEqual({ mine: true });
    // Its keys are derived: the budget is open again.
    expect((await unsealDetailed(backend, second as string, PASSWORD, options)).value).toEqual({ i: 1 });
  });

  it("refuses past maxInFlight at once with ERR_SEAL_BUSY; a tagged seal does not wait behind it", async () => {
    const options = resolveSealOptions({ derivationBudget: budget({ maxInFlight: 1 }) });
    const [first, second, third] = await untagged(3);
    const sealer = countingBackend();
    const tagged = await sealWith(sealer.backend, { mine: true }, PASSWORD, options);
    const { backend, calls } = countingBackend();
    const running = unsealDetailed(backend, first as string, PASSWORD, options);
    expect(await codeOf(() => unsealDetailed(backend, second as string, PASSWORD, options))).toBe("ERR_SEAL_BUSY");
    // While the untagged derivation still runs: a tagged seal new to this process derives its keys and opens.
    const other = countingBackend();
    expect((await unsealDetailed(other.backend, tagged, PASSWORD, options)).value).toEqual({ mine: true });
    expect(other.calls.pbkdf2).toBe(2);
    expect(calls.pbkdf2).toBeGreaterThan(0);
    expect((await running).value).toEqual({ i: 0 });
    // The slot is free again.
    expect((await unsealDetailed(backend, third as string, PASSWORD, options)).value).toEqual({ i: 2 });
  });

  it("refuses past maxPerSecond; a token whose keys are cached costs nothing", async () => {
    const options = resolveSealOptions({ derivationBudget: budget({ maxPerSecond: 1 + ++setting / 1e6 }) });
    const [first, second] = await untagged(2);
    const { backend } = countingBackend();
    expect((await unsealDetailed(backend, first as string, PASSWORD, options)).value).toEqual({ i: 0 });
    expect(await codeOf(() => unsealDetailed(backend, second as string, PASSWORD, options))).toBe("ERR_SEAL_BUSY");
    // The first token again: verified and cached, no budget needed.
    expect((await unsealDetailed(backend, first as string, PASSWORD, options)).value).toEqual({ i: 0 });
  });

  it("a forged cookie past the budget is a fresh session with onError ERR_SEAL_BUSY, never an error response", async () => {
    const codes: string[] = [];
    const config: SessionConfig = {
      password: PASSWORD,
      seal: { derivationBudget: budget({ maxPerSecond: 1 + ++setting / 1e6 }) },
      onError: (code) => codes.push(code),
    };
    for (let i = 0; i < 4; i++) {
      const headers = new Headers({ cookie: `h3=${await forged()}` });
      const event = { req: new Request("https://example.com/", { headers }), res: { headers: new Headers() } };
      const session = await getSession(event, config);
      expect(session.data).toEqual({});
    }
    // The first forgery spent the one derivation of this second and failed its MAC; the rest were refused unheard.
    expect(codes).toEqual(["ERR_SEAL_MAC", "ERR_SEAL_BUSY", "ERR_SEAL_BUSY", "ERR_SEAL_BUSY"]);
  });

  it("shrinks while derivations keep failing (a flood), down to maxPerSecond / 16; a real cookie still gets through at the floor", async () => {
    // The limiter's clock, moved by the test: the refill below needs no real wait.
    let now = performance.now();
    vi.spyOn(performance, "now").mockImplementation(() => now);
    const options = resolveSealOptions({ derivationBudget: budget({ maxPerSecond: 32 + ++setting / 1e6 }) });
    const { backend } = countingBackend();
    const codes: string[] = [];
    for (let i = 0; i < 10; i++) {
      const token = await forged();
      codes.push(await codeOf(() => unsealDetailed(backend, token, PASSWORD, options)));
    }
    // A fixed budget of 32 per second would have derived for all ten. Halving at each failure: 32 → 16 → 8 → 4 → 2,
    // and the bucket never holds more than the rate, so the sixth forgery already finds it empty.
    expect(codes).toEqual([...Array(6).fill("ERR_SEAL_MAC"), ...Array(4).fill("ERR_SEAL_BUSY")]);
    // At the floor (2 per second) a real untagged cookie still gets through once the bucket refills.
    const [real] = await untagged(1);
    now += 600;
    expect((await unsealDetailed(backend, real as string, PASSWORD, options)).value).toEqual({ i: 0 });
  });

  it("1-iteration keys have a fixed budget of their own: past it a forgery costs no key, and an h3 v1 cookie still opens", async () => {
    // Full derivations: 1 per second; 1-iteration keys: 64 per second, whatever they turn out to be.
    const options = resolveSealOptions({ derivationBudget: budget({ maxPerSecond: 1 + ++setting / 1e6 }) });
    const { backend, calls } = countingBackend();
    const codes: string[] = [];
    for (let i = 0; i < 200; i++) {
      const token = await forged();
      codes.push(await codeOf(() => unsealDetailed(backend, token, PASSWORD, options)));
    }
    // The bucket holds 64 keys and refills at 64 per second: about 64 keys for 200 forgeries, the rest refused unheard.
    expect(calls.pbkdf2Sync).toBeGreaterThanOrEqual(64);
    expect(calls.pbkdf2Sync).toBeLessThanOrEqual(96);
    expect(codes.filter((code) => code === "ERR_SEAL_BUSY").length).toBeGreaterThanOrEqual(104);
    expect(codes.at(-1)).toBe("ERR_SEAL_BUSY");
    // A real cookie of h3 v1 (1 iteration) gets through once the bucket refills: the rate did not shrink.
    const h3v1 = await hapi.seal({ h3: 1 }, PASSWORD, hapi.defaults);
    await new Promise((resolve) => setTimeout(resolve, 100));
    const opened = await unsealDetailed(backend, h3v1, PASSWORD, options);
    expect(opened).toMatchObject({ value: { h3: 1 }, legacy: true });
  });

  it("1-iteration keys do not wait while a tagged seal new to this process derives its keys", async () => {
    const options = resolveSealOptions({ derivationBudget: budget({}) });
    const tagged = await sealWith(countingBackend().backend, { mine: true }, PASSWORD, options);
    // Made first: the tagged seal's derivation (on the pool) must still be running while they are opened.
    const [before, after] = await untagged(2);
    const h3v1 = await hapi.seal({ h3: 1 }, PASSWORD, hapi.defaults);
    const { backend } = countingBackend();
    const mine = unsealDetailed(backend, tagged, PASSWORD, options);
    // The full budget pauses for it; the 1-iteration keys of an h3 v1 cookie (synchronous, off the pool) do not.
    expect(await codeOf(() => unsealDetailed(backend, before as string, PASSWORD, options))).toBe("ERR_SEAL_BUSY");
    expect(await unsealDetailed(backend, h3v1, PASSWORD, options)).toMatchObject({ value: { h3: 1 }, legacy: true });
    expect(await codeOf(() => unsealDetailed(backend, after as string, PASSWORD, options))).toBe("ERR_SEAL_BUSY");
    expect((await mine).value).toEqual({ mine: true });
  });

  it("useSession leaves a cookie refused only for want of budget in place (no eager replacement), and it opens later", async () => {
    const codes: string[] = [];
    const config: SessionConfig = {
      password: PASSWORD,
      seal: { derivationBudget: budget({ maxPerSecond: 1 + ++setting / 1e6 }) },
      onError: (code) => codes.push(code),
    };
    const { useSession } = await import("../../src/index.ts");
    // A session sealed by another iron writer (h3 at 8192 iterations): untagged salts.
    const real = await hapi.seal({ id: "h3-session-id", createdAt: Date.now(), data: { i: 0 } }, PASSWORD, hapi8192);
    const request = () => {
      const headers = new Headers({ cookie: `h3=${real}` });
      return { req: new Request("https://example.com/", { headers }), res: { headers: new Headers() } };
    };
    // Spend this second's one full derivation on a forgery (1-iteration key first, then the 8192 one).
    await getSession(request2(await forged()), config);
    const busy = request();
    const session = await useSession(busy, config);
    expect(session.data).toEqual({});
    expect(codes.at(-1)).toBe("ERR_SEAL_BUSY");
    expect(busy.res.headers.getSetCookie()).toEqual([]);
    // The budget refills: the same cookie opens, with its data.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const later = request();
    const reopened = await useSession(later, config);
    expect(reopened.id).toBe("h3-session-id");
    expect(reopened.data).toEqual({ i: 0 });
  });

  it("out-of-range budgets are ERR_CONFIG", async () => {
    for (const b of [{ maxInFlight: 0 }, { maxPerSecond: 0.5 }, { maxInFlight: Number.NaN }]) {
      expect(() => resolveSealOptions({ derivationBudget: b })).toThrow(
        expect.objectContaining({ code: "ERR_CONFIG" }),
      );
    }
  });
});
