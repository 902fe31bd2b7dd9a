import { charts, images } from '../catalogue';
import { backingService, BackingServiceKind } from '../constructs/backing-service';
import { vars } from '../constructs/cluster-variables';
import { defineComponent, Layer, Namespaces } from '../constructs/component';
import { Generator } from '../constructs/generated-secret';
import { ReferenceSecret } from '../constructs/reference-secret';
import { escapeSubstitution } from '../constructs/tree-writer';
import { localPathProvisioner } from '../infrastructure/local-path-provisioner';
import { ingress } from '../infrastructure/traefik';

const APP = 'wordpress';
const MARIADB = `${APP}-mariadb`;
const DATABASE = APP;

/** The public site: the documents host WordPress on `www.` (or the root domain). */
const WORDPRESS_HOST = `www.${vars.domain}`;
const TLS_SECRET = 'stackspin-wordpress';

/** The administrator's login (the documents' `admin`) and the generated key with its password. */
export const WORDPRESS_ADMIN_USER = 'admin';
export const WORDPRESS_ADMIN_PASSWORD_KEY = 'wordpress_admin_password';

/** Secrets (in the app's namespace) with the administrator's and the SMTP password. */
const ADMIN_SECRET = `${APP}-admin`;
const SMTP_SECRET = `${APP}-smtp`;

/**
 * The chart's Secret (its fullname, the release name): the database settings and
 * WORDPRESS_CONFIG_EXTRA, which the image's wp-config.php reads at run time.
 */
const CHART_SECRET = APP;

/** The pod's volumes the init containers share with WordPress (the chart's names). */
const VOLUMES = { html: 'wordpress-vol', tmp: 'tmp' } as const;
const HTML = '/var/www/html';

/** The official image's user, www-data (the chart's pod runs as it). */
const WWW_DATA = 33;

/**
 * POSIX sh for the WP-CLI image: installs WordPress, with the administrator, unless it is
 * installed. It retries while MariaDB is not up yet (or the install fails for another reason),
 * so the pod starts only with an installed site: the installer is never served. The password is
 * an argument of `wp` only inside this container; no value is printed.
 */
export const INSTALL_SCRIPT = `set -eu

install() {
  if wp core is-installed; then
    echo "WordPress is installed; nothing to do"
    return 0
  fi
  wp core install --url="$WORDPRESS_URL" --title="$WORDPRESS_TITLE" \\
    --admin_user="$WORDPRESS_ADMIN_USER" --admin_email="$WORDPRESS_ADMIN_EMAIL" \\
    --admin_password="$WORDPRESS_ADMIN_PASSWORD" --skip-email
}

tries=0
until install; do
  tries=$((tries + 1))
  if [ "$tries" -ge 60 ]; then
    echo "WordPress is not installed after 10 minutes; see the messages above (is the database up?)" >&2
    exit 1
  fi
  sleep 10
done
`;

/**
 * wp-config.php additions (the chart's `configExtra`): the site address, and WordPress's mail
 * through the cluster's SMTP server. WordPress has no SMTP settings and the image no mail
 * server, so a `phpmailer_init` callback configures PHPMailer; it is registered through the
 * pre-initialised hook array, which core turns into a hook, and through `$GLOBALS`, as WP-CLI
 * loads wp-config.php inside a function. Without outgoing mail nothing is registered and no SMTP
 * server is set. Port 465 is implicit TLS (`ssl`), any other STARTTLS (`tls`, enforced). The
 * host, port, flag and authentication type are substituted as PHP literals (the validator allows
 * no quote in them); the user, sender and password come from the environment.
 */
function configExtra(): string {
  return `define('WP_HOME', 'https://${WORDPRESS_HOST}');
define('WP_SITEURL', 'https://${WORDPRESS_HOST}');
if ('${vars.outgoing_mail_enabled}' === 'true') {
  $GLOBALS['wp_filter']['phpmailer_init'][10][] = array('accepted_args' => 1, 'function' => function ($mailer) {
    $mailer->isSMTP();
    $mailer->Host = '${vars.outgoing_mail_smtp_host}';
    $mailer->Port = ${vars.outgoing_mail_smtp_port};
    $mailer->SMTPSecure = $mailer->Port === 465 ? 'ssl' : 'tls';
    $mailer->SMTPAuth = true;
    $mailer->AuthType = '${vars.outgoing_mail_smtp_authtype}';
    $mailer->Username = getenv('WORDPRESS_SMTP_USER');
    $mailer->Password = getenv('WORDPRESS_SMTP_PASSWORD');
    $mailer->setFrom(getenv('WORDPRESS_SMTP_FROM'), $mailer->FromName, false);
  });
}`;
}

