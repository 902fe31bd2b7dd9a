import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ClusterInput } from '../../scripts/plan/cluster-input';
import { formatPlanProblem } from '../../scripts/plan/model';
import { Plan, planCluster, prepareTree } from '../../scripts/plan/simulate';

/**
 * Plan fixtures: `test/fixtures/plan/base/` is a small valid tree (sources, namespaces,
 * cert-manager, a ClusterIssuer, and an optional app `demo`); every other folder there holds only
 * the files that seed one mistake, copied over the base.
 */
const FIXTURES = path.join(__dirname, '..', 'fixtures', 'plan');
const temporary: string[] = [];

afterAll(() => {
  for (const dir of temporary) fs.rmSync(dir, { recursive: true, force: true });
});

/** The cluster the fixtures are planned for: the demo app enabled, its generated secret present. */
export const FIXTURE_INPUT: ClusterInput = {
  variables: new Map([['domain', 'example.org'], ['admin_email', 'admin@example.org']]),
  generatedSecrets: new Map([['stackspin-demo-variables', ['demo_admin_password']]]),
  apps: ['demo'],
  description: 'the fixture',
};

/** A temp copy of the base tree with the overlay folder `mistake` (if any) copied over it. */
export function fixtureTree(mistake?: string): string {
  const root = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'plan-')), 'flux2');
  temporary.push(path.dirname(root));
  fs.cpSync(path.join(FIXTURES, 'base'), root, { recursive: true });
  if (mistake !== undefined) fs.cpSync(path.join(FIXTURES, mistake), root, { recursive: true });
  return root;
}

/** Plans a fixture tree. */
export async function planFixture(mistake?: string, input: ClusterInput = FIXTURE_INPUT): Promise<Plan> {
  return planCluster(await prepareTree(fixtureTree(mistake), 2), input);
}

export function problemLines(plan: Plan): string[] {
  return plan.problems.map(formatPlanProblem);
}
