import { Duration } from 'cdk8s';
import { FluxKustomization, HealthCheck } from './flux-kustomization';
import { GeneratedKey, GeneratedSecret } from './generated-secret';
import { BACKUP_SET_LABEL, HelmApp, HelmAppProps } from './helm-app';
import type { Platform } from './platform';
import { TreeChart } from './tree-chart';

/** Where a component's directory lives and which entry applies it. */
export enum Layer {
  /** Cluster plumbing (`infrastructure/<name>`), applied by the core entry. */
  INFRASTRUCTURE = 'infrastructure',
  /** Core services (`core/<name>`), applied by the core entry. */
  CORE = 'core',
  /** Optional apps (`apps/<name>`), each applied by its own entry `cluster/optional/<name>`. */
  APP = 'apps',
}

/** Namespaces by convention (PLATFORM.md). */
export const Namespaces = {
  CORE: 'stackspin',
  APPS: 'stackspin-apps',
  SYSTEM_UPGRADE: 'system-upgrade',
} as const;

/** The Flux Kustomization settings a component may change. */
export interface ComponentKustomizationOptions {
  /** @default 10m */
  readonly timeout?: Duration;
  /** Wait for every object; set false and give healthChecks to wait for some only. @default true */
  readonly wait?: boolean;
  /** @default none */
  readonly healthChecks?: readonly HealthCheck[];
  /** Opt the whole directory out of substitution (it then may not use vars). @default true */
  readonly substitute?: boolean;
}

/**
 * A platform component, declared in one file of `infrastructure/` or `apps/`: a directory of the
 * tree, applied by one Flux Kustomization named after it.
 */
export interface ComponentDefinition<O = unknown> {
  /** Kustomization and directory name; for apps also the HelmRelease name. */
  readonly name: string;
  readonly layer: Layer;
  /** The namespace its workloads run in (created by the platform). */
  readonly namespace: string;
  /** Components whose Kustomizations must be ready first (sources and namespaces are implicit). @default none */
  readonly dependsOn?: readonly ComponentDefinition<any>[];
  /** @default the Kustomization defaults */
  readonly kustomization?: ComponentKustomizationOptions;
  /** Builds the component's objects in its scope; what it returns other components can use. */
  readonly build: (component: Component<O>) => O;
}

/** Declares a component; the platform builds it once, when first used or when all are loaded. */
export function defineComponent<O>(definition: ComponentDefinition<O>): ComponentDefinition<O> {
  return definition;
}

/** A built component: its directory (a TreeChart), its Kustomization and its outputs. */
export class Component<O = unknown> extends TreeChart {
  public readonly definition: ComponentDefinition<O>;
  public readonly platform: Platform;
  public readonly namespace: string;
  private readonly secrets: GeneratedSecret[] = [];
  private built?: { outputs: O; kustomization: FluxKustomization };

  constructor(platform: Platform, definition: ComponentDefinition<O>) {
    super(platform, definition.name, { directory: `${definition.layer}/${definition.name}` });
    this.definition = definition;
    this.platform = platform;
    this.namespace = definition.namespace;
  }

  /** Runs the definition's build and creates the Kustomization; called once by the platform. */
  public build(dependencies: readonly FluxKustomization[]): void {
    const outputs = this.definition.build(this);
    const options = this.definition.kustomization ?? {};
    const kustomization = new FluxKustomization(this.platform.entryFor(this), this.definition.name, {
      name: this.definition.name,
      source: this.platform.source,
      target: this,
      // Flux checks dependsOn before it substitutes, per revision: the keys exist by then.
      dependsOn: this.secrets.length > 0 ? [...dependencies, this.platform.secretGenerator] : dependencies,
      timeout: options.timeout,
      wait: options.wait,
      healthChecks: options.healthChecks,
      substitute: options.substitute,
      secrets: this.secrets,
    });
    this.built = { outputs, kustomization };
  }

  public get outputs(): O {
    return this.assertBuilt().outputs;
  }

  public get kustomization(): FluxKustomization {
    return this.assertBuilt().kustomization;
  }

  /** Whether operators enable this component per cluster (`install-app.sh <name>`). */
  public get optional(): boolean {
    return this.definition.layer === Layer.APP;
  }

  /**
   * The component's generated secret `stackspin-<name>-variables` in `flux-system`, which its
   * Kustomization substitutes from (and so depends on the platform's secret generator). Call once.
   */
  public generatedSecret(keys: Readonly<Record<string, GeneratedKey>>): GeneratedSecret {
    if (this.secrets.length > 0) {
      throw new Error(`component ${this.definition.name}: generatedSecret called twice; declare all keys in one call`);
    }
    const secret = new GeneratedSecret(this, 'GeneratedSecret', { name: `stackspin-${this.definition.name}-variables`, keys });
    this.secrets.push(secret);
    return secret;
  }

  /**
   * The `stackspin.net/backupSet` label of an optional app, for what a chart's values must label
   * itself (volume claim templates, pods). Only apps have a backup set of their own.
   */
  public get backupLabels(): Readonly<Record<string, string>> {
    if (!this.optional) {
      throw new Error(`component ${this.definition.name} is not an app (layer ${this.definition.layer}); give its HelmApp an explicit backupSet`);
    }
    return { [BACKUP_SET_LABEL]: this.definition.name };
  }

  /**
   * A HelmApp in this component, its source taken from the platform's sources. In an optional app
   * every release belongs to the app's backup set unless `backupSet` says otherwise.
   */
  public helmApp(props: Omit<HelmAppProps, 'source' | 'namespace'> & { readonly namespace?: string }): HelmApp {
    return new HelmApp(this, props.name, {
      ...props,
      namespace: props.namespace ?? this.namespace,
      backupSet: props.backupSet ?? (this.optional ? this.definition.name : undefined),
      source: this.platform.helmRepository(props.chart),
    });
  }

  private assertBuilt(): { outputs: O; kustomization: FluxKustomization } {
    if (this.built === undefined) {
      throw new Error(`component ${this.definition.name} is used before it is built; reach it through platform.use(definition)`);
    }
    return this.built;
  }
}
