import { execFile } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { releases } from '../../catalogue';
import { CLUSTER_SCOPED_KINDS, describe, toYaml } from '../../constructs/tree-writer';
import { holdsWithheld } from '../../constructs/withheld-values';
import { parseDocuments } from '../../constructs/yaml-cache';
import { ClusterInput } from '../plan/cluster-input';
import { Applied, isHelmRelease, refId } from '../plan/model';
import { Plan, planCluster, PreparedTree } from '../plan/simulate';
import { loadTree } from '../validation/load';
import { CRD_DIRECTORY } from '../validation/schemas';
import { CachedChart, ensureChart, unpackChart } from './chart-cache';
import { Helm, locateHelm, PROJECT_ROOT } from './helm';

/** The Kubernetes version helm-controller reports to charts: the k3s release the catalogue pins. */
export const KUBE_VERSION = releases.k3s.version;

/** Where rendered releases are cached by the content of everything that goes into them. */
const RENDER_CACHE = path.join(PROJECT_ROOT, '.cache', 'render', 'by-content');

/** This module's own code is part of every cache key: a change to how releases render invalidates them. */
const RENDER_CODE = createHash('sha256').update(fs.readFileSync(__filename)).digest('hex');

/** One rendered object, with the chart file it came from. */
export interface RenderedObject {
  /** `# Source:` of helm's output, e.g. `nextcloud/templates/deployment.yaml`. */
  readonly source: string;
  readonly manifest: any;
}

/** A HelmRelease as helm-controller would install it, or why it would fail. */
export interface RenderedRelease {
  /** `HelmRelease namespace/name`. */
  readonly id: string;
  /** The HelmRelease after substitution. */
  readonly release: any;
  /** Id of the Kustomization that applies it. */
  readonly applier: string;
  readonly releaseName: string;
  readonly namespace: string;
  readonly chart: { readonly name: string; readonly version: string; readonly repository: string };
  /** Manifests and hooks, post-rendered and namespaced as helm-controller applies them. */
  readonly objects: readonly RenderedObject[];
  /** The chart's `crds/` files (installed with `install.crds`, never post-rendered). */
  readonly crds: readonly any[];
  /** Why it does not render; `objects` is then empty. */
  readonly error?: string;
  /** How long its own `helm template` took (0 from the cache); the post-renderers run for all at once. */
  readonly milliseconds: number;
  /** Served from the content-keyed cache. */
  readonly cached: boolean;
}

export interface RenderOptions {
  /** A cluster's variables, generated placeholders and enabled apps (every app by default in the CLI). */
  readonly input: ClusterInput;
  /** Only releases whose `namespace/name` or `name` is listed. @default every release */
  readonly only?: readonly string[];
  /** Values files applied after the release's own valuesFrom, as the operator's override would be, by release (as in `only`). @default none */
  readonly overrides?: ReadonlyMap<string, readonly string[]>;
  /** Concurrent helm and kustomize processes. @default the number of cores */
  readonly parallelism?: number;
  /** Use and fill the content-keyed cache. @default true */
  readonly cache?: boolean;
}

export interface RenderResult {
  readonly plan: Plan;
  readonly helm: Helm;
  readonly releases: readonly RenderedRelease[];
  /** Every CRD the rendered releases install (from `crds/` and from templates). */
  readonly crds: readonly any[];
}

interface Job {
  readonly applied: Applied;
  readonly releaseName: string;
  readonly namespace: string;
  readonly chart: CachedChart;
  readonly values: readonly string[];
}

/**
 * Renders HelmReleases as helm-controller would: the owning Kustomization's post-build
 * substitution (through the plan's simulation of Flux), values from `spec.valuesFrom` in order
 * (optional ones skipped when absent) then `spec.values`, `helm template` of the pinned chart with
 * the release name and namespace, the catalogue's k3s version and the API versions the
 * platform's CRDs serve, then `postRenderers`, `commonMetadata` and helm-controller's own labels.
 */
