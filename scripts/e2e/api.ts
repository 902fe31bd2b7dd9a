/**
 * The harness's own reads and writes on the API server (the operator's commands go through
 * kubectl and flux): JSON over HTTPS with the administrator's client certificate.
 */
import * as fs from 'fs';
import * as https from 'https';
import { KeyPair } from './pki';

export interface KubeObject {
  readonly apiVersion?: string;
  readonly kind?: string;
  readonly metadata: {
    readonly name: string;
    readonly namespace?: string;
    readonly uid?: string;
    readonly labels?: Record<string, string>;
    readonly annotations?: Record<string, string>;
    readonly ownerReferences?: readonly { readonly kind: string; readonly name: string }[];
    readonly creationTimestamp?: string;
    readonly resourceVersion?: string;
  };
  readonly spec?: any;
  readonly status?: any;
  readonly [key: string]: unknown;
}

export interface Condition {
  readonly type: string;
  readonly status: string;
  readonly reason?: string;
  readonly message?: string;
  readonly lastTransitionTime?: string;
}

export class ApiError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
  }
}

export class Api {
  private readonly agent: https.Agent;

  constructor(private readonly server: string, ca: string, client: KeyPair) {
    this.agent = new https.Agent({ ca: fs.readFileSync(ca), cert: fs.readFileSync(client.cert), key: fs.readFileSync(client.key), keepAlive: true });
  }

  request<T = any>(method: string, path: string, body?: unknown, contentType = 'application/json'): Promise<T> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = https.request(`${this.server}${path}`, {
        method,
        agent: this.agent,
        headers: { Accept: 'application/json', ...(payload === undefined ? {} : { 'Content-Type': contentType }) },
        timeout: 30_000,
      }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if ((res.statusCode ?? 500) >= 300) {
            let message = text;
            try { message = (JSON.parse(text) as { message?: string }).message ?? text; } catch { /* not JSON */ }
            reject(new ApiError(res.statusCode ?? 500, `${method} ${path}: ${res.statusCode} ${message.trim()}`));
            return;
          }
          const json = String(res.headers['content-type']).startsWith('application/json');
          try { resolve((json ? JSON.parse(text) : text) as T); } catch (e) { reject(e); }
        });
      });
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within 30 s`)));
      req.on('error', reject);
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  get<T = KubeObject>(path: string): Promise<T> {
    return this.request<T>('GET', path);
  }

  /** The items of a list; an unknown resource (its CRD not yet served) is an empty list. */
  async list(path: string): Promise<KubeObject[]> {
    try {
      return (await this.get<{ items: KubeObject[] }>(path)).items;
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return [];
      throw e;
    }
  }

  create(path: string, object: unknown): Promise<KubeObject> {
    return this.request('POST', path, object);
  }

  mergePatch(path: string, patch: unknown): Promise<KubeObject> {
    return this.request('PATCH', path, patch, 'application/merge-patch+json');
  }

  strategicPatch(path: string, patch: unknown): Promise<KubeObject> {
    return this.request('PATCH', path, patch, 'application/strategic-merge-patch+json');
  }

  close(): void {
    this.agent.destroy();
  }
}

export function condition(object: KubeObject, type: string): Condition | undefined {
  return (object.status?.conditions as Condition[] | undefined)?.find((c) => c.type === type);
}
