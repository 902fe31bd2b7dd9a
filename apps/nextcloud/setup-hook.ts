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
  /** Public URL of the ONLYOFFICE Document Server, as browsers reach it. */
  readonly documentServerUrl: string;
  /** In-cluster URL of the Document Server, for Nextcloud's server-side calls. */
  readonly documentServerInternalUrl: string;
  /** The header the Document Server expects the JWT in. */
  readonly documentServerJwtHeader: string;
  /** In-cluster URL of Nextcloud, for the Document Server's downloads and callbacks. */
  readonly storageUrl: string;
}

/**
 * The `before-starting` hook of the Nextcloud image (run as www-data before every start, after any
 * install or upgrade). It (re)applies single sign-on and ONLYOFFICE settings each time, so a change
 * in the tree or a rotated secret reaches existing installs; every command is idempotent.
 * Single sign-on uses the user_oidc app (maintained by Nextcloud GmbH, configurable by `occ`);
 * with `--unique-uid=0` Nextcloud user ids are the identity's `sub` (Kratos' UUID), as documented.
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
    `occ config:system:set overwrite.cli.url --value=https://${props.host}`,
    ...trusted,
    '',
    'enable_app user_oidc',
    `occ user_oidc:provider ${props.oidcProvider} \\`,
    `  --clientid=${props.oidcClientId} \\`,
    `  --clientsecret-env=${HOOK_ENV.oidcClientSecret} \\`,
    `  --discoveryuri=${props.discoveryUrl} \\`,
    "  --scope='openid email profile' \\",
    '  --unique-uid=0',
    '',
    'enable_app onlyoffice',
    `occ config:app:set onlyoffice DocumentServerUrl --value=${props.documentServerUrl}`,
    `occ config:app:set onlyoffice DocumentServerInternalUrl --value=${props.documentServerInternalUrl}`,
    `occ config:app:set onlyoffice StorageUrl --value=${props.storageUrl}`,
    `occ config:app:set onlyoffice jwt_header --value=${props.documentServerJwtHeader}`,
    escapeSubstitution(`occ config:app:set onlyoffice jwt_secret --value="\${${HOOK_ENV.onlyofficeJwtSecret}}"`),
    '',
  ].join('\n');
}
