import { vars } from '../../constructs/cluster-variables';

/** The receiver that e-mails the cluster's admin. */
export const ADMIN_EMAIL_RECEIVER = 'admin-email';

/**
 * Alertmanager's configuration: every alert (Prometheus rules and Flux failures alike) is
 * e-mailed to `admin_email` through the cluster's outgoing mail settings; the always-firing
 * Watchdog and the InfoInhibitor helper go nowhere. The SMTP password is not here: it is merged
 * in from the release's secret values (`alertmanagerSecretConfig`).
 *
 * Without outgoing mail (`outgoing_mail_enabled=false`) the SMTP defaults do not resolve and
 * sending fails; alerts then stay visible in the Alertmanager UI only.
 */
export function alertmanagerConfig(): Record<string, unknown> {
  return {
    global: {
      resolve_timeout: '5m',
      smtp_from: vars.outgoing_mail_from_address,
      smtp_smarthost: `${vars.outgoing_mail_smtp_host}:${vars.outgoing_mail_smtp_port}`,
      smtp_auth_username: vars.outgoing_mail_smtp_user,
      smtp_hello: vars.domain,
      smtp_require_tls: true,
    },
    route: {
      group_by: ['namespace'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '12h',
      receiver: ADMIN_EMAIL_RECEIVER,
      routes: [
        { receiver: 'null', matchers: ['alertname = "Watchdog"'] },
        { receiver: 'null', matchers: ['alertname = "InfoInhibitor"'] },
      ],
    },
    receivers: [
      { name: 'null' },
      { name: ADMIN_EMAIL_RECEIVER, email_configs: [{ to: vars.admin_email, send_resolved: true }] },
    ],
  };
}

/** The part of the configuration that goes into the release's secret values. */
export function alertmanagerSecretConfig(): Record<string, unknown> {
  return { global: { smtp_auth_password: vars.outgoing_mail_smtp_password } };
}
