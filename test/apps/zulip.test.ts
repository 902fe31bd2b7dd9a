import { singleSignOn } from '../../apps/single-sign-on';
import { zulip, ZULIP_TLS_SECRET } from '../../apps/zulip';
import { MEMCACHED_SASL, MEMCACHED_SASL_USER } from '../../apps/zulip/backing-services';
import { charts, images } from '../../catalogue';
import { BACKUP_SET_LABEL } from '../../constructs/helm-app';
import { ingress } from '../../infrastructure/traefik';
import { PRODUCTION_ISSUER } from '../infrastructure/release-values';
import { pinnedChart, PinnedChart, schemaErrors, undeclaredKeys } from '../charts';
import { componentFiles, fullTree, objects, TreeObject } from '../tree';
import { ALL_SAMPLE_VARIABLES, coalesce, imageObjects, releaseInputs, ReleaseInputs } from './release-inputs';
import { fluxSubstitute } from '../infrastructure/flux-substitute';
import { parseYaml } from '../yaml';

const DIR = 'apps/zulip';
const DOMAIN = ALL_SAMPLE_VARIABLES.domain;
const LABEL = { [BACKUP_SET_LABEL]: 'zulip' };

/** Each release of the component and the chart fixture it installs. */
const RELEASES: Readonly<Record<string, string>> = {
  'zulip': 'zulip',
  'zulip-postgres': 'postgres',
  'zulip-rabbitmq': 'rabbitmq',
  'zulip-valkey': 'valkey',
  'zulip-memcached': 'memcached',
};

const GENERATED: Readonly<Record<string, string>> = Object.fromEntries(
  ['zulip_secret_key', 'zulip_oauth_client_secret', 'zulip_postgres_password', 'zulip_rabbitmq_password',
    'zulip_rabbitmq_erlang_cookie', 'zulip_redis_password', 'zulip_memcached_password'].map((k) => [k, `sample${k.replace(/_/g, '')}`]),
);

const fixture = (release: string): PinnedChart => pinnedChart(RELEASES[release]);
const inputs = (release: string): ReleaseInputs => releaseInputs(DIR, release, fixture(release).defaults, GENERATED);
const own = (): TreeObject[] => objects().filter((o) => o.file.startsWith(`${DIR}/`));
const one = (kind: string, name: string): any => {
  const found = own().filter((o) => o.manifest.kind === kind && o.manifest.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0].manifest;
};

