import { App, Chart } from 'cdk8s';
import * as jmespath from 'jmespath';
import { alloy } from '../../apps/monitoring/alloy';
import { EVENTS_APP_LABEL } from '../../apps/monitoring/alloy-config';
import { ADMIN_EMAIL_RECEIVER, NO_EMAIL_RECEIVER } from '../../apps/monitoring/alertmanager';
import { TRAEFIK_MIDDLEWARES_ANNOTATION, TraefikBasicAuth } from '../../apps/monitoring/basic-auth';
import { fluxAlerts } from '../../apps/monitoring/flux-alerts';
import { kubePrometheusStack } from '../../apps/monitoring/kube-prometheus-stack';
import { loki } from '../../apps/monitoring/loki';
import { singleSignOn, SingleSignOnOutputs } from '../../apps/single-sign-on';
import { deriveVariables } from '../../constructs/cluster-variables';
import { Namespaces } from '../../constructs/component';
import { GeneratedSecret, Generator } from '../../constructs/generated-secret';
import { BACKUP_SET_LABEL } from '../../constructs/helm-app';
import { Platform } from '../../constructs/platform';
import { INGRESS_CLASS_NAME, traefik } from '../../infrastructure/traefik';
import { buildApp } from '../../main';
import { pinnedChart, schemaErrors, undeclaredKeys } from '../charts';
import { fluxSubstitute } from '../infrastructure/flux-substitute';
import { releaseValues, SAMPLE_VARIABLES } from '../infrastructure/release-values';
import { componentFiles, fullTree, ofKind } from '../tree';
import { parseYaml } from '../yaml';

const COMPONENTS = [loki, alloy, kubePrometheusStack, fluxAlerts];
const core = (name: string): any => releaseValues('core', name);
const find = (kind: string, name: string): any => {
  const found = ofKind(kind).filter((o) => o.manifest.metadata.name === name);
  expect({ kind, name, count: found.length }).toEqual({ kind, name, count: 1 });
  return found[0].manifest;
};
/** Sample values of the generated keys, as the secret generator makes them. */
const GENERATED: Readonly<Record<string, string>> = {
  grafana_admin_password: 'grafana-admin',
  grafana_oauth_client_secret: 'grafana-client',
  prometheus_basic_auth_password: 'prometheus',
  alertmanager_basic_auth_password: 'alertmanager',
};
/** A release's secret values after substitution, as Helm receives them. */
const secretValues = (name: string, variables: Readonly<Record<string, string>>): any => {
  const text = fullTree().get(`core/${name}/secret-${name}-secret-values.yaml`)!;
  return parseYaml(parseYaml(fluxSubstitute(text, { ...GENERATED, ...variables })).stringData['values.yaml']);
};

