import { type MemoryStore, memoryStore } from "../../src/index.ts";

/** A store whose writes fail after a moment, as a refused connection would; reads still answer. */
export function downStore(): MemoryStore {
  const store = memoryStore();
  const down = async (): Promise<never> => {
    await new Promise((resolve) => setTimeout(resolve, 30));
    throw new Error("connection refused");
  };
  return Object.assign(Object.create(store) as MemoryStore, { create: down, update: down });
}