describe('zulip', () => {
  test('GIVEN the platform WHEN synthesized THEN the zulip files match the snapshot', () => {
    expect(componentFiles('zulip')).toMatchSnapshot();
  });

  test('GIVEN the chart fixtures WHEN compared with the catalogue THEN they are the pinned charts', () => {
    const pinned = { 'zulip': charts.zulip, 'zulip-postgres': charts.postgres, 'zulip-rabbitmq': charts.rabbitmq, 'zulip-valkey': charts.valkey, 'zulip-memcached': charts.memcached };
    for (const [release, entry] of Object.entries(pinned)) {
      expect({ release, name: fixture(release).name, version: fixture(release).version }).toEqual({ release, name: entry.chart, version: entry.version });
      expect({ release, chart: one('HelmRelease', release).spec.chart.spec.chart }).toEqual({ release, chart: entry.chart });
    }
  });

  test('GIVEN every release WHEN its merged values are validated against the chart schema THEN they pass, and a missing secret key fails', () => {
    for (const release of Object.keys(RELEASES)) {
      expect({ release, errors: schemaErrors(inputs(release).merged, fixture(release)) }).toEqual({ release, errors: [] });
    }
    const broken = inputs('zulip').merged;
    delete broken.zulip.environment.SECRETS_secret_key;
    expect(schemaErrors(broken, fixture('zulip'))).not.toEqual([]);
  });

  test('GIVEN every release WHEN its keys are looked up in the chart THEN each is declared there', () => {
    for (const release of Object.keys(RELEASES)) {
      const { values, secretValues } = inputs(release);
      const undeclared = undeclaredKeys(coalesce(values, secretValues), fixture(release), ['zulip.environment']);
      expect({ release, undeclared }).toEqual({ release, undeclared: [] });
    }
  });

  test('GIVEN the zulip values WHEN read THEN every Bitnami subchart is off and no file or backing image is Bitnami or latest', () => {
    const v = inputs('zulip').values;
    expect([v.postgresql, v.rabbitmq, v.redis, v.memcached].map((s) => s.enabled)).toEqual([false, false, false, false]);
    for (const [file, content] of Object.entries(componentFiles('zulip'))) {
      const found = { bitnami: /bitnami/i.test(content), latest: /:latest\b|tag: latest/.test(content), yamlAlias: /: [&*]a\d+$/m.test(content) };
      expect({ file, ...found }).toEqual({ file, bitnami: false, latest: false, yamlAlias: false });
    }
    for (const release of Object.keys(RELEASES).filter((r) => r !== 'zulip')) {
      for (const image of imageObjects(inputs(release).merged)) {
        expect({ release, image, ok: !/bitnami|:latest/.test(image.ref) }).toEqual({ release, image, ok: true });
      }
    }
  });

  test('GIVEN the database WHEN read THEN it runs Zulip\'s pinned postgres image as its postgres user, with Zulip\'s user and database', () => {
    const pg = inputs('zulip-postgres').merged;
    expect(`${pg.image.registry}/${pg.image.repository}:${pg.image.tag}`).toBe(`${images.zulipPostgresql.image}:${images.zulipPostgresql.tag}`);
    expect(pg.containerSecurityContext).toMatchObject({ runAsUser: 70, runAsGroup: 70 });
    expect(pg.podSecurityContext.fsGroup).toBe(70);
    expect(pg.auth).toMatchObject({ username: 'zulip', database: 'zulip', password: GENERATED.zulip_postgres_password });
    expect(pg.customUser.name).toBe('');
    expect(pg.initdb.scripts).toEqual({});
  });

  test('GIVEN the backing services WHEN wired THEN zulip reaches each release by name with the same generated password', () => {
    const z = inputs('zulip').merged;
    expect(z.externalPostgresql).toEqual({ host: 'zulip-postgres', port: 5432, database: 'zulip', user: 'zulip', sslmode: '', password: GENERATED.zulip_postgres_password });
    expect(z.externalRabbitmq).toEqual({ host: 'zulip-rabbitmq', port: 5672, user: 'zulip', password: GENERATED.zulip_rabbitmq_password });
    expect(z.externalRedis).toEqual({ host: 'zulip-valkey', port: 6379, password: GENERATED.zulip_redis_password });
    expect(z.externalMemcached).toEqual({ host: 'zulip-memcached', port: 11211, user: MEMCACHED_SASL_USER, password: GENERATED.zulip_memcached_password });
    expect(inputs('zulip-rabbitmq').merged.auth).toMatchObject({ username: 'zulip', password: GENERATED.zulip_rabbitmq_password, erlangCookie: GENERATED.zulip_rabbitmq_erlang_cookie });
    expect(inputs('zulip-valkey').merged.auth).toMatchObject({ enabled: true, password: GENERATED.zulip_redis_password });
  });

  test('GIVEN memcached WHEN read THEN it requires SASL and reads a password database the tree holds with the generated password', () => {
    const mc = inputs('zulip-memcached').merged;
    expect(mc.config.extraArgs).toEqual(['-S']);
    expect(mc.extraEnvVars).toEqual([
      { name: 'SASL_CONF_PATH', value: MEMCACHED_SASL.directory },
      { name: 'MEMCACHED_SASL_PWDB', value: `${MEMCACHED_SASL.directory}/${MEMCACHED_SASL.passwordFile}` },
    ]);
    expect(mc.extraVolumes).toEqual([{ name: 'sasl', secret: { secretName: MEMCACHED_SASL.secretName, defaultMode: 0o440 } }]);
    expect(mc.extraVolumeMounts).toEqual([{ name: 'sasl', mountPath: MEMCACHED_SASL.directory, readOnly: true }]);
    const secret = parseYaml(fluxSubstitute(fullTree().get(`${DIR}/secret-${MEMCACHED_SASL.secretName}.yaml`)!, { ...ALL_SAMPLE_VARIABLES, ...GENERATED }));
    expect(secret.stringData[MEMCACHED_SASL.passwordFile]).toBe(`zulip@localhost:${GENERATED.zulip_memcached_password}\n`);
    expect(secret.stringData[MEMCACHED_SASL.configFile]).toBe('mech_list: plain\n');
    expect(inputs('zulip').merged.extraObjects).toEqual([]);
  });

  test('GIVEN the generated secret WHEN declared THEN its keys are prefixed with zulip and every secret reaches the tree only as a reference', () => {
    expect(fullTree().get('cluster/optional/zulip/kustomization-zulip.yaml')).toContain('name: stackspin-zulip-variables');
    expect(inputs('zulip').secretValues).toEqual({
      zulip: {
        environment: {
          SECRETS_secret_key: '${zulip_secret_key}',
          SECRETS_social_auth_oidc_secret: '${zulip_oauth_client_secret}',
          SECRETS_email_password: '${outgoing_mail_smtp_password:=unset}',
        },
      },
      externalPostgresql: { password: '${zulip_postgres_password}' },
      externalRabbitmq: { password: '${zulip_rabbitmq_password}' },
      externalRedis: { password: '${zulip_redis_password}' },
      externalMemcached: { password: '${zulip_memcached_password}' },
    });
    expect(inputs('zulip-postgres').secretValues).toEqual({ auth: { password: '${zulip_postgres_password}' } });
    expect(inputs('zulip-rabbitmq').secretValues).toEqual({ auth: { password: '${zulip_rabbitmq_password}', erlangCookie: '${zulip_rabbitmq_erlang_cookie}' } });
    expect(inputs('zulip-valkey').secretValues).toEqual({ auth: { password: '${zulip_redis_password}' } });
    for (const o of own().filter((x) => x.manifest.kind === 'ConfigMap')) {
      expect({ file: o.file, secret: /\$\{[a-z_]*(password|secret|cookie)[a-z_]*\}/.test(JSON.stringify(o.manifest)) }).toEqual({ file: o.file, secret: false });
    }
  });

  test('GIVEN the OAuth2 client WHEN read THEN Hydra returns to Zulip\'s OIDC callback and Zulip reads the same client secret', () => {
    const client = one('OAuth2Client', 'zulip');
    expect(client.spec.redirectUris).toEqual(['https://zulip.${domain}/complete/oidc/']);
    expect(client.spec.tokenEndpointAuthMethod).toBe('client_secret_post');
    expect(one('Secret', client.spec.secretName).stringData).toEqual({ CLIENT_ID: 'zulip', CLIENT_SECRET: '${zulip_oauth_client_secret}' });
    const env = inputs('zulip').merged.zulip.environment;
    expect(env.ZULIP_AUTH_BACKENDS).toBe('GenericOpenIdConnectBackend');
    expect(env.SETTING_SOCIAL_AUTH_OIDC_ENABLED_IDPS).toBe(
      `{"stackspin": {"oidc_url": "https://sso.${DOMAIN}", "display_name": "Stackspin", "display_icon": None, `
      + '"client_id": "zulip", "secret": get_secret("social_auth_oidc_secret"), "auto_signup": True}}',
    );
    expect(env.SECRETS_social_auth_oidc_secret).toBe(GENERATED.zulip_oauth_client_secret);
  });

  test('GIVEN the Zulip settings WHEN substituted THEN host, administrator and SMTP come from the cluster variables', () => {
    const env = inputs('zulip').merged.zulip.environment;
    expect(env).toMatchObject({
      SETTING_EXTERNAL_HOST: `zulip.${DOMAIN}`,
      SETTING_ZULIP_ADMINISTRATOR: ALL_SAMPLE_VARIABLES.admin_email,
      SETTING_EMAIL_HOST: `('${ALL_SAMPLE_VARIABLES.outgoing_mail_smtp_host}' if 'true' == 'true' else None)`,
      SETTING_EMAIL_HOST_USER: ALL_SAMPLE_VARIABLES.outgoing_mail_smtp_user,
      SETTING_EMAIL_PORT: Number(ALL_SAMPLE_VARIABLES.outgoing_mail_smtp_port),
      SETTING_EMAIL_USE_SSL: '(587 == 465)',
      SETTING_EMAIL_USE_TLS: '(587 != 465)',
      SETTING_NOREPLY_EMAIL_ADDRESS: ALL_SAMPLE_VARIABLES.outgoing_mail_from_address,
      SECRETS_email_password: ALL_SAMPLE_VARIABLES.outgoing_mail_smtp_password,
    });
  });

  test('GIVEN the documents\' kubectl exec WHEN the release is read THEN the pod is zulip-0 in stackspin-apps with container zulip', () => {
    const release = one('HelmRelease', 'zulip');
    expect(release.metadata.namespace).toBe('stackspin-apps');
    // The chart names its StatefulSet zulip.fullname (the release name, which contains the chart
    // name) and its container .Chart.Name; nothing here overrides either.
    expect(release.spec.releaseName).toBeUndefined();
    const merged = inputs('zulip').merged;
    expect([merged.fullnameOverride, merged.nameOverride]).toEqual(['', '']);
    expect(fixture('zulip').name).toBe('zulip');
  });

  test('GIVEN the ingress WHEN read THEN zulip.${domain} is served by traefik with the documented certificate', () => {
    expect(inputs('zulip').values.ingress).toEqual({
      enabled: true,
      className: ingress.className,
      annotations: PRODUCTION_ISSUER,
      hosts: [{ host: `zulip.${DOMAIN}`, paths: [{ path: '/' }] }],
      tls: [{ secretName: ZULIP_TLS_SECRET, hosts: [`zulip.${DOMAIN}`] }],
    });
    expect(ZULIP_TLS_SECRET).toBe('stackspin-zulip');
  });

  test('GIVEN everything holding zulip data WHEN read THEN it carries the zulip backupSet label', () => {
    for (const release of Object.keys(RELEASES)) {
      expect({ release, labels: one('HelmRelease', release).spec.commonMetadata.labels }).toEqual({ release, labels: LABEL });
    }
    expect(inputs('zulip-postgres').values.persistence.labels).toEqual(LABEL);
    expect(inputs('zulip').merged.zulip.persistence.enabled).toBe(true);
    expect([inputs('zulip-rabbitmq').merged.persistence.enabled, inputs('zulip-valkey').merged.persistence.enabled]).toEqual([false, false]);
  });

  test('GIVEN the releases WHEN ordered THEN zulip waits for every backing service, and they for nothing', () => {
    expect(one('HelmRelease', 'zulip').spec.dependsOn.map((d: any) => d.name)).toEqual(['zulip-postgres', 'zulip-rabbitmq', 'zulip-valkey', 'zulip-memcached']);
    for (const release of Object.keys(RELEASES).filter((r) => r !== 'zulip')) {
      expect({ release, dependsOn: one('HelmRelease', release).spec.dependsOn }).toEqual({ release, dependsOn: undefined });
    }
  });

  test('GIVEN the component WHEN its Kustomization is read THEN it depends on single sign-on and nothing else beyond the implicit ones', () => {
    expect(zulip.dependsOn).toEqual([singleSignOn]);
    const k = parseYaml(fullTree().get('cluster/optional/zulip/kustomization-zulip.yaml')!);
    expect(k.spec.dependsOn.map((d: any) => d.name)).toEqual(['generated-secrets', 'namespaces', 'single-sign-on', 'sources']);
  });

  test('GIVEN the requests of every zulip workload WHEN added up THEN each has limits and they fit a share of a 6-core / 12 GB node', () => {
    const cpu = (q: string): number => (q.endsWith('m') ? Number(q.slice(0, -1)) / 1000 : Number(q));
    const mem = (q: string): number => Number(q.slice(0, -2)) * (q.endsWith('Gi') ? 1024 : 1);
    const resources = Object.keys(RELEASES).map((r) => inputs(r).values.resources);
    expect(resources.every((r) => r.requests.cpu && r.requests.memory && r.limits.cpu && r.limits.memory)).toBe(true);
    expect(resources.reduce((s, r) => s + cpu(String(r.requests.cpu)), 0)).toBeLessThanOrEqual(0.75);
    expect(resources.reduce((s, r) => s + mem(String(r.requests.memory)), 0)).toBeLessThanOrEqual(2.5 * 1024);
  });
});
