import * as os from 'os';
import * as path from 'path';
import { buildDirectories } from '../validation/kustomize';
import { LoadedTree, loadTree } from '../validation/load';
import { bootstrapObjects } from './bootstrap';
import { checkGeneratedKeys, checkOrdering } from './checks';
import { ClusterInput } from './cluster-input';
import { checkDeclarations } from './declarations';
import { buildEventGraph, EventGraph } from './events';
import { Builds, expand, GeneratedUse } from './expand';
import { Applied, PlanProblem, sortPlanProblems } from './model';
import { schedule, Schedule } from './schedule';

/** A tree read from disk with every directory built by kustomize, ready to plan any cluster on. */
export interface PreparedTree {
  readonly tree: LoadedTree;
  readonly builds: Builds;
}

/** What Flux would do on one cluster: the objects, their order in waves, and what would fail. */
export interface Plan {
  readonly input: ClusterInput;
  readonly objects: ReadonlyMap<string, Applied>;
  readonly graph: EventGraph;
  readonly schedule: Schedule;
  readonly problems: readonly PlanProblem[];
  /** Keys the cluster lacked that Kustomizations substitute once the generator created them. */
  readonly generated: readonly GeneratedUse[];
}

/** Loads the tree at `root` and builds every kustomize directory (`kubectl kustomize`, in parallel). */
export async function prepareTree(root: string, parallelism: number = os.cpus().length): Promise<PreparedTree> {
  const tree = loadTree(root);
  const { built, problems } = await buildDirectories(tree, { parallelism });
  const errors = new Map(problems.map((p) => [path.posix.dirname(p.file), p.message]));
  return { tree, builds: { built, errors } };
}

/**
 * Simulates bootstrap and Flux on one cluster, offline. `bootstrappedWith` is the tree whose
 * bootstrap files the cluster was bootstrapped with (another revision, for an upgrade).
 */
export function planCluster(prepared: PreparedTree, input: ClusterInput, bootstrappedWith: LoadedTree = prepared.tree): Plan {
  const problems: PlanProblem[] = prepared.tree.problems.map((p) => ({ object: p.file, message: p.message }));
  const bootstrap = bootstrapObjects(bootstrappedWith, input);
  const expansion = expand(prepared.tree, prepared.builds, input, bootstrap.objects);
  const graph = buildEventGraph(expansion.objects);
  const scheduled = schedule(graph);
  problems.push(
    ...bootstrap.problems, ...expansion.problems, ...scheduled.problems, ...checkOrdering(expansion.objects, graph),
    ...checkGeneratedKeys(expansion.generated, expansion.objects, graph), ...checkDeclarations(prepared.tree.objects.map((o) => o.manifest)),
  );
  return { input, objects: expansion.objects, graph, schedule: scheduled, problems: sortPlanProblems(problems), generated: expansion.generated };
}
