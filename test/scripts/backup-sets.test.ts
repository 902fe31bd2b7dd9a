import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { BACKUP_STORAGE_LOCATION, NIGHTLY_SCHEDULE_NAME, VELERO_NAMESPACE } from '../../apps/velero/backup-template';
import { BACKUP_SET_LABEL } from '../../constructs/backup-label';
import { optionalEntry } from '../../constructs/platform';
import { TREE_ROOT_IN_REPO } from '../../constructs/tree-chart';
import {
  BACKUP_SET_SOURCES, dependencyOrder, findBackupSets, OPTIONAL_ENTRIES, readTree, TREE_PATH, TreeFileObject,
} from '../../scripts/backup/backup-sets';
import { backupSetsCommand } from '../../scripts/backup-sets';

const TREE = path.join(__dirname, '..', '..', 'dist', 'flux2');

/** A Flux Kustomization of the entry `entry` applying tree directory `dir`. */
const kustomization = (entry: string, name: string, dir: string): TreeFileObject => ({
  file: `${entry}/kustomization-${name}.yaml`,
  manifest: { apiVersion: 'kustomize.toolkit.fluxcd.io/v1', kind: 'Kustomization', metadata: { name, namespace: 'flux-system' }, spec: { path: `${TREE_PATH}/${dir}` } },
});
const release = (dir: string, name: string, spec: Record<string, unknown> = {}, namespace = 'apps'): TreeFileObject => ({
  file: `${dir}/helmrelease-${name}.yaml`,
  manifest: { apiVersion: 'helm.toolkit.fluxcd.io/v2', kind: 'HelmRelease', metadata: { name, namespace }, spec },
});
const values = (dir: string, name: string, content: unknown, namespace = 'apps'): TreeFileObject => ({
  file: `${dir}/configmap-${name}-values.yaml`,
  manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: `${name}-values`, namespace }, data: { 'values.yaml': stringify(content) } },
});

