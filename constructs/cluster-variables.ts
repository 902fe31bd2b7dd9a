import type { z as Zod, ZodType } from 'zod';

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

/**
 * zod costs a tenth of a synth to load, and only checking a value needs it: each schema is built
 * on first use (`spec.schema`), so synth, which reads names and defaults, never loads it.
 */
function lazySchema(build: (z: typeof Zod) => ZodType<string>): () => ZodType<string> {
  let schema: ZodType<string> | undefined;
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return () => (schema ??= build((require('zod') as typeof import('zod')).z));
}

const text = lazySchema((z) => z.string().min(1).regex(SUBSTITUTION_SAFE, 'must not contain ", $, \\ or a newline (they break substitution)'));
/** A whole hour: cron (`0 H * * *`) and the upgrade Plan's window (`H:00`) accept 0-23 with or without a leading zero. */
const hour = lazySchema((z) => z.string().regex(/^([01]?\d|2[0-3])$/, 'must be a whole hour from 0 to 23, e.g. 2 for 02:00'));
const port = lazySchema((z) => z.string().regex(/^\d{1,5}$/, 'must be a port number').refine((v) => Number(v) >= 1 && Number(v) <= 65535, 'must be a port from 1 to 65535'));
const email = lazySchema((z) => z.string().regex(/^[^@\s"$]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}$/, 'must be an e-mail address like admin@example.org'));
const domainName = lazySchema((z) => z.string().regex(/^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, 'must be a lower-case domain name like stackspin.example.org'));
const ipv4 = /^((25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)\.){3}(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const ipAddress = lazySchema((z) => z.string().refine((v) => ipv4.test(v) || (v.includes(':') && /^[0-9a-fA-F:]+$/.test(v)), 'must be an IPv4 or IPv6 address like 1.2.3.4'));
const cidr = (v: string): boolean => {
  const [addr, bits, ...rest] = v.split('/');
  if (rest.length > 0 || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  return ipv4.test(addr) ? Number(bits) <= 32 : /^[0-9a-fA-F:]+$/.test(addr) && addr.includes(':') && Number(bits) <= 128;
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
  }
}));
const url = lazySchema((z) => z.string().regex(/^https?:\/\/[^\s"$]+$/, 'must be an http(s) URL'));
const gitRef = lazySchema((z) => z.string().regex(/^[A-Za-z0-9._/-]+$/, 'must be a git branch name'));
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

export interface ClusterVariableSpec {
  readonly description: string;
  readonly schema: ZodType<string>;
  readonly requirement: Requirement;
  /** Rendered into references as `${name:=default}`, so Flux's strict substitution accepts a missing key. */
  readonly default?: string;
  /** Shown in `.flux.env.example`. */
  readonly example: string;
  /** Never printed by tools. */
  readonly sensitive?: boolean;
}

/** A spec whose `schema` is built on first read. */
const v = ({ schema, ...spec }: Omit<ClusterVariableSpec, 'schema'> & { readonly schema: () => ZodType<string> }): ClusterVariableSpec =>
  Object.defineProperty(spec, 'schema', { enumerable: true, get: schema }) as ClusterVariableSpec;

export const CLUSTER_VARIABLES = {
  ip_address: v({ description: 'The IP address of your cluster', schema: ipAddress, requirement: Requirement.REQUIRED, example: '1.2.3.4' }),
  domain: v({ description: 'The FQDN of your cluster; apps live on subdomains of it', schema: domainName, requirement: Requirement.REQUIRED, example: 'stackspin.example.org' }),
  admin_email: v({ description: "The system administrator's e-mail address; alerts and Let's Encrypt notices go here", schema: email, requirement: Requirement.REQUIRED, example: 'admin@example.org' }),

  outgoing_mail_enabled: v({ description: 'Send mail (password recovery, notifications, alerts) through an SMTP server', schema: bool, requirement: Requirement.OPTIONAL, default: 'false', example: 'true' }),
  outgoing_mail_from_address: v({ description: 'Address the cluster sends mail from; an existing SMTP login', schema: email, requirement: Requirement.MAIL, default: 'admin@example.org', example: 'admin@example.org' }),
  outgoing_mail_from_local_part: v({ description: 'The part of the from address before the @', schema: text, requirement: Requirement.MAIL, default: 'admin', example: 'admin' }),
  outgoing_mail_domain: v({ description: 'The part of the from address after the @', schema: domainName, requirement: Requirement.MAIL, default: 'example.org', example: 'example.org' }),
  outgoing_mail_smtp_host: v({ description: 'SMTP server host name', schema: domainName, requirement: Requirement.MAIL, default: 'localhost.localdomain', example: 'smtp.example.org' }),
  outgoing_mail_smtp_port: v({ description: 'SMTP server port (587 for STARTTLS)', schema: port, requirement: Requirement.MAIL, default: '587', example: '587' }),
  outgoing_mail_smtp_user: v({ description: 'SMTP user name, often the from address', schema: text, requirement: Requirement.MAIL, default: 'admin@example.org', example: 'admin@example.org' }),
  outgoing_mail_smtp_password: v({ description: 'SMTP password', schema: text, requirement: Requirement.MAIL, default: 'unset', example: 'CHANGEME', sensitive: true }),
  outgoing_mail_smtp_authtype: v({ description: 'SMTP authentication type', schema: lazySchema((z) => z.enum(['LOGIN', 'PLAIN', 'CRAM-MD5'], { message: 'must be LOGIN, PLAIN or CRAM-MD5' })), requirement: Requirement.OPTIONAL, default: 'LOGIN', example: 'LOGIN' }),

  backup_s3_url: v({ description: 'S3 endpoint for Velero backups', schema: url, requirement: Requirement.BACKUP, example: 'https://s3.example.org' }),
  backup_s3_region: v({ description: 'S3 region', schema: text, requirement: Requirement.BACKUP, example: 'us-east-1' }),
  backup_s3_bucket: v({ description: 'S3 bucket that receives the backups', schema: text, requirement: Requirement.BACKUP, example: 'stackspin-backup' }),
  backup_s3_prefix: v({ description: 'Folder inside the bucket', schema: text, requirement: Requirement.OPTIONAL, default: 'stackspin', example: 'stackspin.example.org' }),
  backup_s3_access_key: v({ description: 'S3 access key', schema: text, requirement: Requirement.BACKUP, example: 'CHANGEME', sensitive: true }),
  backup_s3_secret_key: v({ description: 'S3 secret key', schema: text, requirement: Requirement.BACKUP, example: 'CHANGEME', sensitive: true }),

  ingress_allowed_source_ranges: v({ description: 'Comma-separated CIDR ranges allowed to reach the ingress (all by default)', schema: cidrList, requirement: Requirement.OPTIONAL, default: '0.0.0.0/0,::/0', example: '0.0.0.0/0,::/0' }),

  maintenance_time_zone: v({ description: 'IANA time zone of the maintenance windows', schema: timeZone, requirement: Requirement.OPTIONAL, default: 'Etc/UTC', example: 'Europe/Amsterdam' }),
  flux_window_start_hour: v({ description: 'Hour the stackspin GitRepository is resumed (Flux takes new revisions)', schema: hour, requirement: Requirement.OPTIONAL, default: '2', example: '2' }),
  flux_window_end_hour: v({ description: 'Hour the stackspin GitRepository is suspended again', schema: hour, requirement: Requirement.OPTIONAL, default: '4', example: '4' }),
  k3s_window_start_hour: v({ description: 'Hour the system-upgrade-controller is scaled up (k3s upgrades)', schema: hour, requirement: Requirement.OPTIONAL, default: '1', example: '1' }),
  k3s_window_end_hour: v({ description: 'Hour the system-upgrade-controller is scaled down again', schema: hour, requirement: Requirement.OPTIONAL, default: '2', example: '2' }),

  stackspin_repo_url: v({ description: 'Git repository the cluster follows', schema: url, requirement: Requirement.OPTIONAL, default: 'https://open.greenhost.net/stackspin/stackspin-gitops.git', example: 'https://open.greenhost.net/stackspin/stackspin-gitops.git' }),
  stackspin_repo_branch: v({ description: 'Branch of that repository', schema: gitRef, requirement: Requirement.OPTIONAL, default: 'main', example: 'main' }),
  enabled_apps: v({ description: 'Optional apps bootstrap enables, comma-separated (install-app.sh enables more later)', schema: appList, requirement: Requirement.OPTIONAL, default: '', example: 'nextcloud,zulip' }),
} as const;

export type ClusterVariableName = keyof typeof CLUSTER_VARIABLES;

export const CLUSTER_VARIABLE_NAMES = Object.keys(CLUSTER_VARIABLES) as ClusterVariableName[];

/** The Flux substitution reference for a variable, with its default where it has one. */
export function variableReference(name: ClusterVariableName): string {
  const spec: ClusterVariableSpec = CLUSTER_VARIABLES[name];
  return spec.default === undefined ? `\${${name}}` : `\${${name}:=${spec.default}}`;
}

/** `vars.domain` renders `${domain}`: typed references for construct code. */
export const vars = Object.fromEntries(
  CLUSTER_VARIABLE_NAMES.map((name) => [name, variableReference(name)]),
) as { readonly [K in ClusterVariableName]: string };
