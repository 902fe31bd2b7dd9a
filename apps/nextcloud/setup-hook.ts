import { escapeSubstitution } from '../../constructs/tree-writer';

/** Environment variables the hook reads; the Nextcloud container gets them from Secrets. */
export const HOOK_ENV = {
  oidcClientSecret: 'NEXTCLOUD_OIDC_CLIENT_SECRET',
  onlyofficeJwtSecret: 'ONLYOFFICE_JWT_SECRET',
} as const;

export interface SetupHookProps {
  /** Public host name of Nextcloud, e.g. `files.${domain}`. */
  readonly host: string;
  /** Host names Nextcloud must answer besides `host` (its in-cluster Service name). */
  readonly internalHosts: readonly string[];
  /** The user_oidc provider identifier; its login button reads "Log in with <identifier>". */
  readonly oidcProvider: string;
  readonly oidcClientId: string;
  /** The issuer's OpenID Connect discovery document URL. */
  readonly discoveryUrl: string;
  /** The ID token claim that lists the user's groups. */
  readonly groupsClaim: string;
  /** The group in it that makes a user a Nextcloud admin (Nextcloud's own `admin` group). */
  readonly adminGroup: string;
  /** Public URL of the ONLYOFFICE Document Server, as browsers reach it. */
  readonly documentServerUrl: string;
  /** In-cluster URL of the Document Server, for Nextcloud's server-side calls. */
  readonly documentServerInternalUrl: string;
  /** The header the Document Server expects the JWT in. */
  readonly documentServerJwtHeader: string;
  /** In-cluster URL of Nextcloud, for the Document Server's downloads and callbacks. */
  readonly storageUrl: string;
}

/** Apps the documents list besides Files and ONLYOFFICE; installed from the app store, non-fatal. */
export const OPTIONAL_APPS = ['calendar', 'contacts', 'passwords'] as const;

/**
 * The `before-starting` hook of the Nextcloud image (run as www-data before every start, after any
 * install or upgrade). It (re)applies single sign-on and ONLYOFFICE settings each time, so a change
 * in the tree or a rotated secret reaches existing installs; every command is idempotent.
 * Single sign-on uses the user_oidc app (maintained by Nextcloud GmbH, configurable by `occ`);
 * with `--unique-uid=0` Nextcloud user ids are the identity's `sub` (Kratos' UUID), as documented,
 * and group ids are taken as they are, so the `groups` claim's admin group is Nextcloud's own
 * `admin` group. Group sync is limited to that group (the whitelist): user_oidc removes a user
 * from every synced group the claim lacks, so admin rights follow the flag at each login and no
 * other group is touched.
 *
 * A failing hook stops Nextcloud from starting (the entrypoint runs it under `set -e`), so the
 * optional apps only warn: an app store outage, or an app not yet compatible after a major
 * upgrade, must not crash-loop Nextcloud. Installed apps need no app store on later starts.
 */
export function setupHook(props: SetupHookProps): string {
  const trusted = [props.host, ...props.internalHosts]
    .map((host, i) => `occ config:system:set trusted_domains ${i} --value=${host}`);
  return [
    '#!/bin/sh',
    'set -eu',
    '',
    'occ() {',
    '  php /var/www/html/occ "$@"',
    '}',
    '',
    '# app:install fails when the app is already there; app:enable then makes sure it is on.',
    'enable_app() {',
    '  occ app:install "$1" || occ app:enable "$1"',
    '}',
    '',
    'enable_optional_app() {',
    '  enable_app "$1" || echo "warning: Nextcloud app $1 is not installed or enabled; the next start tries again" >&2',
    '}',
    '',
    `occ config:system:set overwrite.cli.url --value=https://${props.host}`,
    ...trusted,
    '',
    'enable_app user_oidc',
    `occ user_oidc:provider ${props.oidcProvider} \\`,
    `  --clientid=${props.oidcClientId} \\`,
    `  --clientsecret-env=${HOOK_ENV.oidcClientSecret} \\`,
    `  --discoveryuri=${props.discoveryUrl} \\`,
    "  --scope='openid email profile' \\",
    '  --unique-uid=0 \\',
    '  --group-provisioning=1 \\',
    `  --mapping-groups=${props.groupsClaim} \\`,
    `  --group-whitelist-regex='^${props.adminGroup}$'`,
    '',
    'enable_app onlyoffice',
    `occ config:app:set onlyoffice DocumentServerUrl --value=${props.documentServerUrl}`,
    `occ config:app:set onlyoffice DocumentServerInternalUrl --value=${props.documentServerInternalUrl}`,
    `occ config:app:set onlyoffice StorageUrl --value=${props.storageUrl}`,
    `occ config:app:set onlyoffice jwt_header --value=${props.documentServerJwtHeader}`,
    escapeSubstitution(`occ config:app:set onlyoffice jwt_secret --value="\${${HOOK_ENV.onlyofficeJwtSecret}}"`),
    '',
    ...OPTIONAL_APPS.map((app) => `enable_optional_app ${app}`),
    '',
  ].join('\n');
}
