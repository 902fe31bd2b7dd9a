/**
 * The names and labels the API server accepts, checked at synth: a name or label it refuses would
 * fail the object's Kustomization on every cluster. The rules are Kubernetes' own
 * (k8s.io/apimachinery pkg/util/validation, and each kind's name validation); a value that is
 * substituted at apply time (`${...}`) is the cluster's to check.
 */

interface Rule {
  readonly name: string;
  readonly test: (value: string) => boolean;
  readonly explain: string;
}

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const DNS1035_LABEL = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;

const RULES = {
  label: { name: 'a DNS-1123 label', test: (v) => v.length <= 63 && DNS1123_LABEL.test(v), explain: "lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters" },
  subdomain: { name: 'a DNS-1123 subdomain', test: (v) => v.length <= 253 && DNS1123_SUBDOMAIN.test(v), explain: "lower-case letters, digits, '-' and '.', each part starting and ending with a letter or digit, at most 253 characters" },
  service: { name: 'a DNS-1035 label', test: (v) => v.length <= 63 && DNS1035_LABEL.test(v), explain: "lower-case letters, digits and '-', starting with a letter and ending with a letter or digit, at most 63 characters" },
  pathSegment: { name: 'a path segment name', test: (v) => v !== '' && v !== '.' && v !== '..' && !/[/%]/.test(v), explain: "anything but '.', '..' or a name with '/' or '%'" },
} satisfies Record<string, Rule>;

/**
 * The rule for a kind's `metadata.name`: RBAC objects take any path segment (`system:...`),
 * Services a DNS-1035 label, Namespaces a DNS-1123 label; Flux's Kustomizations and HelmReleases a
 * DNS-1123 label too, because their names become label values on everything they apply.
 */
function nameRule(kind: string): Rule {
  if (['Role', 'ClusterRole', 'RoleBinding', 'ClusterRoleBinding'].includes(kind)) return RULES.pathSegment;
  if (kind === 'Service') return RULES.service;
  if (['Namespace', 'Kustomization', 'HelmRelease'].includes(kind)) return RULES.label;
  return RULES.subdomain;
}

const substituted = (value: string): boolean => value.includes('${');

/** A label key: an optional DNS-1123 subdomain prefix and `/`, then a name of at most 63 characters. */
function labelKeyProblem(key: string): string | undefined {
  const slash = key.lastIndexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = key.slice(slash + 1);
  if (prefix !== undefined && !RULES.subdomain.test(prefix)) return `its prefix '${prefix}' is not ${RULES.subdomain.name} (${RULES.subdomain.explain})`;
  if (name.length > 63 || !LABEL_NAME.test(name)) return "its name part must be at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
  return undefined;
}

function labelValueProblem(value: string): string | undefined {
  if (value === '' || (value.length <= 63 && LABEL_NAME.test(value))) return undefined;
  return "a label value must be empty or at most 63 letters, digits, '-', '_' or '.', starting and ending with a letter or digit";
}

/** Every label map of an object: its own, its pod templates' (however deep) and its selectors'. */
function labelMaps(node: unknown, path: string, found: [string, Record<string, unknown>][] = []): [string, Record<string, unknown>][] {
  if (Array.isArray(node)) {
    node.forEach((item, i) => labelMaps(item, `${path}[${i}]`, found));
  } else if (typeof node === 'object' && node !== null) {
    for (const [key, value] of Object.entries(node)) {
      const here = path === '' ? key : `${path}.${key}`;
      const isLabels = (key === 'labels' && /(^|\.)metadata$/.test(path)) || (key === 'matchLabels' && /[sS]elector$/.test(path));
      if (isLabels && typeof value === 'object' && value !== null && !Array.isArray(value)) found.push([here, value as Record<string, unknown>]);
      else labelMaps(value, here, found);
    }
  }
  return found;
}

/**
 * What the API server would refuse in a manifest's name and labels, one line each, naming the
 * field, the value and the rule. `where` names the file and object.
 */
export function nameProblems(manifest: { kind: string; metadata: { name?: string }; [key: string]: unknown }, where: string): string[] {
  const problems: string[] = [];
  const name = manifest.metadata.name ?? '';
  const rule = nameRule(manifest.kind);
  if (!substituted(name) && !rule.test(name)) problems.push(`${where}: metadata.name '${name}' is not ${rule.name}, which a ${manifest.kind} name must be (${rule.explain})`);
  // A CRD's schema describes labels and selectors; only its own labels are labels.
  const scanned = manifest.kind === 'CustomResourceDefinition' ? { metadata: manifest.metadata } : manifest;
  for (const [field, labels] of labelMaps(scanned, '')) {
    for (const [key, value] of Object.entries(labels)) {
      const keyProblem = labelKeyProblem(key);
      if (keyProblem) problems.push(`${where}: ${field} key '${key}' is not a label key: ${keyProblem}`);
      const text = String(value);
      const valueProblem = substituted(text) ? undefined : labelValueProblem(text);
      if (valueProblem) problems.push(`${where}: ${field}.${key} '${text}' is refused: ${valueProblem}`);
    }
  }
  return problems;
}
