// The stateful part of the stub kubectl (bin/kubectl, which has recorded the call and answered
// what needs no state): keeps Secrets, applied manifests and created objects in $STUB_STATE, so
// re-runs see what earlier runs did.
const fs = require('fs');
const path = require('path');
const { Buffer } = require('buffer');

const state = process.env.STUB_STATE;
const args = process.argv.slice(2);
const line = `kubectl ${args.join(' ')}`;

const secretsDir = path.join(state, 'secrets');
fs.mkdirSync(secretsDir, { recursive: true });
const secretFile = (name) => path.join(secretsDir, `${name}.json`);
const load = (name) => (fs.existsSync(secretFile(name)) ? JSON.parse(fs.readFileSync(secretFile(name), 'utf8')) : undefined);
const save = (secret) => fs.writeFileSync(secretFile(secret.metadata.name), JSON.stringify(secret, null, 2));
const fail = (message) => { process.stderr.write(`Error from server: ${message}\n`); process.exit(1); };
const flag = (...names) => {
  for (const name of names) {
    const inline = args.find((a) => a.startsWith(`${name}=`));
    if (inline !== undefined) return inline.slice(name.length + 1);
    if (args.includes(name)) return args[args.indexOf(name) + 1];
  }
  return undefined;
};
const conflict = (name) => fail(`(Conflict): Operation cannot be fulfilled on secrets "${name}": the object has been modified; please apply your changes to the latest version and try again`);
const bump = (secret) => { secret.metadata.resourceVersion = String(Number(secret.metadata.resourceVersion) + 1); };
const stdin = () => fs.readFileSync(0, 'utf8');

const [verb, kind, name] = args;
if (verb === 'get' && kind === 'secret') {
  const secret = load(name);
  const output = flag('--output', '-o');
  if (!secret) {
    if (args.includes('--ignore-not-found')) process.exit(0);
    fail(`(NotFound): secrets "${name}" not found`);
  }
  if (output === 'json') process.stdout.write(JSON.stringify(secret));
  else if (output === 'jsonpath={.metadata.name}') process.stdout.write(secret.metadata.name);
  else if (output.startsWith('go-template=')) {
    // The secret generator's template: the resourceVersion, then each key name (sorted, as Go does).
    process.stdout.write(`${secret.metadata.resourceVersion}\n${Object.keys(secret.data ?? {}).sort().map((k) => `${k}\n`).join('')}`);
  } else process.stdout.write(secret.data?.[/^jsonpath=\{\.data\.(.+)\}$/.exec(output)[1]] ?? '');
} else if (verb === 'create') {
  // A Secret is kept like the cluster keeps it; anything else (Velero's Backups and Restores) is
  // appended to $STUB_STATE/created, one JSON object per line.
  const created = JSON.parse(stdin());
  if (created.kind === 'Secret') {
    if (load(created.metadata.name)) fail(`(AlreadyExists): secrets "${created.metadata.name}" already exists`);
    created.metadata.resourceVersion = '1';
    save(created);
  } else {
    fs.appendFileSync(path.join(state, 'created'), `${JSON.stringify(created)}\n`);
    process.stdout.write(`${created.kind.toLowerCase()}.velero.io/${created.metadata.name} created\n`);
  }
} else if (verb === 'patch') {
  const patch = JSON.parse(stdin());
  const secret = load(name);
  if (!secret) fail(`(NotFound): secrets "${name}" not found`);
  // Another writer changes the Secret between the caller's read and its patch: once
  // (STUB_CONCURRENT_WRITE=name:key=value) or every time (STUB_ALWAYS_CHANGING=name).
  const concurrent = /^([^:]+):([^=]+)=(.*)$/.exec(process.env.STUB_CONCURRENT_WRITE ?? '');
  const once = path.join(state, 'concurrent-write-done');
  if (concurrent && concurrent[1] === name && !fs.existsSync(once)) {
    fs.writeFileSync(once, '');
    secret.data = { ...secret.data, [concurrent[2]]: Buffer.from(concurrent[3]).toString('base64') };
    bump(secret);
    save(secret);
  }
  if (process.env.STUB_ALWAYS_CHANGING === name) {
    bump(secret);
    save(secret);
  }
  if (patch.metadata?.resourceVersion !== secret.metadata.resourceVersion) conflict(name);
  secret.data = { ...secret.data, ...patch.data };
  bump(secret);
  save(secret);
} else if (verb === 'apply') {
  const input = stdin();
  fs.appendFileSync(path.join(state, 'applied'), `# ${line}\n${input}\n`);
  // Only the documents that can be Secrets are parsed, and YAML is loaded only for them: most
  // applies hold none, and Flux's own manifests are thousands of lines.
  const secrets = input.split(/^---$/m).filter((text) => /^kind: *Secret *$/m.test(text));
  const { parseAllDocuments } = secrets.length === 0 ? { parseAllDocuments: () => [] } : require(path.join(process.env.STUB_ROOT, 'node_modules', 'yaml'));
  for (const doc of parseAllDocuments(secrets.join('\n---\n'))) {
    const object = doc.toJS();
    if (object?.kind !== 'Secret') continue;
    const existing = load(object.metadata.name);
    save({ ...object, data: object.data, metadata: { ...object.metadata, resourceVersion: String(Number(existing?.metadata.resourceVersion ?? 0) + 1) } });
  }
} else {
  fail(`stub kubectl: unexpected ${line}`);
}
