import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { CORE_BACKUP_SETS } from './backup-label';
import { catalogueProblems } from './catalogue-check';
import { CLUSTER_VARIABLES_SECRET, vars } from './cluster-variables';
import { Component, ComponentDefinition } from './component';
import { FluxKustomization } from './flux-kustomization';
import { FLUX_NAMESPACE } from './flux-source';
import { GeneratedSecret } from './generated-secret';
import { GitRepository } from './git-repository';
import { HelmRepository } from './helm-repository';
import { GENERATED_SECRETS, SecretGenerator } from './secret-generator';
import { CORE_ENTRY, optionalEntry } from './entries';
import { TreeChart } from './tree-chart';
import { ChartEntry } from '../catalogue';

/** Name of the GitRepository every cluster follows and of the root Kustomization (documents use both). */
export const PLATFORM_NAME = 'stackspin';

/** Makes kustomize-controller leave an object in the cluster when it leaves the tree. */
export const PRUNE_ANNOTATION = 'kustomize.toolkit.fluxcd.io/prune';

/** Kustomizations of the chart sources and of the namespaces, which every component depends on. */
export const SOURCES_NAME = 'sources';
export const NAMESPACES_NAME = 'namespaces';

/** `install-app.sh <app>` enables an app with the Kustomization `add-<app>` (add_app_manifest in scripts/lib/common.sh). */
export const ADD_APP_PREFIX = 'add-';

/** A component's generated Secret in flux-system (`Component.generatedSecret`). */
export const generatedSecretName = (component: string): string => `stackspin-${component}-variables`;

export { CORE_ENTRY, optionalEntry } from './entries';

/**
 * Names a component cannot take, and why: its Kustomization (in flux-system, named after it)
 * or its generated Secret would be one of the platform's own objects, which an app's entry
 * would then overwrite (`install-app.sh stackspin` would replace the root, which prunes).
 */
/** What the documents install as an app and the platform keeps in the core; install-app.sh answers it so. */
export const MONITORING = 'monitoring';

export function reservedNameReason(name: string): string | undefined {
  if (name === PLATFORM_NAME) return `the root Kustomization and the GitRepository every cluster follows are named ${PLATFORM_NAME}`;
  if (name === SOURCES_NAME) return `the Kustomization of the chart sources is named ${SOURCES_NAME}`;
  if (name === NAMESPACES_NAME) return `the Kustomization of the namespaces is named ${NAMESPACES_NAME}`;
  if (name === FLUX_NAMESPACE) return `${FLUX_NAMESPACE} is Flux's own name (flux bootstrap names its Kustomization so)`;
  if (name.startsWith(ADD_APP_PREFIX)) return `install-app.sh names the Kustomization that enables an app ${ADD_APP_PREFIX}<app>`;
  if (generatedSecretName(name) === CLUSTER_VARIABLES_SECRET) return `its generated secret would be ${CLUSTER_VARIABLES_SECRET}, the Secret of the cluster variables`;
  if (name === MONITORING) return `install-app.sh ${MONITORING} answers that monitoring is part of the core (the documents install it as an app), so an app of that name could never be installed`;
  if (name in CORE_BACKUP_SETS) return `it is the backup set of ${CORE_BACKUP_SETS[name]}, so restore-app.sh ${name} would restore both`;
  return undefined;
}

/** The file each discovered component was declared in (main.ts records it), for messages. */
const componentFiles = new WeakMap<ComponentDefinition<any>, string>();

export function recordComponentFile(definition: ComponentDefinition<any>, file: string): void {
  componentFiles.set(definition, file);
}

/** `component <name> (<file>)`, or without the file when it is not known (a test's definition). */
export function describeComponent(definition: ComponentDefinition<any>): string {
  const file = componentFiles.get(definition);
  return `component ${definition.name}${file ? ` (${file})` : ''}`;
}

/** An error already attributed to a component, so callers up the dependency chain pass it on unchanged. */
export class ComponentError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ComponentError';
  }
}

