import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { imageRef } from '../../catalogue';
import { vars } from '../../constructs/cluster-variables';
import { WindowAccess, WINDOW_VERBS } from '../../infrastructure/maintenance-window/window-access';
import { STARTING_DEADLINE, WindowEdge, WindowJob } from '../../infrastructure/maintenance-window/window-job';
import { fullTree, objects } from '../tree';
import { acceptedHours, isValidCron, maintenanceTree, podOf, SAMPLES, scriptOf, substitute, windowCronJobs } from './maintenance';

const jobs = windowCronJobs();
const id = (o: { manifest: any }): string => `${o.manifest.metadata.namespace}/${o.manifest.metadata.name}`;

describe('maintenance-window CronJobs', () => {
  test('GIVEN the tree WHEN the window CronJobs are listed THEN there are the documented four, in flux-system and system-upgrade', () => {
    expect(jobs.map(id).sort()).toEqual([
      'flux-system/flux-maintenance-window-resume',
      'flux-system/flux-maintenance-window-suspend',
      'system-upgrade/system-upgrade-controller-scale-down',
      'system-upgrade/system-upgrade-controller-scale-up',
    ]);
  });

  test('GIVEN every window CronJob WHEN read THEN runs never overlap, retries are bounded, a run has a deadline and the time zone is the cluster variable', () => {
    for (const job of jobs) {
      const { spec } = job.manifest;
      expect({
        job: id(job),
        concurrencyPolicy: spec.concurrencyPolicy,
        timeZone: spec.timeZone,
        boundedRetry: spec.jobTemplate.spec.backoffLimit >= 1 && spec.jobTemplate.spec.backoffLimit <= 5,
        deadline: spec.jobTemplate.spec.activeDeadlineSeconds > 0 && spec.jobTemplate.spec.activeDeadlineSeconds <= 900,
        restartPolicy: podOf(job.manifest).restartPolicy,
      }).toEqual({ job: id(job), concurrencyPolicy: 'Forbid', timeZone: vars.maintenance_time_zone, boundedRetry: true, deadline: true, restartPolicy: 'Never' });
    }
  });

  test('GIVEN every window CronJob WHEN its pod is read THEN it runs the catalogue flux-cli image as non-root on a read-only root filesystem with limits', () => {
    for (const job of jobs) {
      const pod = podOf(job.manifest);
      expect(pod.containers).toHaveLength(1);
      const [c] = pod.containers;
      expect({
        job: id(job),
        image: c.image,
        runAsNonRoot: pod.securityContext.runAsNonRoot && c.securityContext.runAsNonRoot,
        runAsUser: pod.securityContext.runAsUser,
        readOnlyRootFilesystem: c.securityContext.readOnlyRootFilesystem,
        allowPrivilegeEscalation: c.securityContext.allowPrivilegeEscalation,
        drop: c.securityContext.capabilities.drop,
        limits: Object.keys(c.resources.limits).sort(),
        requests: Object.keys(c.resources.requests).sort(),
        writableTmp: pod.volumes.find((v: any) => v.name === c.volumeMounts[0].name)?.emptyDir !== undefined,
      }).toEqual({
        job: id(job),
        image: imageRef('fluxCli'),
        runAsNonRoot: true,
        runAsUser: 65534,
        readOnlyRootFilesystem: true,
        allowPrivilegeEscalation: false,
        drop: ['ALL'],
        limits: ['cpu', 'memory'],
        requests: ['cpu', 'memory'],
        writableTmp: true,
      });
    }
  });

  test('GIVEN a job that closes a window WHEN its starting deadline is read THEN a run missed by up to the longest window (23 h) still happens', () => {
    const close = jobs.filter((j) => /-(suspend|scale-down)$/.test(j.manifest.metadata.name));
    expect(close).toHaveLength(2);
    for (const job of close) {
      expect({ job: id(job), deadline: job.manifest.spec.startingDeadlineSeconds }).toEqual({ job: id(job), deadline: 23 * 3600 });
    }
    expect(STARTING_DEADLINE[WindowEdge.CLOSE].toSeconds()).toBeLessThan(24 * 3600);
  });

  test('GIVEN a job that opens a window WHEN its starting deadline is read THEN a late run still lands inside the shortest (1 h) window', () => {
    const open = jobs.filter((j) => /-(resume|scale-up)$/.test(j.manifest.metadata.name));
    expect(open).toHaveLength(2);
    for (const job of open) {
      expect({ job: id(job), deadline: job.manifest.spec.startingDeadlineSeconds }).toEqual({ job: id(job), deadline: 1800 });
    }
    expect(STARTING_DEADLINE[WindowEdge.OPEN].toSeconds()).toBeLessThan(3600);
  });

  test.each(SAMPLES)('GIVEN cluster variables ($name) WHEN Flux substitutes the CronJobs THEN every schedule is valid cron at minute 0 and every time zone is an IANA name', ({ values }) => {
    for (const [file, content] of maintenanceTree()) {
      if (!/cronjob-(flux-maintenance-window|system-upgrade-controller)-/.test(file)) continue;
      const job = substitute(content, values);
      expect({ file, schedule: job.spec.schedule, valid: isValidCron(job.spec.schedule) }).toEqual({ file, schedule: expect.stringMatching(/^0 \d{1,2} \* \* \*$/), valid: true });
      expect(() => new Intl.DateTimeFormat('en', { timeZone: job.spec.timeZone })).not.toThrow();
    }
  });

  test('GIVEN every hour the variables accept WHEN put in a schedule THEN the schedule is valid cron', () => {
    const hours = acceptedHours();
    expect(hours).toContain('0');
    expect(hours).toContain('23');
    expect(hours).not.toContain('24');
    for (const hour of hours) expect({ hour, valid: isValidCron(`0 ${hour} * * *`) }).toEqual({ hour, valid: true });
  });
});

