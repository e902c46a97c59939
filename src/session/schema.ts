import { SessionError } from "../errors.ts";
import type { ResolvedConfig } from "./config.ts";
import type { SessionData } from "./types.ts";

/**
 * Runs the configured Standard Schema over session data and returns its
 * output (which may be transformed). Any failure, including a schema that
 * throws, is `ERR_SESSION_SCHEMA`.
 */
export async function validateData(config: ResolvedConfig, data: SessionData): Promise<SessionData> {
  const schema = config.source.schema;
  if (!schema) return data;
  let result: Awaited<ReturnType<(typeof schema)["~standard"]["validate"]>>;
  try {
    result = await schema["~standard"].validate(data);
  } catch (error) {
    throw new SessionError("ERR_SESSION_SCHEMA", "the session schema threw while validating", { cause: error });
  }
  if (result.issues) {
    throw new SessionError(
      "ERR_SESSION_SCHEMA",
      `the session data failed the schema: ${result.issues[0]?.message ?? "invalid"}`,
    );
  }
  return result.value as SessionData;
}
