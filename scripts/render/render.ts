import { execFile } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { releases } from '../../catalogue';
import { CLUSTER_SCOPED_KINDS, describe, toYaml } from '../../constructs/tree-writer';
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
  const first = await mapLimited(jobs.filter(templatesCrds), parallelism, (j) => render(j, helm, new ServedApis(staticCrds), cache));
  const templated = first.flatMap((r) => r.objects.map((o) => o.manifest).filter(isCrd)).map(summarize);
  const served = new ServedApis([...staticCrds, ...templated]);
  const rest = await mapLimited(jobs.filter((j) => !templatesCrds(j)), parallelism, (j) => render(j, helm, served, cache));
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

async function render(job: Job, helm: Helm, apis: ServedApis, useCache: boolean): Promise<RenderedRelease> {
  const started = Date.now();
  const hr = job.applied.manifest;
  const base = {
    id: job.applied.id,
    release: hr,
    applier: job.applied.applier,
    releaseName: job.releaseName,
    namespace: job.namespace,
    chart: { name: job.chart.entry.chart, version: job.chart.entry.version, repository: job.chart.entry.repository },
  };
  const key = createHash('sha256').update(JSON.stringify({
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
  const cacheFile = path.join(RENDER_CACHE, `${key}.json`);
  if (useCache && fs.existsSync(cacheFile)) {
    const cached = JSON.parse(fs.readFileSync(cacheFile, 'utf8'));
    return { ...base, ...cached, milliseconds: Date.now() - started, cached: true };
  }

  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'stackspin-render-'));
  let outcome: Pick<RenderedRelease, 'objects' | 'crds' | 'error'>;
  try {
    const valueArgs = job.values.flatMap((text, i) => {
      const file = path.join(work, `values-${i}.yaml`);
      fs.writeFileSync(file, text);
      return ['--values', file];
    });
    const args = [
      'template', job.releaseName, job.chart.file,
      '--namespace', job.namespace,
      '--kube-version', KUBE_VERSION,
      '--include-crds',
      '--skip-tests',
      ...apis.versions.flatMap((a) => ['--api-versions', a]),
      ...valueArgs,
    ];
    const output = await run(helm.path, args);
    const documents = splitHelmOutput(output);
    const crds = documents.filter((d) => /\/crds\//.test(`/${d.source}`)).map((d) => d.manifest);
    const manifests = documents.filter((d) => !/\/crds\//.test(`/${d.source}`));
    const postRendered = await postRender(manifests, hr, work);
    outcome = { objects: postRendered.map((o) => ({ ...o, manifest: namespaced(o.manifest, job.namespace, apis) })), crds };
  } catch (e) {
    outcome = { objects: [], crds: [], error: cleanError((e as Error).message, work) };
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
  if (useCache && outcome.error === undefined) {
    fs.mkdirSync(RENDER_CACHE, { recursive: true });
    const partial = `${cacheFile}.${process.pid}`;
    fs.writeFileSync(partial, JSON.stringify(outcome));
    fs.renameSync(partial, cacheFile);
  }
  return { ...base, ...outcome, milliseconds: Date.now() - started, cached: false };
}

/** Helm's multi-document output with each document's `# Source:` path. */
function splitHelmOutput(output: string): RenderedObject[] {
  const objects: RenderedObject[] = [];
  for (const chunk of output.split(/^---\s*$/m)) {
    const source = /^# Source: (.+)$/m.exec(chunk)?.[1]?.trim() ?? '';
    for (const doc of parseAllDocuments(chunk)) {
      if (doc.errors.length > 0) throw new Error(`${source || 'helm output'} is not valid YAML: ${doc.errors[0].message.split('\n')[0]}`);
      const manifest = doc.toJS();
      if (manifest !== null && typeof manifest === 'object') objects.push({ source, manifest });
    }
  }
  return objects;
}

/**
 * helm-controller's post-rendering: each `postRenderers[].kustomize` (patches and images, with
 * kustomize itself), then `commonMetadata`, then the origin labels, on every manifest and hook.
 */
async function postRender(objects: readonly RenderedObject[], hr: any, work: string): Promise<RenderedObject[]> {
  let current = [...objects];
  for (const [i, renderer] of (hr.spec.postRenderers ?? []).entries()) {
    if (!renderer.kustomize) continue;
    current = await kustomize(current, renderer.kustomize, path.join(work, `post-render-${i}`));
  }
  const common = hr.spec.commonMetadata ?? {};
  const origin = { 'helm.toolkit.fluxcd.io/name': hr.metadata.name, 'helm.toolkit.fluxcd.io/namespace': hr.metadata.namespace };
  return current.map((o) => {
    const metadata = { ...(o.manifest.metadata ?? {}) };
    metadata.labels = { ...(metadata.labels ?? {}), ...(common.labels ?? {}), ...origin };
    if (common.annotations) metadata.annotations = { ...(metadata.annotations ?? {}), ...common.annotations };
    return { ...o, manifest: { ...o.manifest, metadata } };
  });
}

async function kustomize(objects: readonly RenderedObject[], spec: any, dir: string): Promise<RenderedObject[]> {
  fs.mkdirSync(dir, { recursive: true });
  const sourceOf = new Map(objects.map((o) => [describe(o.manifest), o.source]));
  fs.writeFileSync(path.join(dir, 'rendered.yaml'), objects.map((o) => `---\n${toYaml(o.manifest)}`).join(''));
  fs.writeFileSync(path.join(dir, 'kustomization.yaml'), toYaml({
    apiVersion: 'kustomize.config.k8s.io/v1beta1',
    kind: 'Kustomization',
    resources: ['rendered.yaml'],
    patches: spec.patches,
    images: spec.images,
  }));
  const output = await run(process.env.KUBECTL ?? 'kubectl', ['kustomize', dir]);
  return parseAllDocuments(output).map((d) => d.toJS()).filter((m) => m !== null && typeof m === 'object')
    .map((manifest) => ({ source: sourceOf.get(describe(manifest)) ?? '', manifest }));
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
