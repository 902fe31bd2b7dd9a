import { GeneratedSecret } from '../../constructs/generated-secret';
import { buildApp } from '../../main';
import { optionalApps } from '../flux-env';
import { exampleVariables, generatedSecretKeys } from './cluster-input';
import { Plan, planCluster, prepareTree } from './simulate';

/**
 * The plan the graph and the diff describe: a tree on a cluster with every app it offers enabled,
 * every cluster variable set to its example and the constructs' generated secrets present.
 */
export async function planEveryApp(tree: string, generatedSecrets: readonly GeneratedSecret[] = GeneratedSecret.all(buildApp())): Promise<Plan> {
  return planCluster(await prepareTree(tree), {
    variables: exampleVariables(),
    generatedSecrets: generatedSecretKeys(generatedSecrets),
    apps: optionalApps(tree),
    description: 'the example value of every cluster variable',
  });
}
