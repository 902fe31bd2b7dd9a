import { spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import * as os from 'os';
import * as path from 'path';
import { charts } from '../../catalogue';
import { ChartProxy, chartHosts, treeCharts } from '../../scripts/e2e/chart-proxy';
import { makePki } from '../../scripts/e2e/pki';
import { ensureChart } from '../../scripts/render/chart-cache';
import { locateHelm } from '../../scripts/render/helm';
import { loadTree } from '../../scripts/validation/load';

/**
 * The e2e's chart proxy (scripts/e2e/chart-proxy.ts) as the real Helm client sees it: a chart from
 * an https repository and one from an OCI registry, pulled at their real addresses through the
 * proxy, are the cached archives byte for byte; anything else is refused and logged.
 */
describe('the e2e chart proxy', () => {
  const served = [charts.traefik, charts.valkey];
  let dir: string;
  let proxy: ChartProxy;
  let pki: ReturnType<typeof makePki>;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chart-proxy-'));
    pki = makePki(path.join(dir, 'pki'), chartHosts(served));
    proxy = new ChartProxy(served, 0, pki.proxy, dir, path.join(dir, 'proxy.log'));
    await proxy.start();
  });
  afterAll(async () => {
    await proxy.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Helm with the proxy for every request and only the proxy's CA trusted; asynchronous, so the proxy in this process can answer. */
  function helm(args: readonly string[]): Promise<{ status: number | null; stderr: string }> {
    const out = path.join(dir, 'pulled');
    fs.rmSync(out, { recursive: true, force: true });
    fs.mkdirSync(out);
    const env = { PATH: process.env.PATH, HOME: dir, HTTPS_PROXY: proxy.url, HTTP_PROXY: proxy.url, SSL_CERT_FILE: pki.proxyCa.cert, SSL_CERT_DIR: path.join(dir, 'none') };
    const child = spawn(locateHelm().path, [...args, '--destination', out], { env });
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => { stderr += c.toString(); });
    return new Promise((resolve) => child.on('close', (status) => resolve({ status, stderr })));
  }

  test.each(served)('GIVEN the chart $chart $version WHEN Helm pulls it from $repository through the proxy THEN it gets the cached archive', async (chart) => {
    const result = await (chart.repository.startsWith('oci://')
      ? helm(['pull', `${chart.repository}/${chart.chart}`, '--version', chart.version])
      : helm(['pull', chart.chart, '--repo', chart.repository, '--version', chart.version]));
    expect(result.stderr).not.toMatch(/Error/);
    expect(result.status).toBe(0);
    const pulled = fs.readFileSync(path.join(dir, 'pulled', `${chart.chart}-${chart.version}.tgz`));
    expect(pulled.equals(fs.readFileSync(ensureChart(chart).file))).toBe(true);
  });

  test('GIVEN a host that is not a chart repository of the tree WHEN asked through the proxy THEN it is refused without dialling, and logged', async () => {
    const status = await new Promise<string>((resolve, reject) => {
      const req = http.request({ host: '127.0.0.1', port: Number(new URL(proxy.url).port), method: 'CONNECT', path: 'example.org:443' });
      req.on('connect', (res, socket) => { socket.destroy(); resolve(String(res.statusCode)); });
      req.on('error', reject);
      req.end();
    });
    expect(status).toBe('403');
    const plain = await fetch(`${proxy.url}/`, { headers: { Host: 'alertmanager.stackspin.svc' } }).then((r) => r.status);
    expect(plain).toBe(403);
    expect(proxy.requests.filter((r) => r.refused).map((r) => `${r.method} ${r.url} ${r.status}`)).toEqual(['CONNECT example.org:443 403', 'GET / 403']);
    expect(fs.readFileSync(path.join(dir, 'proxy.log'), 'utf8')).toContain('CONNECT example.org:443 403 refused: not a chart repository of the tree under test');
  });

  test('GIVEN a version the cache does not hold WHEN Helm asks the registry for it THEN it gets not found, naming the address', async () => {
    const result = await helm(['pull', `${charts.valkey.repository}/valkey`, '--version', '9.9.9']);
    expect(result.status).not.toBe(0);
    expect(proxy.requests.some((r) => r.status === 404 && r.url.endsWith('/valkey/manifests/9.9.9'))).toBe(true);
  });
});

describe('the charts the e2e serves', () => {
  const tree = loadTree(path.join(__dirname, '..', '..', 'dist', 'flux2'));

  test('GIVEN the committed tree WHEN its HelmReleases are read THEN the proxy serves exactly the charts the catalogue pins', () => {
    const key = (c: { repository: string; chart: string; version: string }) => `${c.repository.replace(/\/$/, '')} ${c.chart} ${c.version}`;
    expect(treeCharts(tree).map(key).sort()).toEqual(Object.values(charts).map(key).sort());
  });

  test('GIVEN a HelmRelease whose HelmRepository the tree lacks WHEN read THEN the message names the release and the source', () => {
    const release = { kind: 'HelmRelease', metadata: { name: 'demo', namespace: 'stackspin' }, spec: { chart: { spec: { chart: 'demo', version: '1.0.0', sourceRef: { kind: 'HelmRepository', name: 'gone', namespace: 'flux-system' } } } } };
    expect(() => treeCharts({ ...tree, objects: [{ file: 'x.yaml', manifest: release, id: 'x' }] }))
      .toThrow("HelmRelease stackspin/demo takes its chart from HelmRepository flux-system/gone, which the e2e's chart proxy cannot serve (it serves HelmRepositories of the tree)");
  });
});