/** What both init containers run with: non-root, read-only image, the chart's volumes. */
const initContainerBase = {
  envFrom: [{ secretRef: { name: CHART_SECRET } }],
  workingDir: HTML,
  securityContext: { runAsUser: WWW_DATA, runAsGroup: WWW_DATA, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } },
  resources: { requests: { cpu: '10m', memory: '64Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  volumeMounts: [{ name: VOLUMES.html, mountPath: HTML }, { name: VOLUMES.tmp, mountPath: '/tmp' }],
};

/**
 * WordPress from the groundhog2k chart (the official `wordpress` image), with a CloudPirates
 * MariaDB (official image) as its database; the chart's own MariaDB subchart (stale) stays off.
 *
 * The official image only shows WordPress's installer, to whoever comes first. So before the
 * site starts, two init containers install it: the image's `docker-ensure-installed.sh` copies
 * WordPress and writes wp-config.php, then WP-CLI installs it with the administrator `admin`
 * (e-mail `${admin_email}`, the generated password `admin-credentials.sh` prints), title and
 * address from the cluster. Both run at every start and change nothing once installed.
 *
 * Single sign-on is left out, so the component needs only the storage its claims use. The chart cannot install plugins: an OpenID Connect plugin would have to be
 * downloaded by an init container at every start and loaded as a must-use plugin, and the one
 * configurable without the admin UI (OpenID Connect Generic, whose button the documents show)
 * could not be confirmed as maintained (newest release found: 3.10.0), so nothing pins it.
 */
export const wordpress = defineComponent({
  name: APP,
  layer: Layer.APP,
  namespace: Namespaces.APPS,
  dependsOn: [localPathProvisioner],
  build(component) {
    const secret = component.generatedSecret({
      wordpress_mariadb_root_password: { generator: Generator.PASSWORD },
      wordpress_mariadb_password: { generator: Generator.PASSWORD },
      [WORDPRESS_ADMIN_PASSWORD_KEY]: { generator: Generator.PASSWORD },
    });

    const mariadb = backingService(component, {
      name: MARIADB,
      kind: BackingServiceKind.MARIADB,
      storage: '8Gi',
      values: { auth: { database: DATABASE, username: DATABASE } },
      secretValues: {
        auth: {
          rootPassword: secret.ref('wordpress_mariadb_root_password'),
          password: secret.ref('wordpress_mariadb_password'),
        },
      },
      resources: {
        requests: { cpu: '50m', memory: '256Mi' },
        limits: { cpu: '1', memory: '768Mi' },
      },
    });

    new ReferenceSecret(component, 'AdminSecret', {
      name: ADMIN_SECRET,
      namespace: component.namespace,
      references: { password: secret.ref(WORDPRESS_ADMIN_PASSWORD_KEY) },
    });
    new ReferenceSecret(component, 'SmtpSecret', {
      name: SMTP_SECRET,
      namespace: component.namespace,
      references: { password: vars.outgoing_mail_smtp_password },
    });

    const [registry, ...repository] = images.wordpress.image.split('/');
    component.helmApp({
      name: APP,
      chart: charts.wordpress,
      dependsOn: [mariadb],
      values: {
        // The same image as the init container that prepares its files.
        image: { registry, repository: repository.join('/'), tag: images.wordpress.tag },
        mariadb: { enabled: false },
        externalDatabase: { name: DATABASE, user: DATABASE, host: MARIADB },
        settings: { configExtra: configExtra() },
        env: [
          { name: 'WORDPRESS_SMTP_USER', value: vars.outgoing_mail_smtp_user },
          { name: 'WORDPRESS_SMTP_FROM', value: vars.outgoing_mail_from_address },
          { name: 'WORDPRESS_SMTP_PASSWORD', valueFrom: { secretKeyRef: { name: SMTP_SECRET, key: 'password' } } },
        ],
        extraInitContainers: [
          {
            ...initContainerBase,
            name: 'ensure-installed',
            image: `${images.wordpress.image}:${images.wordpress.tag}`,
            command: ['docker-ensure-installed.sh', 'true'],
          },
          {
            ...initContainerBase,
            name: 'install',
            image: `${images.wordpressCli.image}:${images.wordpressCli.tag}`,
            command: ['/bin/sh', '-c', escapeSubstitution(INSTALL_SCRIPT)],
            env: [
              // The root filesystem is read-only: WP-CLI keeps its cache under /tmp.
              { name: 'HOME', value: '/tmp' },
              { name: 'WP_CLI_CACHE_DIR', value: '/tmp/wp-cli-cache' },
              { name: 'WORDPRESS_URL', value: `https://${WORDPRESS_HOST}` },
              { name: 'WORDPRESS_TITLE', value: vars.domain },
              { name: 'WORDPRESS_ADMIN_USER', value: WORDPRESS_ADMIN_USER },
              { name: 'WORDPRESS_ADMIN_EMAIL', value: vars.admin_email },
              { name: 'WORDPRESS_ADMIN_PASSWORD', valueFrom: { secretKeyRef: { name: ADMIN_SECRET, key: 'password' } } },
            ],
          },
        ],
        ingress: {
          enabled: true,
          className: ingress.className,
          // The chart turns this into an ingress-nginx annotation, which Traefik ignores.
          maxBodySize: '',
          annotations: { ...ingress.annotations },
          hosts: [{ host: WORDPRESS_HOST, paths: [{ path: '/', pathType: 'Prefix' }] }],
          tls: [{ secretName: TLS_SECRET, hosts: [WORDPRESS_HOST] }],
        },
        storage: { requestedSize: '5Gi', labels: component.backupLabels },
        resources: {
          requests: { cpu: '50m', memory: '128Mi' },
          limits: { cpu: '1', memory: '512Mi' },
        },
      },
      secretValues: { externalDatabase: { password: secret.ref('wordpress_mariadb_password') } },
    });
  },
});
