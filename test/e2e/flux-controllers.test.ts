import { environment, EVENTS_URL, FLUX_PORTS, REQUEUE_DEPENDENCY, rewrite } from '../../scripts/e2e/flux-controllers';

/** How the e2e starts each Flux controller from its Deployment (scripts/e2e/flux-controllers.ts). */
describe('the Flux controllers of the e2e', () => {
  /** The arguments fluxcd's release manifests give source-controller (flux install --export, v2.9.4). */
  const SOURCE_ARGS = ['--events-addr=http://notification-controller.flux-system.svc.cluster.local./', '--watch-all-namespaces=true', '--log-level=info',
    '--log-encoding=json', '--enable-leader-election', '--storage-path=/data', '--storage-adv-addr=source-controller.flux-system.svc.cluster.local.'];

  test('GIVEN source-controller\'s Deployment arguments WHEN rewritten for the host THEN only addresses and leader election change, the rest is the release\'s', () => {
    expect(rewrite(SOURCE_ARGS, 'source-controller', '/run/sc')).toEqual([
      `--events-addr=${EVENTS_URL}`, '--watch-all-namespaces=true', '--log-level=info', '--log-encoding=json',
      '--storage-path=/run/sc/data', `--storage-adv-addr=127.0.0.1:${FLUX_PORTS['source-controller'].storage}`, `--storage-addr=127.0.0.1:${FLUX_PORTS['source-controller'].storage}`,
    ]);
  });

  test.each(['kustomize-controller', 'helm-controller'] as const)('GIVEN %s WHEN rewritten THEN it re-checks dependencies every few seconds', (controller) => {
    expect(rewrite(['--watch-all-namespaces=true', '--requeue-dependency=30s'], controller, '/run/x')).toEqual(['--watch-all-namespaces=true', `--requeue-dependency=${REQUEUE_DEPENDENCY}`]);
  });

  test('GIVEN notification-controller WHEN rewritten THEN it listens for events and webhooks on its own loopback ports', () => {
    const ports = FLUX_PORTS['notification-controller'];
    expect(rewrite(['--watch-all-namespaces=true'], 'notification-controller', '/run/nc')).toEqual(['--watch-all-namespaces=true', `--events-addr=127.0.0.1:${ports.events}`, `--receiverAddr=127.0.0.1:${ports.receiver}`]);
    expect(EVENTS_URL).toBe(`http://127.0.0.1:${ports.events}/`);
  });

  test('GIVEN a Deployment\'s environment WHEN resolved as the kubelet does THEN the namespace and memory limit are filled in, and an unknown reference is refused by name', () => {
    const container = { resources: { limits: { memory: '1Gi', cpu: '1000m' } }, env: [
      { name: 'RUNTIME_NAMESPACE', valueFrom: { fieldRef: { fieldPath: 'metadata.namespace' } } },
      { name: 'GOMEMLIMIT', valueFrom: { resourceFieldRef: { resource: 'limits.memory' } } },
      { name: 'TUF_ROOT', value: '/tmp/.sigstore' },
    ] };
    expect(environment(container, 'source-controller')).toEqual({ RUNTIME_NAMESPACE: 'flux-system', GOMEMLIMIT: String(2 ** 30), TUF_ROOT: '/tmp/.sigstore' });
    expect(() => environment({ env: [{ name: 'NODE', valueFrom: { fieldRef: { fieldPath: 'spec.nodeName' } } }] }, 'helm-controller'))
      .toThrow('helm-controller: its Deployment sets NODE from {"fieldRef":{"fieldPath":"spec.nodeName"}}, which scripts/e2e/flux-controllers.ts does not resolve');
  });
});
