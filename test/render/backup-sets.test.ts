import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { EXCLUDED_NAMESPACES, NIGHTLY_SCHEDULE_NAME, VELERO_NAMESPACE } from '../../apps/velero/backup-template';
import { GRAFANA_BACKUP_SET } from '../../apps/monitoring/grafana';
import { SINGLE_SIGN_ON_BACKUP_SET } from '../../apps/single-sign-on';
import { BACKUP_SET_LABEL } from '../../constructs/backup-label';
import { BackupSet, findBackupSets, readTree, RESTORE_DELETES } from '../../scripts/backup/backup-sets';
import { RenderResult } from '../../scripts/render/render';
import { podTemplate } from '../../scripts/render/resources';
import { clusterObjects, ClusterObject } from '../../scripts/render/rules';
import { SchemaValidator } from '../../scripts/validation/schemas';
import { renderPlatform, TREE } from './platform';

/**
 * What restore-app.sh and the nightly backup do, checked against what the charts render: the sets
 * the script reads from dist/flux2 alone select, in their namespaces, exactly the pods and claims
 * of their own Kustomization, and every backup holds every set but Velero's.
 */

type Labels = Record<string, string> | undefined;

/** Pods and claims: what holds data, and what a restore deletes and brings back. */
interface Holder {
  readonly what: string;
  readonly namespace: string;
  readonly labels: Labels;
  readonly object: ClusterObject;
}

let result: RenderResult;
let objects: ClusterObject[];
let sets: BackupSet[];
let holders: Holder[];

beforeAll(async () => {
  result = await renderPlatform();
  objects = clusterObjects(result);
  sets = findBackupSets(readTree(TREE));
  holders = objects.flatMap((o) => {
    const namespace = String(o.manifest.metadata?.namespace ?? '');
    const template = podTemplate(o.manifest);
    const claimTemplates = o.manifest.kind === 'StatefulSet' ? o.manifest.spec?.volumeClaimTemplates ?? [] : [];
    return [
      ...(template ? [{ what: `${o.id} pod template`, namespace, labels: template.metadata?.labels, object: o }] : []),
      ...(o.manifest.kind === 'PersistentVolumeClaim' ? [{ what: o.id, namespace, labels: o.manifest.metadata?.labels, object: o }] : []),
      ...claimTemplates.map((c: any) => ({ what: `${o.id} volumeClaimTemplate ${c.metadata?.name}`, namespace, labels: c.metadata?.labels, object: o })),
    ];
  });
});

/** Whether restore-app.sh's selector for `set` (`-l <label>=<set>` in the set's namespaces) picks this. */
const selects = (set: BackupSet, h: Holder): boolean => set.namespaces.includes(h.namespace) && h.labels?.[BACKUP_SET_LABEL] === set.name;
const kustomizationOf = (set: BackupSet): string => `Kustomization flux-system/${set.kustomization}`;

/** A Kubernetes label selector (matchLabels and matchExpressions) on one set of labels. */
function matches(selector: any, labels: Labels): boolean {
  const l = labels ?? {};
  return Object.entries(selector?.matchLabels ?? {}).every(([k, v]) => l[k] === v) && (selector?.matchExpressions ?? []).every((e: any) => {
    switch (e.operator) {
      case 'In': return e.key in l && e.values.includes(l[e.key]);
      case 'NotIn': return !(e.key in l) || !e.values.includes(l[e.key]);
      case 'Exists': return e.key in l;
      case 'DoesNotExist': return !(e.key in l);
      default: throw new Error(`operator ${e.operator}`);
    }
  });
}

