import { optionalApps } from '../flux-env';
import { exampleVariables } from './cluster-input';
import { Plan, planCluster, prepareTree } from './simulate';

/**
 * The plan the graph and the diff describe: a tree on a cluster with every app it offers enabled,
 * every cluster variable set to its example, and the generated keys the tree declares.
 */
export async function planEveryApp(tree: string): Promise<Plan> {
  return planCluster(await prepareTree(tree), {
    variables: exampleVariables(),
    generatedSecrets: new Map(),
    apps: optionalApps(tree),
    description: 'the example value of every cluster variable',
  });
}