export async function renderReleases(prepared: PreparedTree, options: RenderOptions): Promise<RenderResult> {
  const plan = planCluster(prepared, options.input);
  const helm = locateHelm();
  const problemsByObject = new Map<string, string[]>();
  for (const p of plan.problems) problemsByObject.set(p.object, [...(problemsByObject.get(p.object) ?? []), p.message]);

  const selected = [...plan.objects.values()].filter((o) => isHelmRelease(o.manifest))
    .filter((o) => options.only === undefined || options.only.some((s) => selects(s, o)));
  const jobs: Job[] = [];
  const failed: RenderedRelease[] = [];
  for (const applied of selected) {
    try {
      const overrides = [...(options.overrides ?? new Map<string, readonly string[]>())].filter(([s]) => selects(s, applied)).flatMap(([, files]) => files);
      jobs.push(prepareJob(applied, plan, problemsByObject, overrides));
    } catch (e) {
      failed.push(failure(applied, (e as Error).message));
    }
  }

  // What charts see in `.Capabilities.APIVersions`: every API the platform's CRDs serve, as on a
  // running cluster. Charts that template their CRDs (cert-manager) render first, so the others
  // see those APIs too.
  const charts = new Map(jobs.map((j) => [j, chartFacts(j.chart)]));
  const staticCrds = [...vendoredCrds(), ...jobs.flatMap((j) => charts.get(j)!.crds)];
  const templatesCrds = (j: Job): boolean => charts.get(j)!.templatesCrds;
  const parallelism = Math.max(1, options.parallelism ?? os.cpus().length);
  const cache = options.cache ?? true;
  const first = await renderAll(jobs.filter(templatesCrds), helm, new ServedApis(staticCrds), { cache, parallelism });
  const templated = first.flatMap((r) => r.objects.map((o) => o.manifest).filter(isCrd)).map(summarize);
  const served = new ServedApis([...staticCrds, ...templated]);
  const rest = await renderAll(jobs.filter((j) => !templatesCrds(j)), helm, served, { cache, parallelism });
  const rendered = [...failed, ...first, ...rest].sort((a, b) => a.id.localeCompare(b.id));
  const installed = rendered.flatMap((r) => [...r.crds, ...r.objects.map((o) => o.manifest).filter(isCrd)]);
  return { plan, helm, releases: rendered, crds: uniqueCrds(installed) };
}

/** Whether `selector` (`name` or `namespace/name`) names this HelmRelease. */
export function selects(selector: string, release: Applied): boolean {
  const { name, namespace } = release.manifest.metadata;
  return selector === name || selector === `${namespace}/${name}`;
}

function failure(applied: Applied, error: string): RenderedRelease {
  const spec = applied.manifest.spec?.chart?.spec ?? {};
  return {
    id: applied.id,
    release: applied.manifest,
    applier: applied.applier,
    releaseName: releaseNameOf(applied.manifest),
    namespace: applied.manifest.metadata.namespace,
    chart: { name: spec.chart, version: spec.version, repository: '' },
    objects: [],
    crds: [],
    error,
    milliseconds: 0,
    cached: false,
  };
}

/** helm-controller's release name: `spec.releaseName`, else `<targetNamespace>-<name>` or `<name>`. */
function releaseNameOf(hr: any): string {
  if (hr.spec?.releaseName) return hr.spec.releaseName;
  return hr.spec?.targetNamespace ? `${hr.spec.targetNamespace}-${hr.metadata.name}` : hr.metadata.name;
}

/** The chart and the values documents of one release, in helm-controller's order. */
function prepareJob(applied: Applied, plan: Plan, problems: ReadonlyMap<string, string[]>, overrides: readonly string[]): Job {
  const hr = applied.manifest;
  const namespace: string = hr.spec?.targetNamespace ?? hr.metadata.namespace;
  const spec = hr.spec?.chart?.spec;
  if (!spec) throw new Error('has no spec.chart.spec; the render supports HelmRepository charts only');
  const sourceId = refId(spec.sourceRef.kind, spec.sourceRef, hr.metadata.namespace);
  const source = plan.objects.get(sourceId)?.manifest;
  if (!source) throw new Error(`its chart source ${sourceId} is not applied in this cluster`);
  const chart = ensureChart({ repository: source.spec.url, chart: spec.chart, version: spec.version });

  const values: string[] = [];
  for (const ref of hr.spec.valuesFrom ?? []) {
    const id = refId(ref.kind, ref, hr.metadata.namespace);
    const holder = plan.objects.get(id)?.manifest;
    if (!holder) {
      if (ref.optional) continue;
      throw new Error(`valuesFrom ${id} does not exist in this cluster`);
    }
    const broken = problems.get(id);
    if (broken) throw new Error(`valuesFrom ${id}: ${broken.join('; ')}`);
    if (ref.targetPath) throw new Error(`valuesFrom ${id} uses targetPath, which the render does not support`);
    const key = ref.valuesKey ?? 'values.yaml';
    const text = ref.kind === 'Secret'
      ? (holder.stringData?.[key] ?? (holder.data?.[key] === undefined ? undefined : Buffer.from(holder.data[key], 'base64').toString('utf8')))
      : holder.data?.[key];
    if (text === undefined) {
      if (ref.optional) continue;
      throw new Error(`valuesFrom ${id} has no key ${key}`);
    }
    values.push(checkedValues(String(text), `valuesFrom ${id}`));
  }
  for (const file of overrides) values.push(checkedValues(fs.readFileSync(file, 'utf8'), `override ${file}`));
  if (hr.spec.values !== undefined) values.push(toYaml(hr.spec.values));
  return { applied, releaseName: releaseNameOf(hr), namespace, chart, values };
}

