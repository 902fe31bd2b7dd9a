import { vars } from '../../constructs/cluster-variables';

/** The route's receiver is this prefix and `outgoing_mail_enabled`. */
const RECEIVER_PREFIX = 'admin-email-';

/** The receiver that e-mails the cluster's admin (outgoing mail on). */
export const ADMIN_EMAIL_RECEIVER = `${RECEIVER_PREFIX}true`;

/** The receiver without outgoing mail: alerts stay in the Alertmanager UI. */
export const NO_EMAIL_RECEIVER = `${RECEIVER_PREFIX}false`;

/**
 * Alertmanager's configuration: every alert (Prometheus rules and Flux failures alike) is
 * e-mailed to `admin_email` through the cluster's outgoing mail settings; the always-firing
 * Watchdog and the InfoInhibitor helper go nowhere. The SMTP password is not here: it is merged
 * in from the release's secret values (`alertmanagerSecretConfig`).
 *
 * The route picks its receiver by `outgoing_mail_enabled`: without outgoing mail it is the one
 * that sends nothing, so Alertmanager never tries an SMTP server that does not exist (and raises
 * no failed-notification alerts of its own). On port 465 Alertmanager speaks TLS from the first
 * byte and must not also demand STARTTLS (`outgoing_mail_smtp_starttls`, which bootstrap derives
 * from the port); on any other port STARTTLS is required.
 */
export function alertmanagerConfig(): Record<string, unknown> {
  return {
    global: {
      resolve_timeout: '5m',
      smtp_from: vars.outgoing_mail_from_address,
      smtp_smarthost: `${vars.outgoing_mail_smtp_host}:${vars.outgoing_mail_smtp_port}`,
      smtp_auth_username: vars.outgoing_mail_smtp_user,
      smtp_hello: vars.domain,
      smtp_require_tls: vars.outgoing_mail_smtp_starttls,
    },
    route: {
      group_by: ['namespace'],
      group_wait: '30s',
      group_interval: '5m',
      repeat_interval: '12h',
      receiver: `${RECEIVER_PREFIX}${vars.outgoing_mail_enabled}`,
      routes: [
        { receiver: 'null', matchers: ['alertname = "Watchdog"'] },
        { receiver: 'null', matchers: ['alertname = "InfoInhibitor"'] },
      ],
    },
    receivers: [
      { name: 'null' },
      { name: ADMIN_EMAIL_RECEIVER, email_configs: [{ to: vars.admin_email, send_resolved: true }] },
      { name: NO_EMAIL_RECEIVER },
    ],
  };
}

/** The part of the configuration that goes into the release's secret values. */
export function alertmanagerSecretConfig(): Record<string, unknown> {
  return { global: { smtp_auth_password: vars.outgoing_mail_smtp_password } };
}
