/**
 * Prints versions from the catalogue for the shell scripts, so they never retype one, one line
 * per name: `catalogue.ts get k3s flux` (the k3s release bootstrap installs; the Flux CLI and
 * controllers; `curl` is the image reference create-user.sh runs its pod with).
 */
import { imageRef, images, releases } from '../catalogue';

export const VERSIONS: Readonly<Record<string, string>> = {
  k3s: releases.k3s.version,
  flux: images.fluxCli.tag,
  curl: imageRef('curl'),
};

/** The output and exit code of one invocation. */
export function catalogueCommand(argv: readonly string[]): { readonly out: string; readonly code: number } {
  const [command, ...names] = argv;
  if (command !== 'get' || names.length === 0 || names.some((n) => VERSIONS[n] === undefined)) {
    return { out: `usage: catalogue.ts get <${Object.keys(VERSIONS).join('|')}>...\n`, code: 2 };
  }
  return { out: names.map((n) => `${VERSIONS[n]}\n`).join(''), code: 0 };
}

if (require.main === module) {
  const { out, code } = catalogueCommand(process.argv.slice(2));
  (code === 0 ? process.stdout : process.stderr).write(out);
  process.exitCode = code;
}
