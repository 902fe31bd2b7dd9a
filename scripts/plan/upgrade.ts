import { formatPlanProblem, PlanProblem } from './model';
import { Plan, planCluster, PreparedTree } from './simulate';
import { BootstrappedCluster, variablesWithoutDefault } from './upgrade-cluster';
import {
  failures, findingKey, FindingKind, immutableChanges, prunes, releaseChanges, UpgradeFinding, versionChanges,
} from './upgrade-checks';

export interface UpgradeInput {
  /** The tree the cluster was bootstrapped with and runs. */
  readonly before: PreparedTree;
  /** The tree it pulls. */
  readonly after: PreparedTree;
  /** What bootstrap made at `before`. */
  readonly cluster: BootstrappedCluster;
  /** Finding keys (`<kind> <object>`) a commit accepts, e.g. from `Upgrade-Accepted:` trailers. @default none */
  readonly accepted?: readonly string[];
}

/** What a cluster running one revision does when it pulls another, unattended. */
export interface UpgradePlan {
  readonly cluster: BootstrappedCluster;
  readonly before: Plan;
  readonly after: Plan;
  /** Everything found, blockers and not, in order of kind and object. */
  readonly findings: readonly UpgradeFinding[];
  /** Blockers no commit accepts: any makes the upgrade unsafe unattended. */
  readonly blockers: readonly UpgradeFinding[];
  /** Blockers accepted by key. */
  readonly accepted: readonly UpgradeFinding[];
  /** Accepted keys that match no blocker (stale or mistyped). */
  readonly unmatched: readonly string[];
  /** Problems the cluster already has before the upgrade (not caused by it). */
  readonly alreadyFailing: readonly PlanProblem[];
}

/**
 * Simulates a cluster bootstrapped at one revision that pulls another: plans both trees on the
 * same cluster (its variables, its generated keys, its apps, bootstrap's objects from the older
 * revision), then compares what each applies.
 */
export function planUpgrade(input: UpgradeInput): UpgradePlan {
  const before = planCluster(input.before, input.cluster.input);
  const after = planCluster(input.after, input.cluster.input, input.before.tree);
  const { caused, already } = failures(before, after);
  const findings = [
    ...caused,
    ...newlyRequiredVariables(input, after),
    ...prunes(before, after),
    ...releaseChanges(before, after),
    ...versionChanges(before, after),
    ...immutableChanges(before, after),
  ].sort((a, b) => kindOrder(a.kind) - kindOrder(b.kind) || a.object.localeCompare(b.object) || a.message.localeCompare(b.message));
  const acceptedKeys = new Set(input.accepted ?? []);
  const blocking = findings.filter((f) => f.blocker);
  return {
    cluster: input.cluster,
    before,
    after,
    findings,
    blockers: blocking.filter((f) => !acceptedKeys.has(findingKey(f))),
    accepted: blocking.filter((f) => acceptedKeys.has(findingKey(f))),
    unmatched: [...acceptedKeys].filter((key) => !blocking.some((f) => findingKey(f) === key)),
    alreadyFailing: already,
  };
}

/**
 * A Kustomization that now needs a variable (no default) the older revision did not require of
 * every cluster: clusters that left it unset fail it. The plan sets every documented variable,
 * so only this comparison sees it.
 */
function newlyRequiredVariables(input: UpgradeInput, after: Plan): UpgradeFinding[] {
  const { variables } = input.cluster;
  const [was, now] = [variablesWithoutDefault(input.before), variablesWithoutDefault(input.after)];
  const findings: UpgradeFinding[] = [];
  for (const [k, names] of now) {
    if (!after.objects.has(k)) continue;
    for (const name of names) {
      if (!variables.known.has(name) || variables.required.has(name) || was.get(k)?.has(name)) continue;
      findings.push({
        kind: FindingKind.FAILS,
        object: k,
        message: `now needs cluster variable ${name}, which clusters need not have set (optional before, no default here): give it a default (\${${name}:=...}) or make operators set it first`,
        blocker: true,
      });
    }
  }
  return findings;
}

const KIND_ORDER = Object.values(FindingKind);
const kindOrder = (kind: FindingKind): number => KIND_ORDER.indexOf(kind);

/** The report: the cluster, what the generator adds, every finding, and a verdict. */
export function formatUpgrade(plan: UpgradePlan, title: string): string {
  const { input } = plan.cluster;
  const lines = [`upgrade: ${title}`];
  const apps = input.apps.length === 0 ? 'no apps' : `apps ${input.apps.join(', ')}`;
  lines.push(`cluster: core and ${apps}; variables from ${input.description}; generated keys ${plan.cluster.keysFrom === 'declared' ? 'as its tree declares them' : 'inferred from what its tree substitutes (it predates declarations)'}`);
  const generated = new Map<string, Set<string>>();
  for (const use of plan.after.generated) generated.set(use.secret, new Set([...generated.get(use.secret) ?? [], use.key]));
  lines.push(generated.size === 0
    ? 'generated keys: every key the new tree substitutes exists already'
    : 'generated keys the cluster lacks, created by the in-cluster generator before use:');
  for (const [secret, keys] of [...generated].sort(([a], [b]) => a.localeCompare(b))) lines.push(`  ${secret}: ${[...keys].sort().join(', ')}`);
  const notes = plan.findings.filter((f) => !f.blocker);
  if (notes.length > 0) lines.push('changes that need no one:', ...notes.map((f) => `  ${f.kind} ${f.object}: ${f.message}`));
  if (plan.alreadyFailing.length > 0) {
    lines.push('already failing before the upgrade (not caused by it):', ...plan.alreadyFailing.map((p) => `  ${formatPlanProblem(p)}`));
  }
  if (plan.accepted.length > 0) lines.push('accepted by a commit (Upgrade-Accepted):', ...plan.accepted.map((f) => `  ${f.kind} ${f.object}: ${f.message}`));
  if (plan.unmatched.length > 0) lines.push('accepted but not found (stale or mistyped Upgrade-Accepted):', ...plan.unmatched.map((k) => `  ${k}`));
  if (plan.blockers.length === 0) {
    lines.push(`ok: the cluster converges unattended (${plan.after.objects.size} objects)`);
  } else {
    lines.push(
      `BLOCKED: ${plan.blockers.length} change(s) need a person; fix them, or after a manual step is planned accept each in a commit message with a trailer line "Upgrade-Accepted: <kind> <object>":`,
      ...plan.blockers.map((f) => `  ${f.kind} ${f.object}: ${f.message}`),
    );
  }
  return `${lines.join('\n')}\n`;
}
