import { CLUSTER_VARIABLES } from '../../constructs/cluster-variables';
import { fluxSubstitute } from '../infrastructure/flux-substitute';
import { SAMPLE_VARIABLES } from '../infrastructure/release-values';
import { fullTree } from '../tree';
import { parseYaml } from '../yaml';

/** Every cluster variable at its `.flux.env.example` value, the common samples winning. */
export const ALL_SAMPLE_VARIABLES: Readonly<Record<string, string>> = {
  ...Object.fromEntries(Object.entries(CLUSTER_VARIABLES).map(([name, spec]) => [name, spec.example])),
  ...SAMPLE_VARIABLES,
};

/** What one HelmRelease of a component directory reads, as committed and as helm-controller sees it. */
export interface ReleaseInputs {
  /** The values ConfigMap after substitution. */
  readonly values: any;
  /** The secret values as committed (references only); `{}` when the release has none. */
  readonly secretValues: any;
  /** Chart defaults, values and secret values after substitution, merged as Helm does. */
  readonly merged: any;
}

/**
 * The inputs of release `release` in tree directory `dir`, substituting sample cluster variables
 * and `generated` for the component's generated-secret keys.
 */
export function releaseInputs(dir: string, release: string, defaults: any, generated: Readonly<Record<string, string>>): ReleaseInputs {
  const variables = { ...ALL_SAMPLE_VARIABLES, ...generated };
  type Read = { committed: any; substituted: any };
  const read = (file: string, key: 'data' | 'stringData'): Read | undefined => {
    const text = fullTree().get(`${dir}/${file}`);
    if (text === undefined) return undefined;
    return { committed: parseYaml(parseYaml(text)[key]['values.yaml']), substituted: parseYaml(parseYaml(fluxSubstitute(text, variables))[key]['values.yaml']) };
  };
  const values = read(`configmap-${release}-values.yaml`, 'data');
  if (values === undefined) throw new Error(`${dir} has no values ConfigMap for ${release}`);
  const secret = read(`secret-${release}-secret-values.yaml`, 'stringData') ?? { committed: {}, substituted: {} };
  return {
    values: values.substituted,
    secretValues: secret.committed,
    merged: coalesce(coalesce(defaults, values.substituted), secret.substituted),
  };
}

/** Helm's merge of values: maps merge key by key, anything else (lists included) replaces. */
export function coalesce(base: any, over: any): any {
  if (!isMap(base) || !isMap(over)) return over === undefined ? base : over;
  const out: Record<string, unknown> = { ...base };
  for (const [key, value] of Object.entries(over)) out[key] = coalesce(base[key], value);
  return out;
}

/** Every `{repository, tag}` / `{registry, repository, tag}` image object under `value`, with its path. */
export function imageObjects(value: unknown, at = ''): { path: string; ref: string }[] {
  if (Array.isArray(value)) return value.flatMap((v, i) => imageObjects(v, `${at}[${i}]`));
  if (!isMap(value)) return [];
  const own = typeof value.repository === 'string' && value.tag !== undefined
    ? [{ path: at, ref: `${value.registry ? `${String(value.registry)}/` : ''}${value.repository}:${String(value.tag)}` }]
    : [];
  const strings = typeof value.image === 'string' ? [{ path: `${at}.image`, ref: value.image }] : [];
  return [...own, ...strings, ...Object.entries(value).flatMap(([k, v]) => imageObjects(v, at ? `${at}.${k}` : k))];
}

function isMap(v: unknown): v is Record<string, any> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
