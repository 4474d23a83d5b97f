// A real OpenID provider for the tests (the certified `oidc-provider` package from npm, run
// with the machine's Node.js): one confidential client, PKCE required, the development login
// and consent pages (any password). Accounts are read from a JSON file on every use, so a
// test closes an account by removing it from the file.
//
// node tests/oidc/provider.mjs PORT CLIENT_ID CLIENT_SECRET REDIRECT_URI ACCOUNTS_FILE
import fs from 'node:fs';
import Provider from 'oidc-provider';

const [port, clientId, clientSecret, redirectUri, accountsFile] = process.argv.slice(2);
const issuer = `http://127.0.0.1:${port}`;

const provider = new Provider(issuer, {
  clients: [{
    client_id: clientId,
    client_secret: clientSecret,
    redirect_uris: [redirectUri],
    response_types: ['code'],
    grant_types: ['authorization_code'],
    token_endpoint_auth_method: 'client_secret_basic',
  }],
  pkce: { required: () => true },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
  cookies: { keys: ['baobab tests only'] },
  ttl: { IdToken: 120 },  // seconds: a test lets one expire on its way to Baobab
  async findAccount(ctx, id) {
    const accounts = JSON.parse(fs.readFileSync(accountsFile, 'utf8'));
    if (!Object.hasOwn(accounts, id)) return undefined;  // closed, or never opened
    return { accountId: id, claims: async () => ({ sub: id, ...accounts[id] }) };
  },
});

provider.listen(Number(port), '127.0.0.1', () => {
  console.log(`listening on ${issuer}`);
});
