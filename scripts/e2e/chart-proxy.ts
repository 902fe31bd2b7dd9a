/**
 * The chart repositories at their real addresses, answered from the chart cache: an HTTP proxy on
 * loopback that the Flux controllers use (HTTPS_PROXY) and that never dials out. A CONNECT to a
 * host of the tree's chart repositories is answered by this process itself, over TLS with a
 * certificate of the run's proxy CA (the only CA the controllers trust): an https repository serves the
 * `index.yaml` real Helm writes (`helm repo index`) and the cached archives; an OCI registry
 * serves each chart as `helm push` stores it (a manifest, the chart's metadata as config, the
 * archive as layer). Every other request is refused and logged: the log is part of the report.
 */
import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as http from 'http';
import * as net from 'net';
import * as path from 'path';
import * as tls from 'tls';
import { parse } from 'yaml';
import { locateHelm } from '../render/helm';
import { ChartReference, ensureChart } from '../render/chart-cache';
import { LoadedTree } from '../validation/load';
import { close, listen } from './loopback';
import { KeyPair } from './pki';

export interface ProxyRequest {
  readonly time: string;
  readonly method: string;
  readonly url: string;
  readonly status: number;
  /** Why a request was refused. */
  readonly refused?: string;
}

const HELM_CONFIG = 'application/vnd.cncf.helm.config.v1+json';
const HELM_LAYER = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

interface Blob {
  readonly type: string;
  readonly data: Buffer;
  readonly digest: string;
}

function blob(type: string, data: Buffer): Blob {
  return { type, data, digest: `sha256:${createHash('sha256').update(data).digest('hex')}` };
}

/** What one host answers: path to content. */
type Routes = Map<string, Blob>;

/**
 * The charts a tree's HelmReleases install, each at the URL of the HelmRepository it names: what
 * the proxy must serve for that tree (the commit under test's, not the working tree's catalogue).
 */
export function treeCharts(tree: LoadedTree): ChartReference[] {
  const manifests = tree.objects.map((o) => o.manifest);
  const repositories = new Map(manifests.filter((m) => m?.kind === 'HelmRepository').map((m) => [`${m.metadata.namespace}/${m.metadata.name}`, m.spec.url as string]));
  const found = new Map<string, ChartReference>();
  for (const release of manifests.filter((m) => m?.kind === 'HelmRelease')) {
    const spec = release.spec?.chart?.spec;
    const source = `${spec?.sourceRef?.namespace ?? release.metadata.namespace}/${spec?.sourceRef?.name}`;
    const repository = repositories.get(source);
    if (spec?.sourceRef?.kind !== 'HelmRepository' || repository === undefined) {
      throw new Error(`HelmRelease ${release.metadata.namespace}/${release.metadata.name} takes its chart from ${spec?.sourceRef?.kind ?? 'no source'} ${source}, which the e2e's chart proxy cannot serve (it serves HelmRepositories of the tree)`);
    }
    const chart = { repository, chart: spec.chart as string, version: String(spec.version) };
    found.set(`${repository} ${chart.chart} ${chart.version}`, chart);
  }
  return [...found.values()].sort((a, b) => a.repository.localeCompare(b.repository) || a.chart.localeCompare(b.chart));
}

/** The hosts of the repositories `charts` come from. */
export function chartHosts(charts: readonly ChartReference[]): string[] {
  return [...new Set(charts.map((c) => new URL(c.repository.replace(/^oci:/, 'https:')).host))].sort();
}

export class ChartProxy {
  private readonly routes = new Map<string, Routes>();
  private server?: http.Server;
  private readonly inner: http.Server;
  private readonly context: tls.SecureContext;
  private readonly tunnels = new Set<net.Socket>();
  readonly requests: ProxyRequest[] = [];

