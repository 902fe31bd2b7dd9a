import { parse } from 'yaml';
import { parseDocuments } from '../constructs/yaml-cache';

/**
 * `yaml`'s `parse(text)` through the YAML cache the tools use (constructs/yaml-cache.ts): dozens of
 * test files parse the same synthesized tree and chart values, and parsing was a fifth of their time.
 */
export function parseYaml(text: string): any {
  const documents = parseDocuments(text);
  // An invalid or multi-document text goes to yaml itself, for its own error.
  if (documents.length > 1 || documents.some((d) => d.error !== undefined)) return parse(text);
  return documents[0]?.value ?? null;
}
