import * as os from 'os';
import { checkConventions } from './conventions';
import { ValidationContext } from './context';
import { buildDirectories } from './kustomize';
import { loadTree } from './load';
import { Problem, sortProblems } from './problem';
import { checkReferences } from './references';
import { checkSchemas, SchemaValidator } from './schemas';
import { checkSubstitution } from './substitution';

export interface ValidateTreeOptions {
  /** What the constructs declare (generated secrets, cluster variables). */
  readonly context: ValidationContext;
  /** Concurrent `kubectl kustomize` processes. @default the number of cores */
  readonly parallelism?: number;
  /** Reuse compiled schemas across trees (tests validate many). @default a new validator */
  readonly schemas?: SchemaValidator;
}

export interface ValidationReport {
  readonly problems: readonly Problem[];
  readonly objects: number;
  readonly directories: number;
}

/** Runs every check on the tree at `root`; kustomize builds run while the in-process checks do. */
export async function validateTree(root: string, options: ValidateTreeOptions): Promise<ValidationReport> {
  const tree = loadTree(root);
  const building = buildDirectories(tree, { parallelism: options.parallelism ?? os.cpus().length });
  const problems = [
    ...tree.problems,
    ...checkSchemas(tree, options.context, options.schemas),
    ...checkReferences(tree, options.context),
    ...checkConventions(tree),
  ];
  const { built, problems: buildProblems } = await building;
  problems.push(...buildProblems, ...checkSubstitution(tree, built, options.context));
  return { problems: sortProblems(problems), objects: tree.objects.length, directories: tree.kustomizeDirectories.length };
}
