/** The id Kratos knows the schema by; new identities (and the initial administrator) use it. */
export const IDENTITY_SCHEMA_ID = 'default';

/** The file the Kratos chart writes the schema to, in the config volume it mounts at /etc/config. */
export const IDENTITY_SCHEMA_FILE = 'identity.default.schema.json';

/**
 * A person: an e-mail address (the login identifier, where recovery and verification codes go)
 * and an optional display name that apps receive in the `profile` scope.
 */
export const IDENTITY_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'Person',
  type: 'object',
  properties: {
    traits: {
      type: 'object',
      properties: {
        email: {
          type: 'string',
          format: 'email',
          title: 'E-mail',
          minLength: 3,
          maxLength: 320,
          'ory.sh/kratos': {
            credentials: { password: { identifier: true } },
            recovery: { via: 'email' },
            verification: { via: 'email' },
          },
        },
        name: { type: 'string', title: 'Name', maxLength: 256 },
      },
      required: ['email'],
      additionalProperties: false,
    },
  },
} as const;
