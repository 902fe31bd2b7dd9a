import { Duration } from 'cdk8s';
import { charts } from '../../catalogue';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { localPathProvisioner } from '../../infrastructure/local-path-provisioner';

/** Where the other monitoring components reach Loki. */
export interface LokiOutputs {
  /** Base URL of Loki's HTTP API inside the cluster (Grafana's data source). */
  readonly url: string;
  /** The push endpoint log collectors send to. */
  readonly pushUrl: string;
}

/** How long logs are kept; the compactor deletes older chunks. */
export const LOKI_RETENTION = '336h';

/**
 * Loki as one binary (`loki-0` in `stackspin`, as the documents' `kubectl port-forward pod/loki-0`
 * expects) storing chunks and index on its own volume. Logs are diagnostics, not app data, so the
 * volume carries no backupSet.
 */
export const loki = defineComponent<LokiOutputs>({
  name: 'loki',
  layer: Layer.CORE,
  namespace: Namespaces.CORE,
  // Its volume claim uses the default StorageClass, which the provisioner's chart creates.
  dependsOn: [localPathProvisioner],
  // The documents note Loki upgrades can be slow; give the release time before Flux calls it failed.
  kustomization: { timeout: Duration.minutes(20) },
  build(component) {
    // Release `loki` makes the chart's full name, and so the StatefulSet and Service, `loki`.
    const url = `http://loki.${component.namespace}.svc.cluster.local:3100`;
    component.helmApp({
      name: 'loki',
      chart: charts.loki,
      timeout: Duration.minutes(15),
      values: {
        deploymentMode: 'Monolithic',
        loki: {
          // One tenant: collectors and Grafana need no X-Scope-OrgID header.
          auth_enabled: false,
          commonConfig: { replication_factor: 1 },
          storage: { type: 'filesystem' },
          schemaConfig: {
            configs: [{
              from: '2024-04-01',
              store: 'tsdb',
              object_store: 'filesystem',
              schema: 'v13',
              index: { prefix: 'index_', period: '24h' },
            }],
          },
          limits_config: { retention_period: LOKI_RETENTION },
          compactor: { retention_enabled: true, delete_request_store: 'filesystem' },
          analytics: { reporting_enabled: false },
        },
        singleBinary: {
          replicas: 1,
          persistence: { enabled: true, size: '10Gi' },
          resources: {
            requests: { cpu: '100m', memory: '256Mi' },
            limits: { cpu: '1', memory: '1Gi' },
          },
        },
        // The chart's defaults are sized for the scalable modes; on filesystem storage the
        // validation refuses any read/write/backend replica next to the single binary.
        read: { replicas: 0 },
        write: { replicas: 0 },
        backend: { replicas: 0 },
        // Not needed on one node: the nginx gateway, memcached caches, the canary and its test.
        gateway: { enabled: false },
        chunksCache: { enabled: false },
        resultsCache: { enabled: false },
        lokiCanary: { enabled: false },
        test: { enabled: false },
        // No Loki ruler rules are shipped, so the rules sidecar would only cost memory.
        sidecar: { rules: { enabled: false } },
      },
    });
    return { url, pushUrl: `${url}/loki/api/v1/push` };
  },
});
