import * as hapi from "@hapi/iron";
import fc from "fast-check";
import * as ironV2 from "iron-webcrypto";
import * as ironV1 from "iron-webcrypto-1";
import { describe, expect, it } from "vitest";
import { seal, unseal } from "../../src/seal/index.ts";

const PASSWORD = "interop-password-that-is-long-enough-for-all";

type Algorithm = "aes-256-cbc" | "aes-128-ctr";

function ironOptions(iterations: number, algorithm: Algorithm) {
  return {
    ...hapi.defaults,
    encryption: { ...hapi.defaults.encryption, iterations, algorithm },
    integrity: { ...hapi.defaults.integrity, iterations, algorithm: "sha256" as const },
  };
}

// iron-webcrypto 1.x types its crypto parameter narrower than lib.dom's Crypto.
const webCrypto = globalThis.crypto as Parameters<typeof ironV1.seal>[0];

type IronOptions = ReturnType<typeof ironOptions>;

/** Peers: how each one seals and unseals with given iron options. */
const peers = {
  "@hapi/iron": {
    seal: (v: unknown, o: IronOptions) => hapi.seal(v, PASSWORD, o),
    unseal: (t: string, o: IronOptions) => hapi.unseal(t, PASSWORD, o),
  },
  "iron-webcrypto 1.x": {
    seal: (v: unknown, o: IronOptions) => ironV1.seal(webCrypto, v, PASSWORD, o),
    unseal: (t: string, o: IronOptions) => ironV1.unseal(webCrypto, t, PASSWORD, o),
  },
  "iron-webcrypto 2.x": {
    seal: (v: unknown, o: IronOptions) => ironV2.seal(v, PASSWORD, o),
    unseal: (t: string, o: IronOptions) => ironV2.unseal(t, PASSWORD, o),
  },
};

/**
 * JSON values that survive a round trip unchanged (no -0). Prototype keys are
 * left out: we drop them on purpose and @hapi/iron refuses them (tested in conformance).
 */
const payload = fc
  .jsonValue()
  .map((v) => JSON.stringify(v))
  .filter((text) => !text.includes('"__proto__"') && !text.includes('"constructor"'))
  .map((text) => JSON.parse(text) as unknown);
const configs = [1, 8192].flatMap((iterations) =>
  (["aes-256-cbc", "aes-128-ctr"] as const).map((algorithm) => ({ iterations, algorithm })),
);
const backends = [
  { backend: "node:crypto", crypto: undefined },
  { backend: "webcrypto", crypto: globalThis.crypto },
];

describe.each(Object.entries(peers))("interop with %s", (_name, peer) => {
  describe.each(backends)("on $backend", ({ crypto }) => {
    it.each(configs)(
      "peer seals, we unseal ($algorithm, $iterations iterations)",
      async ({ iterations, algorithm }) => {
        await fc.assert(
          fc.asyncProperty(payload, async (value) => {
            const token = await peer.seal(value, ironOptions(iterations, algorithm));
            // A peer's salts are untagged: an unlimited derivation budget keeps this test about the format.
            const derivationBudget = { maxInFlight: Infinity, maxPerSecond: Infinity };
            const ours = await unseal(token, PASSWORD, {
              iterations,
              encryption: { algorithm },
              crypto,
              derivationBudget,
            });
            expect(ours).toEqual(value);
          }),
          { numRuns: iterations > 1 ? 15 : 40 },
        );
      },
    );

    it.each(configs)(
      "we seal, peer unseals ($algorithm, $iterations iterations)",
      async ({ iterations, algorithm }) => {
        await fc.assert(
          fc.asyncProperty(payload, async (value) => {
            const token = await seal(value, PASSWORD, { iterations, encryption: { algorithm }, crypto });
            expect(await peer.unseal(token, ironOptions(iterations, algorithm))).toEqual(value);
          }),
          { numRuns: iterations > 1 ? 15 : 40 },
        );
      },
    );
  });

  it("agrees on ttl: a peer's expiration is honoured, ours is honoured by the peer", async () => {
    const options = { ...ironOptions(1, "aes-256-cbc"), ttl: 1 };
    const theirs = await peer.seal({ v: 1 }, options);
    await expect(unseal(theirs, PASSWORD, { iterations: 1, localtimeOffsetMsec: 70_000 })).rejects.toMatchObject({
      code: "ERR_SEAL_EXPIRED",
    });
    const ours = await seal({ v: 1 }, PASSWORD, { iterations: 1, ttl: 1 });
    await expect(peer.unseal(ours, { ...options, localtimeOffsetMsec: 70_000 })).rejects.toThrow(/Expired/);
    expect(await peer.unseal(ours, options)).toEqual({ v: 1 });
  });
});

describe("password ids across implementations", () => {
  it("reads @hapi/iron's id'd seals through a rotation list", async () => {
    const token = await hapi.seal({ v: 1 }, { id: "k1", secret: PASSWORD }, ironOptions(1, "aes-256-cbc"));
    const list = [
      { id: "k2", secret: "x".repeat(40) },
      { id: "k1", secret: PASSWORD },
    ];
    expect(await unseal(token, list, { iterations: 1 })).toEqual({ v: 1 });
  });

  it("writes ids that @hapi/iron's table lookup understands", async () => {
    const token = await seal({ v: 1 }, [{ id: "k2", secret: PASSWORD }], { iterations: 1 });
    expect(await hapi.unseal(token, { k2: PASSWORD }, ironOptions(1, "aes-256-cbc"))).toEqual({ v: 1 });
  });
});
