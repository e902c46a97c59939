// The yardstick of `npm run bench:seal`: an iron round trip (Fe26.2, the same
// bytes as @hapi/iron) on node:crypto with both keys derived once and kept, as
// a seal engine with every key cached could do at best. No checks beyond
// iron's own (field count, prefix, MAC, expiry), no salt tags, no budget.
import { createCipheriv, createDecipheriv, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from "node:crypto";

const PREFIX = "Fe26.2";

export interface IronLimit {
  seal(value: unknown): string;
  unseal(token: string): unknown;
}

/** An iron sealer whose keys were derived once (`iterations` as the contender it is compared with). */
export function ironLimit(password: string, iterations: number): IronLimit {
  const encSalt = randomBytes(32).toString("hex");
  const macSalt = randomBytes(32).toString("hex");
  // iron derives with PBKDF2-SHA1; done once here, so the hash is no part of the measure.
  const encKey = pbkdf2Sync(password, encSalt, iterations, 32, "sha1");
  const macKey = pbkdf2Sync(password, macSalt, iterations, 32, "sha1");
  return {
    seal(value) {
      const iv = randomBytes(16);
      const cipher = createCipheriv("aes-256-cbc", encKey, iv);
      const encrypted = Buffer.concat([cipher.update(JSON.stringify(value), "utf8"), cipher.final()]);
      const base = `${PREFIX}**${encSalt}*${iv.toString("base64url")}*${encrypted.toString("base64url")}*`;
      const mac = createHmac("sha256", macKey).update(base).digest("base64url");
      return `${base}*${macSalt}*${mac}`;
    },
    unseal(token) {
      const parts = token.split("*");
      if (parts.length !== 8 || parts[0] !== PREFIX) throw new Error("bad seal");
      const [, , salt, iv, encrypted, expiration, saltM, mac] = parts as [
        string,
        string,
        string,
        string,
        string,
        string,
        string,
        string,
      ];
      if (salt !== encSalt || saltM !== macSalt) throw new Error("unknown salt");
      if (expiration && Number(expiration) <= Date.now()) throw new Error("expired");
      const base = token.slice(0, token.length - saltM.length - mac.length - 2);
      const expected = createHmac("sha256", macKey).update(base).digest();
      const given = Buffer.from(mac, "base64url");
      if (given.length !== expected.length || !timingSafeEqual(given, expected)) throw new Error("bad mac");
      const decipher = createDecipheriv("aes-256-cbc", encKey, Buffer.from(iv, "base64url"));
      const text = Buffer.concat([decipher.update(Buffer.from(encrypted, "base64url")), decipher.final()]).toString(
        "utf8",
      );
      return JSON.parse(text);
    },
  };
}
