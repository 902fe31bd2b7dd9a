// Hydra's token hook (oauth2.token_hook): before Hydra mints tokens it posts the session here;
// this answers with the same claims plus `groups`, ["admin"] when the Kratos identity's
// admin-only metadata says {"admin": true}, else [] (which also drops a stale claim on a refresh).
// Any failure answers 204, which leaves the claims as they are: a login never breaks on the hook.
// Plain Node.js, no dependencies; the tree mounts it from a ConfigMap (token-hook.ts).
'use strict';

const { Buffer } = require('buffer');
const http = require('http');

const ADMIN_GROUP = 'admin';
const GROUPS_CLAIM = 'groups';
/** Kratos identity IDs are UUIDs; anything else never reaches the admin API's path. */
const IDENTITY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const MAX_BODY_BYTES = 1024 * 1024;
const KRATOS_TIMEOUT_MS = 3000;

/**
 * The hook's answer to one token request body: `{session: {id_token, access_token}}` to replace
 * the claims, or undefined for "change nothing" (no subject: client credentials).
 * `lookupIdentity(id)` resolves to the Kratos identity and rejects on any failure.
 */
async function hookResponse(body, lookupIdentity) {
  const session = body && body.session;
  const subject = session && session.id_token && session.id_token.subject;
  if (typeof subject !== 'string' || !IDENTITY_ID.test(subject)) return undefined;
  const identity = await lookupIdentity(subject);
  const metadata = identity && identity.metadata_admin;
  const admin = metadata !== null && typeof metadata === 'object' && metadata.admin === true;
  const claims = session.id_token.id_token_claims && session.id_token.id_token_claims.ext;
  return {
    session: {
      // Hydra replaces the claim maps with these, so they carry every claim it sent.
      id_token: { ...(claims || {}), [GROUPS_CLAIM]: admin ? [ADMIN_GROUP] : [] },
      access_token: session.extra || {},
    },
  };
}

/** GET <kratosAdminUrl>/admin/identities/<id>, rejecting on a status other than 200 or a timeout. */
function kratosLookup(kratosAdminUrl) {
  return (id) => new Promise((resolve, reject) => {
    const request = http.get(`${kratosAdminUrl}/admin/identities/${encodeURIComponent(id)}`, { timeout: KRATOS_TIMEOUT_MS }, (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('end', () => {
        if (response.statusCode !== 200) {
          reject(new Error(`Kratos answered ${response.statusCode} for identity ${id}`));
          return;
        }
        try {
          resolve(JSON.parse(Buffer.concat(chunks).toString('utf8')));
        } catch (e) {
          reject(e);
        }
      });
      response.on('error', reject);
    });
    request.on('timeout', () => request.destroy(new Error(`Kratos did not answer within ${KRATOS_TIMEOUT_MS} ms`)));
    request.on('error', reject);
  });
}

/** The HTTP server: POST any path is the hook, GET /healthz the probe. */
function createServer(lookupIdentity, log = (message) => console.error(message)) {
  return http.createServer((request, response) => {
    const reply = (status, payload) => {
      const text = payload === undefined ? '' : JSON.stringify(payload);
      response.writeHead(status, payload === undefined ? {} : { 'Content-Type': 'application/json' });
      response.end(text);
    };
    if (request.method === 'GET' && request.url === '/healthz') {
      reply(200, { status: 'ok' });
      return;
    }
    if (request.method !== 'POST') {
      reply(405, { error: 'POST the token hook request' });
      return;
    }
    const chunks = [];
    let size = 0;
    request.on('data', (chunk) => {
      size += chunk.length;
      if (size <= MAX_BODY_BYTES) chunks.push(chunk);
    });
    request.on('end', () => {
      Promise.resolve()
        .then(() => {
          if (size > MAX_BODY_BYTES) throw new Error(`request body over ${MAX_BODY_BYTES} bytes`);
          return hookResponse(JSON.parse(Buffer.concat(chunks).toString('utf8')), lookupIdentity);
        })
        .then((answer) => reply(answer === undefined ? 204 : 200, answer))
        .catch((e) => {
          log(`token hook: claims unchanged: ${e instanceof Error ? e.message : String(e)}`);
          reply(204);
        });
    });
    request.on('error', () => reply(204));
  });
}

module.exports = { ADMIN_GROUP, GROUPS_CLAIM, createServer, hookResponse, kratosLookup };

if (require.main === module) {
  const port = Number(process.env.PORT || 8080);
  const kratosAdminUrl = process.env.KRATOS_ADMIN_URL;
  if (!kratosAdminUrl) {
    console.error('token hook: KRATOS_ADMIN_URL is not set; set it to Kratos\'s admin API URL');
    process.exit(1);
  }
  createServer(kratosLookup(kratosAdminUrl)).listen(port, () => console.error(`token hook: listening on port ${port}`));
}
