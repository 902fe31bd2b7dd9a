import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { holdsWithheld } from './withheld-values';

/**
 * Results of pure functions kept by content under node_modules/.cache/stackspin-<kind>/, like the
 * transpiled TypeScript (scripts/lib/transpile.js): a run that sees the same input again reads
 * the result instead of computing it. The key is a hash of `salt` (what else decides the result:
 * library versions, options, the caller's code) and the input itself, so a changed input or salt
 * never reads an old result. Entries are only ever added; delete node_modules/.cache at any time.
 */
export function cachedByContent<T>(kind: string, salt: string, input: string, compute: () => T | Uncacheable<T>, codec: Codec<T>): T {
  // An operator secret is never written to (or looked up in) the cache.
  if (holdsWithheld(input)) {
    const result = compute();
    return result instanceof Uncacheable ? result.value : result;
  }
  const file = path.join(CACHE, `stackspin-${kind}`, createHash('sha256').update(salt).update('\0').update(input).digest('hex'));
  let stored: string | undefined;
  try {
    stored = fs.readFileSync(file, 'utf8');
  } catch {
    // Not computed yet.
  }
  if (stored !== undefined) {
    try {
      return codec.read(stored);
    } catch {
      // A damaged entry is computed again and replaced.
    }
  }
  const result = compute();
  if (result instanceof Uncacheable) return result.value;
  try {
    // Written aside and renamed, so a concurrent run never reads half an entry.
    const text = codec.write(result);
    if (holdsWithheld(text)) return result;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, text);
    fs.renameSync(partial, file);
  } catch {
    // A read-only node_modules only costs speed.
  }
  return result;
}

/** How a result is stored as text. */
export interface Codec<T> {
  read(stored: string): T;
  write(value: T): string;
}

/** Results that are text already. */
export const TEXT: Codec<string> = { read: (text) => text, write: (text) => text };

/** A result that must not be stored (its input could not be keyed faithfully). */
export class Uncacheable<T> {
  constructor(public readonly value: T) {}
}

/** The text of one of this project's files, for salts: a change to the code that computes changes every key. */
export function sourceOf(file: string): string {
  return fs.readFileSync(file, 'utf8');
}

const CACHE = path.join(__dirname, '..', 'node_modules', '.cache');
