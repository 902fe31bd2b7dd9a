import { Duration } from 'cdk8s';

export { FLUX_NAMESPACE } from './flux-namespace';

/** The default interval for sources: how often Flux looks for a new revision. */
export const DEFAULT_SOURCE_INTERVAL = Duration.hours(1);

/** A Flux source a Kustomization or HelmRelease can reference by kind and name. */
export interface FluxSourceRef {
  readonly kind: 'GitRepository' | 'HelmRepository';
  readonly name: string;
  readonly namespace: string;
}

const NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

/** Throws unless `name` is a valid object name; `what` names the prop in the message. */
export function checkName(what: string, name: string): string {
  if (!NAME.test(name)) {
    throw new Error(`${what}: '${name}' is not a valid object name; use lower-case letters, digits and '-' (at most 63)`);
  }
  return name;
}