describe('backup sets of the tree', () => {
  test('GIVEN the committed tree WHEN zulip is shown THEN its five releases come backing services first, zulip (which depends on them) last', () => {
    const zulip = findBackupSets(readTree(TREE)).find((s) => s.name === 'zulip')!;
    expect(zulip.releases.map((r) => `${r.namespace}/${r.name}`)).toEqual([
      'stackspin-apps/zulip-memcached', 'stackspin-apps/zulip-postgres', 'stackspin-apps/zulip-rabbitmq', 'stackspin-apps/zulip-valkey', 'stackspin-apps/zulip',
    ]);
    expect(backupSetsCommand(['show', 'zulip']).out.split('\n')).toEqual([
      'set=zulip', 'kustomization=zulip', 'namespace=stackspin-apps',
      ...zulip.releases.map((r) => `release=${r.namespace}/${r.name}`),
      `selector=${BACKUP_SET_LABEL}=zulip`,
      'delete=deployments,statefulsets,daemonsets,replicasets,cronjobs,jobs,pods,persistentvolumeclaims',
      `velero_namespace=${VELERO_NAMESPACE}`, `velero_location=${BACKUP_STORAGE_LOCATION}`, `velero_schedule=${NIGHTLY_SCHEDULE_NAME}`, '',
    ]);
  });

  test('GIVEN the constants the helper keeps to load quickly WHEN compared with the constructs\' THEN they are equal', () => {
    expect(`${OPTIONAL_ENTRIES}/zulip`).toBe(optionalEntry('zulip'));
    expect(TREE_PATH).toBe(TREE_ROOT_IN_REPO);
  });

  test('GIVEN the committed tree WHEN only the files mentioning the label, a Kustomization or a HelmRelease are read THEN the sets are those of a full read, from fewer files', () => {
    const all = readTree(TREE);
    const mentioning = readTree(TREE, BACKUP_SET_SOURCES);
    expect(new Set(mentioning.map((o) => o.file)).size).toBeLessThan(new Set(all.map((o) => o.file)).size);
    expect(findBackupSets(mentioning)).toEqual(findBackupSets(all));
    expect(BACKUP_SET_SOURCES.test(BACKUP_SET_LABEL)).toBe(true);
  });

  test('GIVEN list WHEN run THEN it prints every set a restore can bring back, without velero', () => {
    expect(backupSetsCommand(['list'])).toEqual({ out: 'grafana\nnextcloud\nsingle-sign-on\nwekan\nwordpress\nzulip\n', err: '', code: 0 });
  });

  test('GIVEN velero, an unknown name or a bad name WHEN shown THEN each is refused with the reason and the fix, on stderr, exit 1', () => {
    const velero = backupSetsCommand(['show', 'velero']);
    expect(velero).toMatchObject({ out: '', code: 1 });
    expect(velero.err).toMatch(/^error: velero cannot be restored: namespace velero is in no backup .*reinstall it \(flux reconcile kustomization velero, or scripts\/install-app.sh velero\)/);
    expect(backupSetsCommand(['show', 'wekanx'])).toEqual({
      out: '', err: "error: unknown app 'wekanx'; restore-app.sh restores: grafana, nextcloud, single-sign-on, wekan, wordpress, zulip\n", code: 1,
    });
    expect(backupSetsCommand(['show', 'zulip\nwekan']).err).toMatch(/^error: app name "zulip\\nwekan" is not valid/);
  });

  test('GIVEN a bad command line WHEN run THEN it is refused with the usage, exit 2, and --tree takes no flag as its value', () => {
    for (const argv of [[], ['show'], ['list', 'zulip'], ['remove', 'zulip'], ['show', 'zulip', '--tree', '--x'], ['list', '--tree']]) {
      expect({ argv, code: backupSetsCommand(argv).code }).toEqual({ argv, code: 2 });
    }
    expect(backupSetsCommand(['show', 'zulip', '--tree', '--x']).err).toContain("--tree needs a value, got the flag '--x'");
    expect(backupSetsCommand(['list', '--tree', os.tmpdir()])).toMatchObject({ code: 1, err: expect.stringContaining('is not a synthesized tree') });
    expect(backupSetsCommand(['--help'])).toMatchObject({ code: 0, out: expect.stringContaining('usage: backup-sets.ts list') });
    expect(backupSetsCommand(['velero']).out).toBe(`velero_namespace=${VELERO_NAMESPACE}\nvelero_location=${BACKUP_STORAGE_LOCATION}\nvelero_schedule=${NIGHTLY_SCHEDULE_NAME}\n`);
  });

  test('GIVEN labels in commonMetadata, a post-renderer patch, chart values and a plain object WHEN read THEN each is found, in the release\'s target namespace', () => {
    const sets = findBackupSets([
      kustomization('cluster/core', 'core-a', 'core/a'),
      kustomization(`${OPTIONAL_ENTRIES}/b`, 'b', 'apps/b'),
      release('core/a', 'db', { targetNamespace: 'data', postRenderers: [{ kustomize: { patches: [{ patch: JSON.stringify({ metadata: { labels: { [BACKUP_SET_LABEL]: 'a-data' } } }) }] } }] }),
      release('core/a', 'web', { dependsOn: [{ name: 'db' }] }),
      values('core/a', 'web', { podLabels: { [BACKUP_SET_LABEL]: 'a-web', other: 'x' } }),
      release('apps/b', 'b', { commonMetadata: { labels: { [BACKUP_SET_LABEL]: 'b' } } }),
      { file: 'apps/b/persistentvolumeclaim-files.yaml', manifest: { apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: { name: 'files', namespace: 'apps', labels: { [BACKUP_SET_LABEL]: 'b' } } } },
      { file: 'infrastructure/x/configmap-stray.yaml', manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'stray', labels: { [BACKUP_SET_LABEL]: 'stray' } } } },
    ]);
    expect(sets.map((s) => ({ name: s.name, k: s.kustomization, ns: s.namespaces, optional: s.optional, releases: s.releases.map((r) => r.name) }))).toEqual([
      { name: 'a-data', k: 'core-a', ns: ['data'], optional: false, releases: ['db', 'web'] },
      { name: 'a-web', k: 'core-a', ns: ['apps'], optional: false, releases: ['db', 'web'] },
      { name: 'b', k: 'b', ns: ['apps'], optional: true, releases: ['b'] },
    ]);
  });

  test('GIVEN one set labelled in two directories, or releases that depend on each other WHEN read THEN each is refused naming them', () => {
    expect(() => findBackupSets([
      kustomization('cluster/core', 'a', 'core/a'), kustomization('cluster/core', 'b', 'core/b'),
      release('core/a', 'a', { commonMetadata: { labels: { [BACKUP_SET_LABEL]: 'same' } } }),
      release('core/b', 'b', { commonMetadata: { labels: { [BACKUP_SET_LABEL]: 'same' } } }),
    ])).toThrow('backup set same is labelled in core/a and core/b; a restore suspends one Kustomization');
    expect(() => dependencyOrder([release('d', 'x', { dependsOn: [{ name: 'y' }] }), release('d', 'y', { dependsOn: [{ name: 'x', namespace: 'apps' }] })]))
      .toThrow('HelmReleases apps/x, apps/y depend on each other in a cycle');
    expect(dependencyOrder([release('d', 'x', { dependsOn: [{ name: 'outside', namespace: 'other' }] })])).toEqual([{ namespace: 'apps', name: 'x' }]);
  });

  test('GIVEN a values string that mentions the label but is not one YAML document WHEN read THEN the file is named with the fix', () => {
    const broken = (text: string): TreeFileObject[] => [
      kustomization('cluster/core', 'a', 'core/a'),
      { file: 'core/a/configmap-web-values.yaml', manifest: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'web-values', namespace: 'apps' }, data: { 'values.yaml': text } } },
    ];
    for (const text of [`podLabels: {${BACKUP_SET_LABEL}: a`, `a: 1\n---\n${BACKUP_SET_LABEL}: a\n`]) {
      expect(() => findBackupSets(broken(text)))
        .toThrow(new RegExp(`^core/a/configmap-web-values.yaml: a string that mentions ${BACKUP_SET_LABEL} is not one YAML or JSON document.*; set the label as a label$`));
    }
  });

  test('GIVEN a tree file that is not YAML WHEN read THEN the file is named', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-sets-'));
    fs.mkdirSync(path.join(dir, 'cluster', 'core'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'cluster', 'core', 'kustomization.yaml'), 'resources: []\n');
    fs.writeFileSync(path.join(dir, 'cluster', 'core', 'broken.yaml'), 'a: [\n');
    expect(() => readTree(dir)).toThrow(/^cluster\/core\/broken.yaml is not valid YAML/);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