/** Values as helm-controller reads them: a YAML mapping, else the release fails. */
function checkedValues(text: string, what: string): string {
  let parsed: unknown;
  try {
    parsed = parse(text);
  } catch (e) {
    throw new Error(`${what} is not valid YAML: ${(e as Error).message.split('\n')[0]}`, { cause: e });
  }
  if (parsed !== null && (typeof parsed !== 'object' || Array.isArray(parsed))) throw new Error(`${what} is not a YAML mapping of values`);
  return text;
}

/** One release on its way through the render: from the cache, or helm's output to post-render. */
interface Pending {
  readonly job: Job;
  readonly cacheFile: string;
  /** The milliseconds its helm template took. */
  helmMilliseconds: number;
  objects: RenderedObject[];
  crds: any[];
  error?: string;
}

/**
 * Renders releases: each from the content-keyed cache when nothing that goes into it changed,
 * else with `helm template` (in parallel), then every release's kustomize post-renderers in one
 * kustomize run per post-renderer position (one process instead of one per release).
 */
async function renderAll(jobs: readonly Job[], helm: Helm, apis: ServedApis, options: { cache: boolean; parallelism: number }): Promise<RenderedRelease[]> {
  const done = new Map<Job, RenderedRelease>();
  const pending: Pending[] = [];
  for (const job of jobs) {
    const cacheFile = path.join(RENDER_CACHE, `${cacheKey(job, helm, apis)}.json`);
    if (options.cache && fs.existsSync(cacheFile)) {
      const cached = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
      done.set(job, { ...baseOf(job), ...cached, milliseconds: 0, cached: true });
    } else {
      pending.push({ job, cacheFile, helmMilliseconds: 0, objects: [], crds: [] });
    }
  }
  await mapLimited(pending, options.parallelism, async (p) => {
    const started = Date.now();
    try {
      const documents = splitHelmOutput(await helmTemplate(p.job, helm, apis));
      p.crds = documents.filter((d) => /\/crds\//.test(`/${d.source}`)).map((d) => d.manifest);
      p.objects = documents.filter((d) => !/\/crds\//.test(`/${d.source}`));
    } catch (e) {
      p.error = (e as Error).message;
    }
    p.helmMilliseconds = Date.now() - started;
  });
  await postRenderKustomize(pending.filter((p) => p.error === undefined));
  for (const p of pending) {
    const hr = p.job.applied.manifest;
    const outcome: Pick<RenderedRelease, 'objects' | 'crds' | 'error'> = p.error !== undefined
      ? { objects: [], crds: [], error: p.error }
      : { objects: labelled(p.objects, hr).map((o) => ({ ...o, manifest: namespaced(o.manifest, p.job.namespace, apis) })), crds: p.crds };
    const stored = JSON.stringify(outcome);
    // A release that holds an operator secret (values from --env) renders, but is never cached.
    if (options.cache && outcome.error === undefined && !holdsWithheld(stored)) {
      fs.mkdirSync(RENDER_CACHE, { recursive: true });
      const partial = `${p.cacheFile}.${process.pid}`;
      fs.writeFileSync(partial, stored);
      fs.renameSync(partial, p.cacheFile);
    }
    done.set(p.job, { ...baseOf(p.job), ...outcome, milliseconds: p.helmMilliseconds, cached: false });
  }
  return jobs.map((j) => done.get(j)!);
}

function baseOf(job: Job): Omit<RenderedRelease, 'objects' | 'crds' | 'error' | 'milliseconds' | 'cached'> {
  return {
    id: job.applied.id,
    release: job.applied.manifest,
    applier: job.applied.applier,
    releaseName: job.releaseName,
    namespace: job.namespace,
    chart: { name: job.chart.entry.chart, version: job.chart.entry.version, repository: job.chart.entry.repository },
  };
}

/** Everything that goes into a release's render, this module's code included. */
function cacheKey(job: Job, helm: Helm, apis: ServedApis): string {
  const hr = job.applied.manifest;
  return createHash('sha256').update(JSON.stringify({
    helm: helm.version,
    chart: createHash('sha256').update(fs.readFileSync(job.chart.file)).digest('hex'),
    releaseName: job.releaseName,
    namespace: job.namespace,
    kube: KUBE_VERSION,
    apis: apis.versions,
    clusterScoped: [...apis.clusterScopedKinds].sort(),
    values: job.values,
    postRenderers: hr.spec.postRenderers ?? [],
    commonMetadata: hr.spec.commonMetadata ?? {},
    origin: hr.metadata,
    code: RENDER_CODE,
  })).digest('hex');
}

async function helmTemplate(job: Job, helm: Helm, apis: ServedApis): Promise<string> {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stackspin-render-'));
  try {
    const valueArgs = job.values.flatMap((text, i) => {
      const file = path.join(work, `values-${i}.yaml`);
      fs.writeFileSync(file, text);
      return ['--values', file];
    });
    return await run(helm.path, [
      'template', job.releaseName, job.chart.file,
      '--namespace', job.namespace,
      '--kube-version', KUBE_VERSION,
      '--include-crds',
      '--skip-tests',
      ...apis.versions.flatMap((a) => ['--api-versions', a]),
      ...valueArgs,
    ]);
  } catch (e) {
    throw new Error(cleanError((e as Error).message, work), { cause: e });
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

/** Helm's multi-document output with each document's `# Source:` path. */
function splitHelmOutput(output: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const chunk of output.split(/^---\s*$/m)) {
    const source = /^# Source: (.+)$/m.exec(chunk)?.[1]?.trim() ?? '';
    // Through the YAML cache: a chart's CRDs, most of some charts' output, are the same in every render.
    for (const doc of parseDocuments(chunk)) {
      if (doc.error !== undefined) throw new Error(`${source || 'helm output'} is not valid YAML: ${doc.error.split('\n')[0]}`);
      const manifest = doc.value as any;
      if (manifest !== null && typeof manifest === 'object') objects.push({ source, manifest });
    }
  }
  return objects;
}

/** Marks which release an object came from while several releases go through kustomize at once. */
const RELEASE_ANNOTATION = 'render.stackspin.net/release';

/**
 * helm-controller's kustomize post-renderers (`postRenderers[].kustomize`: patches and images, by
 * kustomize itself) of every release, in order. Each position is one kustomize run over every
 * release that has one there, each release in a directory of its own; if that run fails, each
 * release runs alone, so the error names the release it belongs to.
 */
async function postRenderKustomize(pending: readonly Pending[]): Promise<void> {
  const rounds = Math.max(0, ...pending.map((p) => (p.job.applied.manifest.spec.postRenderers ?? []).length));
  for (let round = 0; round < rounds; round++) {
    const batch = pending.filter((p) => p.error === undefined && p.job.applied.manifest.spec.postRenderers?.[round]?.kustomize);
    if (batch.length === 0) continue;
    const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stackspin-post-render-'));
    try {
      const outputs = await kustomizeReleases(batch.map((p) => ({ objects: p.objects, spec: p.job.applied.manifest.spec.postRenderers[round].kustomize })), work)
        .catch(async () => Promise.all(batch.map((p, i) => kustomizeReleases([{ objects: p.objects, spec: p.job.applied.manifest.spec.postRenderers[round].kustomize }], path.join(work, `alone-${i}`))
          .then(([objects]) => objects, (e: Error) => e))));
      batch.forEach((p, i) => {
        const output = outputs[i];
        if (output instanceof Error) p.error = `post-renderer ${round}: ${cleanError(output.message, work)}`;
        else p.objects = output;
      });
    } finally {
      fs.rmSync(work, { recursive: true, force: true });
    }
  }
}

/** One kustomize run: each release's objects with its own patches, in a directory of its own. */
async function kustomizeReleases(releases: readonly { objects: readonly RenderedObject[]; spec: any }[], work: string): Promise<RenderedObject[][]> {
  const sources = releases.map((r) => new Map(r.objects.map((o) => [describe(o.manifest), o.source])));
  releases.forEach((r, i) => {
    const dir = path.join(work, String(i));
    fs.mkdirSync(dir, { recursive: true });
    const marked = r.objects.map((o) => ({ ...o.manifest, metadata: { ...o.manifest.metadata, annotations: { ...o.manifest.metadata?.annotations, [RELEASE_ANNOTATION]: String(i) } } }));
    fs.writeFileSync(path.join(dir, 'rendered.yaml'), marked.map((m) => `---\n${toYaml(m)}`).join(''));
    fs.writeFileSync(path.join(dir, 'kustomization.yaml'), toYaml({
      apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: ['rendered.yaml'], patches: r.spec.patches, images: r.spec.images,
    }));
  });
  fs.writeFileSync(path.join(work, 'kustomization.yaml'), toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources: releases.map((_, i) => String(i)) }));
  const output = await run(process.env.KUBECTL ?? 'kubectl', ['kustomize', work]);
  const grouped: RenderedObject[][] = releases.map(() => []);
  const manifests = output.split(/^---\s*$/m).flatMap((chunk) => parseDocuments(chunk).map((d) => {
    if (d.error !== undefined) throw new Error(`kustomize output is not valid YAML: ${d.error.split('\n')[0]}`);
    return d.value as any;
  }));
  for (const manifest of manifests.filter((m) => m !== null && typeof m === 'object')) {
    const { [RELEASE_ANNOTATION]: index, ...annotations } = manifest.metadata.annotations ?? {};
    const metadata = { ...manifest.metadata, annotations: Object.keys(annotations).length > 0 ? annotations : undefined };
    if (metadata.annotations === undefined) delete metadata.annotations;
    const unmarked = { ...manifest, metadata };
    grouped[Number(index)].push({ source: sources[Number(index)].get(describe(unmarked)) ?? '', manifest: unmarked });
  }
  return grouped;
}

/** helm-controller's `commonMetadata`, then its origin labels (which win), on every manifest and hook. */
function labelled(objects: readonly RenderedObject[], hr: any): RenderedObject[] {
  const common = hr.spec.commonMetadata ?? {};
  const origin = { 'helm.toolkit.fluxcd.io/name': hr.metadata.name, 'helm.toolkit.fluxcd.io/namespace': hr.metadata.namespace };
  return objects.map((o) => {
    const metadata = { ...(o.manifest.metadata ?? {}) };
    metadata.labels = { ...(metadata.labels ?? {}), ...(common.labels ?? {}), ...origin };
    if (common.annotations) metadata.annotations = { ...(metadata.annotations ?? {}), ...common.annotations };
    return { ...o, manifest: { ...o.manifest, metadata } };
  });
}

/** The namespace helm-controller's client gives a namespaced object that names none. */
function namespaced(manifest: any, namespace: string, apis: ServedApis): any {
  if (apis.clusterScopedKinds.has(manifest.kind) || manifest.metadata?.namespace) return manifest;
  return { ...manifest, metadata: { ...manifest.metadata, namespace } };
}

function isCrd(manifest: any): boolean {
  return manifest?.kind === 'CustomResourceDefinition';
}

/** The CRDs vendored in `imports/crds/` (Flux's, installed by bootstrap, and others the tree uses). */
function vendoredCrds(): CrdSummary[] {
  return cachedFacts(CRD_DIRECTORY, 'vendored-crds', () => loadTree(CRD_DIRECTORY).objects.map((o) => o.manifest).filter(isCrd).map(summarize));
}

/** What the render needs to know of a chart before rendering it. */
interface ChartFacts {
  /** The CRDs in its `crds/` directories. */
  readonly crds: readonly CrdSummary[];
  /** Whether its templates define CRDs. */
  readonly templatesCrds: boolean;
}

function chartFacts(chart: CachedChart): ChartFacts {
  const dir = unpackChart(chart);
  return cachedFacts(dir, 'chart-facts', () => ({ crds: chartCrdFiles(dir).map(summarize), templatesCrds: chartTemplatesCrds(dir) }));
}

/** Facts derived from a directory's files, kept beside them: parsing large CRDs is slow. */
function cachedFacts<T>(dir: string, name: string, derive: () => T): T {
  const files = fs.readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name)).sort();
  const stamp = createHash('sha256').update(RENDER_CODE);
  for (const file of files) {
    const stat = fs.statSync(file);
    stamp.update(`${file}\0${stat.size}\0${stat.mtimeMs}\0`);
  }
  const cacheFile = path.join(RENDER_CACHE, `${name}-${stamp.digest('hex')}.json`);
  if (fs.existsSync(cacheFile)) return JSON.parse(fs.readFileSync(cacheFile, 'utf8')) as T;
  const facts = derive();
  fs.mkdirSync(RENDER_CACHE, { recursive: true });
  const partial = `${cacheFile}.${process.pid}`;
  fs.writeFileSync(partial, JSON.stringify(facts));
  fs.renameSync(partial, cacheFile);
  return facts;
}

