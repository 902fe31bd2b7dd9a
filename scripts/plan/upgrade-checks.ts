import { parse } from 'yaml';
import { PRUNE_ANNOTATION } from '../../constructs/platform';
import { diffObjects } from '../diff/semantic-diff';
import { Applied, BOOTSTRAP, isHelmRelease, isKustomization, PlanProblem } from './model';
import { Plan } from './simulate';

/** What an upgrade finding is about; with the object, it is the key a commit accepts it by. */
export enum FindingKind {
  /** A Kustomization (or what it applies) fails on the upgraded cluster. */
  FAILS = 'fails',
  /** Flux deletes an object. */
  PRUNE = 'prune',
  /** Helm would install a release anew (name, namespace or storage changes). */
  RELEASE = 'release',
  /** A chart's major version goes up. */
  MAJOR = 'major',
  /** A change Kubernetes refuses to apply in place. */
  IMMUTABLE = 'immutable',
  /** A chart, image or release moves to an older version. */
  DOWNGRADE = 'downgrade',
}

export interface UpgradeFinding {
  readonly kind: FindingKind;
  /** `Kind namespace/name`. */
  readonly object: string;
  readonly message: string;
  /** Whether it stops an unattended upgrade (exit 1) unless a commit accepts it. */
  readonly blocker: boolean;
}

/** `<kind> <object>`: how a commit trailer `Upgrade-Accepted:` names a finding. */
export const findingKey = (f: Pick<UpgradeFinding, 'kind' | 'object'>): string => `${f.kind} ${f.object}`;

/** Kinds whose deletion loses what the cluster holds, and how. */
export const DATA_LOSS: Readonly<Record<string, string>> = {
  PersistentVolumeClaim: 'its volume and the data on it are deleted with it',
  Secret: 'values written to it in the cluster are lost',
  CustomResourceDefinition: 'every custom resource of its kind is deleted with it',
  Namespace: 'everything in it is deleted, volume claims included',
  HelmRelease: 'Helm uninstalls the release, deleting its workloads and the volume claims it created',
};

/** Fields Kubernetes refuses to change on an existing object, per kind. */
const IMMUTABLE_FIELDS: Readonly<Record<string, readonly string[]>> = {
  Deployment: ['spec.selector'],
  DaemonSet: ['spec.selector'],
  StatefulSet: ['spec.selector', 'spec.volumeClaimTemplates', 'spec.serviceName', 'spec.podManagementPolicy'],
  Job: ['spec.selector', 'spec.template', 'spec.completions'],
  // local-path volumes cannot be expanded, so a new size is refused too.
  PersistentVolumeClaim: ['spec.storageClassName', 'spec.accessModes', 'spec.volumeMode', 'spec.volumeName', 'spec.resources.requests.storage'],
  Secret: ['type'],
  Service: ['spec.clusterIP'],
};

/** Helm values keys whose change renames what a chart installs: a new StatefulSet, new claims. */
const RELEASE_IDENTITY_VALUES = new Set(['fullnameOverride', 'nameOverride']);
/** Helm values keys that charts render into immutable fields (selectors, claim templates, claims). */
const IMMUTABLE_VALUES = new Set(['selector', 'selectorLabels', 'volumeClaimTemplate', 'volumeClaimTemplates', 'storageClass', 'storageClassName', 'accessMode', 'accessModes', 'serviceName']);

/**
 * The problems of the upgraded cluster that the cluster before did not have, each on the
 * Kustomization that fails because of it (the one that applies the object it names).
 */
export function failures(before: Plan, after: Plan): { caused: UpgradeFinding[]; already: PlanProblem[] } {
  const existing = new Set(before.problems.map((p) => `${p.object}: ${p.message}`));
  const caused: UpgradeFinding[] = [];
  const already: PlanProblem[] = [];
  for (const p of after.problems) {
    if (existing.has(`${p.object}: ${p.message}`)) {
      already.push(p);
      continue;
    }
    const o = after.objects.get(p.object);
    const kustomization = o === undefined || isKustomization(o.manifest) || o.applier === BOOTSTRAP ? p.object : o.applier;
    caused.push({ kind: FindingKind.FAILS, object: kustomization, message: kustomization === p.object ? p.message : `${p.object}: ${p.message}`, blocker: true });
  }
  return { caused, already };
}

/**
 * What Flux deletes: objects a Kustomization applied before and no longer applies (pruned by it
 * when it applies the new revision), and everything a removed Kustomization applied (its
 * finalizer deletes its inventory). Nothing is deleted by a Kustomization that fails, nor what
 * carries `kustomize.toolkit.fluxcd.io/prune: disabled` or belongs to a Kustomization with
 * `prune: false`. An object that moves to another Kustomization may be deleted and re-created,
 * depending on which reconciles first.
 */
