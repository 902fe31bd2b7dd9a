import { defineComponent, Layer } from '../../constructs/component';
import { vars } from '../../constructs/cluster-variables';
import { FLUX_NAMESPACE } from '../../constructs/flux-source';
import { WindowAccess } from './window-access';
import { WindowEdge, WindowJob } from './window-job';

/**
 * The Flux maintenance window: the platform's GitRepository is resumed at
 * `flux_window_start_hour` and suspended at `flux_window_end_hour` (cluster time zone
 * `maintenance_time_zone`), so clusters take new revisions only at night. The GitRepository never
 * declares `spec.suspend`, so neither these jobs nor `flux suspend|resume source git stackspin`
 * by hand are undone by Flux.
 */
export const fluxMaintenanceWindow = defineComponent({
  name: 'flux-maintenance-window',
  layer: Layer.INFRASTRUCTURE,
  namespace: FLUX_NAMESPACE,
  build(component) {
    const source = component.platform.source;
    const access = new WindowAccess(component, 'Access', {
      name: 'flux-maintenance-window',
      target: { apiGroup: 'source.toolkit.fluxcd.io', resource: 'gitrepositories', namespace: source.namespace, name: source.name },
    });
    const job = (edge: WindowEdge, action: string, hour: string, suspend: boolean): WindowJob =>
      new WindowJob(component, action, {
        name: `flux-maintenance-window-${action}`,
        edge,
        access,
        hour,
        timeZone: vars.maintenance_time_zone,
        patch: { spec: { suspend } },
        expect: { jsonPath: '{.spec.suspend}', value: String(suspend) },
      });
    return {
      resume: job(WindowEdge.OPEN, 'resume', vars.flux_window_start_hour, false),
      suspend: job(WindowEdge.CLOSE, 'suspend', vars.flux_window_end_hour, true),
    };
  },
});
