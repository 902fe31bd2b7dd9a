import { createHash } from 'crypto';
import bcrypt from 'bcryptjs';
import { GeneratedSecret, Generator } from '../../constructs/generated-secret';

const ALPHANUMERIC = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const BCRYPT_SALT_ALPHABET = './ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function digest(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

/**
 * Stand-ins for generated values, with the shape the generator gives them (32 alphanumerics, 64
 * hex characters, a real bcrypt htpasswd line), so charts that check a secret's length or format
 * see what a cluster would. Deterministic: derived from the key's name, so renders are cacheable.
 */
export function placeholderValues(secrets: readonly GeneratedSecret[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const secret of secrets) {
    for (const [key, spec] of Object.entries(secret.keys)) {
      if (spec.generator === Generator.HEX_KEY) values.set(key, digest(key).toString('hex'));
      else if (spec.generator === Generator.PASSWORD) values.set(key, [...digest(key)].map((b) => ALPHANUMERIC[b % ALPHANUMERIC.length]).join(''));
    }
    for (const [key, spec] of Object.entries(secret.keys)) {
      if (spec.generator !== Generator.HTPASSWD) continue;
      const salt = `$2b$10$${[...digest(`${key} salt`)].slice(0, 22).map((b) => BCRYPT_SALT_ALPHABET[b % 64]).join('')}`;
      values.set(key, `admin:${bcrypt.hashSync(values.get(spec.from as string) as string, salt)}`);
    }
  }
  return values;
}
