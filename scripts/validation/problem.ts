/** One thing wrong with the tree, printed as one line: `file: Kind ns/name: field: message`. */
export interface Problem {
  /** File under the tree root, e.g. `apps/wekan/helmrelease-wekan.yaml`. */
  readonly file: string;
  /** `Kind namespace/name`, when the problem belongs to one object. @default none */
  readonly object?: string;
  /** Dotted field path, e.g. `spec.chart.spec.version`. @default none */
  readonly field?: string;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  return [p.file, p.object, p.field, p.message].filter((part) => part !== undefined && part !== '').join(': ');
}

/** Sorted by file, then line text, so the output is stable whatever order the checks ran in. */
export function sortProblems(problems: readonly Problem[]): Problem[] {
  return [...problems].sort((a, b) => formatProblem(a).localeCompare(formatProblem(b)));
}
