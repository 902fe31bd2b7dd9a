import { charts } from '../../catalogue';
import { defineComponent, Layer } from '../../constructs/component';

/** Requests and limits for one small cert-manager pod. */
function resources(memoryRequest: string, memoryLimit: string): Record<string, unknown> {
  return {
    requests: { cpu: '10m', memory: memoryRequest },
    limits: { cpu: '200m', memory: memoryLimit },
  };
}

/**
 * cert-manager, in namespace `cert-manager` (the troubleshooting documents look for its pods
 * there). It obtains every Ingress's certificate from the ClusterIssuers in `letsencrypt.ts`.
 */
export const certManager = defineComponent({
  name: 'cert-manager',
  layer: Layer.INFRASTRUCTURE,
  namespace: 'cert-manager',
  build(component) {
    component.helmApp({
      name: 'cert-manager',
      chart: charts.certManager,
      values: {
        // The CRDs are chart templates behind this switch (not in crds/), so Helm upgrades them;
        // keep: uninstalling the release must not delete every Certificate with its CRD.
        crds: { enabled: true, keep: true },
        // The controller and cainjector cache every Secret in the cluster; they need the most memory.
        resources: resources('64Mi', '256Mi'),
        cainjector: { resources: resources('48Mi', '256Mi') },
        webhook: { resources: resources('24Mi', '96Mi') },
        startupapicheck: { resources: resources('24Mi', '96Mi') },
      },
    });
  },
});
