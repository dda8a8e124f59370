/**
 * A fresh, unique token (tag versions, lock ownership): time-ordered for readability, random for
 * uniqueness.
 */
export function newToken(): string {
  return `${Date.now().toString(36)}.${Math.random().toString(36).slice(2, 10)}`;
}