export function prunes(before: Plan, after: Plan): UpgradeFinding[] {
  const failing = failingKustomizations(after);
  const findings: UpgradeFinding[] = [];
  const report = (o: Applied, message: string, deleted: boolean): void => {
    const risk = DATA_LOSS[o.manifest.kind];
    findings.push({
      kind: FindingKind.PRUNE,
      object: o.id,
      message: risk && deleted ? `${message}: data-loss risk, ${risk}` : message,
      blocker: risk !== undefined && deleted,
    });
  };
  for (const o of before.objects.values()) {
    if (o.applier === BOOTSTRAP) continue;
    const now = after.objects.get(o.id);
    if (now?.applier === o.applier) continue;
    const keep = o.manifest.metadata?.annotations?.[PRUNE_ANNOTATION] === 'disabled';
    if (now) {
      if (!keep) report(o, `moves from ${o.applier} to ${now.applier}; if ${o.applier} reconciles first, Flux deletes it and ${now.applier} creates it again`, true);
      continue;
    }
    const deletion = deletedBy(o.applier, before, after, failing);
    if (deletion === undefined) {
      findings.push({ kind: FindingKind.PRUNE, object: o.id, message: `leaves the tree but stays in the cluster (${o.applier} does not prune)`, blocker: false });
    } else if (keep) {
      findings.push({ kind: FindingKind.PRUNE, object: o.id, message: `leaves the tree but stays in the cluster (${PRUNE_ANNOTATION}: disabled)`, blocker: false });
    } else if (deletion.failing !== undefined) {
      findings.push({ kind: FindingKind.PRUNE, object: o.id, message: `leaves the tree; deleted once ${deletion.failing} no longer fails`, blocker: false });
    } else {
      report(o, `Flux deletes it (${after.objects.has(o.applier) ? `pruned by ${o.applier}` : `${o.applier} is removed`})`, true);
    }
  }
  return findings;
}

/** HelmReleases that Helm would install anew: another release name, target or storage namespace, or renamed objects. */
export function releaseChanges(before: Plan, after: Plan): UpgradeFinding[] {
  const findings: UpgradeFinding[] = [];
  for (const [was, now] of pairs(before, after, isHelmRelease)) {
    for (const [what, a, b] of [
      ['release name', releaseName(was.manifest), releaseName(now.manifest)],
      ['target namespace', targetNamespace(was.manifest), targetNamespace(now.manifest)],
      ['storage namespace', storageNamespace(was.manifest), storageNamespace(now.manifest)],
    ] as const) {
      if (a !== b) findings.push({ kind: FindingKind.RELEASE, object: now.id, message: `${what} ${a} -> ${b}: Helm installs a new release instead of upgrading ${a} (its data stays with the old one); migrate by hand`, blocker: true });
    }
    for (const change of valueChanges(was, now, before, after)) {
      if (lastKey(change.path) !== undefined && RELEASE_IDENTITY_VALUES.has(lastKey(change.path)!)) {
        findings.push({ kind: FindingKind.RELEASE, object: now.id, message: `values ${change.path} ${show(change.before)} -> ${show(change.after)} renames what the chart installs: new workloads and new, empty volume claims; migrate by hand`, blocker: true });
      }
    }
  }
  // A release whose namespace changes is another object: the old one is pruned (uninstalled).
  for (const now of after.objects.values()) {
    if (!isHelmRelease(now.manifest) || before.objects.has(now.id)) continue;
    const was = [...before.objects.values()].find((o) => isHelmRelease(o.manifest) && o.applier === now.applier && o.manifest.metadata?.name === now.manifest.metadata?.name);
    if (was) findings.push({ kind: FindingKind.RELEASE, object: now.id, message: `moves from ${was.id}: Helm uninstalls the old release and installs a new, empty one; migrate by hand`, blocker: true });
  }
  return findings;
}

