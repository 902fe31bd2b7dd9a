import * as fs from 'fs';
import * as path from 'path';
import { images } from '../catalogue';

/**
 * What synth refuses in catalogue.ts before it builds anything: a key given twice in one of its
 * tables (the transpile-only loader keeps the last one, and a bad merge would silently pick a
 * version: tsc in npm test sees it, synth must too), and an image tag that moves (`latest`, empty,
 * or with spaces), as chart versions are refused (constructs/helm-app.ts).
 */
export const CATALOGUE_FILE = path.join(__dirname, '..', 'catalogue.ts');

/** Keys given more than once in an `export const <table> = {` block of the catalogue's source. */
export function duplicateKeys(source: string): string[] {
  const problems: string[] = [];
  for (const table of source.matchAll(/^export const (\w+) = \{\n([\s\S]*?)^\} as const/gm)) {
    const seen = new Map<string, number>();
    const lines = table[2].split('\n');
    const first = source.slice(0, table.index).split('\n').length + 1;
    lines.forEach((line, i) => {
      const key = /^ {2}(\w+): \{/.exec(line)?.[1];
      if (key === undefined) return;
      const before = seen.get(key);
      if (before !== undefined) problems.push(`catalogue.ts: ${table[1]}.${key} is given twice (lines ${before} and ${first + i}); keep one`);
      else seen.set(key, first + i);
    });
  }
  return problems;
}

/** Image tags that are not a pin. */
export function movingTags(table: Readonly<Record<string, { readonly tag: string }>>): string[] {
  return Object.entries(table)
    .filter(([, entry]) => entry.tag === 'latest' || entry.tag.trim() === '' || /\s/.test(entry.tag))
    .map(([name, entry]) => `catalogue.ts: images.${name} has the tag '${entry.tag}', which is not a pin (it moves); pin an exact tag`);
}

/** Every problem of the catalogue, one line each. */
export function catalogueProblems(source: string = fs.readFileSync(CATALOGUE_FILE, 'utf8')): string[] {
  return [...duplicateKeys(source), ...movingTags(images)];
}
