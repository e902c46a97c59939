// Public entry of `sealed-session/seal`: the iron format for tokens that are not sessions.

// Errors
export { isSessionError, SessionError, type SessionErrorCode } from "../errors.ts";
// Options and passwords
export type { DerivationBudget } from "./budget.ts";
export {
  DEFAULT_ITERATIONS,
  DEFAULT_SALT_REUSE_MS,
  DEFAULT_SEAL_OPTIONS,
  type EncryptionAlgorithm,
  type KeyOptions,
  type ResolvedSealOptions,
  type SealOptions,
} from "./options.ts";
export type { Password, PasswordInput, PasswordWithId, Secret, SplitPassword } from "./password.ts";
// Sealing and unsealing
export { MAC_PREFIX, type SealCallOptions, seal } from "./seal.ts";
export { type UnsealCallOptions, unseal } from "./unseal.ts";
