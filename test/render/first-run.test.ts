import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as jmespath from 'jmespath';
import { WORDPRESS_ADMIN_USER } from '../../apps/wordpress';
import { images } from '../../catalogue';
import { CLUSTER_VARIABLES } from '../../constructs/cluster-variables';
import { ClusterIssuers } from '../../infrastructure/cert-manager/issuers';
import { CLUSTER_ISSUER_ANNOTATION } from '../../infrastructure/traefik';
import { exampleVariables, withDerived } from '../../scripts/plan/cluster-input';
import { RenderResult } from '../../scripts/render/render';
import { ClusterObject, clusterObjects, ingressProblems, RenderProblem, renderFailures } from '../../scripts/render/rules';
import { renderPlatform } from './platform';
import { parseYaml } from '../yaml';

/**
 * What a cluster does on its first run and in daily operation, proven on the rendered cluster
 * (every release rendered with Helm and the pinned charts): WordPress installed before anyone
 * reaches it, the admin flag reaching every app, the Zulip organization, Nextcloud's apps, the
 * certificate issuer switch, and mail on port 465, 587 and off. Scripts the cluster runs are run
 * here, as rendered, against stubs of the commands they call.
 */

const lines = (problems: readonly RenderProblem[]): string[] => problems.map((p) => `${p.object}: ${p.message}`);
const example = (name: keyof typeof CLUSTER_VARIABLES): string => CLUSTER_VARIABLES[name].example;
const DOMAIN = example('domain');
const ADMIN_EMAIL = example('admin_email');

/** The example cluster with some variables changed, and what bootstrap derives from them. */
const variant = (changes: Readonly<Record<string, string>>): Map<string, string> => withDerived(new Map([...exampleVariables(), ...Object.entries(changes)]));

/** The one rendered (or tree) object of a kind, namespace and name. */
function find(objects: readonly ClusterObject[], kind: string, namespace: string, name: string): any {
  const found = objects.filter((o) => o.manifest.kind === kind && o.manifest.metadata?.namespace === namespace && o.manifest.metadata?.name === name);
  if (found.length !== 1) throw new Error(`${kind} ${namespace}/${name}: found ${found.length}`);
  return found[0].manifest;
}
const podSpec = (workload: any): any => workload.spec.template.spec;
const envOf = (container: any): Record<string, any> => Object.fromEntries((container.env ?? []).map((e: any) => [e.name, e.value ?? e.valueFrom]));
const container = (workload: any, name: string): any => [...(podSpec(workload).initContainers ?? []), ...podSpec(workload).containers].find((c: any) => c.name === name);

