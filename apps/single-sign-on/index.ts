import { Duration } from 'cdk8s';
import { defineComponent, Layer, Namespaces } from '../../constructs/component';
import { Generator } from '../../constructs/generated-secret';
import { localPathProvisioner } from '../../infrastructure/local-path-provisioner';
import { adminIdentity } from './admin-identity';
import { singleSignOnDatabase } from './database';
import { ISSUER_URL, LOGIN_URL } from './endpoints';
import { hydra } from './hydra';
import { kratos } from './kratos';
import { loginPages } from './login-pages';
import { ADMIN_GROUP, GROUPS_CLAIM, tokenHook } from './token-hook';

/** What apps need to log in through single sign-on (Hydra's OpenID Connect endpoints). */
export interface SingleSignOnOutputs {
  /** OpenID Connect issuer (Hydra's public URL), `https://sso.${domain}`, no trailing slash. */
  readonly issuerUrl: string;
  /** `<issuer>/.well-known/openid-configuration`. */
  readonly discoveryUrl: string;
  /** Where apps send users to log in. */
  readonly authorizationUrl: string;
  /** Where apps exchange the code for tokens. */
  readonly tokenUrl: string;
  readonly userinfoUrl: string;
  /** Hydra's signing keys. */
  readonly jwksUrl: string;
  /** RP-initiated logout (`end_session_endpoint`). */
  readonly endSessionUrl: string;
  /** The login pages (`https://login.${domain}`), where users also manage their account. */
  readonly loginUrl: string;
  /** The claim, in the ID token and userinfo, that lists a user's groups. */
  readonly groupsClaim: string;
  /** The group in it of users with the admin flag; apps give it, and only it, admin rights. */
  readonly adminGroup: string;
}

/** The backupSet of the user database. */
export const SINGLE_SIGN_ON_BACKUP_SET = 'single-sign-on';

/** The generated key with the initial administrator's password; `admin-credentials` prints it. */
export const ADMIN_PASSWORD_KEY = 'single_sign_on_admin_password';

/**
 * Single sign-on: Ory Kratos (users), Ory Hydra (OpenID Connect, with hydra-maester registering
 * each app's OAuth2Client, and a token hook that turns the admin flag into a `groups` claim), the
 * login pages from Ory's kratos-selfservice-ui-node, and their PostgreSQL. Stackspin's own dashboard (user management) is left out: it is published only in
 * Stackspin's private registry, with no public version to pin.
 */
export const singleSignOn = defineComponent<SingleSignOnOutputs>({
  name: 'single-sign-on',
  layer: Layer.CORE,
  namespace: Namespaces.CORE,
  dependsOn: [localPathProvisioner],
  // Four releases in a row on first install, then the administrator Job.
  kustomization: { timeout: Duration.minutes(20) },
  build(component) {
    const secret = component.generatedSecret({
      single_sign_on_postgres_password: { generator: Generator.PASSWORD },
      single_sign_on_db_password: { generator: Generator.PASSWORD },
      single_sign_on_kratos_default_secret: { generator: Generator.HEX_KEY },
      single_sign_on_kratos_cookie_secret: { generator: Generator.HEX_KEY },
      // Kratos's cipher key must be exactly 32 characters: PASSWORD's length.
      single_sign_on_kratos_cipher_secret: { generator: Generator.PASSWORD },
      single_sign_on_hydra_system_secret: { generator: Generator.HEX_KEY },
      single_sign_on_hydra_cookie_secret: { generator: Generator.HEX_KEY },
      single_sign_on_login_cookie_secret: { generator: Generator.HEX_KEY },
      single_sign_on_login_csrf_secret: { generator: Generator.HEX_KEY },
      [ADMIN_PASSWORD_KEY]: { generator: Generator.PASSWORD },
    });

    const database = singleSignOnDatabase(component, {
      secret,
      adminPasswordKey: 'single_sign_on_postgres_password',
      userPasswordKey: 'single_sign_on_db_password',
      backupSet: SINGLE_SIGN_ON_BACKUP_SET,
    });
    const users = kratos(component, {
      secret,
      keys: {
        default: 'single_sign_on_kratos_default_secret',
        cookie: 'single_sign_on_kratos_cookie_secret',
        cipher: 'single_sign_on_kratos_cipher_secret',
      },
      dependsOn: [database],
    });
    const oidc = hydra(component, {
      secret,
      keys: { system: 'single_sign_on_hydra_system_secret', cookie: 'single_sign_on_hydra_cookie_secret' },
      dependsOn: [database],
    });
    loginPages(component, {
      secret,
      keys: { cookie: 'single_sign_on_login_cookie_secret', csrfCookie: 'single_sign_on_login_csrf_secret' },
      dependsOn: [users, oidc],
    });
    adminIdentity(component, { secret, passwordKey: ADMIN_PASSWORD_KEY });
    tokenHook(component);

    return {
      issuerUrl: ISSUER_URL,
      discoveryUrl: `${ISSUER_URL}/.well-known/openid-configuration`,
      authorizationUrl: `${ISSUER_URL}/oauth2/auth`,
      tokenUrl: `${ISSUER_URL}/oauth2/token`,
      userinfoUrl: `${ISSUER_URL}/userinfo`,
      jwksUrl: `${ISSUER_URL}/.well-known/jwks.json`,
      endSessionUrl: `${ISSUER_URL}/oauth2/sessions/logout`,
      loginUrl: LOGIN_URL,
      groupsClaim: GROUPS_CLAIM,
      adminGroup: ADMIN_GROUP,
    };
  },
});