describe('maintenance-window RBAC', () => {
  const all = objects(fullTree());
  const accounts = [...new Set(jobs.map((j) => `${j.manifest.metadata.namespace}/${podOf(j.manifest).serviceAccountName}`))];
  const bindsAccount = (binding: any, account: string): boolean => (binding.subjects ?? [])
    .some((s: any) => s.kind === 'ServiceAccount' && `${s.namespace ?? binding.metadata.namespace}/${s.name}` === account);

  test('GIVEN the window jobs WHEN their accounts are listed THEN each component has its own, not the default one', () => {
    expect(accounts.sort()).toEqual(['flux-system/flux-maintenance-window', 'system-upgrade/system-upgrade-controller-scaler']);
  });

  test.each([
    ['flux-system/flux-maintenance-window', 'source.toolkit.fluxcd.io', 'gitrepositories', 'stackspin'],
    ['system-upgrade/system-upgrade-controller-scaler', 'apps', 'deployments/scale', 'system-upgrade-controller'],
  ])('GIVEN account %s WHEN every binding of it in the whole tree is followed THEN it may only get and patch %s/%s named %s, through a Role in its namespace', (account, group, resource, name) => {
    const [namespace] = account.split('/');
    const clusterBindings = all.filter((o) => o.manifest.kind === 'ClusterRoleBinding' && bindsAccount(o.manifest, account));
    expect(clusterBindings.map((o) => o.file)).toEqual([]);
    const bindings = all.filter((o) => o.manifest.kind === 'RoleBinding' && bindsAccount(o.manifest, account));
    expect(bindings).toHaveLength(1);
    for (const binding of bindings) {
      expect({ namespace: binding.manifest.metadata.namespace, roleKind: binding.manifest.roleRef.kind }).toEqual({ namespace, roleKind: 'Role' });
      const role = all.find((o) => o.manifest.kind === 'Role' && o.manifest.metadata.namespace === namespace && o.manifest.metadata.name === binding.manifest.roleRef.name);
      expect(role).toBeDefined();
      for (const rule of role!.manifest.rules) {
        for (const field of ['apiGroups', 'resources', 'verbs', 'resourceNames']) {
          expect({ field, wildcard: (rule[field] ?? []).some((v: string) => v.includes('*')) }).toEqual({ field, wildcard: false });
        }
        expect(rule).toEqual({ apiGroups: [group], resources: [resource], resourceNames: [name], verbs: ['get', 'patch'] });
      }
    }
    expect(WINDOW_VERBS).toEqual(['get', 'patch']);
  });

  test('GIVEN a WindowAccess with a wildcard or list resource WHEN built THEN it is refused naming the prop and the fix', () => {
    const chart = new Chart(new App(), 'c');
    expect(() => new WindowAccess(chart, 'a', { name: 'x', target: { apiGroup: 'apps', resource: '*', namespace: 'ns', name: 'd' } }))
      .toThrow(/WindowAccess x: resource '\*' must be one plural resource name like 'gitrepositories'/);
    expect(() => new WindowAccess(chart, 'b', { name: 'y', target: { apiGroup: 'apps', resource: 'deployments', namespace: 'ns', name: '*' } }))
      .toThrow(/WindowAccess y target name: '\*' is not a valid object name/);
  });

  test('GIVEN a WindowJob with an hour that is no hour WHEN built THEN it is refused naming the prop and the fix', () => {
    const chart = new Chart(new App(), 'c');
    const access = new WindowAccess(chart, 'a', { name: 'x', target: { apiGroup: 'apps', resource: 'deployments', namespace: 'ns', name: 'd' } });
    expect(() => new WindowJob(chart, 'j', { name: 'j', edge: WindowEdge.OPEN, access, hour: '2 * * * *', timeZone: vars.maintenance_time_zone, patch: {}, expect: { jsonPath: '{.x}', value: '1' } }))
      .toThrow(/WindowJob j: hour '2 \* \* \* \*' must be 0-23 or a cluster-variable reference/);
  });
});

