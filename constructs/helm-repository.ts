import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { fluxDuration } from './duration';
import { checkName, DEFAULT_SOURCE_INTERVAL, FLUX_NAMESPACE, FluxSourceRef } from './flux-source';
import { HelmRepository as HelmRepositoryObject, HelmRepositorySpecType } from '../imports/flux-source-helmrepository-source.toolkit.fluxcd.io';

export interface HelmRepositoryProps {
  /** Object name in `flux-system`. */
  readonly name: string;
  /** The chart repository's https index URL, or an `oci://` registry path without the chart name. */
  readonly url: string;
  /** How often Flux refreshes the index. @default 1h */
  readonly interval?: Duration;
}

/** A Flux HelmRepository: an https chart index, or an OCI registry path (`type: oci`). */
export class HelmRepository extends Construct implements FluxSourceRef {
  public readonly kind = 'HelmRepository' as const;
  public readonly name: string;
  public readonly namespace = FLUX_NAMESPACE;
  public readonly url: string;

  constructor(scope: Construct, id: string, props: HelmRepositoryProps) {
    super(scope, id);
    this.name = checkName('HelmRepository name', props.name);
    if (!/^(https|oci):\/\/\S+$/.test(props.url)) {
      throw new Error(`HelmRepository ${props.name}: url '${props.url}' must start with https:// (chart index) or oci:// (registry)`);
    }
    this.url = props.url;
    new HelmRepositoryObject(this, 'Resource', {
      metadata: { name: this.name, namespace: this.namespace },
      spec: {
        interval: fluxDuration(props.interval ?? DEFAULT_SOURCE_INTERVAL),
        url: props.url,
        type: props.url.startsWith('oci://') ? HelmRepositorySpecType.OCI : undefined,
      },
    });
  }
}
