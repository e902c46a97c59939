/**
 * How many times a load test repeats: `full` normally, `reduced` under
 * StrykerJS (the mutation vitest configs set SEALED_SESSION_MUTATION), where
 * the test runs once per mutant. The reduced count still shows what the test
 * is about (a record per anonymous request, a lost parallel write); the full
 * count stays the test's claim in an ordinary run.
 */
export function repeat(full: number, reduced: number): number {
  return process.env.SEALED_SESSION_MUTATION ? reduced : full;
}
