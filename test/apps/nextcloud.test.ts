import { execFileSync } from 'child_process';
import { App, Chart } from 'cdk8s';
import { nextcloud } from '../../apps/nextcloud';
import { OnlyofficeDocumentServer } from '../../apps/nextcloud/onlyoffice';
import { HOOK_ENV } from '../../apps/nextcloud/setup-hook';
import { singleSignOn } from '../../apps/single-sign-on';
import { charts, imageRef } from '../../catalogue';
import { Generator, GeneratedSecret } from '../../constructs/generated-secret';
import { BACKUP_SET_LABEL } from '../../constructs/helm-app';
import { ingress } from '../../infrastructure/traefik';
import { PRODUCTION_ISSUER } from '../infrastructure/release-values';
import { pinnedChart, schemaErrors, undeclaredKeys } from '../charts';
import { fluxSubstitute } from '../infrastructure/flux-substitute';
import { SAMPLE_VARIABLES } from '../infrastructure/release-values';
import { componentFiles, fullTree, objects, TreeObject } from '../tree';
import { parseYaml } from '../yaml';

const DIR = 'apps/nextcloud';
const DOMAIN = SAMPLE_VARIABLES.domain;

/** The Helm values a release of this component receives after Flux substitution. */
function values(release: string): any {
  const text = fullTree().get(`${DIR}/configmap-${release}-values.yaml`);
  if (text === undefined) throw new Error(`no values ConfigMap for ${release}`);
  return parseYaml(parseYaml(fluxSubstitute(text, SAMPLE_VARIABLES)).data['values.yaml']);
}

/** The secret values of a release, as committed (references only). */
function secretValues(release: string): any {
  return parseYaml(parseYaml(fullTree().get(`${DIR}/secret-${release}-secret-values.yaml`)!).stringData['values.yaml']);
}

const own = (): TreeObject[] => objects().filter((o) => o.file.startsWith(`${DIR}/`));
const one = (kind: string, name: string): any => {
  const found = own().filter((o) => o.manifest.kind === kind && o.manifest.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0].manifest;
};