/** Chart major bumps and downgrades of charts, images and pinned versions (`spec.version`). */
export function versionChanges(before: Plan, after: Plan): UpgradeFinding[] {
  const findings: UpgradeFinding[] = [];
  for (const [was, now] of pairs(before, after, isHelmRelease)) {
    const [a, b] = [was.manifest.spec?.chart?.spec, now.manifest.spec?.chart?.spec];
    if (!a?.version || !b?.version || a.chart !== b.chart) continue;
    const order = compareVersions(String(a.version), String(b.version));
    if (order > 0) findings.push({ kind: FindingKind.DOWNGRADE, object: now.id, message: `chart ${b.chart} moves back from ${a.version} to ${b.version}; Helm does not roll back data or CRDs`, blocker: true });
    else if (major(String(b.version)) > major(String(a.version))) {
      findings.push({ kind: FindingKind.MAJOR, object: now.id, message: `chart ${b.chart} ${a.version} -> ${b.version} is a new major version: read its upgrade notes, which may ask for a manual step`, blocker: true });
    }
  }
  for (const [was, now] of pairs(before, after, (m) => !isHelmRelease(m) && typeof m?.spec?.version === 'string')) {
    if (compareVersions(was.manifest.spec.version, now.manifest.spec.version) > 0) {
      findings.push({ kind: FindingKind.DOWNGRADE, object: now.id, message: `spec.version moves back from ${was.manifest.spec.version} to ${now.manifest.spec.version}`, blocker: true });
    }
  }
  const [imagesBefore, imagesAfter] = [imagesOf(before), imagesOf(after)];
  for (const [repository, tags] of imagesAfter) {
    const previous = imagesBefore.get(repository);
    if (!previous) continue;
    const [newest, newestBefore] = [[...tags].sort(compareVersions).pop()!, [...previous].sort(compareVersions).pop()!];
    if (compareVersions(newestBefore, newest) > 0) {
      findings.push({ kind: FindingKind.DOWNGRADE, object: `image ${repository}`, message: `moves back from ${newestBefore} to ${newest}`, blocker: true });
    }
  }
  return findings;
}

/**
 * Changes Kubernetes refuses to apply in place: immutable fields of objects the tree applies,
 * and Helm values that charts render into such fields (a manual step, e.g. deleting a
 * StatefulSet with --cascade=orphan, is needed).
 */
export function immutableChanges(before: Plan, after: Plan): UpgradeFinding[] {
  const findings: UpgradeFinding[] = [];
  for (const [was, now] of pairs(before, after, (m) => IMMUTABLE_FIELDS[m?.kind] !== undefined)) {
    if (was.manifest.metadata?.annotations?.['kustomize.toolkit.fluxcd.io/force'] === 'enabled') continue;
    for (const field of IMMUTABLE_FIELDS[now.manifest.kind]) {
      const [a, b] = [at(was.manifest, field), at(now.manifest, field)];
      if (JSON.stringify(a) !== JSON.stringify(b)) {
        findings.push({ kind: FindingKind.IMMUTABLE, object: now.id, message: `${field} changes, which Kubernetes refuses on an existing ${now.manifest.kind}: ${now.applier} fails until it is replaced by hand`, blocker: true });
      }
    }
  }
  for (const [was, now] of pairs(before, after, isHelmRelease)) {
    for (const change of valueChanges(was, now, before, after)) {
      const keys = change.path.split(/[.[\]]+/).filter((k) => k !== '');
      const immutable = keys.some((k) => IMMUTABLE_VALUES.has(k)) || (keys.some((k) => /persistence|storage|volume/i.test(k)) && /size$/i.test(keys[keys.length - 1] ?? ''));
      if (immutable) {
        findings.push({ kind: FindingKind.IMMUTABLE, object: now.id, message: `values ${change.path} ${show(change.before)} -> ${show(change.after)}: charts render this into immutable fields (a StatefulSet's selector or claim templates, a claim's class or size), so the upgrade fails until the object is replaced by hand`, blocker: true });
      }
    }
  }
  return findings;
}

/** Kustomizations that fail on the cluster: named by a problem, or applying an object a problem names. */
function failingKustomizations(plan: Plan): Set<string> {
  const failing = new Set<string>();
  for (const p of plan.problems) {
    const o = plan.objects.get(p.object);
    if (o && isKustomization(o.manifest)) failing.add(o.id);
    else if (o) failing.add(o.applier);
  }
  return failing;
}

/**
 * Whether what `applier` applied before is deleted: by itself when it still exists and prunes,
 * else (when it was removed) when whoever applied it deletes it and its own prune then deletes its
 * inventory. `failing` names the Kustomization on that path that fails, so deletes nothing yet;
 * undefined when nothing is deleted.
 */
function deletedBy(applier: string, before: Plan, after: Plan, failing: ReadonlySet<string>): { failing?: string } | undefined {
  const now = after.objects.get(applier);
  if (now) {
    if (now.manifest.spec?.prune !== true) return undefined;
    return failing.has(applier) ? { failing: applier } : {};
  }
  const was = before.objects.get(applier);
  if (!was || was.applier === BOOTSTRAP || was.manifest.spec?.prune !== true) return undefined;
  if (was.manifest.metadata?.annotations?.[PRUNE_ANNOTATION] === 'disabled') return undefined;
  return deletedBy(was.applier, before, after, failing);
}

/** Objects present in both plans under the same id, of the kind `accept` selects. */
function pairs(before: Plan, after: Plan, accept: (manifest: any) => boolean): [Applied, Applied][] {
  return [...after.objects.values()]
    .filter((now) => accept(now.manifest) && before.objects.has(now.id))
    .map((now) => [before.objects.get(now.id)!, now]);
}

