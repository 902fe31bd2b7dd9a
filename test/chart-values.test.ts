import * as fs from 'fs';
import * as path from 'path';
import { pinnedChart } from './charts';
import { ofKind, TreeObject } from './tree';
import { parseYaml } from './yaml';

/**
 * Every Helm value the tree sets must exist in the pinned chart's default values.yaml (read from
 * the chart itself, in the chart cache), so a typo or a key a chart dropped fails here instead of
 * being silently ignored by Helm. Below a default that is empty ({}, [], null) or a list, values
 * are free-form.
 */

/** Keys typed by Kubernetes itself (ResourceRequirements, maps of labels...): free-form below them. */
const KUBERNETES_TYPED = new Set(['resources', 'annotations', 'labels', 'nodeSelector', 'tolerations', 'affinity', 'securityContext', 'podSecurityContext', 'env']);

/** Keys the upstream defaults do not show but the chart reads, each with where that is documented. */
const DOCUMENTED_EXTRA_KEYS: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  'nextcloud': {
    'ingress.className': 'commented example in values.yaml (`# className: nginx`)',
    'ingress.tls': 'commented example in values.yaml (`# tls:`)',
    'externalRedis.existingSecret.secretName': 'commented example in values.yaml (`# secretName: nameofsecret`)',
  },
  'zulip': {
    'zulip.environment': 'container environment, free-form (values.yaml: SETTING_*, CONFIG_* variables)',
    'externalPostgresql.password': 'commented in values.yaml ("password supports both scalar values and valueFrom maps")',
    'externalRabbitmq.password': 'commented in values.yaml ("password supports both scalar values and valueFrom maps")',
    'externalRedis.password': 'commented in values.yaml ("password supports both scalar values and valueFrom maps")',
    'externalMemcached.password': 'commented in values.yaml ("password supports both scalar values and valueFrom maps")',
  },
  'kube-prometheus-stack': {
    'alertmanager.config': 'the Alertmanager configuration file, rendered verbatim',
    'grafana.grafana.ini': 'grafana subchart: grafana.ini, Grafana\'s configuration file, rendered verbatim',
    'grafana.ingress.ingressClassName': 'grafana subchart: commented example in values.yaml (`# ingressClassName: nginx`)',
    'grafana.adminPassword': 'grafana subchart: commented example in values.yaml (`# adminPassword: strongpassword`)',
    'grafana.podLabels': 'grafana subchart: commented example in values.yaml (`# podLabels: {}`), read by templates/deployment.yaml',
  },
  'loki': { 'loki.limits_config': 'Loki limits_config block, rendered with tpl' },
  'kratos': { 'kratos.config': 'the Kratos configuration file, rendered verbatim (Ory configuration reference)' },
  'hydra': {
    'hydra.config': 'the Hydra configuration file, rendered verbatim (Ory configuration reference)',
    'ingress.public.tls': 'commented example in values.yaml',
  },
  'local-path-provisioner': { 'storageClass.provisionerName': 'commented example in values.yaml (`# provisionerName: rancher.io/local-path`)' },
  'traefik': {
    'ports.web.http.middlewares': 'allowed by the chart\'s values.schema.json for every port',
    'service.spec': 'free-form: "Additional entries here will be added to the Service spec"',
  },
};

/** A chart's defaults, with its subcharts' defaults under their alias (as Helm merges them). */
function defaultsOf(chart: string): Record<string, unknown> {
  const pinned = pinnedChart(chart);
  const withSubcharts: Record<string, unknown> = { ...pinned.defaults };
  for (const dep of parseYaml(fs.readFileSync(path.join(pinned.dir, 'Chart.yaml'), 'utf8')).dependencies ?? []) {
    const subchart = path.join(pinned.dir, 'charts', dep.name);
    if (!fs.existsSync(path.join(subchart, 'values.yaml'))) continue;
    const key = dep.alias ?? dep.name;
    withSubcharts[key] = { ...parseYaml(fs.readFileSync(path.join(subchart, 'values.yaml'), 'utf8')), ...(pinned.defaults[key] ?? {}) };
  }
  return withSubcharts;
}

/** Dotted paths set in `ours` that `defaults` does not have. */
function unknownKeys(ours: unknown, defaults: unknown, prefix = ''): string[] {
  if (ours === null || typeof ours !== 'object' || Array.isArray(ours)) return [];
  if (defaults === null || defaults === undefined || Array.isArray(defaults)) return [];
  if (typeof defaults !== 'object') return [];
  if (Object.keys(defaults).length === 0) return [];
  return Object.entries(ours).flatMap(([key, value]) => {
    const here = prefix ? `${prefix}.${key}` : key;
    if (KUBERNETES_TYPED.has(key)) return [];
    if (!(key in (defaults as Record<string, unknown>))) return [here];
    return unknownKeys(value, (defaults as Record<string, unknown>)[key], here);
  });
}

function valuesOf(release: TreeObject): unknown[] {
  const ns = release.manifest.metadata.namespace;
  return release.manifest.spec.valuesFrom
    .filter((v: any) => !v.optional)
    .map((v: any) => {
      const holder = ofKind(v.kind).find((o) => o.manifest.metadata.name === v.name && o.manifest.metadata.namespace === ns)!;
      return parseYaml((v.kind === 'Secret' ? holder.manifest.stringData : holder.manifest.data)['values.yaml']);
    });
}

describe('Helm values against the pinned charts', () => {
  test.each(ofKind('HelmRelease').map((r) => [`${r.manifest.metadata.namespace}/${r.manifest.metadata.name}`, r] as const))(
    'GIVEN HelmRelease %s WHEN its values are compared with the chart defaults THEN every key exists upstream',
    (_name, release) => {
      const { chart, version } = release.manifest.spec.chart.spec;
      expect({ chart, version: pinnedChart(chart).version }).toEqual({ chart, version });
      const defaults = defaultsOf(chart);
      const allowed = Object.keys(DOCUMENTED_EXTRA_KEYS[chart] ?? {});
      const unknown = valuesOf(release).flatMap((v) => unknownKeys(v, defaults))
        .filter((key) => !allowed.some((a) => key === a || key.startsWith(`${a}.`)));
      expect({ chart, unknown }).toEqual({ chart, unknown: [] });
    },
  );
});