describe('monitoring', () => {
  describe.each(COMPONENTS.map((c) => [c.name]))('%s', (name) => {
    test('GIVEN the platform WHEN synthesized THEN its files match the snapshot', () => {
      expect(componentFiles(name)).toMatchSnapshot();
    });

    test('GIVEN its directory WHEN Flux substitutes sample variables and generated values THEN every reference resolves', () => {
      for (const [file, text] of Object.entries(componentFiles(name))) {
        const substituted = (): unknown => parseYaml(fluxSubstitute(text, { ...SAMPLE_VARIABLES, ...GENERATED }));
        expect({ file, manifest: typeof substituted() }).toEqual({ file, manifest: 'object' });
      }
    });
  });

  describe('charts', () => {
    test('GIVEN the loki values after substitution WHEN validated against the chart schema THEN they pass, and a wrong type does not', () => {
      const chart = pinnedChart('loki');
      expect(schemaErrors(core('loki'), chart)).toEqual([]);
      expect(schemaErrors({ ...core('loki'), singleBinary: { replicas: 'one' } }, chart)).not.toEqual([]);
    });

    test('GIVEN the loki values WHEN their keys are looked up in the chart THEN each is declared there', () => {
      // Sections of Loki's own configuration, passed through to loki.yaml as they are.
      const lokiConfig = ['loki.commonConfig', 'loki.limits_config', 'loki.compactor', 'loki.analytics', 'loki.schemaConfig'];
      expect(undeclaredKeys(core('loki'), pinnedChart('loki'), lokiConfig)).toEqual([]);
    });

    test('GIVEN the alloy values WHEN their keys are looked up in the chart THEN each is declared there', () => {
      expect(undeclaredKeys(core('alloy'), pinnedChart('alloy'), ['configReloader.resources'])).toEqual([]);
      expect(undeclaredKeys({ alloy: { mount: { varlog: true } } }, pinnedChart('alloy'))).toEqual(['alloy.mount']);
    });

    test('GIVEN the kube-prometheus-stack values WHEN their keys are looked up in the chart THEN each is declared there', () => {
      const values = core('kube-prometheus-stack');
      // Alertmanager's own configuration, and the values of the grafana, kube-state-metrics and
      // node-exporter sub-charts, which test/chart-values.test.ts checks against the subcharts.
      const passedOn = ['alertmanager.config', 'grafana', 'kube-state-metrics', 'prometheus-node-exporter'];
      expect(undeclaredKeys(values, pinnedChart('kube-prometheus-stack'), passedOn)).toEqual([]);
      expect(undeclaredKeys({ prometheus: { prometheusSpec: { retentionTime: '1d' } } }, pinnedChart('kube-prometheus-stack'))).toEqual(['prometheus.prometheusSpec.retentionTime']);
    });
  });

  describe('alerting', () => {
    test('GIVEN the alertmanager config WHEN read after substitution THEN every alert but Watchdog is e-mailed to admin_email', () => {
      const config = releaseValues('core', 'kube-prometheus-stack', { ...SAMPLE_VARIABLES, outgoing_mail_enabled: 'true' }).alertmanager.config;
      expect(config.route.receiver).toBe(ADMIN_EMAIL_RECEIVER);
      expect(config.route.routes.every((r: any) => r.receiver === 'null' && r.matchers.length === 1)).toBe(true);
      const receiver = config.receivers.find((r: any) => r.name === ADMIN_EMAIL_RECEIVER);
      expect(receiver.email_configs).toEqual([{ to: SAMPLE_VARIABLES.admin_email, send_resolved: true }]);
      const names = config.receivers.map((r: any) => r.name);
      expect([config.route.receiver, ...config.route.routes.map((r: any) => r.receiver)].filter((r) => !names.includes(r))).toEqual([]);
    });

    test('GIVEN the outgoing mail variables WHEN substituted THEN alertmanager sends through that SMTP server', () => {
      const mail = { ...SAMPLE_VARIABLES, outgoing_mail_enabled: 'true', outgoing_mail_smtp_host: 'smtp.example.net', outgoing_mail_smtp_port: '465', outgoing_mail_smtp_user: 'alerts@example.net', outgoing_mail_from_address: 'alerts@example.net', outgoing_mail_smtp_password: 's3cret' };
      const global = releaseValues('core', 'kube-prometheus-stack', { ...mail, ...deriveVariables(mail) }).alertmanager.config.global;
      expect(global).toMatchObject({ smtp_smarthost: 'smtp.example.net:465', smtp_auth_username: 'alerts@example.net', smtp_from: 'alerts@example.net' });
      expect(secretValues('kube-prometheus-stack', mail).alertmanager.config.global).toEqual({ smtp_auth_password: 's3cret' });
    });

    test.each([
      ['465', false, 'implicit TLS: Alertmanager dials TLS on 465 and must not also demand STARTTLS'],
      ['587', true, 'STARTTLS, required'],
      ['2525', true, 'STARTTLS, required'],
    ])('GIVEN SMTP port %s WHEN bootstrap derives the variables THEN smtp_require_tls is %s (%s)', (port, requireTls) => {
      const mail = { ...SAMPLE_VARIABLES, outgoing_mail_enabled: 'true', outgoing_mail_smtp_port: port };
      expect(releaseValues('core', 'kube-prometheus-stack', { ...mail, ...deriveVariables(mail) }).alertmanager.config.global.smtp_require_tls).toBe(requireTls);
    });

    test('GIVEN a cluster bootstrapped before the TLS flag was derived WHEN substituted THEN STARTTLS stays required, as before', () => {
      expect(core('kube-prometheus-stack').alertmanager.config.global.smtp_require_tls).toBe(true);
    });

    test('GIVEN outgoing mail off WHEN the route is read THEN alerts go to the receiver without e-mail, so Alertmanager contacts no SMTP server', () => {
      for (const variables of [SAMPLE_VARIABLES, { ...SAMPLE_VARIABLES, outgoing_mail_enabled: 'false' }]) {
        const config = releaseValues('core', 'kube-prometheus-stack', variables).alertmanager.config;
        expect(config.route.receiver).toBe(NO_EMAIL_RECEIVER);
        const used = [config.route.receiver, ...config.route.routes.map((r: any) => r.receiver)];
        expect(config.receivers.filter((r: any) => used.includes(r.name)).flatMap((r: any) => r.email_configs ?? [])).toEqual([]);
      }
    });

    test('GIVEN the monitoring tree WHEN searched THEN the SMTP password is referenced only by the release\'s secret values', () => {
      const holders = Object.entries(componentFiles('kube-prometheus-stack')).filter(([, text]) => text.includes('outgoing_mail_smtp_password')).map(([file]) => file);
      expect(holders).toEqual(['core/kube-prometheus-stack/secret-kube-prometheus-stack-secret-values.yaml']);
      expect(core('kube-prometheus-stack').alertmanager.config.global.smtp_auth_password).toBeUndefined();
    });

    test('GIVEN the flux-alerts Provider WHEN read THEN it posts to the stack\'s Alertmanager, which its Kustomization waits for', () => {
      const provider = find('Provider', 'alertmanager');
      expect(provider.metadata.namespace).toBe('flux-system');
      expect(provider.spec).toEqual({ type: 'alertmanager', address: 'http://kube-prometheus-stack-alertmanager.stackspin.svc.cluster.local:9093/api/v2/alerts/' });
      const deps = find('Kustomization', 'flux-alerts').spec.dependsOn.map((d: any) => d.name);
      expect(deps).toContain(kubePrometheusStack.name);
    });

    test('GIVEN the Alert WHEN read THEN its error events cover every Kustomization and the HelmReleases of every namespace in the tree', () => {
      const alert = find('Alert', 'flux-failures');
      expect(alert.spec.providerRef).toEqual({ name: 'alertmanager' });
      expect(alert.spec.eventSeverity).toBe('error');
      const covered = (kind: string, namespace: string): boolean => alert.spec.eventSources
        .some((s: any) => s.kind === kind && s.name === '*' && s.namespace === namespace);
      for (const k of ofKind('Kustomization').filter((o) => o.manifest.apiVersion.startsWith('kustomize.toolkit.fluxcd.io'))) {
        expect({ k: k.manifest.metadata.name, covered: covered('Kustomization', k.manifest.metadata.namespace) }).toEqual({ k: k.manifest.metadata.name, covered: true });
      }
      const releases = ofKind('HelmRelease');
      expect(releases.length).toBeGreaterThan(3);
      for (const hr of releases) {
        expect({ hr: hr.manifest.metadata.name, covered: covered('HelmRelease', hr.manifest.metadata.namespace) }).toEqual({ hr: hr.manifest.metadata.name, covered: true });
      }
    });
  });

  describe('grafana', () => {
    const ssoOutputs = (): SingleSignOnOutputs => {
      const platform = buildApp().node.findAll().find((c): c is Platform => c instanceof Platform)!;
      return platform.use(singleSignOn).outputs;
    };
    const grafanaIni = (variables = SAMPLE_VARIABLES): any => releaseValues('core', 'kube-prometheus-stack', variables).grafana['grafana.ini'];

    test('GIVEN the single sign-on outputs WHEN grafana is configured THEN its OAuth and logout URLs are those outputs', () => {
      const sso = ssoOutputs();
      const substituted = (url: string): string => fluxSubstitute(url, SAMPLE_VARIABLES);
      const ini = grafanaIni();
      expect(ini['auth.generic_oauth']).toMatchObject({
        enabled: true,
        client_id: 'grafana',
        auth_url: substituted(sso.authorizationUrl),
        token_url: substituted(sso.tokenUrl),
        api_url: substituted(sso.userinfoUrl),
      });
      expect(ini.auth.signout_redirect_url).toBe(substituted(sso.endSessionUrl));
      expect(ini['auth.generic_oauth'].client_secret).toBeUndefined();
      expect(ini.server.root_url).toBe('https://grafana.stackspin.example.org');
    });

    test('GIVEN an admin e-mail with an apostrophe WHEN substituted THEN the role mapping is one JMESPath expression with that address', () => {
      const path = grafanaIni({ ...SAMPLE_VARIABLES, admin_email: "o'brien@example.org" })['auth.generic_oauth'].role_attribute_path;
      expect(path).toBe("(email == `\"o'brien@example.org\"` || contains(groups || `[]`, 'admin')) && 'Admin' || 'Viewer'");
      expect(jmespath.search({ email: "o'brien@example.org" }, path)).toBe('Admin');
    });

    test.each([
      ['a user whose groups claim holds admin (the flag)', 'Admin', { email: 'ada@example.org', groups: ['admin'] }],
      ['the cluster administrator, without the claim', 'Admin', { email: 'admin@example.org' }],
      ['a user with the claim empty (flag revoked)', 'Viewer', { email: 'ada@example.org', groups: [] }],
      ['a user without the claim (the hook did not answer)', 'Viewer', { email: 'ada@example.org' }],
      ['a user in other groups only', 'Viewer', { email: 'ada@example.org', groups: ['administrators', 'staff'] }],
    ])('GIVEN %s WHEN Grafana evaluates role_attribute_path (JMESPath, as Grafana does) THEN the role is %s', (_who, role, claims) => {
      const path = grafanaIni()['auth.generic_oauth'].role_attribute_path;
      expect(jmespath.search(claims, path)).toBe(role);
    });

    test('GIVEN the grafana OAuth2Client WHEN read THEN it redirects to grafana\'s callback and grafana reads its client secret from it', () => {
      const client = find('OAuth2Client', 'grafana');
      expect(client.metadata.namespace).toBe(Namespaces.CORE);
      expect(client.spec.redirectUris).toEqual(['https://grafana.${domain}/login/generic_oauth']);
      const secretName = client.spec.secretName;
      expect(find('Secret', secretName).stringData.CLIENT_SECRET).toBe('${grafana_oauth_client_secret}');
      expect(core('kube-prometheus-stack').grafana.envValueFrom.GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET).toEqual({ secretKeyRef: { name: secretName, key: 'CLIENT_SECRET' } });
      const deps = find('Kustomization', 'kube-prometheus-stack').spec.dependsOn.map((d: any) => d.name);
      expect(deps).toEqual(expect.arrayContaining([singleSignOn.name, traefik.name]));
    });

    test('GIVEN the grafana values WHEN read THEN Loki is a data source at the URL loki outputs', () => {
      const sources = core('kube-prometheus-stack').grafana.additionalDataSources;
      expect(sources).toEqual([expect.objectContaining({ type: 'loki', url: 'http://loki.stackspin.svc.cluster.local:3100' })]);
    });

    test('GIVEN the grafana admin password WHEN read THEN it is generated and only in the secret values', () => {
      expect(secretValues('kube-prometheus-stack', SAMPLE_VARIABLES).grafana).toEqual({ adminPassword: GENERATED.grafana_admin_password });
      expect(core('kube-prometheus-stack').grafana.adminPassword).toBeUndefined();
    });
  });

  describe('ingresses', () => {
    const values = (): any => core('kube-prometheus-stack');

    test.each([['prometheus', (v: any) => v.prometheus.ingress], ['alertmanager', (v: any) => v.alertmanager.ingress]])(
      'GIVEN the %s ingress WHEN read THEN a Traefik basicAuth Middleware guards it with a basic-auth Secret of user admin and the generated password', (name, ingressOf) => {
        const ingress = ingressOf(values());
        expect(ingress).toMatchObject({ enabled: true, ingressClassName: INGRESS_CLASS_NAME, hosts: [`${name}.${SAMPLE_VARIABLES.domain}`] });
        expect(ingress.annotations['cert-manager.io/cluster-issuer']).toBe('letsencrypt-production');
        expect(ingress.tls).toEqual([{ secretName: `${name}-tls`, hosts: [`${name}.${SAMPLE_VARIABLES.domain}`] }]);
        expect(ingress.annotations[TRAEFIK_MIDDLEWARES_ANNOTATION]).toBe(`stackspin-${name}-basic-auth@kubernetescrd`);
        const middleware = find('Middleware', `${name}-basic-auth`);
        expect(middleware.metadata.namespace).toBe('stackspin');
        const credentials = find('Secret', middleware.spec.basicAuth.secret);
        expect(credentials).toMatchObject({ metadata: { name: `${name}-basic-auth-credentials`, namespace: 'stackspin' }, type: 'kubernetes.io/basic-auth' });
        expect(credentials.stringData).toEqual({ username: 'admin', password: `\${${name}_basic_auth_password}` });
        expect(find('Secret', `stackspin-${name}-basic-auth`)).toMatchObject({ metadata: { namespace: 'stackspin' }, stringData: { pass: `\${${name}_basic_auth_password}` } });
      });

    test('GIVEN the grafana ingress WHEN read THEN it has TLS and no basic auth (single sign-on guards it)', () => {
      const ingress = values().grafana.ingress;
      expect(ingress).toMatchObject({ enabled: true, ingressClassName: INGRESS_CLASS_NAME, hosts: ['grafana.stackspin.example.org'] });
      expect(ingress.tls).toEqual([{ secretName: 'grafana-tls', hosts: ['grafana.stackspin.example.org'] }]);
      expect(ingress.annotations[TRAEFIK_MIDDLEWARES_ANNOTATION]).toBeUndefined();
    });

    test('GIVEN a basic auth whose password key is a hex key or missing WHEN constructed THEN it is refused naming the key', () => {
      const chart = new Chart(new App(), 'c');
      const secret = new GeneratedSecret(chart, 's', { name: 'stackspin-x-variables', keys: { a: { generator: Generator.PASSWORD }, k: { generator: Generator.HEX_KEY } } });
      expect(() => new TraefikBasicAuth(chart, 'auth', { name: 'x', namespace: 'ns', secret, passwordKey: 'k' }))
        .toThrow("TraefikBasicAuth x: passwordKey 'k' of stackspin-x-variables must have generator PASSWORD (operators type it); declare it so");
      expect(() => new TraefikBasicAuth(chart, 'auth2', { name: 'x', namespace: 'ns', secret, passwordKey: 'b' }))
        .toThrow("GeneratedSecret stackspin-x-variables has no key 'b'");
    });
  });

  describe('documents', () => {
    test('GIVEN the documents\' flux and kubectl commands WHEN the tree is read THEN the objects they name exist', () => {
      expect(find('Kustomization', 'kube-prometheus-stack').metadata.namespace).toBe('flux-system');
      expect(find('HelmRelease', 'loki').metadata.namespace).toBe('stackspin');
      expect(find('HelmRelease', 'kube-prometheus-stack').metadata.namespace).toBe('stackspin');
    });

    test('GIVEN the loki release WHEN read THEN it runs one single-binary StatefulSet named loki, so the pod is loki-0 in stackspin', () => {
      const release = find('HelmRelease', 'loki');
      expect(release.spec.releaseName).toBeUndefined();
      const v = core('loki');
      expect({ mode: v.deploymentMode, replicas: v.singleBinary.replicas, fullnameOverride: v.fullnameOverride, nameOverride: v.nameOverride })
        .toEqual({ mode: 'Monolithic', replicas: 1, fullnameOverride: undefined, nameOverride: undefined });
      expect(v.singleBinary.persistence).toEqual({ enabled: true, size: '10Gi' });
      expect(v.loki.limits_config.retention_period).toBe('336h');
      expect(v.loki.compactor.retention_enabled).toBe(true);
    });

    test('GIVEN the alloy pipeline WHEN read THEN it tails pod logs and Kubernetes events into Loki\'s push endpoint', () => {
      const v = core('alloy');
      const config: string = v.alloy.configMap.content;
      expect(config).toContain('loki.source.file "pods"');
      expect(config).toContain('loki.source.kubernetes_events "events"');
      expect(config).toContain(`app = "${EVENTS_APP_LABEL}"`);
      // The documents' queries: {app="eventrouter"} for events, {container_name="hydra"} for a container.
      expect(EVENTS_APP_LABEL).toBe('eventrouter');
      expect(config).toMatch(/rule \{\s+source_labels = \["__meta_kubernetes_pod_container_name"\]\s+target_label {2}= "container_name"\s+\}/);
      expect(config).toContain('job_name   = "kubernetes-events"');
      expect(config).toContain('url = "http://loki.stackspin.svc.cluster.local:3100/loki/api/v1/push"');
      expect(config).not.toMatch(/\{\{|\$\{/);
      expect(v.alloy.mounts.varlog).toBe(true);
      expect(find('Kustomization', 'alloy').spec.dependsOn.map((d: any) => d.name)).toContain(loki.name);
    });

    test('GIVEN the prometheus data WHEN its release is read THEN it carries no backupSet label (Velero leaves it out)', () => {
      const release = find('HelmRelease', 'kube-prometheus-stack');
      expect(release.spec.commonMetadata?.labels?.[BACKUP_SET_LABEL]).toBeUndefined();
      expect(core('kube-prometheus-stack').prometheus.prometheusSpec).toMatchObject({ retention: '15d', retentionSize: '8GB' });
    });
  });

  test('GIVEN every monitoring workload the values configure WHEN summed THEN requests stay within a sixth of a 6-core, 12 GB node', () => {
    const kps = core('kube-prometheus-stack');
    const all = [
      kps.prometheus.prometheusSpec.resources, kps.alertmanager.alertmanagerSpec.resources, kps.prometheusOperator.resources,
      kps.prometheusOperator.prometheusConfigReloader.resources, kps.prometheusOperator.prometheusConfigReloader.resources,
      kps.grafana.resources, kps.grafana.sidecar.resources, kps.grafana.sidecar.resources,
      kps['kube-state-metrics'].resources, kps['prometheus-node-exporter'].resources,
      core('loki').singleBinary.resources, core('alloy').alloy.resources, core('alloy').configReloader.resources,
    ];
    const cpu = (q: string): number => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
    const mem = (q: string): number => Number(q.slice(0, -2)) * (q.endsWith('Gi') ? 1024 : 1);
    for (const r of all) expect(r.limits).toBeDefined();
    expect(all.reduce((s, r) => s + cpu(r.requests.cpu), 0)).toBeLessThanOrEqual(1);
    expect(all.reduce((s, r) => s + mem(r.requests.memory), 0)).toBeLessThanOrEqual(2048 + 256);
  });
});

describe('monitoring components', () => {
  test('GIVEN the monitoring definitions WHEN read THEN each is a core component in stackspin, flux-alerts in flux-system', () => {
    expect(COMPONENTS.map((c) => [c.name, c.layer, c.namespace])).toEqual([
      ['loki', 'core', 'stackspin'],
      ['alloy', 'core', 'stackspin'],
      ['kube-prometheus-stack', 'core', 'stackspin'],
      ['flux-alerts', 'core', 'flux-system'],
    ]);
  });
});
