import * as fs from 'fs';
import * as path from 'path';
import { GeneratedSecret } from '../../constructs/generated-secret';
import { buildApp } from '../../main';
import { optionalApps, validateEnv } from '../../scripts/flux-env';
import { secretDeclarations } from '../../scripts/plan/declarations';
import { ClusterInput, enabledApps, exampleVariables, withDerived } from '../../scripts/plan/cluster-input';
import { formatPlanProblem } from '../../scripts/plan/model';
import { planCluster, PreparedTree, prepareTree } from '../../scripts/plan/simulate';

const ROOT = path.join(__dirname, '..', '..');
const TREE = path.join(ROOT, 'dist', 'flux2');
let prepared: PreparedTree;
/** A fresh cluster: bootstrap generates nothing, the in-cluster generator creates every declared key. */
const generatedSecrets = new Map<string, readonly string[]>();

beforeAll(async () => {
  prepared = await prepareTree(TREE);
});

describe('plan on the committed tree', () => {
  test('GIVEN .flux.env.example (required variables only, no app) WHEN planned THEN core passes', () => {
    const { values, errors } = validateEnv(fs.readFileSync(path.join(ROOT, '.flux.env.example'), 'utf8'), { apps: optionalApps(TREE) });
    expect(errors).toEqual([]);
    const variables = withDerived(new Map(Object.entries(values) as [string, string][]));
    const input: ClusterInput = { variables, generatedSecrets, apps: enabledApps(variables), description: '.flux.env.example' };

    const plan = planCluster(prepared, input);

    expect(input.apps).toEqual([]);
    expect(plan.problems.map(formatPlanProblem)).toEqual([]);
    expect(plan.objects.has('Kustomization flux-system/stackspin')).toBe(true);
    expect(plan.schedule.waves.length).toBeGreaterThan(1);
  });

  test('GIVEN only dist/flux2 WHEN its declarations are read THEN they are the constructs\' generated secrets, key by key and generator by generator', () => {
    const declared = secretDeclarations(prepared.tree.objects.map((o) => o.manifest));
    const constructs = GeneratedSecret.all(buildApp());
    expect(new Map([...declared.values()].map((d) => [d.secret, Object.fromEntries(d.keys)])))
      .toEqual(new Map(constructs.map((s) => [s.name, s.declaration])));
  });

  test('GIVEN a fresh cluster with every app WHEN planned THEN every generated key is substituted only after the generator created it', () => {
    const plan = planCluster(prepared, { variables: exampleVariables(), generatedSecrets, apps: optionalApps(TREE), description: 'examples' });

    const used = new Set(plan.generated.map((g) => g.key));
    const declared = GeneratedSecret.all(buildApp()).flatMap((s) => Object.keys(s.keys));
    expect(declared.filter((key) => !used.has(key))).toEqual([]);
    expect(plan.problems.map(formatPlanProblem)).toEqual([]);
  });

  test('GIVEN every app enabled and every variable set WHEN planned THEN it passes and every app is installed', () => {
    const apps = optionalApps(TREE);
    const plan = planCluster(prepared, { variables: exampleVariables(), generatedSecrets, apps, description: 'examples' });

    expect(plan.problems.map(formatPlanProblem)).toEqual([]);
    for (const app of apps) expect(plan.schedule.startWave.has(`Kustomization flux-system/${app}`)).toBe(true);
  });
});