/**
 * The whole platform: the `stackspin` GitRepository, the chart sources, the namespaces, the
 * entries, and every component. Components are built on first use, so a component can use
 * another's outputs and a dependency cycle is reported by name.
 */
export class Platform extends Construct {
  public readonly source: GitRepository;
  public readonly coreEntry: TreeChart;
  public readonly root: FluxKustomization;
  private readonly sourcesChart: TreeChart;
  private readonly sources: FluxKustomization;
  private readonly namespacesChart: TreeChart;
  private readonly namespaces: FluxKustomization;
  private readonly repositories = new Map<string, HelmRepository>();
  private readonly components = new Map<ComponentDefinition<any>, Component<any>>();
  private readonly building: ComponentDefinition<any>[] = [];
  private readonly optionalEntries = new Map<string, TreeChart>();
  private readonly namespaceNames = new Set<string>();
  private generator?: { readonly chart: TreeChart; readonly kustomization: FluxKustomization };
  private finished = false;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    const catalogue = catalogueProblems();
    if (catalogue.length > 0) throw new Error(`synth refused, nothing written:\n  - ${catalogue.join('\n  - ')}`);
    this.coreEntry = new TreeChart(this, 'CoreEntry', { directory: CORE_ENTRY });
    this.sourcesChart = new TreeChart(this, 'Sources', { directory: 'infrastructure/sources' });
    this.namespacesChart = new TreeChart(this, 'Namespaces', { directory: 'infrastructure/namespaces' });

