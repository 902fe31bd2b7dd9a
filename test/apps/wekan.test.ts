import { singleSignOn } from '../../apps/single-sign-on';
import { wekan, WEKAN_MAIL_SECRET, WEKAN_SECRET_ENV, WEKAN_TLS_SECRET } from '../../apps/wekan';
import { images } from '../../catalogue';
import { vars } from '../../constructs/cluster-variables';
import { BACKUP_SET_LABEL } from '../../constructs/helm-app';
import { ingress } from '../../infrastructure/traefik';
import { PRODUCTION_ISSUER } from '../infrastructure/release-values';
import { pinnedChart, undeclaredKeys } from '../charts';
import { componentFiles, fullTree, objects, TreeObject } from '../tree';
import { ALL_SAMPLE_VARIABLES, imageObjects, releaseInputs, ReleaseInputs } from './release-inputs';
import { parseYaml } from '../yaml';

const DIR = 'apps/wekan';
const DOMAIN = ALL_SAMPLE_VARIABLES.domain;
const LABEL = { [BACKUP_SET_LABEL]: 'wekan' };
const GENERATED = { wekan_oauth_client_secret: 'samplewekanclientsecret' };
const fixture = pinnedChart('wekan');

const inputs = (): ReleaseInputs => releaseInputs(DIR, 'wekan', fixture.defaults, GENERATED);
const env = (): Record<string, string> => Object.fromEntries(inputs().merged.env.map((e: any) => [e.name, e.value]));
const own = (): TreeObject[] => objects().filter((o) => o.file.startsWith(`${DIR}/`));
const one = (kind: string, name: string): any => {
  const found = own().filter((o) => o.manifest.kind === kind && o.manifest.metadata.name === name);
  expect(found).toHaveLength(1);
  return found[0].manifest;
};

/** RFC 6902 `add`, the only operation the post-renderer uses. */
function applyAdds(target: any, operations: readonly { op: string; path: string; value: unknown }[]): void {
  for (const { op, path, value } of operations) {
    if (op !== 'add') throw new Error(`unexpected op ${op}`);
    const keys = path.split('/').slice(1).map((k) => k.replace(/~1/g, '/').replace(/~0/g, '~'));
    const parent = keys.slice(0, -1).reduce((node, key) => {
      if (node[key] === undefined) throw new Error(`${path}: ${key} does not exist`);
      return node[key];
    }, target);
    parent[keys[keys.length - 1]] = value;
  }
}