/** A directory of stub commands: each logs `<name> <args>` to `calls` and exits as `decide` says. */
function stubs(commands: Readonly<Record<string, string>>): { dir: string; calls: () => string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'first-run-'));
  fs.mkdirSync(path.join(dir, 'bin'));
  for (const [name, body] of Object.entries(commands)) {
    fs.writeFileSync(path.join(dir, 'bin', name), `#!/bin/sh\nprintf '%s\\n' "${name} $*" >>"${dir}/calls"\n${body}\n`, { mode: 0o755 });
  }
  return { dir, calls: () => (fs.existsSync(path.join(dir, 'calls')) ? fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n') : []) };
}

/** Runs a rendered script with the stubs first on PATH; returns its status and output. */
function runScript(shell: string, script: string, bin: string, env: Readonly<Record<string, string>> = {}, args: readonly string[] = []): { status: number; output: string } {
  const result = spawnSync(shell, ['-c', script, 'script', ...args], { env: { PATH: `${bin}:${process.env.PATH}`, ...env }, encoding: 'utf8' });
  return { status: result.status ?? 1, output: `${result.stdout}${result.stderr}` };
}

/** What the Nextcloud container's environment gives its setup hook (from Secrets). */
const NEXTCLOUD_ENV = { ONLYOFFICE_JWT_SECRET: 'jwt', NEXTCLOUD_OIDC_CLIENT_SECRET: 'client' };

let defaults: RenderResult;
let mailOff: RenderResult;
let port465: RenderResult;
const objects = new Map<RenderResult, ClusterObject[]>();
const of = (result: RenderResult): ClusterObject[] => objects.get(result) ?? objects.set(result, clusterObjects(result)).get(result)!;

beforeAll(async () => {
  defaults = await renderPlatform();
  // A test cluster: staging certificates, and no outgoing mail (every mail setting at its default).
  mailOff = await renderPlatform(withDerived(new Map([...exampleVariables()]
    .filter(([name]) => !name.startsWith('outgoing_mail_'))
    .concat([['outgoing_mail_enabled', 'false'], ['letsencrypt_issuer', 'staging']]))));
  port465 = await renderPlatform(variant({ outgoing_mail_smtp_port: '465' }));
  for (const result of [defaults, mailOff, port465]) expect(lines(renderFailures(result))).toEqual([]);
});

describe('WordPress: installed, with its administrator, before anyone can reach it', () => {
  const deployment = (): any => find(of(defaults), 'Deployment', 'stackspin-apps', 'wordpress');

  test('GIVEN the rendered Deployment WHEN read THEN two init containers prepare the files with the site\'s own image and install WordPress before the site container starts', () => {
    const spec = podSpec(deployment());
    expect(spec.initContainers.map((c: any) => c.name)).toEqual(['ensure-installed', 'install']);
    const [ensure, install] = spec.initContainers;
    const site = spec.containers[0];
    expect(site.image).toBe(`${images.wordpress.image}:${images.wordpress.tag}`);
    expect(ensure.image).toBe(site.image);
    expect(ensure.command).toEqual(['docker-ensure-installed.sh', 'true']);
    expect(install.image).toBe(`${images.wordpressCli.image}:${images.wordpressCli.tag}`);
    for (const init of [ensure, install]) {
      expect(init.envFrom).toEqual(site.envFrom.slice(0, 1));
      expect(init.volumeMounts).toContainEqual({ name: 'wordpress-vol', mountPath: '/var/www/html' });
      expect(init.securityContext).toMatchObject({ runAsUser: 33, readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    }
    expect(site.volumeMounts).toContainEqual({ name: 'wordpress-vol', mountPath: '/var/www/html' });
  });

  test('GIVEN the install container WHEN read THEN the administrator is admin, with the cluster\'s e-mail, the generated password, and the site\'s title and address', () => {
    const install = container(deployment(), 'install');
    expect(envOf(install)).toMatchObject({
      WORDPRESS_ADMIN_USER: WORDPRESS_ADMIN_USER,
      WORDPRESS_ADMIN_EMAIL: ADMIN_EMAIL,
      WORDPRESS_URL: `https://www.${DOMAIN}`,
      WORDPRESS_TITLE: DOMAIN,
      WORDPRESS_ADMIN_PASSWORD: { secretKeyRef: { name: 'wordpress-admin', key: 'password' } },
    });
    expect(WORDPRESS_ADMIN_USER).toBe('admin');
    // The tree's Secret, substituted from the generated key admin-credentials.sh prints.
    const secret = find(of(defaults), 'Secret', 'stackspin-apps', 'wordpress-admin');
    expect(Object.keys(secret.stringData)).toEqual(['password']);
    expect(secret.stringData.password).toMatch(/^[A-Za-z0-9]{32}$/);
  });

  const installScript = (): string => container(deployment(), 'install').command[2];
  const wpStub = (decide: string): ReturnType<typeof stubs> => stubs({ wp: decide, sleep: 'exit 0' });
  const env = { WORDPRESS_URL: 'https://www.example.org', WORDPRESS_TITLE: 'example.org', WORDPRESS_ADMIN_USER: 'admin', WORDPRESS_ADMIN_EMAIL: 'admin@example.org', WORDPRESS_ADMIN_PASSWORD: 'Pw0rd' };

  test('GIVEN a fresh database WHEN the rendered install script runs THEN it installs WordPress once, with the administrator, sending no mail', () => {
    const { dir, calls } = wpStub(`case "$1 $2" in "core is-installed") exit 1 ;; esac`);
    expect(runScript('sh', installScript(), `${dir}/bin`, env).status).toBe(0);
    expect(calls()).toEqual([
      'wp core is-installed',
      'wp core install --url=https://www.example.org --title=example.org --admin_user=admin --admin_email=admin@example.org --admin_password=Pw0rd --skip-email',
    ]);
  });

  test('GIVEN an installed site WHEN the rendered install script runs at a restart THEN it changes nothing', () => {
    const { dir, calls } = wpStub('exit 0');
    const run = runScript('sh', installScript(), `${dir}/bin`, env);
    expect(run.status).toBe(0);
    expect(calls()).toEqual(['wp core is-installed']);
    expect(run.output).toContain('WordPress is installed; nothing to do');
  });

  test('GIVEN MariaDB that is not up yet WHEN the rendered install script runs THEN it retries until the install succeeds, so the site never starts uninstalled', () => {
    const { dir, calls } = wpStub(`n=$(grep -c '^wp core install' "${'$'}{0%/bin/wp}/calls" || true); case "$1 $2" in "core is-installed") exit 1 ;; "core install") [ "$n" -ge 3 ] || exit 1 ;; esac`);
    expect(runScript('sh', installScript(), `${dir}/bin`, env).status).toBe(0);
    expect(calls().filter((c) => c.startsWith('wp core install'))).toHaveLength(3);
    expect(calls().filter((c) => c.startsWith('sleep'))).toEqual(['sleep 10', 'sleep 10']);
  });

  test('GIVEN an install that keeps failing WHEN the script gives up THEN it fails, so the pod restarts instead of serving the installer', () => {
    const { dir } = wpStub('exit 1');
    const run = runScript('sh', installScript(), `${dir}/bin`, env);
    expect(run.status).toBe(1);
    expect(run.output).toContain('WordPress is not installed after 10 minutes');
  });

  test.each([
    ['outgoing mail on, port 587', () => defaults, "if ('true' === 'true')", '$mailer->Port = 587;'],
    ['outgoing mail on, port 465', () => port465, "if ('true' === 'true')", '$mailer->Port = 465;'],
    ['outgoing mail off', () => mailOff, "if ('false' === 'true')", '$mailer->Port = 587;'],
  ])('GIVEN %s WHEN wp-config.php is read THEN PHPMailer is set up only with mail on, implicit TLS on 465, STARTTLS otherwise', (_what, result, guard, port) => {
    const secret = find(of(result()), 'Secret', 'stackspin-apps', 'wordpress');
    const extra = Buffer.from(secret.data.WORDPRESS_CONFIG_EXTRA, 'base64').toString('utf8');
    expect(extra).toContain(guard);
    expect(extra).toContain(port);
    expect(extra).toContain("$mailer->SMTPSecure = $mailer->Port === 465 ? 'ssl' : 'tls';");
    expect(extra).toContain("$GLOBALS['wp_filter']['phpmailer_init'][10][] = array('accepted_args' => 1, 'function' => function ($mailer) {");
    expect(extra).toContain("$mailer->Password = getenv('WORDPRESS_SMTP_PASSWORD');");
    expect(envOf(find(of(result()), 'Deployment', 'stackspin-apps', 'wordpress').spec.template.spec.containers[0]).WORDPRESS_SMTP_PASSWORD)
      .toEqual({ secretKeyRef: { name: 'wordpress-smtp', key: 'password' } });
  });
});

describe('the admin flag: every app with single sign-on gives admin rights to flagged users, and only to them', () => {
  test('GIVEN Hydra\'s rendered configuration WHEN read THEN its token hook is the hook\'s Service, which a NetworkPolicy opens to Hydra\'s rendered pods only', () => {
    const config = parseYaml(find(of(defaults), 'ConfigMap', 'stackspin', 'hydra').data['hydra.yaml']);
    const service = find(of(defaults), 'Service', 'stackspin', 'hydra-token-hook');
    expect(config.oauth2.token_hook).toBe(`http://${service.metadata.name}.stackspin.svc.cluster.local:${service.spec.ports[0].port}/token`);
    const hydraPods = find(of(defaults), 'Deployment', 'stackspin', 'hydra').spec.template.metadata.labels;
    const policy = find(of(defaults), 'NetworkPolicy', 'stackspin', 'hydra-token-hook');
    const allowed = policy.spec.ingress[0].from[0].podSelector.matchLabels;
    expect(hydraPods).toMatchObject(allowed);
    expect(find(of(defaults), 'Deployment', 'stackspin', 'hydra-token-hook').spec.template.metadata.labels).toMatchObject(policy.spec.podSelector.matchLabels);
    // No other workload's pods carry all of Hydra's selected labels.
    const others = of(defaults).filter((o) => o.manifest.spec?.template?.metadata?.labels && o.id !== 'Deployment stackspin/hydra'
      && Object.entries(allowed).every(([k, v]) => o.manifest.spec.template.metadata.labels[k] === v));
    expect(others.map((o) => o.id)).toEqual([]);
  });

  test.each([
    ['groups holds admin', { email: 'ada@example.org', groups: ['admin'] }, 'Admin'],
    ['groups is empty', { email: 'ada@example.org', groups: [] }, 'Viewer'],
    ['no groups claim', { email: 'ada@example.org' }, 'Viewer'],
  ])('GIVEN Grafana\'s rendered grafana.ini WHEN a user logs in and %s THEN the role is as the flag says', (_what, claims, role) => {
    const ini: string = find(of(defaults), 'ConfigMap', 'stackspin', 'kube-prometheus-stack-grafana').data['grafana.ini'];
    const rolePath = /^role_attribute_path = (.*)$/m.exec(ini)![1];
    expect(jmespath.search(claims, rolePath)).toBe(role);
  });

  test('GIVEN WeKan\'s rendered Deployment WHEN read THEN it grants and revokes WeKan admin from the admin group of the userinfo\'s groups claim', () => {
    const env = envOf(container(find(of(defaults), 'Deployment', 'stackspin-apps', 'wekan'), 'wekan'));
    expect(env.OAUTH2_ADMIN_GROUPS).toBe('admin');
    expect(env.OAUTH2_USERINFO_ENDPOINT).toBe('/userinfo');
  });

  const nextcloudHook = (): string => find(of(defaults), 'ConfigMap', 'stackspin-apps', 'nc-nextcloud-hooks').data['before-starting.sh'];

  test('GIVEN Nextcloud\'s rendered before-starting hook WHEN it runs THEN the single sign-on provider syncs the admin group, and only it, from the groups claim', () => {
    const { dir, calls } = stubs({ php: 'exit 0' });
    expect(runScript('sh', nextcloudHook(), `${dir}/bin`, NEXTCLOUD_ENV).status).toBe(0);
    const provider = calls().find((c) => c.startsWith('php /var/www/html/occ user_oidc:provider '))!;
    expect(provider.split(' ')).toEqual(expect.arrayContaining(['Stackspin', '--unique-uid=0', '--group-provisioning=1', '--mapping-groups=groups', '--group-whitelist-regex=^admin$']));
  });

  describe('Zulip, which takes no roles from single sign-on: its organization, with the administrator as owner', () => {
    const script = (): string => find(of(defaults), 'ConfigMap', 'stackspin-apps', 'zulip-post-setup-scripts').data['stackspin-organization.sh'];
    const zulipEnv = (): Record<string, string> => envOf(container(find(of(defaults), 'StatefulSet', 'stackspin-apps', 'zulip'), 'zulip'));
    const stubDir = path.join(__dirname, '..', 'scripts', 'stubs');
    const start = (state: string): { status: number; output: string } => runScript('bash', script(), path.join(stubDir, 'pod-bin'),
      { STUB_STATE: state, STUB_DIR: stubDir, STACKSPIN_ORGANIZATION_OWNER: zulipEnv().STACKSPIN_ORGANIZATION_OWNER, STACKSPIN_ORGANIZATION_NAME: zulipEnv().STACKSPIN_ORGANIZATION_NAME });
    const database = (state: string): any => JSON.parse(fs.readFileSync(path.join(state, 'zulip.json'), 'utf8'));
    const fresh = (): string => {
      const state = fs.mkdtempSync(path.join(os.tmpdir(), 'zulip-'));
      fs.writeFileSync(path.join(state, 'calls'), '');
      return state;
    };

    test('GIVEN the rendered StatefulSet WHEN read THEN the post-setup script is mounted where docker-zulip runs it, and the owner and name come from the cluster', () => {
      const statefulSet = find(of(defaults), 'StatefulSet', 'stackspin-apps', 'zulip');
      expect(container(statefulSet, 'zulip').volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/data/post-setup.d' }));
      expect(podSpec(statefulSet).volumes).toContainEqual(expect.objectContaining({ configMap: expect.objectContaining({ name: 'zulip-post-setup-scripts' }) }));
      expect(zulipEnv()).toMatchObject({ STACKSPIN_ORGANIZATION_OWNER: ADMIN_EMAIL, STACKSPIN_ORGANIZATION_NAME: DOMAIN, ZULIP_AUTH_BACKENDS: 'GenericOpenIdConnectBackend' });
      expect(script().startsWith('#!/bin/bash\n')).toBe(true);
    });

    test('GIVEN a fresh Zulip WHEN it starts THEN the organization is created at the root domain with the administrator as owner, and not again at the next start', () => {
      const state = fresh();
      const first = start(state);
      expect(first.status).toBe(0);
      expect(first.output).toContain(`Created the organization ${DOMAIN} with owner ${ADMIN_EMAIL}`);
      expect(database(state).realms).toContainEqual({ id: 2, string_id: '', name: DOMAIN });
      expect(database(state).users).toEqual([{ realm: 2, email: ADMIN_EMAIL, full_name: 'Administrator', role: 100 }]);
      const second = start(state);
      expect(second.status).toBe(0);
      expect(second.output).toContain('The organization at the root domain exists; nothing to do');
      const calls = fs.readFileSync(path.join(state, 'calls'), 'utf8').trim().split('\n');
      expect(calls.filter((c) => c.startsWith('manage.py create_realm'))).toEqual([`manage.py create_realm ${DOMAIN} ${ADMIN_EMAIL} Administrator`]);
      // The documents' `change_user_role <email> owner --realm 2` acts on that organization.
      expect(database(state).realms.find((r: any) => r.string_id === '').id).toBe(2);
    });
  });
});

describe('Nextcloud: Files and ONLYOFFICE with Calendar, Contacts and Passwords', () => {
  const hook = (): string => find(of(defaults), 'ConfigMap', 'stackspin-apps', 'nc-nextcloud-hooks').data['before-starting.sh'];

  test('GIVEN the rendered Deployment WHEN read THEN the hook is mounted where the image runs it before every start, with the secrets it reads', () => {
    const deployment = find(of(defaults), 'Deployment', 'stackspin-apps', 'nc-nextcloud');
    expect(container(deployment, 'nextcloud').volumeMounts).toContainEqual(expect.objectContaining({ mountPath: '/docker-entrypoint-hooks.d/before-starting/helm.sh' }));
    expect(Object.keys(envOf(container(deployment, 'nextcloud')))).toEqual(expect.arrayContaining(Object.keys(NEXTCLOUD_ENV)));
  });
  const apps = (calls: readonly string[]): string[] => calls.filter((c) => /\/occ app:(install|enable) /.test(c)).map((c) => c.split(' ').slice(-2).join(' '));

  test('GIVEN a fresh Nextcloud WHEN the rendered hook runs THEN it installs and enables user_oidc, onlyoffice, calendar, contacts and passwords', () => {
    const { dir, calls } = stubs({ php: 'exit 0' });
    expect(runScript('sh', hook(), `${dir}/bin`, NEXTCLOUD_ENV).status).toBe(0);
    expect(apps(calls())).toEqual(['app:install user_oidc', 'app:install onlyoffice', 'app:install calendar', 'app:install contacts', 'app:install passwords']);
  });

  test('GIVEN the apps installed WHEN the hook runs at a restart THEN app:install refuses and app:enable keeps each on', () => {
    const { dir, calls } = stubs({ php: 'case "$2" in app:install) exit 1 ;; esac' });
    expect(runScript('sh', hook(), `${dir}/bin`, NEXTCLOUD_ENV).status).toBe(0);
    expect(apps(calls()).filter((c) => c.startsWith('app:enable'))).toEqual(['app:enable user_oidc', 'app:enable onlyoffice', 'app:enable calendar', 'app:enable contacts', 'app:enable passwords']);
  });

  test('GIVEN an app store outage on a restart WHEN an optional app cannot be installed THEN the hook warns and Nextcloud still starts', () => {
    const { dir } = stubs({ php: 'case "$2 $3" in "app:install "*) exit 1 ;; "app:enable passwords") exit 1 ;; esac' });
    const run = runScript('sh', hook(), `${dir}/bin`, NEXTCLOUD_ENV);
    expect(run.status).toBe(0);
    expect(run.output).toContain('warning: Nextcloud app passwords is not installed or enabled; the next start tries again');
  });

  test('GIVEN single sign-on\'s app cannot be installed WHEN the hook runs THEN it fails, as Nextcloud without its login is no use', () => {
    const { dir } = stubs({ php: 'case "$2 $3" in "app:install user_oidc" | "app:enable user_oidc") exit 1 ;; esac' });
    expect(runScript('sh', hook(), `${dir}/bin`, NEXTCLOUD_ENV).status).not.toBe(0);
  });
});

describe('certificates: letsencrypt_issuer picks the issuer of every Ingress', () => {
  test('GIVEN the default WHEN every rendered Ingress is read THEN each asks letsencrypt-production', () => {
    expect(lines(ingressProblems(of(defaults), DOMAIN, ClusterIssuers.PRODUCTION))).toEqual([]);
  });

  test('GIVEN letsencrypt_issuer=staging WHEN every rendered Ingress is read THEN each asks letsencrypt-staging, the same Ingresses as by default', () => {
    expect(lines(ingressProblems(of(mailOff), DOMAIN, ClusterIssuers.STAGING))).toEqual([]);
    const issued = (result: RenderResult): string[] => of(result).filter((o) => o.manifest.kind === 'Ingress' && o.manifest.metadata.annotations?.[CLUSTER_ISSUER_ANNOTATION]).map((o) => o.id).sort();
    expect(issued(mailOff)).toEqual(issued(defaults));
    expect(issued(defaults).length).toBeGreaterThanOrEqual(10);
  });
});

describe('mail: implicit TLS on 465, STARTTLS otherwise, and no SMTP server at all without outgoing mail', () => {
  const zulipMail = (result: RenderResult): Record<string, string> => {
    const env = envOf(container(find(of(result), 'StatefulSet', 'stackspin-apps', 'zulip'), 'zulip'));
    return { host: env.SETTING_EMAIL_HOST, ssl: env.SETTING_EMAIL_USE_SSL, tls: env.SETTING_EMAIL_USE_TLS };
  };

  test('GIVEN Zulip WHEN its rendered settings are read THEN 465 is EMAIL_USE_SSL, 587 EMAIL_USE_TLS (docker-zulip writes parenthesised values as Python), and without mail EMAIL_HOST is None', () => {
    expect(zulipMail(defaults)).toEqual({ host: `('${example('outgoing_mail_smtp_host')}' if 'true' == 'true' else None)`, ssl: '(587 == 465)', tls: '(587 != 465)' });
    expect(zulipMail(port465)).toEqual({ host: `('${example('outgoing_mail_smtp_host')}' if 'true' == 'true' else None)`, ssl: '(465 == 465)', tls: '(465 != 465)' });
    expect(zulipMail(mailOff).host).toBe("('localhost.localdomain' if 'false' == 'true' else None)");
  });

  test('GIVEN Kratos and WeKan WHEN their SMTP URLs are read THEN 465 is smtps:// and 587 smtp://', () => {
    const urls = (result: RenderResult): string[] => [
      find(of(result), 'Secret', 'stackspin', 'single-sign-on-smtp').stringData['connection-uri'],
      find(of(result), 'Secret', 'stackspin-apps', 'wekan-smtp-when-mail-true').stringData.MAIL_URL,
    ].map((u) => new URL(u).protocol);
    expect(urls(defaults)).toEqual(['smtp:', 'smtp:']);
    expect(urls(port465)).toEqual(['smtps:', 'smtps:']);
  });

  test('GIVEN Alertmanager WHEN its rendered configuration is read THEN STARTTLS is required on 587 and not on 465, where it dials TLS', () => {
    const global = (result: RenderResult): any => parseYaml(Buffer.from(find(of(result), 'Secret', 'stackspin', 'alertmanager-kube-prometheus-stack-alertmanager').data['alertmanager.yaml'], 'base64').toString()).global;
    expect(global(defaults)).toMatchObject({ smtp_smarthost: `${example('outgoing_mail_smtp_host')}:587`, smtp_require_tls: true });
    expect(global(port465)).toMatchObject({ smtp_smarthost: `${example('outgoing_mail_smtp_host')}:465`, smtp_require_tls: false });
  });

  test('GIVEN Nextcloud WHEN its rendered environment is read THEN SMTP_SECURE is empty (its mailer picks implicit TLS on 465) with the port, and without mail no SMTP server is set', () => {
    const env = (result: RenderResult): Record<string, any> => envOf(container(find(of(result), 'Deployment', 'stackspin-apps', 'nc-nextcloud'), 'nextcloud'));
    expect(env(port465)).toMatchObject({ SMTP_SECURE: '', SMTP_PORT: '465' });
    expect(env(mailOff).SMTP_HOST).toBeUndefined();
    expect(env(mailOff).SMTP_PORT).toBeUndefined();
  });

  test('GIVEN outgoing mail off WHEN every sender is read THEN none is pointed at an SMTP server: Kratos runs no courier, WeKan has no MAIL_URL, Alertmanager routes to a receiver without e-mail', () => {
    const kratos = find(of(mailOff), 'Deployment', 'stackspin', 'kratos');
    expect(container(kratos, 'kratos').args).toContain('--watch-courier=false');
    expect(container(find(of(defaults), 'Deployment', 'stackspin', 'kratos'), 'kratos').args).toContain('--watch-courier=true');
    const wekan = container(find(of(mailOff), 'Deployment', 'stackspin-apps', 'wekan'), 'wekan');
    const optional = wekan.envFrom.filter((e: any) => e.secretRef?.optional).map((e: any) => e.secretRef.name);
    expect(optional).toEqual(['wekan-smtp-when-mail-false']);
    expect(of(mailOff).filter((o) => o.manifest.metadata?.name === 'wekan-smtp-when-mail-false')).toEqual([]);
    const alertmanager = parseYaml(Buffer.from(find(of(mailOff), 'Secret', 'stackspin', 'alertmanager-kube-prometheus-stack-alertmanager').data['alertmanager.yaml'], 'base64').toString());
    const receiver = alertmanager.receivers.find((r: any) => r.name === alertmanager.route.receiver);
    expect(receiver).toEqual({ name: 'admin-email-false' });
  });
});
