import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { makePki } from '../../scripts/e2e/pki';
import { quantity } from '../../scripts/e2e/cluster-facts';

/** The e2e's certificates (scripts/e2e/pki.ts), checked with openssl itself. */
describe('the e2e certificates', () => {
  let dir: string;
  beforeAll(() => { dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pki-')); });
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  const openssl = (...args: string[]) => spawnSync('openssl', args, { encoding: 'utf8' });

  test('GIVEN a run\'s certificates WHEN openssl verifies them THEN each chains to its CA, and each identity is the one Kubernetes\' bootstrap RBAC expects', () => {
    const pki = makePki(dir, ['ghcr.io', 'k8s.ory.com']);
    for (const pair of [pki.apiserver, pki.admin, pki.controllerManager, pki.scheduler]) expect(openssl('verify', '-CAfile', pki.ca.cert, pair.cert).stdout.trim()).toBe(`${pair.cert}: OK`);
    expect(openssl('verify', '-CAfile', pki.proxyCa.cert, pki.proxy.cert).stdout.trim()).toBe(`${pki.proxy.cert}: OK`);
    expect(openssl('verify', '-CAfile', pki.ca.cert, pki.proxy.cert).status).not.toBe(0);
    const subject = (cert: string) => openssl('x509', '-in', cert, '-noout', '-subject', '-nameopt', 'compat').stdout.trim();
    expect(subject(pki.admin.cert)).toBe('subject=/O=system:masters/CN=stackspin-e2e-admin');
    expect(subject(pki.controllerManager.cert)).toBe('subject=/CN=system:kube-controller-manager');
    expect(subject(pki.scheduler.cert)).toBe('subject=/CN=system:kube-scheduler');
    expect(openssl('x509', '-in', pki.proxy.cert, '-noout', '-ext', 'subjectAltName').stdout).toContain('DNS:ghcr.io, DNS:k8s.ory.com');
    expect(openssl('x509', '-in', pki.apiserver.cert, '-noout', '-ext', 'subjectAltName').stdout).toContain('IP Address:127.0.0.1');
  });

  test('GIVEN Kubernetes quantities WHEN read THEN they are in cores and bytes, and a malformed one is refused', () => {
    expect([quantity('250m'), quantity('2'), quantity('64Mi'), quantity('1Gi'), quantity('1k'), quantity(undefined)]).toEqual([0.25, 2, 64 * 2 ** 20, 2 ** 30, 1000, 0]);
    expect(() => quantity('lots')).toThrow("'lots' is not a Kubernetes quantity");
  });
});