  constructor(charts: readonly ChartReference[], private port: number, certificate: KeyPair, private readonly work: string, private readonly logFile: string) {
    this.context = tls.createSecureContext({ cert: fs.readFileSync(certificate.cert), key: fs.readFileSync(certificate.key) });
    this.inner = http.createServer((req, res) => this.answer(req, res));
    for (const chart of charts) this.add(chart);
    this.indexHttpRepositories(charts);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** The https URL prefixes and OCI repositories it answers, for the report. */
  get served(): string[] {
    return [...this.routes.entries()].flatMap(([host, routes]) => [...routes.keys()].filter((p) => !p.includes('/blobs/')).map((p) => `https://${host}${p}`)).sort();
  }

  private route(host: string): Routes {
    let routes = this.routes.get(host);
    if (routes === undefined) {
      routes = new Map();
      this.routes.set(host, routes);
    }
    return routes;
  }

  private add(chart: ChartReference): void {
    const archive = fs.readFileSync(ensureChart(chart, { pull: false }).file);
    if (chart.repository.startsWith('oci://')) {
      const url = new URL(chart.repository.replace(/^oci:/, 'https:'));
      const name = `${url.pathname.replace(/^\/|\/$/g, '')}/${chart.chart}`;
      const routes = this.route(url.host);
      const config = blob(HELM_CONFIG, Buffer.from(JSON.stringify(chartMetadata(archive, chart.chart, this.work))));
      const layer = blob(HELM_LAYER, archive);
      const manifest = blob(OCI_MANIFEST, Buffer.from(JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI_MANIFEST,
        config: { mediaType: config.type, digest: config.digest, size: config.data.length },
        layers: [{ mediaType: layer.type, digest: layer.digest, size: layer.data.length }],
      })));
      routes.set('/v2/', blob('application/json', Buffer.from('{}')));
      routes.set(`/v2/${name}/manifests/${chart.version}`, manifest);
      routes.set(`/v2/${name}/manifests/${manifest.digest}`, manifest);
      for (const b of [config, layer]) routes.set(`/v2/${name}/blobs/${b.digest}`, b);
      const tags = `/v2/${name}/tags/list`;
      const listed = routes.get(tags) ? (JSON.parse(routes.get(tags)!.data.toString()) as { tags: string[] }).tags : [];
      routes.set(tags, blob('application/json', Buffer.from(JSON.stringify({ name, tags: [...listed, chart.version] }))));
    } else {
      const url = new URL(chart.repository);
      const base = url.pathname.replace(/\/$/, '');
      this.route(url.host).set(`${base}/${chart.chart}-${chart.version}.tgz`, blob('application/gzip', archive));
    }
  }

  /** Each https repository's index.yaml, written by `helm repo index` over its archives. */
  private indexHttpRepositories(charts: readonly ChartReference[]): void {
    const helm = locateHelm().path;
    for (const repository of new Set(charts.filter((c) => !c.repository.startsWith('oci://')).map((c) => c.repository))) {
      const url = new URL(repository);
      const dir = fs.mkdtempSync(path.join(this.work, 'index-'));
      for (const chart of charts.filter((c) => c.repository === repository)) fs.copyFileSync(ensureChart(chart, { pull: false }).file, path.join(dir, `${chart.chart}-${chart.version}.tgz`));
      const result = spawnSync(helm, ['repo', 'index', dir, '--url', repository.replace(/\/$/, '')], { encoding: 'utf8' });
      if (result.status !== 0) throw new Error(`helm repo index for ${repository} failed: ${result.stderr.trim()}`);
      this.route(url.host).set(`${url.pathname.replace(/\/$/, '')}/index.yaml`, blob('application/x-yaml', fs.readFileSync(path.join(dir, 'index.yaml'))));
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  async start(): Promise<void> {
    this.server = http.createServer((req, res) => {
      this.record(req.method ?? 'GET', req.url ?? '', 403, 'a plain HTTP request through the proxy: nothing outside loopback is dialled');
      res.writeHead(403).end('the e2e proxy dials nothing\n');
    });
    this.server.on('connect', (req: http.IncomingMessage, socket: net.Socket) => this.connect(req, socket));
    this.port = await listen(this.server, this.port, 'the chart proxy', 'stop what uses it');
  }

  /** Closes the proxy and every tunnel through it. */
  async stop(): Promise<void> {
    for (const socket of this.tunnels) socket.destroy();
    this.inner.closeAllConnections();
    await close(this.server);
  }

  private connect(req: http.IncomingMessage, socket: net.Socket): void {
    const [host, port] = (req.url ?? '').split(':');
    socket.on('error', () => socket.destroy());
    if (!this.routes.has(host) || port !== '443') {
      this.record('CONNECT', req.url ?? '', 403, 'not a chart repository of the tree under test');
      socket.end('HTTP/1.1 403 Forbidden\r\n\r\n');
      return;
    }
    this.tunnels.add(socket);
    socket.on('close', () => this.tunnels.delete(socket));
    socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
    const secure = new tls.TLSSocket(socket, { isServer: true, secureContext: this.context });
    secure.on('error', () => secure.destroy());
    this.inner.emit('connection', secure);
  }

  private answer(req: http.IncomingMessage, res: http.ServerResponse): void {
    const host = (req.headers.host ?? '').replace(/:443$/, '');
    const pathname = new URL(req.url ?? '/', `https://${host}`).pathname;
    const found = this.routes.get(host)?.get(pathname);
    const url = `https://${host}${pathname}`;
    if (found === undefined || (req.method !== 'GET' && req.method !== 'HEAD')) {
      this.record(req.method ?? 'GET', url, 404, 'not in the chart cache');
      res.writeHead(404, { 'Content-Type': 'application/json' }).end(JSON.stringify({ errors: [{ code: 'NAME_UNKNOWN', message: `${url} is not in the e2e chart cache` }] }));
      return;
    }
    this.record(req.method ?? 'GET', url, 200);
    res.writeHead(200, { 'Content-Type': found.type, 'Content-Length': found.data.length, 'Docker-Content-Digest': found.digest });
    res.end(req.method === 'HEAD' ? undefined : found.data);
  }

  private record(method: string, url: string, status: number, refused?: string): void {
    const entry: ProxyRequest = { time: new Date().toISOString(), method, url, status, ...(refused ? { refused } : {}) };
    this.requests.push(entry);
    fs.appendFileSync(this.logFile, `${entry.time} ${method} ${url} ${status}${refused ? ` refused: ${refused}` : ''}\n`);
  }
}

/** The chart's Chart.yaml as the JSON config `helm push` stores with it. */
function chartMetadata(archive: Buffer, chart: string, work: string): unknown {
  const file = path.join(work, `${chart}-${process.pid}.tgz`);
  fs.writeFileSync(file, archive);
  const result = spawnSync('tar', ['-xzOf', file, `${chart}/Chart.yaml`], { encoding: 'utf8' });
  fs.rmSync(file);
  if (result.status !== 0) throw new Error(`${chart}: no ${chart}/Chart.yaml in its archive`);
  return parse(result.stdout);
}