describe('nextcloud', () => {
  test('GIVEN the platform WHEN synthesized THEN the nextcloud files match the snapshot', () => {
    expect(componentFiles('nextcloud')).toMatchSnapshot();
  });

  test('GIVEN the nextcloud values WHEN their keys are looked up in the chart THEN each is declared there', () => {
    const all = { ...values('nextcloud'), ...secretValues('nextcloud') };
    expect(undeclaredKeys(all, pinnedChart('nextcloud'), ['nextcloud.extraEnv', 'nextcloud.hooks'])).toEqual([]);
    expect(undeclaredKeys({ externalRedis: { hostname: 'x' } }, pinnedChart('nextcloud'))).toEqual(['externalRedis.hostname']);
  });

  test('GIVEN the postgres and valkey values WHEN validated against their chart schemas and keys THEN they pass', () => {
    for (const [release, dir] of [['nextcloud-postgres', 'postgres'], ['nextcloud-valkey', 'valkey']]) {
      const fixture = pinnedChart(dir);
      const merged = { ...values(release), auth: { ...values(release).auth, ...(release.endsWith('postgres') ? { password: 'sample' } : {}) } };
      expect({ release, errors: schemaErrors(merged, fixture) }).toEqual({ release, errors: [] });
      expect({ release, undeclared: undeclaredKeys(merged, fixture) }).toEqual({ release, undeclared: [] });
    }
    expect(schemaErrors({ ...values('nextcloud-valkey'), persistence: { enabled: 'no' } }, pinnedChart('valkey'))).not.toEqual([]);
  });

  test('GIVEN the HelmReleases WHEN read THEN nextcloud keeps the documented release name nc and waits for its database and cache', () => {
    const release = one('HelmRelease', 'nextcloud');
    expect(release.spec.releaseName).toBe('nc');
    expect(release.spec.dependsOn.map((d: any) => d.name)).toEqual(['nextcloud-postgres', 'nextcloud-valkey']);
    expect(one('HelmRelease', 'nextcloud-postgres').spec.chart.spec).toMatchObject({ chart: 'postgres', version: charts.postgres.version });
    expect(one('HelmRelease', 'nextcloud-valkey').spec.chart.spec).toMatchObject({ chart: 'valkey', version: charts.valkey.version });
  });

  test('GIVEN the nextcloud values WHEN read THEN every bundled subchart is off and no file names a frozen image', () => {
    const v = values('nextcloud');
    expect([v.internalDatabase, v.mariadb, v.postgresql, v.redis, v.collabora].map((s) => s.enabled)).toEqual([false, false, false, false, false]);
    for (const [file, content] of Object.entries(componentFiles('nextcloud'))) {
      expect({ file, bitnami: /bitnami/i.test(content) }).toEqual({ file, bitnami: false });
    }
  });

  test('GIVEN the database WHEN wired THEN nextcloud reaches the postgres release with its user, database and the same generated password', () => {
    const nc = values('nextcloud');
    const pg = values('nextcloud-postgres');
    expect(nc.externalDatabase).toMatchObject({ enabled: true, type: 'postgresql', host: `${pg.fullnameOverride}:5432`, user: pg.auth.username, database: pg.auth.database });
    expect(secretValues('nextcloud').externalDatabase.password).toBe('${nextcloud_postgres_password}');
    expect(secretValues('nextcloud-postgres').auth.password).toBe('${nextcloud_postgres_password}');
  });

  test('GIVEN the cache WHEN wired THEN nextcloud and valkey read one password Secret holding only a reference', () => {
    const nc = values('nextcloud').externalRedis;
    const vk = values('nextcloud-valkey');
    expect(nc).toMatchObject({ enabled: true, host: vk.fullnameOverride, existingSecret: { enabled: true, secretName: vk.auth.existingSecret, passwordKey: vk.auth.existingSecretPasswordKey } });
    expect(one('Secret', vk.auth.existingSecret).stringData).toEqual({ [vk.auth.existingSecretPasswordKey]: '${nextcloud_valkey_password}' });
  });

  test('GIVEN the generated secret WHEN declared THEN every key is prefixed with its app and every password reaches the tree only as a reference', () => {
    expect(fullTree().get(`cluster/optional/nextcloud/kustomization-nextcloud.yaml`)).toContain('name: stackspin-nextcloud-variables');
    expect(secretValues('nextcloud')).toEqual({
      nextcloud: { password: '${nextcloud_admin_password}', mail: { smtp: { password: '${outgoing_mail_smtp_password:=unset}' } } },
      externalDatabase: { password: '${nextcloud_postgres_password}' },
    });
    const configMaps = own().filter((o) => o.manifest.kind === 'ConfigMap').map((o) => JSON.stringify(o.manifest));
    for (const text of configMaps) expect(text).not.toMatch(/password_|_secret\}/);
  });

  test('GIVEN the ingresses WHEN read THEN files. and office. are served by traefik with the documented certificates', () => {
    const nc = values('nextcloud');
    expect(nc.nextcloud.host).toBe(`files.${DOMAIN}`);
    expect(nc.ingress).toEqual({
      enabled: true,
      className: ingress.className,
      annotations: PRODUCTION_ISSUER,
      tls: [{ secretName: 'stackspin-nextcloud-files', hosts: [`files.${DOMAIN}`] }],
    });
    const office = one('Ingress', 'onlyoffice');
    expect(office.metadata.annotations).toEqual({ ...ingress.annotations });
    expect(office.spec.ingressClassName).toBe(ingress.className);
    expect(office.spec.rules.map((r: any) => r.host)).toEqual([`office.\${domain}`]);
    expect(office.spec.tls).toEqual([{ hosts: [`office.\${domain}`], secretName: 'stackspin-nextcloud-office' }]);
  });

  test('GIVEN everything holding nextcloud data WHEN read THEN it carries the nextcloud backupSet label', () => {
    const label = { [BACKUP_SET_LABEL]: 'nextcloud' };
    for (const name of ['nextcloud', 'nextcloud-postgres', 'nextcloud-valkey']) {
      expect({ name, labels: one('HelmRelease', name).spec.commonMetadata.labels }).toEqual({ name, labels: label });
    }
    expect(values('nextcloud').persistence).toMatchObject({ enabled: true, labels: label });
    expect(values('nextcloud-postgres').persistence.labels).toEqual(label);
    for (const kind of ['PersistentVolumeClaim', 'Deployment', 'Service', 'Secret']) {
      for (const o of own().filter((x) => x.manifest.kind === kind && x.manifest.metadata.name.startsWith('onlyoffice'))) {
        expect({ file: o.file, label: o.manifest.metadata.labels?.[BACKUP_SET_LABEL] }).toEqual({ file: o.file, label: 'nextcloud' });
      }
    }
    expect(one('Deployment', 'onlyoffice').spec.template.metadata.labels[BACKUP_SET_LABEL]).toBe('nextcloud');
  });

  test('GIVEN the OAuth2 client WHEN read THEN Hydra may return to user_oidc and the secret nextcloud reads is the client\'s', () => {
    const client = one('OAuth2Client', 'nextcloud');
    expect(client.spec.redirectUris).toEqual([
      'https://files.${domain}/apps/user_oidc/code',
      'https://files.${domain}/index.php/apps/user_oidc/code',
    ]);
    expect(client.spec.tokenEndpointAuthMethod).toBe('client_secret_post');
    expect(one('Secret', client.spec.secretName).stringData).toEqual({ CLIENT_ID: 'nextcloud', CLIENT_SECRET: '${nextcloud_oauth_client_secret}' });
    const env = values('nextcloud').nextcloud.extraEnv.find((e: any) => e.name === HOOK_ENV.oidcClientSecret);
    expect(env.valueFrom.secretKeyRef).toEqual({ name: client.spec.secretName, key: 'CLIENT_SECRET' });
  });

  test('GIVEN the ONLYOFFICE server WHEN read THEN it runs the pinned community image and shares its JWT Secret with nextcloud', () => {
    const deployment = one('Deployment', 'onlyoffice');
    const [container] = deployment.spec.template.spec.containers;
    expect(container.image).toBe(imageRef('onlyofficeDocumentServer'));
    const jwt = container.env.find((e: any) => e.name === 'JWT_SECRET').valueFrom.secretKeyRef;
    expect(one('Secret', jwt.name).stringData).toEqual({ [jwt.key]: '${onlyoffice_jwt_secret}' });
    const ncEnv = values('nextcloud').nextcloud.extraEnv.find((e: any) => e.name === HOOK_ENV.onlyofficeJwtSecret);
    expect(ncEnv.valueFrom.secretKeyRef).toEqual(jwt);
    const header = container.env.find((e: any) => e.name === 'JWT_HEADER').value;
    expect(values('nextcloud').nextcloud.hooks['before-starting']).toContain(`onlyoffice jwt_header --value=${header}\n`);
    expect(deployment.spec.template.spec.volumes).toEqual([{ name: 'data', persistentVolumeClaim: { claimName: 'onlyoffice-data', readOnly: false } }]);
    expect(one('Service', 'onlyoffice').spec.selector).toEqual(deployment.spec.selector.matchLabels);
    expect(JSON.stringify(deployment)).not.toContain('cdk8s.io');
  });

  test('GIVEN an ONLYOFFICE host with a scheme WHEN built THEN it is refused naming the host and the fix', () => {
    const chart = new Chart(new App(), 'c');
    const secret = new GeneratedSecret(chart, 's', { name: 'stackspin-x-variables', keys: { x_jwt: { generator: Generator.HEX_KEY } } });
    const build = (host: string) => () => new OnlyofficeDocumentServer(chart, host, {
      name: 'onlyoffice', namespace: 'ns', host, tlsSecretName: 'tls', secret, jwtSecretKey: 'x_jwt', backupSet: 'x',
    });
    expect(build('https://office.example.org')).toThrow(/host 'https:\/\/office.example.org' must be a bare host name/);
    expect(build('office.${domain}')).not.toThrow();
  });

  test('GIVEN the setup hook after substitution WHEN read THEN it configures single sign-on and ONLYOFFICE and passes shellcheck', () => {
    const hook: string = values('nextcloud').nextcloud.hooks['before-starting'];
    expect(hook).toContain(`--discoveryuri=https://sso.${DOMAIN}/.well-known/openid-configuration`);
    expect(hook).toContain(`--clientsecret-env=${HOOK_ENV.oidcClientSecret}`);
    expect(hook).toContain(`DocumentServerUrl --value=https://office.${DOMAIN}/`);
    expect(hook).toContain(`jwt_secret --value="\${${HOOK_ENV.onlyofficeJwtSecret}}"`);
    expect(hook).toContain('StorageUrl --value=http://nc-nextcloud.stackspin-apps.svc.cluster.local:8080/');
    expect(() => execFileSync('shellcheck', ['-s', 'sh', '-'], { input: hook })).not.toThrow();
  });

  test('GIVEN the component WHEN its Kustomization is read THEN it depends on single sign-on and nothing else beyond the implicit ones', () => {
    expect(nextcloud.dependsOn).toEqual([singleSignOn]);
    const k = parseYaml(fullTree().get('cluster/optional/nextcloud/kustomization-nextcloud.yaml')!);
    expect(k.spec.dependsOn.map((d: any) => d.name)).toEqual(['generated-secrets', 'namespaces', 'single-sign-on', 'sources']);
  });

  test('GIVEN the requests of every nextcloud workload WHEN added up THEN they stay within the share of a 6-core / 12 GB node', () => {
    const cpu = (q: string): number => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
    const mem = (q: string): number => Number(q.slice(0, -2)) * (q.endsWith('Gi') ? 1024 : 1);
    const office = one('Deployment', 'onlyoffice').spec.template.spec.containers[0].resources.requests;
    const requests = [values('nextcloud').resources.requests, values('nextcloud-postgres').resources.requests, values('nextcloud-valkey').resources.requests, office];
    expect(requests.every((r) => r.cpu && r.memory)).toBe(true);
    expect(requests.reduce((s, r) => s + cpu(String(r.cpu)), 0)).toBeLessThanOrEqual(0.5);
    expect(requests.reduce((s, r) => s + mem(String(r.memory)), 0)).toBeLessThanOrEqual(2.5 * 1024);
  });
});
