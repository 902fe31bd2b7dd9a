#!/usr/bin/env node
// Stub of Zulip's manage.py (Zulip 12): the commands the tree and user-admin.sh run, with realms
// and users in $STUB_STATE/zulip.json, each call recorded as `manage.py <args>`.
const fs = require('fs');
const path = require('path');

const args = process.argv.slice(2);
const state = process.env.STUB_STATE;
fs.appendFileSync(path.join(state, 'calls'), `manage.py ${args.join(' ')}\n`);
if (process.env.STUB_FAIL && new RegExp(process.env.STUB_FAIL).test(`manage.py ${args.join(' ')}`)) {
  process.stderr.write('stub: injected failure\n');
  process.exit(1);
}
const file = path.join(state, 'zulip.json');
const db = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : { realms: [{ id: 1, string_id: 'zulipinternal', name: 'System bot realm' }], users: [] };
const save = () => fs.writeFileSync(file, JSON.stringify(db, null, 2));
const fail = (message) => { process.stderr.write(`CommandError: ${message}\n`); process.exit(1); };
const ROLES = { owner: 100, admin: 200, moderator: 300, member: 400, guest: 600 };
// Options as Django's argparse takes them: `-r X`, `--realm X`, `--realm=X`, `--string-id X`.
const option = (...names) => {
  for (const name of names) {
    const inline = args.find((a) => a.startsWith(`${name}=`));
    if (inline !== undefined) return inline.slice(name.length + 1);
    if (args.includes(name)) return args[args.indexOf(name) + 1];
  }
  return undefined;
};
const positional = args.slice(1).filter((a, i, all) => !a.startsWith('-') && !['-r', '--realm', '--string-id', '-c'].includes(all[i - 1]));
const realmOf = (id) => db.realms.find((r) => String(r.id) === id || r.string_id === id) ?? fail(`There is no realm with id '${id}'. Aborting.`);
const userIn = (realm, email) => db.users.find((u) => u.realm === realm.id && u.email.toLowerCase() === email.toLowerCase());

switch (args[0]) {
  case 'list_realms':
    console.log('id    string_id            name                           domain');
    console.log('--    ---------            ----                           ------');
    for (const r of db.realms) console.log(`${String(r.id).padEnd(5)} ${(r.string_id === '' ? "''" : r.string_id).padEnd(20)} ${r.name.padEnd(30)} https://zulip.example.org`);
    break;
  case 'create_realm': {
    const [name, email, fullName] = positional;
    if (!name || !email || !fullName) fail('the stub wants the name, e-mail and full name, as the tree gives them (it never prompts)');
    const stringId = option('--string-id') ?? '';
    if (db.realms.some((r) => r.string_id === stringId)) fail('Subdomain unavailable. Please choose a different one.');
    const realm = { id: Math.max(...db.realms.map((r) => r.id)) + 1, string_id: stringId, name };
    db.realms.push(realm);
    db.users.push({ realm: realm.id, email, full_name: fullName, role: ROLES.owner });
    save();
    break;
  }
  case 'shell': {
    // The one query user-admin.sh runs: the role of $STACKSPIN_EMAIL in the root-domain realm.
    const code = option('-c') ?? '';
    if (!code.includes('STACKSPIN_EMAIL') || !code.includes('realm__string_id=""')) fail(`stub: unexpected shell code ${code}`);
    console.log('8 objects imported automatically (use -v 2 for details).');
    const realm = db.realms.find((r) => r.string_id === '');
    const user = realm && userIn(realm, process.env.STACKSPIN_EMAIL ?? '');
    console.log(`role=${user ? user.role : 'none'}`);
    break;
  }
  case 'change_user_role': {
    const [email, role] = positional;
    const realmId = option('-r', '--realm');
    if (realmId === undefined) fail('the following arguments are required: -r/--realm');
    const realm = realmOf(realmId);
    const user = userIn(realm, email) ?? fail(`The realm '${realm.string_id}' does not contain a user with email '${email}'`);
    if (ROLES[role] === user.role) fail('User already has this role.');
    user.role = ROLES[role];
    save();
    console.log(`Role for ${email} changed to ${role}.`);
    break;
  }
  default:
    fail(`stub: unexpected manage.py ${args.join(' ')}`);
}
