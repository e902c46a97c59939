import { createCipheriv, createHash, createHmac, pbkdf2Sync } from "node:crypto";

let count = 0;

/**
 * An iron token built from the format with node:crypto around any bytes: salts
 * that carry no tag of this library, and a valid MAC. `data` is encrypted as
 * the plaintext, or with `raw` used as the ciphertext itself. Salts and IV are
 * fixed per call (a counter), so a token fails the same way in every run.
 */
export function handMade(
  password: string,
  data: Uint8Array | string,
  { iterations = 1, raw = false }: { iterations?: number; raw?: boolean } = {},
): string {
  const n = ++count;
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