describe('backup sets against the rendered platform', () => {
  test('GIVEN the committed tree WHEN the restore script reads its sets THEN they are every app, single sign-on and Grafana, each with its Kustomization and namespace', () => {
    expect(sets.map((s) => [s.name, s.kustomization, s.namespaces.join(','), s.optional])).toEqual([
      [GRAFANA_BACKUP_SET, 'kube-prometheus-stack', 'stackspin', false],
      ['nextcloud', 'nextcloud', 'stackspin-apps', true],
      [SINGLE_SIGN_ON_BACKUP_SET, 'single-sign-on', 'stackspin', false],
      ['velero', 'velero', VELERO_NAMESPACE, true],
      ['wekan', 'wekan', 'stackspin-apps', true],
      ['wordpress', 'wordpress', 'stackspin-apps', true],
      ['zulip', 'zulip', 'stackspin-apps', true],
    ]);
    expect(sets.filter((s) => s.optional).map((s) => s.name)).toEqual([...result.plan.input.apps].sort());
  });

  test('GIVEN every pod template and claim of every app WHEN the sets\' selectors are applied THEN the app\'s selects it and no other set\'s does', () => {
    const wrong = holders.filter((h) => h.object.app !== undefined).flatMap((h) => {
      const selecting = sets.filter((s) => selects(s, h)).map((s) => s.name);
      return selecting.length === 1 && selecting[0] === h.object.app ? [] : [`${h.what} (app ${h.object.app}): selected by ${selecting.join(', ') || 'no set'}`];
    });
    expect(wrong).toEqual([]);
  });

  test('GIVEN every set WHEN its selector is applied to the whole rendered cluster THEN it picks only pods and claims its own Kustomization applies, so a restore never touches another\'s', () => {
    const foreign = sets.flatMap((s) => holders.filter((h) => selects(s, h) && h.object.kustomization !== kustomizationOf(s))
      .map((h) => `${s.name} selects ${h.what}, applied by ${h.object.kustomization}`));
    expect(foreign).toEqual([]);
    for (const s of sets) expect({ set: s.name, selected: holders.some((h) => selects(s, h)) }).toEqual({ set: s.name, selected: true });
  });

  test('GIVEN every label value the charts render on a pod or claim WHEN compared with the sets the script reads from dist/flux2 THEN each is one of them, in the same namespace', () => {
    const missing = holders.filter((h) => h.labels?.[BACKUP_SET_LABEL] !== undefined)
      .filter((h) => !sets.some((s) => selects(s, h)))
      .map((h) => `${h.what}: ${h.labels![BACKUP_SET_LABEL]} in ${h.namespace}`);
    expect(missing).toEqual([]);
  });

  test('GIVEN every workload that carries a set WHEN its kind is read THEN restore-app.sh deletes that kind', () => {
    const kinds = new Set(objects.filter((o) => podTemplate(o.manifest) !== undefined && o.manifest.metadata?.labels?.[BACKUP_SET_LABEL] !== undefined)
      .map((o) => `${String(o.manifest.kind).toLowerCase()}s`));
    expect([...kinds].filter((k) => !RESTORE_DELETES.includes(k))).toEqual([]);
    expect(RESTORE_DELETES).toEqual(expect.arrayContaining(['pods', 'persistentvolumeclaims', 'statefulsets', 'deployments', 'cronjobs', 'jobs']));
  });

  test('GIVEN core data WHEN rendered THEN single sign-on\'s database and Grafana\'s Deployment, pods and volume carry their sets', () => {
    const labelled = (set: string): string[] => holders.filter((h) => h.labels?.[BACKUP_SET_LABEL] === set).map((h) => h.what).sort();
    expect(labelled(SINGLE_SIGN_ON_BACKUP_SET)).toEqual([
      'StatefulSet stackspin/single-sign-on-postgres pod template',
      'StatefulSet stackspin/single-sign-on-postgres volumeClaimTemplate data',
    ]);
    expect(labelled(GRAFANA_BACKUP_SET)).toEqual([
      'Deployment stackspin/kube-prometheus-stack-grafana pod template',
      'PersistentVolumeClaim stackspin/kube-prometheus-stack-grafana',
    ]);
    const grafana = objects.find((o) => o.id === 'Deployment stackspin/kube-prometheus-stack-grafana')!;
    expect(grafana.manifest.metadata.labels[BACKUP_SET_LABEL]).toBe(GRAFANA_BACKUP_SET);
  });

  test('GIVEN the nightly Schedule the charts render WHEN its template selects THEN every set\'s pods are in every backup but Velero\'s, and the Schedule only serves as the template', () => {
    const schedules = objects.filter((o) => o.manifest.kind === 'Schedule');
    expect(schedules.map((o) => o.id)).toEqual([`Schedule ${VELERO_NAMESPACE}/${NIGHTLY_SCHEDULE_NAME}`]);
    const { spec } = schedules[0].manifest;
    expect(spec.paused).toBe(true);
    expect(spec.template.excludedNamespaces).toEqual([...EXCLUDED_NAMESPACES]);
    const pods = holders.filter((h) => h.what.endsWith(' pod template') && h.labels?.[BACKUP_SET_LABEL] !== undefined);
    const left = pods.filter((h) => !matches(spec.template.labelSelector, h.labels) || spec.template.excludedNamespaces.includes(h.namespace))
      .map((h) => h.what);
    expect(left.every((w) => w.includes(` ${VELERO_NAMESPACE}/`))).toBe(true);
    expect(left.length).toBeGreaterThan(0);
    expect(pods.length - left.length).toBeGreaterThan(10);
    expect(matches(spec.template.labelSelector, { 'app.kubernetes.io/name': 'prometheus' })).toBe(false);
  });

  test('GIVEN the Deployment README restarts after a single sign-on restore (hydra-maester registers missing OAuth2 clients) WHEN looked up THEN Hydra\'s release renders it', () => {
    const readme = fs.readFileSync(path.join(__dirname, '..', '..', 'README.md'), 'utf8');
    const [, namespace, name] = /kubectl -n (\S+) rollout restart deployment (\S+)`/.exec(readme) ?? [];
    expect(objects.filter((o) => o.id === `Deployment ${namespace}/${name}`).map((o) => o.owner)).toEqual(['HelmRelease stackspin/hydra']);
  });

  test('GIVEN the Backup backup-now.sh and the Restore restore-app.sh create WHEN validated against the CRDs of the pinned Velero chart THEN both are valid', () => {
    const schedule = objects.find((o) => o.id === `Schedule ${VELERO_NAMESPACE}/${NIGHTLY_SCHEDULE_NAME}`)!.manifest;
    const created = [
      dryRun(['backup-now.sh', '--dry-run'], [['backupstoragelocation', 'Available'], ['schedule', JSON.stringify(schedule.spec.template)]]),
      dryRun(['restore-app.sh', 'zulip', '--dry-run'], [
        ['backupstoragelocation', 'Available'], ['kustomizations', 'kustomization/zulip'], ['helmreleases', 'helmrelease/x'],
        ['backups', '2030-01-02T04:30:05Z velero-nightly-20300102043005'], ['persistentvolumeclaims', ''], ['deployments', ''],
      ]),
    ];
    expect(created.map((m) => m.kind)).toEqual(['Backup', 'Restore']);
    expect(created[0].spec).toEqual(schedule.spec.template);
    const validator = new SchemaValidator();
    validator.addCrds(result.crds);
    expect(created.flatMap((manifest) => validator.validate({ file: 'script', id: `${manifest.kind} ${manifest.metadata.name}`, manifest }))).toEqual([]);
    // The schemas are applied: a wrong type in either is refused.
    for (const [i, field] of [[0, 'ttl'], [1, 'restorePVs']] as const) {
      const broken = { ...created[i], spec: { ...created[i].spec, [field]: 5 } };
      expect(validator.validate({ file: 'script', id: `broken ${field}`, manifest: broken })).not.toEqual([]);
    }
  });
});

/**
 * Runs a backup script with --dry-run against the bats stubs (test/scripts/stubs), the kubectl
 * stub answering `kubectl get <kind>...` with the given output, and returns the object it would create.
 */
function dryRun(argv: readonly string[], answers: readonly (readonly [string, string])[]): any {
  const stubs = path.join(__dirname, '..', 'scripts', 'stubs');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'backup-dry-run-'));
  const bin = path.join(dir, 'bin');
  fs.mkdirSync(bin);
  fs.copyFileSync(path.join(stubs, 'installed', 'flux'), path.join(bin, 'flux'));
  fs.writeFileSync(path.join(dir, 'calls'), '');
  // As stub_respond (test/scripts/helpers.bash) writes them: pattern, output and status, in order.
  fs.mkdirSync(path.join(dir, 'responses'));
  answers.forEach(([kind, output], i) => {
    const answer = path.join(dir, 'responses', String(i + 1).padStart(4, '0'));
    fs.writeFileSync(`${answer}.pattern`, `^kubectl get ${kind}[.,/ ]`);
    fs.writeFileSync(`${answer}.output`, output);
    fs.writeFileSync(`${answer}.status`, '0\n');
  });
  const root = path.join(__dirname, '..', '..');
  const run = spawnSync('bash', [path.join(root, 'scripts', argv[0]), ...argv.slice(1)], {
    encoding: 'utf8',
    env: { ...process.env, PATH: `${bin}:${path.join(stubs, 'bin')}:${process.env.PATH}`, STUB_ROOT: root, STUB_DIR: stubs, STUB_STATE: dir },
  });
  fs.rmSync(dir, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`${argv.join(' ')} failed: ${run.stderr}`);
  const json = /<<EOF\n(\{.*\})\nEOF/.exec(run.stdout);
  if (json === null) throw new Error(`${argv.join(' ')} printed no object: ${run.stdout}`);
  return JSON.parse(json[1]);
}