/** The values a HelmRelease's chart receives from the tree (`valuesFrom` ConfigMaps and Secrets, then `values`). */
function releaseValues(release: Applied, plan: Plan): Record<string, unknown> {
  const namespace = release.manifest.metadata?.namespace;
  let merged: Record<string, unknown> = {};
  for (const ref of release.manifest.spec?.valuesFrom ?? []) {
    const source = plan.objects.get(`${ref.kind} ${namespace}/${ref.name}`)?.manifest;
    const key = ref.valuesKey ?? 'values.yaml';
    const raw = source?.stringData?.[key] ?? (source?.data?.[key] === undefined ? undefined
      : ref.kind === 'Secret' ? Buffer.from(String(source.data[key]), 'base64').toString('utf8') : source.data[key]);
    if (typeof raw !== 'string') continue;
    try {
      merged = deepMerge(merged, parse(raw) ?? {});
    } catch {
      // A values file that does not parse is the plan's to report.
    }
  }
  return deepMerge(merged, release.manifest.spec?.values ?? {});
}

function valueChanges(was: Applied, now: Applied, before: Plan, after: Plan): { path: string; before: unknown; after: unknown }[] {
  const changes = diffObjects(new Map([['values', releaseValues(was, before)]]), new Map([['values', releaseValues(now, after)]]));
  return changes.flatMap((c) => c.fields).map((f) => ({ ...f, path: f.path === '' ? '.' : f.path }));
}

function deepMerge(a: Record<string, unknown>, b: unknown): Record<string, unknown> {
  if (b === null || typeof b !== 'object' || Array.isArray(b)) return a;
  const out: Record<string, unknown> = { ...a };
  for (const [k, v] of Object.entries(b)) {
    const existing = out[k];
    out[k] = v !== null && typeof v === 'object' && !Array.isArray(v) && existing !== null && typeof existing === 'object' && !Array.isArray(existing)
      ? deepMerge(existing as Record<string, unknown>, v) : v;
  }
  return out;
}

/** Every `repository -> tags` a plan's objects and Helm values name (`image: repo:tag`, `repository` + `tag`). */
function imagesOf(plan: Plan): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const add = (repository: string, tag: string): void => {
    if (!/^v?\d/.test(tag)) return;
    found.set(repository, new Set([...found.get(repository) ?? [], tag]));
  };
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return;
    const m = value as Record<string, unknown>;
    if (typeof m.image === 'string') {
      const match = /^(.+?):([^:/@]+)(@.*)?$/.exec(m.image);
      if (match) add(match[1], match[2]);
      else if (typeof m.tag === 'string') add(m.image, m.tag);
    }
    if (typeof m.repository === 'string' && (typeof m.tag === 'string' || typeof m.tag === 'number')) {
      add(typeof m.registry === 'string' ? `${m.registry}/${m.repository}` : m.repository, String(m.tag));
    }
    Object.values(m).forEach(visit);
  };
  for (const o of plan.objects.values()) {
    visit(o.manifest.spec);
    for (const text of Object.values(o.manifest.kind === 'ConfigMap' ? o.manifest.data ?? {} : {})) {
      try {
        visit(parse(String(text)));
      } catch {
        // Not YAML: no image in it.
      }
    }
  }
  return found;
}

function releaseName(m: any): string {
  return m.spec?.releaseName ?? (m.spec?.targetNamespace ? `${m.spec.targetNamespace}-${m.metadata.name}` : m.metadata.name);
}

function targetNamespace(m: any): string {
  return m.spec?.targetNamespace ?? m.metadata?.namespace;
}

function storageNamespace(m: any): string {
  return m.spec?.storageNamespace ?? m.metadata?.namespace;
}

/** Compares versions like 1.2.3, v1.36.3+k3s1, 11.07.0 part by part, numbers as numbers. */
export function compareVersions(a: string, b: string): number {
  const parts = (v: string): (number | string)[] => v.replace(/^v/, '').split(/[.+-]/).map((p) => (/^\d+$/.test(p) ? Number(p) : p));
  const [x, y] = [parts(a), parts(b)];
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const [p, q] = [x[i], y[i]];
    if (p === q) continue;
    if (p === undefined) return -1;
    if (q === undefined) return 1;
    if (typeof p === 'number' && typeof q === 'number') return p - q;
    return String(p).localeCompare(String(q));
  }
  return 0;
}

function major(version: string): number {
  return Number(/^v?(\d+)/.exec(version)?.[1] ?? 0);
}

function at(manifest: any, field: string): unknown {
  return field.split('.').reduce((value, key) => (value === null || value === undefined ? undefined : value[key]), manifest);
}

function lastKey(path: string): string | undefined {
  return path.split(/[.[\]]+/).filter((k) => k !== '').pop();
}

function show(value: unknown): string {
  return value === undefined ? '(none)' : typeof value === 'string' ? value : JSON.stringify(value);
}
