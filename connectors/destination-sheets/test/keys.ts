import { generateKeyPairSync } from 'node:crypto'

/** A service account key file as Google issues it, and the public half the fake verifies with. */
export function serviceAccount(email = 'sluice-sync@fake-project.iam.gserviceaccount.com') {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 })
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()
  const publicPem = publicKey.export({ type: 'spki', format: 'pem' }).toString()
  return {
    email,
    privateKey: privatePem,
    publicKey: publicPem,
    /** the key file's JSON for a token endpoint at `url` */
    keyJson: (url: string) =>
      JSON.stringify({
        type: 'service_account',
        project_id: 'fake-project',
        private_key_id: 'key-1',
        private_key: privatePem,
        client_email: email,
        client_id: '1234567890',
        token_uri: `${url}/token`,
      }),
  }
}
