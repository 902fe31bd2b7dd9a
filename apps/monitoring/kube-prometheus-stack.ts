import { Duration } from 'cdk8s';
import { charts } from '../../catalogue';
import { vars } from '../../constructs/cluster-variables';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { Generator } from '../../constructs/generated-secret';
import { OAuth2Client } from '../../constructs/oauth2-client';
import { ingress as ingressDefaults, traefik } from '../../infrastructure/traefik';
import { singleSignOn } from '../single-sign-on';
import { alertmanagerConfig, alertmanagerSecretConfig } from './alertmanager';
import { TRAEFIK_MIDDLEWARES_ANNOTATION, TraefikBasicAuth } from './basic-auth';
import { grafanaValues } from './grafana';
import { loki } from './loki';

/** What Flux's alerting needs from the stack. */
export interface KubePrometheusStackOutputs {
  /** Alertmanager's v2 alerts API inside the cluster. */
  readonly alertmanagerAlertsUrl: string;
}

/** Prometheus keeps this much history, and never more than `PROMETHEUS_RETENTION_SIZE` on disk. */
export const PROMETHEUS_RETENTION = '15d';
export const PROMETHEUS_RETENTION_SIZE = '8GB';

const RELEASE = 'kube-prometheus-stack';

/** An Ingress block as the chart's sub-charts take it: Traefik, a Let's Encrypt certificate. */
function ingress(host: string, tlsSecret: string, middleware?: string): Record<string, unknown> {
  return {
    enabled: true,
    ingressClassName: ingressDefaults.className,
    annotations: {
      ...ingressDefaults.annotations,
      ...(middleware ? { [TRAEFIK_MIDDLEWARES_ANNOTATION]: middleware } : {}),
    },
    hosts: [host],
    tls: [{ secretName: tlsSecret, hosts: [host] }],
  };
}

function resources(cpu: string, memory: string, cpuLimit: string, memoryLimit: string): Record<string, unknown> {
  return { requests: { cpu, memory }, limits: { cpu: cpuLimit, memory: memoryLimit } };
}

/**
 * Prometheus, Alertmanager and Grafana with the default rules and dashboards. Alerts are e-mailed
 * to the admin; Grafana logs in through single sign-on; Prometheus and Alertmanager sit behind
 * basic auth (user `admin`) until they get single sign-on too.
 */
export const kubePrometheusStack = defineComponent<KubePrometheusStackOutputs>({
  name: 'kube-prometheus-stack',
  layer: Layer.CORE,
  namespace: Namespaces.CORE,
  // Traefik's chart ships the Middleware CRD; single sign-on's ships OAuth2Client's.
  dependsOn: [singleSignOn, traefik],
  // A first install applies the operator's CRDs and waits for three StatefulSets.
  kustomization: { timeout: Duration.minutes(20) },
  build(component) {
    const namespace = component.namespace;
    const secret = component.generatedSecret({
      grafana_admin_password: { generator: Generator.PASSWORD },
      grafana_oauth_client_secret: { generator: Generator.PASSWORD },
      prometheus_basic_auth_password: { generator: Generator.PASSWORD },
      alertmanager_basic_auth_password: { generator: Generator.PASSWORD },
    });
    const hosts = { grafana: `grafana.${vars.domain}`, prometheus: `prometheus.${vars.domain}`, alertmanager: `alertmanager.${vars.domain}` };

    const prometheusAuth = new TraefikBasicAuth(component, 'PrometheusBasicAuth', {
      name: 'prometheus', namespace, secret, passwordKey: 'prometheus_basic_auth_password',
    });
    const alertmanagerAuth = new TraefikBasicAuth(component, 'AlertmanagerBasicAuth', {
      name: 'alertmanager', namespace, secret, passwordKey: 'alertmanager_basic_auth_password',
    });
    const grafanaClient = new OAuth2Client(component, 'GrafanaClient', {
      name: 'grafana',
      namespace,
      redirectUris: [`https://${hosts.grafana}/login/generic_oauth`],
      secret,
      secretKey: 'grafana_oauth_client_secret',
    });

    component.helmApp({
      name: RELEASE,
      chart: charts.kubePrometheusStack,
      timeout: Duration.minutes(15),
      values: {
        // k3s runs the control plane in one process with these metrics bound to localhost, and
        // uses no etcd on a single node: scraping them only yields permanent TargetDown alerts.
        kubeControllerManager: { enabled: false },
        kubeScheduler: { enabled: false },
        kubeProxy: { enabled: false },
        kubeEtcd: { enabled: false },
        defaultRules: {
          rules: { etcd: false, kubeControllerManager: false, kubeProxy: false, kubeSchedulerAlerting: false, kubeSchedulerRecording: false, windows: false },
        },
        alertmanager: {
          config: alertmanagerConfig(),
          ingress: ingress(hosts.alertmanager, 'alertmanager-tls', alertmanagerAuth.middlewareReference),
          alertmanagerSpec: {
            externalUrl: `https://${hosts.alertmanager}`,
            // Silences and notification state survive restarts.
            storage: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '1Gi' } } } } },
            resources: resources('10m', '48Mi', '100m', '128Mi'),
          },
        },
        grafana: grafanaValues({
          host: hosts.grafana,
          sso: component.platform.use(singleSignOn).outputs,
          client: grafanaClient,
          lokiUrl: component.platform.use(loki).outputs.url,
          ingress: ingress(hosts.grafana, 'grafana-tls'),
        }),
        prometheus: {
          ingress: ingress(hosts.prometheus, 'prometheus-tls', prometheusAuth.middlewareReference),
          prometheusSpec: {
            externalUrl: `https://${hosts.prometheus}`,
            retention: PROMETHEUS_RETENTION,
            retentionSize: PROMETHEUS_RETENTION_SIZE,
            // Pick up ServiceMonitors, PodMonitors and rules of every chart, not only this release's.
            serviceMonitorSelectorNilUsesHelmValues: false,
            podMonitorSelectorNilUsesHelmValues: false,
            ruleSelectorNilUsesHelmValues: false,
            probeSelectorNilUsesHelmValues: false,
            scrapeConfigSelectorNilUsesHelmValues: false,
            // No backupSet label: metrics are not worth backing up (the documents: nightly backups
            // "minus Prometheus data"); Velero's schedule leaves out the pods labelled
            // app.kubernetes.io/name=prometheus, and with them this volume (PROMETHEUS_EXCLUSION).
            storageSpec: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } } },
            resources: resources('200m', '1Gi', '1500m', '2Gi'),
          },
        },
        prometheusOperator: {
          resources: resources('50m', '96Mi', '200m', '256Mi'),
          prometheusConfigReloader: { resources: resources('10m', '32Mi', '50m', '64Mi') },
        },
        // Sub-chart values (kube-state-metrics, prometheus-node-exporter charts).
        'kube-state-metrics': { resources: resources('10m', '64Mi', '100m', '192Mi') },
        'prometheus-node-exporter': { resources: resources('10m', '32Mi', '200m', '64Mi') },
      },
      secretValues: {
        alertmanager: { config: alertmanagerSecretConfig() },
        grafana: { adminPassword: secret.ref('grafana_admin_password') },
      },
    });
    return { alertmanagerAlertsUrl: `http://${RELEASE}-alertmanager.${namespace}.svc.cluster.local:9093/api/v2/alerts/` };
  },
});
