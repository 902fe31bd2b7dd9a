import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { fluxDuration } from './duration';
import { checkName, DEFAULT_SOURCE_INTERVAL, FLUX_NAMESPACE, FluxSourceRef } from './flux-source';
import { GitRepository as GitRepositoryObject } from '../imports/flux-source-gitrepository-source.toolkit.fluxcd.io';

export interface GitRepositoryProps {
  /** Object name in `flux-system`. */
  readonly name: string;
  /** Repository URL; may be a substitution reference such as `vars.stackspin_repo_url`. */
  readonly url: string;
  /** Branch to follow. */
  readonly branch: string;
  /** How often Flux fetches. @default 1h */
  readonly interval?: Duration;
}

/**
 * A Flux GitRepository. It never declares `spec.suspend`: the maintenance-window CronJobs own
 * that field, and a declared value would be taken back by Flux at every apply.
 */
export class GitRepository extends Construct implements FluxSourceRef {
  public readonly kind = 'GitRepository' as const;
  public readonly name: string;
  public readonly namespace = FLUX_NAMESPACE;

  constructor(scope: Construct, id: string, props: GitRepositoryProps) {
    super(scope, id);
    this.name = checkName('GitRepository name', props.name);
    if (props.url.length === 0) throw new Error(`GitRepository ${props.name}: url is empty; set the repository URL`);
    new GitRepositoryObject(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        interval: fluxDuration(props.interval ?? DEFAULT_SOURCE_INTERVAL),
        url: props.url,
        ref: { branch: props.branch },
      },
    });
  }
}
