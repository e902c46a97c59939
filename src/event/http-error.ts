/**
 * Throw from a handler to answer with a status other than 500.
 *
 * @example
 * throw new HTTPError(401, "Sign in first");
 */
export class HTTPError extends Error {
  override readonly name = "HTTPError";
  readonly status: number;

  constructor(status: number, message?: string, options?: { cause?: unknown }) {
    super(message ?? defaultMessage(status), options);
    if (!Number.isInteger(status) || status < 400 || status > 599) {
      throw new TypeError(`HTTPError status must be an integer from 400 to 599 (got ${status})`);
    }
    this.status = status;
  }
}

function defaultMessage(status: number): string {
  return status >= 500 ? "Internal Server Error" : "Bad Request";
}
