import { SessionError } from "../errors.ts";
import type { CryptoBackend, MaybePromise } from "./backend.ts";
import { fromBase64url } from "./encoding.ts";
import { parseSafe } from "./json.ts";
import { keyFor } from "./keys.ts";
import { andThen, isAsync } from "./maybe-promise.ts";
import type { ResolvedSealOptions } from "./options.ts";
import type { NormalizedPassword } from "./password.ts";

// Opening a token whose MAC has passed: decrypt, then parse. Every failure
// here is `ERR_SEAL_PAYLOAD`: the token is authentic, its content is not usable.

/** Decrypts a verified payload; any failure is `ERR_SEAL_PAYLOAD`. */
export function decrypt(
  backend: CryptoBackend,
  password: NormalizedPassword,
  salt: string,
  iterations: number,
  ivText: string,
  cipherText: string,
  options: ResolvedSealOptions,
): MaybePromise<string> {
  const algorithm = options.encryption.algorithm;
  const fail = (error: unknown): never => {
    throw new SessionError("ERR_SEAL_PAYLOAD", "the seal's payload could not be decrypted", { cause: error });
  };
  try {
    const key = keyFor(backend, password.encryption, salt, iterations, algorithm);
    const text = andThen(key, (k) => backend.decrypt(algorithm, k, fromBase64url(ivText), fromBase64url(cipherText)));
    return isAsync(text) ? text.catch(fail) : text;
  } catch (error) {
    return fail(error);
  }
}

/** The payload's JSON; anything else is `ERR_SEAL_PAYLOAD`. */
export function parseOrThrow(text: string): unknown {
  try {
    return parseSafe(text);
  } catch (error) {
    if (error instanceof SessionError) throw error;
    throw new SessionError("ERR_SEAL_PAYLOAD", "the seal's payload is not JSON", { cause: error });
  }
}
