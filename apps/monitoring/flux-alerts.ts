import { Lazy } from 'cdk8s';
import { Construct } from 'constructs';
import { defineComponent, Layer } from '../../constructs/component';
import { FLUX_NAMESPACE } from '../../constructs/flux-source';
import { HelmRelease } from '../../imports/flux-helmrelease-helm.toolkit.fluxcd.io';
import { Alert, AlertSpecEventSeverity, AlertSpecEventSources, AlertSpecEventSourcesKind } from '../../imports/flux-notification-alert-notification.toolkit.fluxcd.io';
import { Provider, ProviderSpecType } from '../../imports/flux-notification-provider-notification.toolkit.fluxcd.io';
import { kubePrometheusStack } from './kube-prometheus-stack';

/**
 * Flux failures reach the admin like any other alert: notification-controller posts error events
 * of every Kustomization and every HelmRelease to Alertmanager, which e-mails `admin_email`.
 */
export const fluxAlerts = defineComponent({
  name: 'flux-alerts',
  layer: Layer.CORE,
  namespace: FLUX_NAMESPACE,
  dependsOn: [kubePrometheusStack],
  build(component) {
    const provider = new Provider(component, 'Alertmanager', {
      metadata: { name: 'alertmanager', namespace: FLUX_NAMESPACE },
      spec: {
        type: ProviderSpecType.ALERTMANAGER,
        address: component.platform.use(kubePrometheusStack).outputs.alertmanagerAlertsUrl,
      },
    });
    new Alert(component, 'Failures', {
      metadata: { name: 'flux-failures', namespace: FLUX_NAMESPACE },
      spec: {
        providerRef: { name: provider.name },
        eventSeverity: AlertSpecEventSeverity.ERROR,
        // Resolved when the tree is rendered, so a HelmRelease added in any namespace is covered.
        eventSources: Lazy.any({ produce: () => eventSources(component.platform) }) as unknown as AlertSpecEventSources[],
      },
    });
  },
});

/** Every Kustomization (all live in flux-system), and every HelmRelease, per namespace that has one. */
function eventSources(platform: Construct): AlertSpecEventSources[] {
  const namespaces = new Set(platform.node.findAll()
    .filter((c): c is HelmRelease => c instanceof HelmRelease)
    .map((hr) => hr.metadata.namespace ?? FLUX_NAMESPACE));
  return [
    { kind: AlertSpecEventSourcesKind.KUSTOMIZATION, name: '*', namespace: FLUX_NAMESPACE },
    ...[...namespaces].sort().map((namespace) => ({ kind: AlertSpecEventSourcesKind.HELM_RELEASE, name: '*', namespace })),
  ];
}
