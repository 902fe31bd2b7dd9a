import { vars } from '../../constructs/cluster-variables';
import { GRAFANA_BACKUP_SET } from '../../constructs/backup-label';
import { BACKUP_SET_LABEL } from '../../constructs/helm-app';
import { OAuth2Client } from '../../constructs/oauth2-client';
import { SingleSignOnOutputs } from '../single-sign-on';

/**
 * Grafana role of a single sign-on user, from the ID token (or userinfo): `Admin` for users whose
 * `groups` claim (single sign-on's admin flag, through Hydra's token hook) holds the admin group,
 * and for the cluster's administrator (`admin_email`, also when the hook could not answer);
 * `Viewer` for everyone else. Synced at every login, so a revoked flag takes Admin away. The
 * address is a JSON literal, so one with an apostrophe stays one string; `|| \`[]\`` keeps a
 * missing claim from being a type error.
 */
export function grafanaRoleAttributePath(groupsClaim: string, adminGroup: string): string {
  return `(email == \`"${vars.admin_email}"\` || contains(${groupsClaim} || \`[]\`, '${adminGroup}')) && 'Admin' || 'Viewer'`;
}

export { GRAFANA_BACKUP_SET };

export interface GrafanaValuesProps {
  /** Public host name, e.g. `grafana.${domain}`. */
  readonly host: string;
  /** Single sign-on's OpenID Connect endpoints. */
  readonly sso: SingleSignOnOutputs;
  /** Grafana's Hydra client; its Secret (same namespace) supplies the client secret. */
  readonly client: OAuth2Client;
  /** Loki's HTTP API, added as a data source. */
  readonly lokiUrl: string;
  /** The chart's `ingress` block (class, annotations, hosts, TLS). */
  readonly ingress: Record<string, unknown>;
}

/**
 * kube-prometheus-stack's `grafana` values: login through single sign-on (Hydra as a generic
 * OAuth provider), Loki as a data source, a small persistent volume for users and preferences,
 * and no phoning home. The client secret reaches Grafana as an environment variable from the
 * OAuth2Client's Secret, so it is never in a values object. Keys are the grafana sub-chart's
 * (grafana-community chart 12.11.1, not part of the kube-prometheus-stack fixture).
 */
export function grafanaValues(props: GrafanaValuesProps): Record<string, unknown> {
  const { sso } = props;
  return {
    ingress: props.ingress,
    persistence: { enabled: true, type: 'pvc', size: '1Gi', extraPvcLabels: grafanaBackupLabels() },
    // The Deployment too: a restore deletes it with its pods, or it would recreate them at once.
    labels: grafanaBackupLabels(),
    podLabels: grafanaBackupLabels(),
    resources: {
      requests: { cpu: '50m', memory: '192Mi' },
      limits: { cpu: '500m', memory: '512Mi' },
    },
    sidecar: {
      resources: {
        requests: { cpu: '10m', memory: '64Mi' },
        limits: { cpu: '100m', memory: '128Mi' },
      },
    },
    envValueFrom: {
      GF_AUTH_GENERIC_OAUTH_CLIENT_SECRET: { secretKeyRef: { name: props.client.secretName, key: 'CLIENT_SECRET' } },
    },
    'grafana.ini': {
      server: { root_url: `https://${props.host}` },
      analytics: { reporting_enabled: false, check_for_updates: false, check_for_plugin_updates: false },
      auth: { oauth_auto_login: true, signout_redirect_url: sso.endSessionUrl },
      'auth.generic_oauth': {
        enabled: true,
        name: 'Stackspin',
        client_id: props.client.clientId,
        scopes: 'openid profile email',
        auth_url: sso.authorizationUrl,
        token_url: sso.tokenUrl,
        api_url: sso.userinfoUrl,
        use_pkce: true,
        allow_sign_up: true,
        role_attribute_path: grafanaRoleAttributePath(sso.groupsClaim, sso.adminGroup),
      },
    },
    additionalDataSources: [{
      name: 'Loki',
      type: 'loki',
      uid: 'loki',
      access: 'proxy',
      url: props.lokiUrl,
      jsonData: { maxLines: 1000 },
    }],
  };
}

function grafanaBackupLabels(): Record<string, string> {
  return { [BACKUP_SET_LABEL]: GRAFANA_BACKUP_SET };
}
