import { ChildProcess, spawn } from 'child_process';
import * as fs from 'fs';
import * as http from 'http';
import { AddressInfo } from 'net';
import * as os from 'os';
import * as path from 'path';
import { TOKEN_HOOK, TOKEN_HOOK_SCRIPT_FILE, tokenHookUrl } from '../../apps/single-sign-on/token-hook';
import { Internal } from '../../apps/single-sign-on/endpoints';
import { fluxSubstitute } from '../infrastructure/flux-substitute';
import { fullTree } from '../tree';
import { parseYaml } from '../yaml';

// The hook's own module, as the node image runs it (plain JavaScript, no types).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const hook = require(TOKEN_HOOK_SCRIPT_FILE) as {
  hookResponse: (body: unknown, lookup: (id: string) => Promise<unknown>) => Promise<any>;
  createServer: (lookup: (id: string) => Promise<unknown>, log?: (m: string) => void) => http.Server;
  kratosLookup: (url: string) => (id: string) => Promise<unknown>;
};

const ADA = '0b6a56b0-2f5e-4c1a-9d43-6a3f1e8c2b10';
const BOB = '7d9e0c1f-8a2b-4c3d-9e4f-5a6b7c8d9e0f';

/** A token hook request as Hydra v26.2.0 sends it (oauth2/token_hook.go; its test snapshots). */
function hydraRequest(subject: string | undefined, ext: Record<string, unknown> = { email: 'ada@example.org', sid: 'session-1' }): any {
  return {
    session: {
      id_token: {
        id_token_claims: { jti: '', iss: 'https://sso.stackspin.example.org', sub: subject ?? '', aud: ['nextcloud'], ext },
        headers: { extra: {} },
        ...(subject === undefined ? {} : { subject }),
      },
      extra: { scope_note: 'kept' },
      client_id: 'nextcloud',
    },
    request: { client_id: 'nextcloud', granted_scopes: ['openid', 'email'], grant_types: ['authorization_code'], payload: {} },
  };
}

/** Kratos identities by id, as GET /admin/identities/<id> returns them (admin metadata included). */
const IDENTITIES: Readonly<Record<string, unknown>> = {
  [ADA]: { id: ADA, traits: { email: 'ada@example.org' }, metadata_public: null, metadata_admin: { admin: true } },
  [BOB]: { id: BOB, traits: { email: 'bob@example.org' }, metadata_public: { admin: true } },
};
const lookup = async (id: string): Promise<unknown> => {
  if (!(id in IDENTITIES)) throw new Error('not found');
  return IDENTITIES[id];
};

