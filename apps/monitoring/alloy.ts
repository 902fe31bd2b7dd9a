import { charts } from '../../catalogue';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { alloyConfig } from './alloy-config';
import { loki } from './loki';

/**
 * Grafana Alloy as a DaemonSet: ships pod logs and Kubernetes events to Loki. It replaces Promtail
 * (end of life 2026-03) and eventrouter (unmaintained).
 */
export const alloy = defineComponent({
  name: 'alloy',
  layer: Layer.CORE,
  namespace: Namespaces.CORE,
  dependsOn: [loki],
  build(component) {
    const { pushUrl } = component.platform.use(loki).outputs;
    component.helmApp({
      name: 'alloy',
      chart: charts.alloy,
      values: {
        // The PodLogs CRD is for Alloy's operator mode, which this pipeline does not use.
        crds: { create: false },
        alloy: {
          configMap: { content: alloyConfig(pushUrl) },
          // Mounts the node's /var/log read-only, where the kubelet writes container logs.
          mounts: { varlog: true },
          enableReporting: false,
          resources: {
            requests: { cpu: '50m', memory: '128Mi' },
            limits: { cpu: '500m', memory: '512Mi' },
          },
        },
        configReloader: {
          resources: {
            requests: { cpu: '10m', memory: '50Mi' },
            limits: { cpu: '50m', memory: '64Mi' },
          },
        },
        controller: { type: 'daemonset' },
      },
    });
  },
});
