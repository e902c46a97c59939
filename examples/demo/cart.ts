import type { CartItem } from "./session.ts";

/**
 * Most items a cookie-only cart may hold. 90 items seal to about 13 KB, near
 * the 14 KiB a cookie session may use in all (`cookie.maxTotalLength`, which
 * keeps the Cookie header under Node's 16 KiB header limit) across at most 4
 * chunks. With a store the cookie holds only a reference, so the limit there
 * is just a guard.
 */
export const COOKIE_CART_LIMIT = 90;
export const STORE_CART_LIMIT = 1000;

const TEAS = [
  ["ASM", "Assam second flush, loose leaf, 100 g", 1250],
  ["DRJ", "Darjeeling first flush, loose leaf, 50 g", 1890],
  ["SNC", "Sencha Yabukita, spring harvest, 100 g", 1480],
  ["OOL", "Tie Guan Yin oolong, roasted, 75 g", 1620],
  ["RBS", "Rooibos with orange peel, caffeine-free, 100 g", 890],
  ["MAT", "Ceremonial matcha, stone-ground, 30 g tin", 2450],
] as const;

/** `count` catalogue items, numbered on from `start`, so every line is distinct. */
export function pickItems(count: number, start: number, now = Date.now()): CartItem[] {
  return Array.from({ length: count }, (_, i) => {
    const n = start + i;
    const [code, name, price] = TEAS[n % TEAS.length] as (typeof TEAS)[number];
    return { sku: `${code}-${String(n + 1).padStart(4, "0")}`, name, price, addedAt: now };
  });
}

/** The cart's total in euros, as text. */
export function cartTotal(cart: readonly CartItem[]): string {
  const cents = cart.reduce((sum, item) => sum + item.price, 0);
  return `€${(cents / 100).toFixed(2)}`;
}