/** A stub of Kratos's admin API on a free port; `status` forces an answer. */
async function stubKratos(status?: number): Promise<{ url: string; calls: string[]; close: () => Promise<void> }> {
  const calls: string[] = [];
  const server = http.createServer((req, res) => {
    calls.push(`${req.method} ${req.url}`);
    const id = (req.url ?? '').replace('/admin/identities/', '');
    const found = IDENTITIES[id];
    const code = status ?? (found ? 200 : 404);
    res.writeHead(code, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(code === 200 ? found : { error: { code } }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, calls, close: () => new Promise((r) => server.close(() => r())) };
}

async function post(url: string, body: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request(url, { method: 'POST', headers: { 'Content-Type': 'application/json' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('Hydra token hook: the claims it returns', () => {
  test('GIVEN an identity flagged admin WHEN Hydra asks THEN the ID token gets groups ["admin"] beside every claim Hydra sent, and the access token claims are kept', async () => {
    expect(await hook.hookResponse(hydraRequest(ADA), lookup)).toEqual({
      session: {
        id_token: { email: 'ada@example.org', sid: 'session-1', groups: ['admin'] },
        access_token: { scope_note: 'kept' },
      },
    });
  });

  test('GIVEN an identity without the flag WHEN Hydra refreshes a token that still says admin THEN groups becomes [], so a revoked flag does not linger', async () => {
    const answer = await hook.hookResponse(hydraRequest(BOB, { email: 'bob@example.org', groups: ['admin'] }), lookup);
    expect(answer.session.id_token).toEqual({ email: 'bob@example.org', groups: [] });
  });

  test.each([
    ['the flag false', { admin: false }],
    ['no admin metadata', undefined],
    ['admin metadata null', null],
    ['the flag a string', { admin: 'true' }],
    ['the flag in the public metadata only (users see and Kratos shows it, but it is not the admin-only one)', undefined],
  ])('GIVEN an identity with %s WHEN Hydra asks THEN it is no admin', async (_what, metadata) => {
    const identity = { id: ADA, metadata_public: { admin: true }, ...(metadata === undefined ? {} : { metadata_admin: metadata }) };
    expect((await hook.hookResponse(hydraRequest(ADA), async () => identity)).session.id_token.groups).toEqual([]);
  });

  test('GIVEN a request without a subject (client credentials) or with one that is no Kratos id WHEN Hydra asks THEN nothing changes and Kratos is not asked', async () => {
    const asked: string[] = [];
    const spy = async (id: string): Promise<unknown> => { asked.push(id); return IDENTITIES[ADA]; };
    for (const subject of [undefined, '', '../admin', `${ADA}/x`, 'not-a-uuid']) {
      expect(await hook.hookResponse(hydraRequest(subject), spy)).toBeUndefined();
    }
    expect(await hook.hookResponse({}, spy)).toBeUndefined();
    expect(await hook.hookResponse(null, spy)).toBeUndefined();
    expect(asked).toEqual([]);
  });

  test('GIVEN the lookup fails WHEN Hydra asks THEN the error reaches the server, which answers 204 (tested below)', async () => {
    await expect(hook.hookResponse(hydraRequest(ADA), async () => { throw new Error('down'); })).rejects.toThrow('down');
  });
});

describe('Hydra token hook: the HTTP service against a stub Kratos', () => {
  let kratos: Awaited<ReturnType<typeof stubKratos>>;
  let server: http.Server;
  let url: string;
  const logged: string[] = [];

  const start = async (kratosUrl: string): Promise<void> => {
    server = hook.createServer(hook.kratosLookup(kratosUrl), (m) => logged.push(m));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  };
  afterEach(async () => {
    await new Promise((r) => server.close(r));
    await kratos?.close();
  });

  test('GIVEN Kratos answers WHEN Hydra posts a token request THEN the hook reads the identity from the admin API and answers 200 with the groups claim', async () => {
    kratos = await stubKratos();
    await start(kratos.url);
    const answer = await post(`${url}/token`, JSON.stringify(hydraRequest(ADA)));
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body).session.id_token.groups).toEqual(['admin']);
    expect(kratos.calls).toEqual([`GET /admin/identities/${ADA}`]);
  });

  test.each([
    ['Kratos answers 404 (identity deleted)', 404],
    ['Kratos answers 500', 500],
    ['Kratos answers 503', 503],
  ])('GIVEN %s WHEN Hydra posts THEN the hook answers 204 and the login goes on with its claims', async (_what, status) => {
    kratos = await stubKratos(status);
    await start(kratos.url);
    const answer = await post(url, JSON.stringify(hydraRequest(ADA)));
    expect({ status: answer.status, body: answer.body }).toEqual({ status: 204, body: '' });
  });

  test('GIVEN Kratos cannot be reached WHEN Hydra posts THEN the hook answers 204 and logs why, without any claim', async () => {
    kratos = await stubKratos();
    const gone = kratos.url;
    await kratos.close();
    await start(gone);
    const answer = await post(url, JSON.stringify(hydraRequest(ADA)));
    expect(answer.status).toBe(204);
    expect(logged.at(-1)).toMatch(/^token hook: claims unchanged: /);
    expect(logged.join('\n')).not.toContain('ada@example.org');
    kratos = await stubKratos();
  });

  test.each([
    ['not JSON', '{"session":'],
    ['an empty body', ''],
    ['JSON that is not an object', '[1,2,3]'],
    ['a body over 1 MiB', JSON.stringify({ pad: 'x'.repeat(1024 * 1024 + 1) })],
  ])('GIVEN %s WHEN posted THEN the hook answers 204, never an error status that would fail the token request', async (_what, body) => {
    kratos = await stubKratos();
    await start(kratos.url);
    expect((await post(url, body)).status).toBe(204);
  });

  test('GIVEN the probe WHEN it asks /healthz THEN the hook answers 200', async () => {
    kratos = await stubKratos();
    await start(kratos.url);
    const status = await new Promise<number>((resolve) => http.get(`${url}/healthz`, (res) => { res.resume(); resolve(res.statusCode ?? 0); }));
    expect(status).toBe(200);
  });
});

describe('Hydra token hook: what the cluster runs', () => {
  const tree = (file: string): any => parseYaml(fullTree().get(`core/single-sign-on/${file}`)!);
  let child: ChildProcess | undefined;
  afterEach(() => child?.kill());

  test('GIVEN the ConfigMap WHEN Flux has substituted it THEN it is the script file byte for byte, and node runs it as the Deployment does, answering Hydra', async () => {
    const text = fluxSubstitute(fullTree().get('core/single-sign-on/configmap-hydra-token-hook.yaml')!, {});
    const script: string = parseYaml(text).data['token-hook.js'];
    expect(script).toBe(fs.readFileSync(TOKEN_HOOK_SCRIPT_FILE, 'utf8'));

    const kratos = await stubKratos();
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'token-hook-')), 'token-hook.js');
    fs.writeFileSync(file, script);
    const port = await new Promise<number>((resolve) => { const s = http.createServer().listen(0, () => { const p = (s.address() as AddressInfo).port; s.close(() => resolve(p)); }); });
    child = spawn(process.execPath, [file], { env: { PATH: process.env.PATH, PORT: String(port), KRATOS_ADMIN_URL: kratos.url }, stdio: ['ignore', 'ignore', 'pipe'] });
    await new Promise<void>((resolve) => child!.stderr!.on('data', (d) => { if (String(d).includes('listening')) resolve(); }));
    const answer = await post(`http://127.0.0.1:${port}/token`, JSON.stringify(hydraRequest(ADA)));
    expect(JSON.parse(answer.body).session.id_token.groups).toEqual(['admin']);
    await kratos.close();
  });

  test('GIVEN the Deployment WHEN read THEN it runs the pinned node image non-root and read-only, mounts that script, asks Kratos\'s admin API and starts a new pod before stopping the old', () => {
    const deployment = tree(`deployment-${TOKEN_HOOK}.yaml`);
    const spec = deployment.spec.template.spec;
    const container = spec.containers[0];
    expect(container.image).toMatch(/^docker\.io\/library\/node:\d+\.\d+\.\d+-alpine$/);
    expect(container.command).toEqual(['node', '/etc/token-hook/token-hook.js']);
    expect(container.env).toContainEqual({ name: 'KRATOS_ADMIN_URL', value: Internal.KRATOS_ADMIN });
    expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(spec.automountServiceAccountToken).toBe(false);
    expect(spec.volumes).toEqual([{ name: 'script', configMap: { name: TOKEN_HOOK } }]);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxUnavailable: 0, maxSurge: 1 });
    expect(deployment.spec.template.metadata.annotations['stackspin.net/script-sha256']).toMatch(/^[0-9a-f]{64}$/);
  });

  test('GIVEN Hydra\'s values WHEN read THEN its token hook is the Service\'s URL', () => {
    const values = parseYaml(tree('configmap-hydra-values.yaml').data['values.yaml']);
    expect(values.hydra.config.oauth2.token_hook).toBe(tokenHookUrl('stackspin'));
    const service = tree(`service-${TOKEN_HOOK}.yaml`);
    expect(tokenHookUrl('stackspin')).toBe(`http://${service.metadata.name}.${service.metadata.namespace}.svc.cluster.local:${service.spec.ports[0].port}/token`);
  });

  test('GIVEN the NetworkPolicy WHEN read THEN only Hydra\'s pods reach the hook, on its port', () => {
    const policy = tree(`networkpolicy-${TOKEN_HOOK}.yaml`);
    expect(policy.spec.podSelector).toEqual(tree(`deployment-${TOKEN_HOOK}.yaml`).spec.selector);
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toEqual([{
      from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'hydra', 'app.kubernetes.io/instance': 'hydra' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    }]);
  });
});