    this.source = new GitRepository(this.sourcesChart, 'Stackspin', {
      name: PLATFORM_NAME,
      url: vars.stackspin_repo_url,
      branch: vars.stackspin_repo_branch,
    });
    // The root waits for every core Kustomization, and single sign-on alone may take 20 minutes.
    this.root = new FluxKustomization(this.coreEntry, 'Root', { name: PLATFORM_NAME, source: this.source, target: this.coreEntry, timeout: Duration.minutes(30) });
    this.sources = new FluxKustomization(this.coreEntry, 'SourcesKustomization', { name: SOURCES_NAME, source: this.source, target: this.sourcesChart });
    this.namespaces = new FluxKustomization(this.coreEntry, 'NamespacesKustomization', { name: NAMESPACES_NAME, source: this.source, target: this.namespacesChart });
  }

  /** The HelmRepository serving a catalogue chart's repository, created once per repository. */
  public helmRepository(chart: ChartEntry): HelmRepository {
    const existing = this.repositories.get(chart.repository);
    if (existing) return existing;
    const repo = new HelmRepository(this.sourcesChart, chart.repository, { name: repositoryName(chart.repository), url: chart.repository });
    for (const other of this.repositories.values()) {
      if (other.name === repo.name) {
        throw new Error(`HelmRepository name ${repo.name} is derived from both ${other.url} and ${chart.repository}; extend repositoryName() to tell them apart`);
      }
    }
    this.repositories.set(chart.repository, repo);
    return repo;
  }

  /**
   * The built component for a definition, building it (and its dependencies) on first use. Any
   * error while building is prefixed with the component and its file.
   */
  public use<O>(definition: ComponentDefinition<O>): Component<O> {
    const existing = this.components.get(definition);
    if (existing) return existing;
    if (this.finished) throw new ComponentError(`${describeComponent(definition)} is used after the platform was finished`);
    if (this.building.includes(definition)) {
      const cycle = [...this.building.slice(this.building.indexOf(definition)), definition].map((d) => d.name);
      throw new ComponentError(`dependency cycle between components: ${cycle.join(' -> ')}; remove one of these dependsOn`);
    }
    this.checkName(definition);
    this.building.push(definition);
    try {
      const dependencies = (definition.dependsOn ?? []).map((d) => this.use(d).kustomization);
      const component = new Component<O>(this, definition);
      this.namespaceNames.add(definition.namespace);
      component.build([this.sources, this.namespaces, ...dependencies]);
      this.components.set(definition, component);
      return component;
    } catch (e) {
      if (e instanceof ComponentError) throw e;
      throw new ComponentError(`${describeComponent(definition)}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
    } finally {
      this.building.pop();
    }
  }

  /** Refuses a name a platform object or another component already has, by name. */
  private checkName(definition: ComponentDefinition<any>): void {
    const reason = reservedNameReason(definition.name);
    if (reason) {
      throw new ComponentError(`${describeComponent(definition)}: the name '${definition.name}' is reserved: ${reason}; rename the component`);
    }
    const other = [...this.components.keys(), ...this.building].find((d) => d !== definition && d.name === definition.name);
    if (other) {
      throw new ComponentError(`${describeComponent(definition)} and ${describeComponent(other)} have the same name; names must be unique (they name Kustomizations and directories), rename one`);
    }
  }

  /** The entry chart that holds a component's Kustomization. */
  public entryFor(component: Component<any>): TreeChart {
    if (!component.optional) return this.coreEntry;
    const name = component.definition.name;
    const entry = this.optionalEntries.get(name) ?? new TreeChart(this, `Entry-${name}`, { directory: optionalEntry(name), externallyApplied: true });
    this.optionalEntries.set(name, entry);
    return entry;
  }

  /**
   * The Kustomization `generated-secrets`, which declares the generated secrets and creates their
   * missing keys in the cluster; every Kustomization that substitutes from one depends on it.
   * Created on first use, so a platform without generated secrets has none.
   */
  public get secretGenerator(): FluxKustomization {
    if (this.generator === undefined) {
      if (this.finished) throw new Error('the secret generator is used after the platform was finished');
      const chart = new TreeChart(this, 'GeneratedSecrets', { directory: `infrastructure/${GENERATED_SECRETS}` });
      // No substitution: the script's `$` stays as written, and nothing it applies needs a variable.
      const kustomization = new FluxKustomization(this.coreEntry, 'GeneratedSecretsKustomization', {
        name: GENERATED_SECRETS, source: this.source, target: chart, substitute: false,
      });
      this.generator = { chart, kustomization };
    }
    return this.generator.kustomization;
  }

  /** Every built component, in build order. */
  public get all(): Component<any>[] {
    return [...this.components.values()];
  }

  /**
   * Creates the namespaces the components declared and the secret generator's objects; call once
   * after every component is used.
   */
  public finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.generator !== undefined) {
      new SecretGenerator(this.generator.chart, 'Generator', { secrets: GeneratedSecret.all(this) });
    }
    for (const name of [...this.namespaceNames].sort()) {
      if (name === FLUX_NAMESPACE) continue;
      new ApiObject(this.namespacesChart, name, {
        apiVersion: 'v1',
        kind: 'Namespace',
        // Deleting a namespace deletes every volume claim in it: a merge that drops one from the
        // tree must not wipe each cluster's data the next night, so Flux never prunes them.
        metadata: { name, annotations: { [PRUNE_ANNOTATION]: 'disabled' } },
      });
    }
  }
}

/**
 * A HelmRepository name for a chart repository: the owner on shared registries and GitHub Pages
 * (`oci://ghcr.io/zulip/...` -> `zulip`, `https://traefik.github.io/charts` -> `traefik`),
 * else the first distinctive host word (`https://k8s.ory.com/helm/charts` -> `ory`).
 */
export function repositoryName(url: string): string {
  const { hostname, pathname } = new URL(url.replace(/^oci:/, 'https:'));
  const labels = hostname.split('.');
  const owner = pathname.split('/').find((p) => p.length > 0);
  let word: string;
  if (['ghcr.io', 'quay.io', 'registry-1.docker.io', 'docker.io'].includes(hostname) && owner) word = owner;
  else if (hostname.endsWith('.github.io')) word = labels[0];
  else word = labels.find((l) => !['k8s', 'www', 'charts', 'helm', 'download'].includes(l)) ?? labels[0];
  return word.toLowerCase().replace(/[^a-z0-9-]/g, '-');
}
