import { BlockList, isIPv4, isIPv6 } from 'net';
import { domainToASCII } from 'url';
import type { z as Zod, ZodType } from 'zod';
import { GO_TIME_ZONES } from '../imports/go-tzdata';

/**
 * The cluster variables an operator sets in `.flux.env`. They reach the cluster as the
 * `stackspin-cluster-variables` Secret in `flux-system` and reach manifests through Flux
 * post-build substitution. This list is the single declaration: constructs render references
 * from it (`vars.domain` is `${domain}`), the tree writer refuses any other `${...}`, and the
 * `.flux.env` validator checks operator input against the same schemas.
 */
export const CLUSTER_VARIABLES_SECRET = 'stackspin-cluster-variables';

/** Characters that break Flux substitution or the double-quoted YAML it lands in. */
const SUBSTITUTION_SAFE = /^[^"$\\\n\r]*$/;

/** A schema built on first use: zod costs a tenth of a synth to load, and only checking a value needs it. */
type LazySchema = () => ZodType<string>;

function lazySchema(build: (z: typeof Zod) => ZodType<string>): LazySchema {
  let schema: ZodType<string> | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return () => (schema ??= build((require('zod') as typeof import('zod')).z));
}

const text = lazySchema((z) => z.string().min(1).regex(SUBSTITUTION_SAFE, 'must not contain ", $, \\ or a newline (they break substitution)'));
/**
 * A whole number from `min` to `max`, in decimal digits without a leading zero: substituted as a
 * YAML integer (YAML 1.1 reads 0465 as octal 309), and into PHP and Python, which read it so too.
 */
function wholeNumber(min: number, max: number, range: string, example: string): LazySchema {
  return lazySchema((z) => z.string().superRefine((v, ctx) => {
    if (/^0\d+$/.test(v)) ctx.addIssue({ code: 'custom', message: `must be written without a leading zero, like ${example} (a leading zero reads as octal)` });
    else if (!/^\d{1,5}$/.test(v) || Number(v) < min || Number(v) > max) ctx.addIssue({ code: 'custom', message: range });
  }));
}
/** A whole hour, as cron (`0 H * * *`) and the upgrade Plan's window (`H:00`) take it. */
const hour = wholeNumber(0, 23, 'must be a whole hour from 0 to 23, e.g. 2 for 02:00', '2');
const port = wholeNumber(1, 65535, 'must be a port from 1 to 65535', '465');
/**
 * RFC 5322's dot-atom local part, without `$` (it breaks substitution) and without a backtick (it
 * ends the JMESPath literal Grafana's admin rule quotes the address in).
 */
const LOCAL_PART = /^[A-Za-z0-9!#%&'*+/=?^_{|}~-]+(\.[A-Za-z0-9!#%&'*+/=?^_{|}~-]+)*$/;
/** A host name of at least two labels, letters, digits and inner hyphens, ending in a letter TLD. */
const MAIL_DOMAIN = /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$/;

/**
 * What is wrong with an e-mail address, or undefined: the one rule for `admin_email` and for the
 * users create-user.sh and user-admin.sh take (flux-env.ts check-email).
 */
export function emailProblem(value: string): string | undefined {
  if (value.includes('`')) return "must not contain a backtick (`), which breaks Grafana's admin rule; remove it";
  const at = value.lastIndexOf('@');
  const local = value.slice(0, at);
  const valid = at > 0 && local.length <= 64 && value.length <= 254 && LOCAL_PART.test(local) && MAIL_DOMAIN.test(value.slice(at + 1));
  return valid ? undefined : 'must be an e-mail address like admin@example.org';
}
const email = lazySchema((z) => z.string().superRefine((v, ctx) => {
  const problem = emailProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
}));
/** Characters a reader cannot see: format characters (zero-width, bidi marks), controls, spaces other than the space. */
const INVISIBLE = /[\p{Cf}\p{Cc}]|(?! )\p{Zs}/u;
const domainName = lazySchema((z) => z.string().superRefine((v, ctx) => {
  const hidden = [...v].findIndex((c) => INVISIBLE.test(c));
  if (hidden >= 0) {
    ctx.addIssue({ code: 'custom', message: `holds an invisible character (U+${[...v][hidden].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}) at character ${hidden + 1}; type the domain again` });
  } else if ([...v].some((c) => c.codePointAt(0)! > 0x7f)) {
    const ascii = domainToASCII(v.toLowerCase());
    ctx.addIssue({ code: 'custom', message: `is not ASCII; write its ASCII (punycode) form${ascii ? `, ${ascii}` : ''}` });
  } else if (!/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/.test(v)) {
    ctx.addIssue({ code: 'custom', message: 'must be a lower-case domain name like stackspin.example.org' });
  }
}));
/** Addresses a server is never reached at, by what they are (Node's BlockList checks ranges). */
const UNREACHABLE: readonly (readonly [string, BlockList])[] = [
  ['an unspecified address (0.0.0.0/8, ::)', blockList(['0.0.0.0', 8, 'ipv4'], ['::', 128, 'ipv6'])],
  ['a loopback address', blockList(['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6'])],
  ['a link-local address', blockList(['169.254.0.0', 16, 'ipv4'], ['fe80::', 10, 'ipv6'])],
  ['a multicast or reserved address', blockList(['224.0.0.0', 3, 'ipv4'], ['ff00::', 8, 'ipv6'])],
];
function blockList(...subnets: readonly (readonly [string, number, 'ipv4' | 'ipv6'])[]): BlockList {
  const list = new BlockList();
  for (const [address, prefix, type] of subnets) list.addSubnet(address, prefix, type);
  return list;
}
const ipAddress = lazySchema((z) => z.string().superRefine((v, ctx) => {
  const type = isIPv4(v) ? 'ipv4' : isIPv6(v) && !v.includes('%') ? 'ipv6' : undefined;
  if (type === undefined) {
    ctx.addIssue({ code: 'custom', message: 'must be an IPv4 or IPv6 address like 1.2.3.4' });
    return;
  }
  const what = UNREACHABLE.find(([, list]) => list.check(v, type))?.[0];
  if (what) ctx.addIssue({ code: 'custom', message: `is ${what}, which the cluster cannot be reached at; give the server's public IP address` });
}));
const cidr = (v: string): boolean => {
  const [addr, bits, ...rest] = v.split('/');
  if (rest.length > 0 || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  return isIPv4(addr) ? Number(bits) <= 32 : isIPv6(addr) && !addr.includes('%') && Number(bits) <= 128;
};
const cidrList = lazySchema((z) => z.string().refine((v) => v.split(',').every((c) => cidr(c.trim())), 'must be a comma-separated list of CIDR ranges like 1.2.3.0/24,10.0.0.1/32'));
const bool = lazySchema((z) => z.enum(['true', 'false'], { message: 'must be true or false' }));
/**
 * An IANA time zone as Go (CronJob timeZone, the upgrade Plan's window) loads it: ICU accepts
 * any capitalisation, Go's zoneinfo lookup does not, so the value must be spelled canonically.
 */
const timeZone = lazySchema((z) => z.string().superRefine((v, ctx) => {
  const fix = 'must be an IANA time zone like Europe/Amsterdam or Etc/UTC';
  let resolved: string;
  try {
    resolved = new Intl.DateTimeFormat('en', { timeZone: v }).resolvedOptions().timeZone;
  } catch {
    ctx.addIssue({ code: 'custom', message: fix });
    return;
  }
  if (resolved.toLowerCase() === v.toLowerCase() && resolved !== v) {
    ctx.addIssue({ code: 'custom', message: `must be spelled as in the tz database; write ${resolved}` });
  } else if (!/^[A-Z][A-Za-z0-9_+-]*(\/[A-Z][A-Za-z0-9_+-]*)*$/.test(v)) {
    ctx.addIssue({ code: 'custom', message: `${fix}, with capitals as in the tz database` });
  } else if (!GO_TIME_ZONES.has(v)) {
    // The API server (CronJob timeZone) and the upgrade controller (Plan window) read Go's names.
    ctx.addIssue({ code: 'custom', message: `is not in Go's time zone database, which the API server and the upgrade controller read (it dropped or never had it); write a current zone${resolved !== v && GO_TIME_ZONES.has(resolved) ? ` such as ${resolved}` : ' like Europe/Amsterdam'}` });
  }
}));
const url = lazySchema((z) => z.string().regex(/^https?:\/\/[^\s"$]+$/, 'must be an http(s) URL'));
/**
 * A branch name git accepts (`git check-ref-format --branch`, whose rules these are, within the
 * letters, digits and `._/-` this schema allows; test/scripts/flux-env.test.ts compares them with
 * git itself): a name Flux cannot fetch would leave bootstrap waiting for its timeout.
 */
const BRANCH_RULES: readonly (readonly [RegExp, string])[] = [
  [/^-/, 'must not start with -'],
  [/\.\./, 'must not contain ..'],
  [/(^|\/)\./, 'must not have a part that starts with . (like .x or a/.x)'],
  [/\.lock(\/|$)/, 'must not have a part that ends with .lock'],
  [/^\/|\/$|\/\//, 'must not start or end with /, nor hold //'],
  [/\.$/, 'must not end with .'],
];
const gitRef = lazySchema((z) => z.string().superRefine((v, ctx) => {
  if (!/^[A-Za-z0-9._/-]+$/.test(v)) {
    ctx.addIssue({ code: 'custom', message: 'must be a git branch name: letters, digits, ., _, / and -' });
    return;
  }
  const broken = BRANCH_RULES.find(([rule]) => rule.test(v));
  if (broken) ctx.addIssue({ code: 'custom', message: `is not a branch name git accepts: it ${broken[1]}` });
}));
const appList = lazySchema((z) => z.string().regex(/^([a-z0-9-]+(,[a-z0-9-]+)*)?$/, 'must be a comma-separated list of app names like nextcloud,zulip'));

/** What the operator must do about a variable. */
export enum Requirement {
  /** Always required. */
  REQUIRED = 'required',
  /** Has a default; set it only to change the default. */
  OPTIONAL = 'optional',
  /** Required when outgoing mail is enabled. */
  MAIL = 'required when outgoing_mail_enabled=true',
  /** Required when the velero app is enabled. */
  BACKUP = 'required when velero is enabled',
}

/** What YAML type a lone reference to a variable becomes once substituted. */
export enum Scalar {
  /** Always a string: references are double-quoted, so `123`, `true` or `a: b` stay strings. */
  STRING = 'string',
  /** `true` or `false` (the schema allows nothing else): a lone reference stays plain, a YAML boolean. */
  BOOLEAN = 'boolean',
  /** Digits only (the schema allows nothing else): a lone reference stays plain, a YAML integer. */
  INTEGER = 'integer',
}

export interface ClusterVariableSpec {
  readonly description: string;
  /** Built on first use: zod is loaded only when a value is checked. */
  readonly schema: ZodType<string>;
  /** @default Scalar.STRING */
  readonly scalar?: Scalar;
  readonly requirement: Requirement;
  /** Rendered into references as `${name:=default}`, so Flux's strict substitution accepts a missing key. */
  readonly default?: string;
  /** Shown in `.flux.env.example`. */
  readonly example: string;
  /** Never printed by tools. */
  readonly sensitive?: boolean;
}

/** A variable as written below: its schema still to build. */
type ClusterVariableDefinition = Omit<ClusterVariableSpec, 'schema'> & { readonly schema: LazySchema };

/** The spec of a variable, its `schema` built when first read. */
function v(definition: ClusterVariableDefinition): ClusterVariableSpec {
  const { schema, ...rest } = definition;
  return Object.defineProperty({ ...rest }, 'schema', { get: schema, enumerable: true }) as ClusterVariableSpec;
}

export const CLUSTER_VARIABLES = {
  ip_address: v({ description: "The server's public IP address: bootstrap installs k3s with it as the node's external address and in the API server's certificate", schema: ipAddress, requirement: Requirement.REQUIRED, example: '1.2.3.4' }),
  domain: v({ description: 'The FQDN of your cluster; apps live on subdomains of it', schema: domainName, requirement: Requirement.REQUIRED, example: 'stackspin.example.org' }),
  admin_email: v({ description: "The system administrator's e-mail address; alerts and Let's Encrypt notices go here", schema: email, requirement: Requirement.REQUIRED, example: 'admin@example.org' }),

  outgoing_mail_enabled: v({ description: 'Send mail (password recovery, notifications, alerts) through an SMTP server', schema: bool, scalar: Scalar.BOOLEAN, requirement: Requirement.OPTIONAL, default: 'false', example: 'true' }),
  outgoing_mail_from_address: v({ description: 'Address the cluster sends mail from; an existing SMTP login', schema: email, requirement: Requirement.MAIL, default: 'admin@example.org', example: 'admin@example.org' }),
  outgoing_mail_from_local_part: v({ description: 'The part of the from address before the @', schema: text, requirement: Requirement.MAIL, default: 'admin', example: 'admin' }),
  outgoing_mail_domain: v({ description: 'The part of the from address after the @', schema: domainName, requirement: Requirement.MAIL, default: 'example.org', example: 'example.org' }),
  outgoing_mail_smtp_host: v({ description: 'SMTP server host name', schema: domainName, requirement: Requirement.MAIL, default: 'localhost.localdomain', example: 'smtp.example.org' }),
  outgoing_mail_smtp_port: v({ description: 'SMTP server port: 465 for implicit TLS, else STARTTLS (587)', schema: port, scalar: Scalar.INTEGER, requirement: Requirement.MAIL, default: '587', example: '587' }),
  outgoing_mail_smtp_user: v({ description: 'SMTP user name, often the from address', schema: text, requirement: Requirement.MAIL, default: 'admin@example.org', example: 'admin@example.org' }),
  outgoing_mail_smtp_password: v({ description: 'SMTP password', schema: text, requirement: Requirement.MAIL, default: 'unset', example: 'CHANGEME', sensitive: true }),
  outgoing_mail_smtp_authtype: v({ description: 'SMTP authentication type', schema: lazySchema((z) => z.enum(['LOGIN', 'PLAIN', 'CRAM-MD5'], { message: 'must be LOGIN, PLAIN or CRAM-MD5' })), requirement: Requirement.OPTIONAL, default: 'LOGIN', example: 'LOGIN' }),

  backup_s3_url: v({ description: 'S3 endpoint for Velero backups', schema: url, requirement: Requirement.BACKUP, example: 'https://s3.example.org' }),
  backup_s3_region: v({ description: 'S3 region', schema: text, requirement: Requirement.BACKUP, example: 'us-east-1' }),
  backup_s3_bucket: v({ description: 'S3 bucket that receives the backups', schema: text, requirement: Requirement.BACKUP, example: 'stackspin-backup' }),
  backup_s3_prefix: v({ description: 'Folder inside the bucket', schema: text, requirement: Requirement.OPTIONAL, default: 'stackspin', example: 'stackspin.example.org' }),
  backup_s3_access_key: v({ description: 'S3 access key', schema: text, requirement: Requirement.BACKUP, example: 'CHANGEME', sensitive: true }),
  backup_s3_secret_key: v({ description: 'S3 secret key', schema: text, requirement: Requirement.BACKUP, example: 'CHANGEME', sensitive: true }),

  letsencrypt_issuer: v({ description: "Let's Encrypt issuer of every certificate: production (trusted), or staging for test clusters (untrusted, generous rate limits)", schema: lazySchema((z) => z.enum(['production', 'staging'], { message: 'must be production or staging' })), requirement: Requirement.OPTIONAL, default: 'production', example: 'production' }),

  ingress_allowed_source_ranges: v({ description: 'Comma-separated CIDR ranges allowed to reach the ingress (all by default)', schema: cidrList, requirement: Requirement.OPTIONAL, default: '0.0.0.0/0,::/0', example: '0.0.0.0/0,::/0' }),

  maintenance_time_zone: v({ description: 'IANA time zone of the maintenance windows', schema: timeZone, requirement: Requirement.OPTIONAL, default: 'Etc/UTC', example: 'Europe/Amsterdam' }),
  flux_window_start_hour: v({ scalar: Scalar.INTEGER, description: 'Hour the stackspin GitRepository is resumed (Flux takes new revisions)', schema: hour, requirement: Requirement.OPTIONAL, default: '2', example: '2' }),
  flux_window_end_hour: v({ scalar: Scalar.INTEGER, description: 'Hour the stackspin GitRepository is suspended again', schema: hour, requirement: Requirement.OPTIONAL, default: '4', example: '4' }),
  k3s_window_start_hour: v({ scalar: Scalar.INTEGER, description: 'Hour the system-upgrade-controller is scaled up (k3s upgrades)', schema: hour, requirement: Requirement.OPTIONAL, default: '1', example: '1' }),
  k3s_window_end_hour: v({ scalar: Scalar.INTEGER, description: 'Hour the system-upgrade-controller is scaled down again', schema: hour, requirement: Requirement.OPTIONAL, default: '2', example: '2' }),

  stackspin_repo_url: v({ description: 'Git repository the cluster follows', schema: url, requirement: Requirement.OPTIONAL, default: 'https://open.greenhost.net/stackspin/stackspin-gitops.git', example: 'https://open.greenhost.net/stackspin/stackspin-gitops.git' }),
  stackspin_repo_branch: v({ description: 'Branch of that repository', schema: gitRef, requirement: Requirement.OPTIONAL, default: 'main', example: 'main' }),
  enabled_apps: v({ description: 'Optional apps bootstrap enables, comma-separated (install-app.sh enables more later)', schema: appList, requirement: Requirement.OPTIONAL, default: '', example: 'nextcloud,zulip' }),
} as const;

export type ClusterVariableName = keyof typeof CLUSTER_VARIABLES;

export const CLUSTER_VARIABLE_NAMES = Object.keys(CLUSTER_VARIABLES) as ClusterVariableName[];

/** A variable bootstrap computes from the operator's, into the same Secret; never set by hand. */
export interface DerivedVariableSpec {
  readonly description: string;
  /** @default Scalar.STRING */
  readonly scalar?: Scalar;
  /** The value, from the operator's variables (unset ones read as their defaults). */
  readonly derive: (value: (name: ClusterVariableName) => string | undefined) => string;
  /** Never printed by tools. */
  readonly sensitive?: boolean;
}

/**
 * The SMTP server as a connection URL, for apps that take only that (Kratos's courier, WeKan's
 * MAIL_URL): `smtps://` (implicit TLS) on port 465, else `smtp://` (STARTTLS); user and password
 * percent-encoded, so `@`, `/`, `?`, `#`, `%` or `:` in them survive.
 */
function smtpUrl(value: (name: ClusterVariableName) => string | undefined): string {
  const port = value('outgoing_mail_smtp_port') ?? '';
  const userinfo = `${encodeURIComponent(value('outgoing_mail_smtp_user') ?? '')}:${encodeURIComponent(value('outgoing_mail_smtp_password') ?? '')}`;
  return `${port === '465' ? 'smtps' : 'smtp'}://${userinfo}@${value('outgoing_mail_smtp_host') ?? ''}:${port}/`;
}

/**
 * Whether the SMTP server wants STARTTLS (`true`) or implicit TLS from the first byte (`false`,
 * port 465), for apps that take a flag (Alertmanager's `smtp_require_tls`).
 */
function smtpStarttls(value: (name: ClusterVariableName) => string | undefined): string {
  return value('outgoing_mail_smtp_port') === '465' ? 'false' : 'true';
}

export const DERIVED_VARIABLES = {
  outgoing_mail_smtp_url: { description: 'SMTP connection URL with percent-encoded credentials', derive: smtpUrl, sensitive: true },
  outgoing_mail_smtp_starttls: { description: 'true unless the SMTP port is 465 (implicit TLS)', derive: smtpStarttls, scalar: Scalar.BOOLEAN, sensitive: false },
} as const satisfies Record<string, DerivedVariableSpec>;

export type DerivedVariableName = keyof typeof DERIVED_VARIABLES;

export const DERIVED_VARIABLE_NAMES = Object.keys(DERIVED_VARIABLES) as DerivedVariableName[];

/** Whether a cluster variable (operator's or derived) holds a secret. */
export function isSensitive(name: string): boolean {
  if (name in CLUSTER_VARIABLES) return (CLUSTER_VARIABLES[name as ClusterVariableName] as ClusterVariableSpec).sensitive === true;
  return name in DERIVED_VARIABLES && DERIVED_VARIABLES[name as DerivedVariableName].sensitive === true;
}

/** Every variable the cluster-variables Secret holds: the operator's and the derived ones. */
export const SECRET_VARIABLE_NAMES: readonly string[] = [...CLUSTER_VARIABLE_NAMES, ...DERIVED_VARIABLE_NAMES];

/** The derived variables of a set of operator values (unset ones read as their defaults). */
export function deriveVariables(values: Readonly<Partial<Record<ClusterVariableName, string>>>): Record<DerivedVariableName, string> {
  const value = (name: ClusterVariableName): string | undefined => values[name] ?? (CLUSTER_VARIABLES[name] as ClusterVariableSpec).default;
  return Object.fromEntries(DERIVED_VARIABLE_NAMES.map((name) => [name, DERIVED_VARIABLES[name].derive(value)])) as Record<DerivedVariableName, string>;
}

/**
 * The Flux substitution reference for a variable, with its default where it has one. A derived
 * variable defaults to what it derives from the defaults, for clusters bootstrapped before it existed.
 */
export function variableReference(name: ClusterVariableName | DerivedVariableName): string {
  if (name in DERIVED_VARIABLES) return `\${${name}:=${deriveVariables({})[name as DerivedVariableName]}}`;
  const spec: ClusterVariableSpec = CLUSTER_VARIABLES[name as ClusterVariableName];
  return spec.default === undefined ? `\${${name}}` : `\${${name}:=${spec.default}}`;
}

/**
 * The variable every substituting Kustomization defines as `"` (`postBuild.substitute`), so a
 * string written as `${quote}...${quote}` becomes a double-quoted YAML string once Flux has
 * substituted it, whatever the value looks like (`12345678`, `true`). YAML quotes in the tree's
 * files would not do: kustomize rewrites the YAML before Flux substitutes, and drops them. This is
 * Flux's own way ("post build substitution of numbers and booleans").
 */
export const QUOTE_VARIABLE = 'quote';
export const QUOTE_VALUE = '"';

/**
 * Whether a string is nothing but a reference to a boolean or integer variable, which YAML must
 * leave plain so the substituted value keeps its type; every other reference is quoted.
 */
export function isTypedReference(text: string): boolean {
  const match = /^\$\{([a-z][a-z0-9_]*)(:=[^}]*)?\}$/.exec(text);
  const specs: Record<string, ClusterVariableSpec | DerivedVariableSpec> = { ...CLUSTER_VARIABLES, ...DERIVED_VARIABLES };
  const spec = match ? specs[match[1]] : undefined;
  return (spec?.scalar ?? Scalar.STRING) !== Scalar.STRING;
}

/** `vars.domain` renders `${domain}`: typed references for construct code. */
export const vars = Object.fromEntries(
  [...CLUSTER_VARIABLE_NAMES, ...DERIVED_VARIABLE_NAMES].map((name) => [name, variableReference(name)]),
) as { readonly [K in ClusterVariableName | DerivedVariableName]: string };
