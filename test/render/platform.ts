import * as path from 'path';
import { optionalApps } from '../../scripts/flux-env';
import { exampleVariables } from '../../scripts/plan/cluster-input';
import { prepareTree, PreparedTree } from '../../scripts/plan/simulate';
import { RenderResult, renderReleases } from '../../scripts/render/render';

/** The committed tree; `npm test` checks separately that it equals a fresh synth. */
export const TREE = path.join(__dirname, '..', '..', 'dist', 'flux2');

let prepared: Promise<PreparedTree> | undefined;
const renders = new Map<string, Promise<RenderResult>>();

/**
 * The committed tree rendered with every app enabled, once per test file and variable set (and
 * across files through the render's content-keyed cache).
 */
export function renderPlatform(variables: ReadonlyMap<string, string> = exampleVariables()): Promise<RenderResult> {
  const key = JSON.stringify([...variables]);
  let render = renders.get(key);
  if (render === undefined) {
    prepared ??= prepareTree(TREE);
    // A fresh cluster: the in-cluster generator creates every declared key.
    render = prepared.then((tree) => renderReleases(tree, {
      input: { variables, generatedSecrets: new Map(), apps: optionalApps(TREE), description: 'test' },
    }));
    renders.set(key, render);
  }
  return render;
}
