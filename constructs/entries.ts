/**
 * Where the tree keeps its entry points: the paths bootstrap, install-app.sh and the tree writer
 * find by. A leaf module (it imports nothing), so any construct or tool can use it.
 */

/** Tree directory of the core entry, which bootstrap points the root Kustomization at. */
export const CORE_ENTRY = 'cluster/core';

/** Tree directory of an optional app's entry, which `install-app.sh <app>` applies. */
export const optionalEntry = (app: string): string => `cluster/optional/${app}`;

/** The file that marks a directory as a synthesized tree (the writer replaces only such a directory). */
export const TREE_MARKER = `${CORE_ENTRY}/kustomization.yaml`;
