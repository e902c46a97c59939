import { createCipheriv, createHash, createHmac, pbkdf2Sync } from "node:crypto";

/** Calls so far per input: the salts depend on the input and its call count, not on other tests. */
const calls = new Map<string, number>();

/**
 * An iron token built from the format with node:crypto around any bytes: salts
 * that carry no tag of this library, and a valid MAC. `data` is encrypted as
 * the plaintext, or with `raw` used as the ciphertext itself. Salts and IV
 * follow from the input and how often it was made before, so a token fails
 * the same way in every run, whichever other tests run.
 */
export function handMade(
  password: string,
  data: Uint8Array | string,
  { iterations = 1, raw = false }: { iterations?: number; raw?: boolean } = {},
): string {
  const input = `${password}|${iterations}|${raw}|${Buffer.from(data).toString("hex")}`;
  const n = `${input}|${(calls.get(input) ?? 0) + 1}`;
  calls.set(input, (calls.get(input) ?? 0) + 1);
  const encSalt = createHash("sha256").update(`e${n}`).digest("hex");
  const macSalt = createHash("sha256").update(`m${n}`).digest("hex");
  const iv = createHash("md5").update(`iv${n}`).digest();
  const bytes = typeof data === "string" ? Buffer.from(data, "utf8") : Buffer.from(data);
  let cipherText = bytes;
  if (!raw) {
    const cipher = createCipheriv("aes-256-cbc", pbkdf2Sync(password, encSalt, iterations, 32, "sha1"), iv);
    cipherText = Buffer.concat([cipher.update(bytes), cipher.final()]);
  }
  const base = `Fe26.2**${encSalt}*${iv.toString("base64url")}*${cipherText.toString("base64url")}*`;
  const mac = createHmac("sha256", pbkdf2Sync(password, macSalt, iterations, 32, "sha1"))
    .update(base)
    .digest("base64url");
  return `${base}*${macSalt}*${mac}`;
}
