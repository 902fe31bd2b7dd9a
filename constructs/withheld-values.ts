/**
 * Operator secrets a command has read (the SMTP password and S3 keys of a `--env` file): no cache
 * may store anything that holds one. The content caches (content-cache.ts, the render cache)
 * check every entry against these before writing it. A leaf module: it imports nothing.
 */
const withheld = new Set<string>();

/** Values shorter than this are not secrets worth the name, and would match anything. */
const SHORTEST = 4;

/** Withholds `values` (and their base64 and percent-encoded forms) from every cache of this process. */
export function withholdFromCaches(values: Iterable<string>): void {
  for (const value of values) {
    if (value.length < SHORTEST) continue;
    withheld.add(value);
    withheld.add(Buffer.from(value, 'utf8').toString('base64').replace(/=+$/, ''));
    withheld.add(encodeURIComponent(value));
  }
}

/** Whether `text` holds a withheld value, in any of its forms. */
export function holdsWithheld(text: string): boolean {
  if (withheld.size === 0) return false;
  for (const value of withheld) if (text.includes(value)) return true;
  return false;
}

/** Whether anything is withheld in this process (its outputs then hold secrets). */
export function anyWithheld(): boolean {
  return withheld.size > 0;
}