/**
 * Runs a job's script (after Flux's substitution) with bash and a fake kubectl that keeps the
 * patched field in a file, as the API server would.
 */
function runScript(script: string, state: string, options: { readonly sticky?: boolean } = {}): { code: number; out: string; calls: string[]; state: string } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'window-job-'));
  const stateFile = path.join(dir, 'state');
  fs.writeFileSync(stateFile, state);
  fs.writeFileSync(path.join(dir, 'kubectl'), [
    '#!/usr/bin/env bash',
    `echo "$*" >> "${dir}/calls"`,
    'for arg in "$@"; do',
    '  case "$arg" in',
    `    get) cat "${stateFile}"; exit 0 ;;`,
    `    patch) ${options.sticky ? 'exit 0' : `value=$(printf '%s' "\${!#}" | sed -E 's/.*:(true|false|[0-9]+)\\}\\}$/\\1/'); printf '%s' "$value" > "${stateFile}"; exit 0`} ;;`,
    '  esac',
    'done',
    'exit 3',
  ].join('\n'), { mode: 0o755 });
  const result = spawnSync('bash', ['-c', script], { env: { PATH: `${dir}:/usr/bin:/bin` }, encoding: 'utf8' });
  const calls = fs.readFileSync(path.join(dir, 'calls'), 'utf8').trim().split('\n');
  const after = fs.readFileSync(stateFile, 'utf8');
  fs.rmSync(dir, { recursive: true, force: true });
  return { code: result.status ?? -1, out: `${result.stdout}${result.stderr}`, calls, state: after };
}

describe('maintenance-window scripts', () => {
  const cases = [
    ['flux-maintenance-window-suspend', 'true'],
    ['flux-maintenance-window-resume', 'false'],
    ['system-upgrade-controller-scale-up', '1'],
    ['system-upgrade-controller-scale-down', '0'],
  ] as const;
  // The script as the pod gets it: the committed file after Flux's substitution.
  const script = (name: string): string => scriptOf(substitute(maintenanceTree().get(jobs.find((j) => j.manifest.metadata.name === name)!.file)!, {}));

  test.each(cases)('GIVEN %s WHEN it runs twice THEN both runs succeed and the field ends as %s (idempotent)', (name, want) => {
    const first = runScript(script(name), want === 'true' ? 'false' : want === 'false' ? 'true' : want === '1' ? '0' : '1');
    expect({ code: first.code, state: first.state }).toEqual({ code: 0, state: want });
    const second = runScript(script(name), want);
    expect({ code: second.code, state: second.state, out: second.out }).toEqual({ code: 0, state: want, out: expect.stringContaining(`is ${want}`) });
    expect(first.calls.map((c) => c.split(' ').slice(0, 3).join(' '))).toEqual([
      expect.stringMatching(/^--namespace (flux-system|system-upgrade) patch$/),
      expect.stringMatching(/^--namespace (flux-system|system-upgrade) get$/),
    ]);
  });

  test.each(cases)('GIVEN %s WHEN the patch does not take effect THEN the run fails with a message naming the field', (name) => {
    const result = runScript(script(name), 'unchanged', { sticky: true });
    expect(result.code).toBe(1);
    expect(result.out).toMatch(/is 'unchanged', expected '/);
  });

  test.each(cases)('GIVEN %s WHEN checked with shellcheck as POSIX sh THEN it is clean', (name) => {
    // The flux-cli image runs busybox ash, which has pipefail (SC3040); shellcheck 0.9 has no busybox dialect.
    expect(() => execFileSync('shellcheck', ['--shell=sh', '--exclude=SC3040', '-'], { input: script(name), encoding: 'utf8' })).not.toThrow();
  });
});
