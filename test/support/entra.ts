// Tokens shaped like Microsoft Entra's: a JWT whose payload carries the claims (keyloss reads them, never checks the signature).
export function entraToken(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ aud: 'https://redis.azure.com', ...claims })}.c2lnbmF0dXJl`;
}

/**
 * A signing key set as Entra publishes one (JWKS over HTTP, here on 127.0.0.1) and tokens signed with it, as Entra
 * issues them to Azure Monitor's secure webhook: v1 (issuer https://sts.windows.net/<tenant>/) or v2 (issuer
 * https://login.microsoftonline.com/<tenant>/v2.0). `signedElsewhere` signs with a key the set does not publish.
 */
export interface EntraKeys {
  jwksUrl: string;
  sign(claims: Record<string, unknown>, options?: { signedElsewhere?: boolean; expiresInSeconds?: number }): Promise<string>;
  close(): Promise<void>;
}

export async function startEntraKeys(): Promise<EntraKeys> {
  const { exportJWK, generateKeyPair, SignJWT } = await import('jose');
  const { createServer } = await import('node:http');
  const published = await generateKeyPair('RS256', { extractable: true });
  const other = await generateKeyPair('RS256', { extractable: true });
  const jwk = { ...(await exportJWK(published.publicKey)), kid: 'keyloss-test-key', use: 'sig', alg: 'RS256' };
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify({ keys: [jwk] }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as { port: number }).port;
  return {
    jwksUrl: `http://127.0.0.1:${port}/common/discovery/v2.0/keys`,
    async sign(claims, options = {}) {
      const now = Math.floor(Date.now() / 1000);
      return new SignJWT({ iat: now, nbf: now, exp: now + (options.expiresInSeconds ?? 3600), ...claims })
        .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: 'keyloss-test-key' })
        .sign(options.signedElsewhere ? other.privateKey : published.privateKey);
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
