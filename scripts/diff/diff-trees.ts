import { loadTree } from '../validation/load';
import { planEveryApp } from '../plan/real-cluster';
import { formatDiff, wavesTouched } from './report';
import { diffObjects, ObjectChange, objectsById } from './semantic-diff';

export interface TreeDiff {
  readonly changes: readonly ObjectChange[];
  readonly waves: readonly number[];
  /** The report to print. */
  readonly text: string;
}

/**
 * Compares two tree directories object by object and locates the changes in the waves of a
 * cluster with every app enabled (each tree planned on its own).
 */
export async function diffTrees(title: string, before: string, after: string): Promise<TreeDiff> {
  const changes = diffObjects(objectsById(loadTree(before)), objectsById(loadTree(after)));
  const waves = changes.length === 0 ? [] : wavesTouched(changes, await planEveryApp(before), await planEveryApp(after));
  return { changes, waves, text: formatDiff(title, changes, waves) };
}