/**
 * The CRDs in a chart's `crds/` directory and its subcharts' (`charts/<name>/crds/`), as `helm show
 * crds` lists them: disabled subcharts' too, which only over-states what charts can ask
 * `.Capabilities` about (no pinned chart asks about those).
 */
function chartCrdFiles(chartDir: string): any[] {
  const found: any[] = [];
  const crdDir = path.join(chartDir, 'crds');
  const files = (dir: string): string[] => fs.readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : /\.ya?ml$/.test(e.name) ? [path.join(dir, e.name)] : []));
  if (fs.existsSync(crdDir)) {
    for (const file of files(crdDir)) {
      for (const doc of parseAllDocuments(fs.readFileSync(file, 'utf8'))) {
        const manifest = doc.toJS();
        if (isCrd(manifest)) found.push(manifest);
      }
    }
  }
  const subcharts = path.join(chartDir, 'charts');
  if (fs.existsSync(subcharts)) {
    for (const entry of fs.readdirSync(subcharts, { withFileTypes: true })) {
      if (entry.isDirectory()) found.push(...chartCrdFiles(path.join(subcharts, entry.name)));
    }
  }
  return found;
}

/** Whether a chart's templates (not its crds/) define CustomResourceDefinitions. */
function chartTemplatesCrds(chartDir: string): boolean {
  const walk = (dir: string): boolean => fs.readdirSync(dir, { withFileTypes: true }).some((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name !== 'crds' && walk(full);
    return full.includes(`${path.sep}templates${path.sep}`) && /kind:\s*CustomResourceDefinition/.test(fs.readFileSync(full, 'utf8'));
  });
  return walk(chartDir);
}

