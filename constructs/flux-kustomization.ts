import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { CLUSTER_VARIABLES_SECRET, QUOTE_VALUE, QUOTE_VARIABLE } from './cluster-variables';
import { fluxDuration } from './duration';
import { checkName, FLUX_NAMESPACE } from './flux-source';
import { GeneratedSecret } from './generated-secret';
import { GitRepository } from './git-repository';
import { TreeChart } from './tree-chart';
import {
  Kustomization as KustomizationObject,
  KustomizationSpecHealthChecks,
  KustomizationSpecPostBuildSubstituteFromKind,
  KustomizationSpecSourceRefKind,
} from '../imports/flux-kustomization-kustomize.toolkit.fluxcd.io';

/** An object Flux waits for when `wait` is off. */
export interface HealthCheck {
  readonly apiVersion: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
}

export interface FluxKustomizationProps {
  /** Object name in `flux-system`; operators use it (`flux suspend kustomization <name>`). */
  readonly name: string;
  /** The Git source the tree comes from. */
  readonly source: GitRepository;
  /** The tree directory this Kustomization applies; its path is derived from the chart. */
  readonly target: TreeChart;
  /** Kustomizations that must be ready first. @default none */
  readonly dependsOn?: readonly FluxKustomization[];
  /** Reconcile interval. @default 1h */
  readonly interval?: Duration;
  /** Retry interval after a failure. @default 2m */
  readonly retryInterval?: Duration;
  /** Timeout for apply and health checks. @default 10m */
  readonly timeout?: Duration;
  /** Delete objects that disappear from the tree. @default true */
  readonly prune?: boolean;
  /** Wait for every applied object to be ready. Mutually exclusive with `healthChecks`. @default true unless healthChecks are given */
  readonly wait?: boolean;
  /** Objects to wait for instead of all. Flux ignores these when `wait` is true. @default none */
  readonly healthChecks?: readonly HealthCheck[];
  /** Substitute `${var}` from the cluster variables (and `secrets`) after build. @default true */
  readonly substitute?: boolean;
  /** Generated secrets whose keys the output references. @default none */
  readonly secrets?: readonly GeneratedSecret[];
}

/** A Flux Kustomization in `flux-system` that applies one directory of the tree. */
export class FluxKustomization extends Construct {
  /** Every Flux Kustomization in a construct tree. */
  public static all(root: Construct): FluxKustomization[] {
    return root.node.findAll().filter((c): c is FluxKustomization => c instanceof FluxKustomization);
  }

  public readonly name: string;
  public readonly namespace = FLUX_NAMESPACE;
  public readonly target: TreeChart;
  public readonly substitute: boolean;
  public readonly secrets: readonly GeneratedSecret[];
  private readonly deps: FluxKustomization[];

  constructor(scope: Construct, id: string, props: FluxKustomizationProps) {
    super(scope, id);
    this.name = checkName('FluxKustomization name', props.name);
    this.target = props.target;
    this.substitute = props.substitute ?? true;
    this.secrets = props.secrets ?? [];
    this.deps = [...new Set(props.dependsOn ?? [])];
    const healthChecks = props.healthChecks ?? [];
    if (props.wait === true && healthChecks.length > 0) {
      throw new Error(`FluxKustomization ${props.name}: wait: true with healthChecks: Flux ignores healthChecks when wait is true; drop wait or the healthChecks`);
    }
    if (!this.substitute && this.secrets.length > 0) {
      throw new Error(`FluxKustomization ${props.name}: secrets given with substitute: false; enable substitution or drop the secrets`);
    }
    const wait = props.wait ?? healthChecks.length === 0;

    new KustomizationObject(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        interval: fluxDuration(props.interval ?? Duration.hours(1)),
        retryInterval: fluxDuration(props.retryInterval ?? Duration.minutes(2)),
        timeout: fluxDuration(props.timeout ?? Duration.minutes(10)),
        sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: props.source.name, namespace: props.source.namespace },
        path: this.target.fluxPath,
        prune: props.prune ?? true,
        wait,
        // Sorted, so the order components are declared in never shows in the diff.
        dependsOn: this.deps.length > 0 ? [...this.deps].sort((a, b) => a.name.localeCompare(b.name)).map((d) => ({ name: d.name })) : undefined,
        healthChecks: healthChecks.length > 0 ? healthChecks.map((h): KustomizationSpecHealthChecks => ({ ...h })) : undefined,
        postBuild: this.substitute
          ? {
            substitute: { [QUOTE_VARIABLE]: QUOTE_VALUE },
            substituteFrom: [CLUSTER_VARIABLES_SECRET, ...this.secrets.map((s) => s.name)].map((name) => ({
              kind: KustomizationSpecPostBuildSubstituteFromKind.SECRET,
              name,
            })),
          }
          : undefined,
      },
    });
  }

  /** Kustomizations this one waits for. */
  public get dependencies(): readonly FluxKustomization[] {
    return this.deps;
  }

}
