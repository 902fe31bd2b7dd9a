import { wordpress } from '../../apps/wordpress';
import { images } from '../../catalogue';
import { BACKUP_SET_LABEL } from '../../constructs/helm-app';
import { localPathProvisioner } from '../../infrastructure/local-path-provisioner';
import { ingress } from '../../infrastructure/traefik';
import { PRODUCTION_ISSUER } from '../infrastructure/release-values';
import { pinnedChart, schemaErrors, undeclaredKeys } from '../charts';
import { fluxSubstitute } from '../infrastructure/flux-substitute';
import { SAMPLE_VARIABLES } from '../infrastructure/release-values';
import { componentFiles, fullTree, objects } from '../tree';
import { parseYaml } from '../yaml';

const DIR = 'apps/wordpress';
const DOMAIN = SAMPLE_VARIABLES.domain;

/** The Helm values a release of this component receives after Flux substitution. */
function values(release: string): any {
  const text = fullTree().get(`${DIR}/configmap-${release}-values.yaml`);
  if (text === undefined) throw new Error(`no values ConfigMap for ${release}`);
  return parseYaml(parseYaml(fluxSubstitute(text, SAMPLE_VARIABLES)).data['values.yaml']);
}

/** The secret values of a release, with every reference replaced by a sample password. */
function secretValues(release: string, password = 'sample'): any {
  const text = parseYaml(fullTree().get(`${DIR}/secret-${release}-secret-values.yaml`)!).stringData['values.yaml'];
  return parseYaml(text.replace(/\$\{[a-z0-9_]+\}/g, password));
}

const release = (name: string): any => objects().find((o) => o.file === `${DIR}/helmrelease-${name}.yaml`)!.manifest;

describe('wordpress', () => {
  test('GIVEN the platform WHEN synthesized THEN the wordpress files match the snapshot', () => {
    expect(componentFiles('wordpress')).toMatchSnapshot();
  });

  test('GIVEN the wordpress values with sample variables WHEN checked against the chart THEN every key is declared (the chart ships no schema)', () => {
    const fixture = pinnedChart('wordpress');
    expect(fixture.schema).toBeUndefined();
    const all = { ...values('wordpress'), externalDatabase: { ...values('wordpress').externalDatabase, ...secretValues('wordpress').externalDatabase } };
    expect(undeclaredKeys(all, fixture)).toEqual([]);
    expect(undeclaredKeys({ storage: { size: '5Gi' } }, fixture)).toEqual(['storage.size']);
  });

  test('GIVEN the mariadb values with sample variables WHEN validated against the chart schema THEN they pass', () => {
    const fixture = pinnedChart('mariadb');
    const merged = { ...values('wordpress-mariadb'), auth: { ...values('wordpress-mariadb').auth, ...secretValues('wordpress-mariadb').auth } };
    expect(schemaErrors(merged, fixture)).toEqual([]);
    expect(undeclaredKeys(merged, fixture)).toEqual([]);
    expect(schemaErrors({ ...merged, persistence: { size: 8 } }, fixture)).not.toEqual([]);
  });

  test('GIVEN the wordpress release WHEN read THEN its own MariaDB subchart is off and no file names a frozen image', () => {
    expect(values('wordpress').mariadb).toEqual({ enabled: false });
    expect(values('wordpress').image).toEqual({ registry: 'docker.io', repository: 'library/wordpress', tag: images.wordpress.tag });
    for (const [file, content] of Object.entries(componentFiles('wordpress'))) {
      expect({ file, bitnami: /bitnami/i.test(content) }).toEqual({ file, bitnami: false });
    }
  });

  test('GIVEN the database WHEN wired THEN wordpress reaches the mariadb release with its user, database and the same generated password', () => {
    const wp = values('wordpress');
    const db = values('wordpress-mariadb');
    expect(wp.externalDatabase).toEqual({ host: db.fullnameOverride, name: db.auth.database, user: db.auth.username });
    expect(release('wordpress').spec.dependsOn).toEqual([{ name: 'wordpress-mariadb', namespace: 'stackspin-apps' }]);
    expect(secretValues('wordpress', 'sample')).toEqual({ externalDatabase: { password: 'sample' } });
    const committed = (name: string): string => parseYaml(fullTree().get(`${DIR}/secret-${name}-secret-values.yaml`)!).stringData['values.yaml'];
    expect(parseYaml(committed('wordpress')).externalDatabase.password).toBe('${wordpress_mariadb_password}');
    expect(parseYaml(committed('wordpress-mariadb')).auth).toEqual({ rootPassword: '${wordpress_mariadb_root_password}', password: '${wordpress_mariadb_password}' });
  });

  test('GIVEN the ingress WHEN read THEN www. is served by traefik with a letsencrypt-production certificate', () => {
    const wp = values('wordpress');
    expect(wp.ingress).toMatchObject({
      enabled: true,
      className: ingress.className,
      annotations: PRODUCTION_ISSUER,
      hosts: [{ host: `www.${DOMAIN}`, paths: [{ path: '/', pathType: 'Prefix' }] }],
      tls: [{ secretName: 'stackspin-wordpress', hosts: [`www.${DOMAIN}`] }],
    });
    expect(wp.settings.configExtra).toContain(`define('WP_HOME', 'https://www.${DOMAIN}');`);
  });

  test('GIVEN everything holding wordpress data WHEN read THEN it carries the wordpress backupSet label', () => {
    const label = { [BACKUP_SET_LABEL]: 'wordpress' };
    for (const name of ['wordpress', 'wordpress-mariadb']) {
      expect({ name, labels: release(name).spec.commonMetadata.labels }).toEqual({ name, labels: label });
    }
    expect(values('wordpress').storage).toEqual({ requestedSize: '5Gi', labels: label });
    expect(values('wordpress-mariadb').persistence.labels).toEqual(label);
  });

  test('GIVEN the component WHEN its Kustomization is read THEN it needs only the storage its claims use, beyond the implicit sources, namespaces and generated secrets', () => {
    expect(wordpress.dependsOn).toEqual([localPathProvisioner]);
    const k = parseYaml(fullTree().get('cluster/optional/wordpress/kustomization-wordpress.yaml')!);
    expect(k.spec.dependsOn.map((d: any) => d.name)).toEqual(['generated-secrets', 'local-path-provisioner', 'namespaces', 'sources']);
    expect(k.spec.postBuild.substituteFrom.map((s: any) => s.name)).toEqual(['stackspin-cluster-variables', 'stackspin-wordpress-variables']);
  });

  test('GIVEN the releases WHEN their requests are read THEN both set requests and limits that fit a small node', () => {
    for (const name of ['wordpress', 'wordpress-mariadb']) {
      const { requests, limits } = values(name).resources;
      expect({ name, requests: !!requests?.cpu && !!requests?.memory, limits: !!limits?.cpu && !!limits?.memory }).toEqual({ name, requests: true, limits: true });
    }
  });
});