describe('wekan', () => {
  test('GIVEN the platform WHEN synthesized THEN the wekan files match the snapshot', () => {
    expect(componentFiles('wekan')).toMatchSnapshot();
  });

  test('GIVEN the values WHEN their keys are looked up in the pinned chart THEN every key set is declared there', () => {
    expect(undeclaredKeys(inputs().values, fixture)).toEqual([]);
    expect(undeclaredKeys({ ferretdb: { tag: 'x' } }, fixture)).toEqual(['ferretdb.tag']);
  });

  test('GIVEN the merged values WHEN every image is read THEN FerretDB and busybox are catalogue pins and nothing is latest', () => {
    const merged = inputs().merged;
    expect(`${merged.ferretdb.image.repository}:${merged.ferretdb.image.tag}`).toBe(`${images.wekanFerretdb.image}:${images.wekanFerretdb.tag}`);
    expect(`${merged.init.image.repository}:${merged.init.image.tag}`).toBe(`${images.busybox.image}:${images.busybox.tag}`);
    expect(`${merged.test.image.repository}:${merged.test.image.tag}`).toBe(`${images.busybox.image}:${images.busybox.tag}`);
    const refs = imageObjects(merged);
    expect(refs.length).toBeGreaterThanOrEqual(4);
    for (const image of refs) expect({ image, latest: /:latest$/.test(image.ref) }).toEqual({ image, latest: false });
    expect(fixture.defaults.ferretdb.image.tag).toBe('latest');
  });

  test('GIVEN the OAuth2 client WHEN read THEN Hydra returns to WeKan\'s OIDC callback and WeKan logs in through single sign-on', () => {
    const client = one('OAuth2Client', 'wekan');
    expect(client.spec.redirectUris).toEqual(['https://wekan.${domain}/_oauth/oidc']);
    expect(client.spec.tokenEndpointAuthMethod).toBe('client_secret_post');
    expect(one('Secret', client.spec.secretName).stringData).toEqual({ CLIENT_ID: 'wekan', CLIENT_SECRET: '${wekan_oauth_client_secret}' });
    expect(env()).toMatchObject({
      OAUTH2_ENABLED: 'true',
      OAUTH2_CLIENT_ID: 'wekan',
      OAUTH2_SERVER_URL: `https://sso.${DOMAIN}`,
      OAUTH2_AUTH_ENDPOINT: '/oauth2/auth',
      OAUTH2_TOKEN_ENDPOINT: '/oauth2/token',
      OAUTH2_USERINFO_ENDPOINT: '/userinfo',
      OAUTH2_ID_MAP: 'sub',
      OAUTH2_EMAIL_MAP: 'email',
    });
  });

  test('GIVEN the secrets WeKan reads WHEN read THEN they come from a Secret of references, never from the values', () => {
    expect(one('Secret', WEKAN_SECRET_ENV).stringData).toEqual({ OAUTH2_SECRET: '${wekan_oauth_client_secret}' });
    expect(one('Secret', WEKAN_MAIL_SECRET).stringData).toEqual({ MAIL_URL: vars.outgoing_mail_smtp_url });
    expect(parseYaml(inputs().merged.extraEnvFrom)).toEqual([
      { secretRef: { name: WEKAN_SECRET_ENV } },
      { secretRef: { name: WEKAN_MAIL_SECRET, optional: true } },
    ]);
    expect(inputs().secretValues).toEqual({});
    expect(fullTree().get(`${DIR}/configmap-wekan-values.yaml`)).not.toMatch(/\$\{[a-z_]*(password|secret)[a-z_]*(:=[^}]*)?\}/);
    expect(fullTree().get('cluster/optional/wekan/kustomization-wekan.yaml')).toContain('name: stackspin-wekan-variables');
  });

  test('GIVEN the mail settings WHEN read THEN MAIL_URL comes only from the Secret and the sender from the cluster variables', () => {
    expect(env().MAIL_URL).toBeUndefined();
    expect(env().MAIL_FROM).toBe(`WeKan <${ALL_SAMPLE_VARIABLES.outgoing_mail_from_address}>`);
  });

  test('GIVEN outgoing mail off WHEN the values are substituted THEN WeKan reads MAIL_URL from a Secret that does not exist, optionally, so no SMTP server is set', () => {
    const off = releaseInputs(DIR, 'wekan', fixture.defaults, { ...GENERATED, outgoing_mail_enabled: 'false' }).merged;
    expect(parseYaml(off.extraEnvFrom)).toEqual([
      { secretRef: { name: WEKAN_SECRET_ENV } },
      { secretRef: { name: 'wekan-smtp-when-mail-false', optional: true } },
    ]);
    expect(objects().some((o) => o.manifest.metadata?.name === 'wekan-smtp-when-mail-false')).toBe(false);
  });

  test('GIVEN the admin flag WHEN WeKan logs a user in THEN OAUTH2_ADMIN_GROUPS grants WeKan admin to the admin group of the groups claim, and only to it', () => {
    expect(env().OAUTH2_ADMIN_GROUPS).toBe('admin');
  });

  test('GIVEN the chart\'s own environment WHEN the env list replaces it THEN its defaults are kept', () => {
    for (const entry of fixture.defaults.env) expect(inputs().merged.env).toContainEqual(entry);
  });

  test('GIVEN the ingress and root URL WHEN read THEN wekan.${domain} is served by traefik with its certificate', () => {
    const merged = inputs().merged;
    expect(merged.root_url).toBe(`https://wekan.${DOMAIN}`);
    expect(merged.ingress).toMatchObject({
      enabled: true,
      className: ingress.className,
      annotations: PRODUCTION_ISSUER,
      hosts: [`wekan.${DOMAIN}`],
      tls: [{ secretName: WEKAN_TLS_SECRET, hosts: [`wekan.${DOMAIN}`] }],
    });
  });

  test('GIVEN a single node WHEN scaled THEN WeKan runs one replica without the chart\'s autoscaler', () => {
    expect(inputs().merged.autoscaling.enabled).toBe(false);
    expect(inputs().merged.replicaCount).toBe(1);
  });

  test('GIVEN FerretDB\'s claim template WHEN patched THEN it carries the backupSet label the chart cannot set', () => {
    const release = one('HelmRelease', 'wekan');
    expect(release.spec.commonMetadata.labels).toEqual(LABEL);
    const [{ kustomize: { patches: [patch] } }] = release.spec.postRenderers;
    expect(patch.target).toEqual({ kind: 'StatefulSet', name: 'wekan-ferretdb' });
    // The shape of the chart's ferretdb-statefulset.yaml template.
    const statefulSet: any = {
      metadata: { name: 'wekan-ferretdb' },
      spec: {
        template: { metadata: { labels: { app: 'wekan', component: 'ferretdb', release: 'wekan' } } },
        volumeClaimTemplates: [{ metadata: { name: 'ferretdb-data' }, spec: {} }],
      },
    };
    applyAdds(statefulSet, JSON.parse(patch.patch));
    expect(statefulSet.spec.volumeClaimTemplates[0].metadata.labels).toEqual(LABEL);
  });

  test('GIVEN the component WHEN its Kustomization is read THEN it depends on single sign-on and nothing else beyond the implicit ones', () => {
    expect(wekan.dependsOn).toEqual([singleSignOn]);
    const k = parseYaml(fullTree().get('cluster/optional/wekan/kustomization-wekan.yaml')!);
    expect(k.spec.dependsOn.map((d: any) => d.name)).toEqual(['generated-secrets', 'namespaces', 'single-sign-on', 'sources']);
  });

  test('GIVEN WeKan and FerretDB WHEN their resources are read THEN both have requests and limits that fit a 6-core / 12 GB node', () => {
    const merged = inputs().merged;
    for (const r of [merged.resources, merged.ferretdb.resources, merged.init.resources]) {
      expect(r.requests.cpu && r.requests.memory && r.limits.cpu && r.limits.memory).toBeTruthy();
    }
    expect(merged.resources.requests).toEqual({ cpu: '100m', memory: '384Mi' });
    expect(merged.ferretdb.resources.requests).toEqual({ cpu: '100m', memory: '128Mi' });
  });
});