function uniqueCrds(crds: readonly any[]): any[] {
  const byName = new Map<string, any>();
  for (const crd of crds) if (crd?.metadata?.name) byName.set(crd.metadata.name, crd);
  return [...byName.values()].sort((a, b) => a.metadata.name.localeCompare(b.metadata.name));
}

/** What a CRD adds to the API: enough for `.Capabilities` and for namespacing objects. */
interface CrdSummary {
  readonly group: string;
  readonly kind: string;
  readonly cluster: boolean;
  /** Served versions. */
  readonly versions: readonly string[];
}

function summarize(crd: any): CrdSummary {
  return {
    group: crd.spec.group,
    kind: crd.spec.names.kind,
    cluster: crd.spec.scope === 'Cluster',
    versions: (crd.spec.versions ?? []).filter((v: any) => v.served !== false).map((v: any) => v.name),
  };
}

/** What the custom resource definitions add to the cluster's API. */
class ServedApis {
  /** `group/version` and `group/version/Kind` of every served version, as discovery lists them. */
  public readonly versions: string[];
  /** Kubernetes' own cluster-scoped kinds and those of cluster-scoped CRDs. */
  public readonly clusterScopedKinds: Set<string>;

  constructor(crds: readonly CrdSummary[]) {
    const versions = new Set<string>();
    this.clusterScopedKinds = new Set(CLUSTER_SCOPED_KINDS);
    for (const crd of crds) {
      if (crd.cluster) this.clusterScopedKinds.add(crd.kind);
      for (const version of crd.versions) {
        versions.add(`${crd.group}/${version}`);
        versions.add(`${crd.group}/${version}/${crd.kind}`);
      }
    }
    this.versions = [...versions].sort();
  }
}

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, args, { maxBuffer: 256 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) reject(new Error(stderr.trim() || error.message));
      else resolve(stdout);
    });
  });
}

function cleanError(message: string, work: string): string {
  return message.split(`${work}/`).join('').replace(/^Error: /, '').replace(/\s*\n\s*/g, ' ').trim();
}

async function mapLimited<T, R>(items: readonly T[], limit: number, map: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const i = next++;
      results[i] = await map(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
