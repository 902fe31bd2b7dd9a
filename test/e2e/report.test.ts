import { Convergence, comparePlan, Observed } from '../../scripts/e2e/converge';
import { formatChecks, reportChecks } from '../../scripts/e2e/report';
import { RunReport } from '../../scripts/e2e/run';
import { Plan } from '../../scripts/plan/simulate';

/** The e2e's verdicts (scripts/e2e/converge.ts, report.ts): each check fails on the evidence it is about. */
describe('the e2e report', () => {
  const ready = (id: string, second: number, dependsOn: string[] = []): Observed => ({
    id, kind: id.split(' ')[0], namespace: 'flux-system', name: id.split('/')[1], readyAt: new Date(Date.UTC(2026, 11, 7, 2, 0, second)), conditions: [], dependsOn,
  });
  const converged = (objects: Observed[]): Convergence => {
    const c = new Convergence(undefined as never);
    for (const o of objects) c.objects.set(o.id, o);
    return c;
  };

  const good: RunReport = {
    commit: 'abc',
    versions: { kube: 'v1.36.3' },
    ok: true,
    problems: [],
    phases: [{ name: 'control plane', seconds: 9 }],
    objects: [{ id: 'Kustomization flux-system/namespaces', readySecond: 0, planWave: 1, dependsOn: [], conditions: [] }],
    prediction: { unknown: [], unplanned: [], contradicted: [] },
    hostPods: [{ pod: 'flux-system/generate-secrets-x', exitCode: 0, seconds: 1, log: 'x.log' }],
    cluster: { pods: 3, podsNotRunning: [], requested: { cpuMillis: 100, memoryMiB: 64, allocatableCpuMillis: 6000, allocatableMemoryMiB: 12288 }, claims: 1, claimsNotBound: [], jobs: 1, jobsNotComplete: [], workloads: 2, workloadsNotReady: [], warnings: {} },
    network: { packetsOut: 0, foreignSockets: [], proxyRequests: [], gitRequests: 2 },
    memory: { peakTotalMiB: 100, peakMiB: {} },
  };

  test('GIVEN a run where everything held WHEN checked THEN every check passes and the tally counts them', () => {
    const checks = reportChecks(good);
    expect(checks.every((c) => c.ok)).toBe(true);
    expect(formatChecks(checks).split('\n').pop()).toBe(`${checks.length} passed, 0 failed`);
  });

  test.each([
    ['an object never Ready', { objects: [{ id: 'HelmRelease stackspin/kratos', dependsOn: [], conditions: [] }] }, 'every Kustomization and HelmRelease Ready'],
    ['a packet that left loopback', { problems: ['1 packets left loopback (to the trap interface \'outside\')'] }, 'nothing left loopback'],
    ['a refused proxy request', { problems: ['the chart proxy refused CONNECT example.org:443: not a chart repository of the tree under test'] }, 'nothing left loopback'],
    ['an unbound claim', { cluster: { ...good.cluster!, claimsNotBound: ['stackspin/data (Pending)'] } }, 'every pod admitted and scheduled within the node, every workload ready, every volume claim Bound, every Job complete'],
    ['pods that do not fit the node', { cluster: { ...good.cluster!, requested: { ...good.cluster!.requested, memoryMiB: 13000 } } }, 'every pod admitted and scheduled within the node, every workload ready, every volume claim Bound, every Job complete'],
    ['a workload whose pods PodSecurity refused', { cluster: { ...good.cluster!, workloadsNotReady: ['Deployment stackspin/x (0 of 1 ready)'], warnings: { FailedCreate: { count: 2, example: 'ReplicaSet x: forbidden: violates PodSecurity' } } } }, 'every pod admitted and scheduled within the node, every workload ready, every volume claim Bound, every Job complete'],
    ['a failed host pod', { problems: ['host pod flux-system/generate-secrets-x exited 1 (log: x.log)'] }, 'the pods run on the host succeeded'],
    ['a contradicted prediction', { prediction: { unknown: [], unplanned: [], contradicted: ['the plan has A wait for B'] } }, 'the plan (npm run plan -- --all-apps) predicted what happened'],
  ])('GIVEN %s WHEN checked THEN exactly that check fails', (_, change, failing) => {
    const checks = reportChecks({ ...good, ...change } as RunReport);
    expect(checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([failing]);
  });

  test('GIVEN a Warning event on the way that left nothing undone (a pod scheduled before its claim existed) WHEN checked THEN the run passes and names the event', () => {
    const check = reportChecks({ ...good, cluster: { ...good.cluster!, warnings: { FailedScheduling: { count: 1, example: 'Pod x: persistentvolumeclaim "y" not found' } } } })[4];
    expect(check.ok).toBe(true);
    expect(check.detail).toContain('passing Warning events: FailedScheduling x1');
  });

  test('GIVEN an object Ready before what it depends on WHEN the order is checked THEN the violation names both and their times', () => {
    const c = converged([ready('Kustomization flux-system/namespaces', 5), ready('Kustomization flux-system/traefik', 3, ['Kustomization flux-system/namespaces'])]);
    expect(c.orderViolations()).toEqual(['Kustomization flux-system/traefik was Ready at 2026-12-07T02:00:03.000Z, before Kustomization flux-system/namespaces (Ready at 2026-12-07T02:00:05.000Z), which it depends on']);
    expect(converged([ready('Kustomization flux-system/namespaces', 3), ready('Kustomization flux-system/traefik', 3, ['Kustomization flux-system/namespaces'])]).orderViolations()).toEqual([]);
  });

  test('GIVEN a plan whose guaranteed wait did not hold WHEN compared THEN it is reported, as are objects only one side knows', () => {
    const plan = {
      schedule: { startWave: new Map([['Kustomization flux-system/namespaces', 1], ['Kustomization flux-system/traefik', 2], ['Kustomization flux-system/gone', 2]]) },
      graph: { edges: [{ from: 'ready Kustomization flux-system/namespaces', to: 'start Kustomization flux-system/traefik', delay: 1, guaranteed: true }] },
    } as unknown as Plan;
    const observed = converged([ready('Kustomization flux-system/namespaces', 9), ready('Kustomization flux-system/traefik', 4), ready('Kustomization flux-system/extra', 1)]).objects;
    expect(comparePlan(plan, observed)).toEqual({
      unknown: ['Kustomization flux-system/gone'],
      unplanned: ['Kustomization flux-system/extra'],
      contradicted: ['the plan has Kustomization flux-system/traefik wait for Kustomization flux-system/namespaces (to start), but it was Ready 5 s before it'],
    });
  });
});
