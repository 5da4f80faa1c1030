// Tokens shaped like Microsoft Entra's: a JWT whose payload carries the claims (keyloss reads them, never checks the signature).
export function entraToken(claims: Record<string, unknown>): string {
  const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  return `${part({ alg: 'RS256', typ: 'JWT' })}.${part({ aud: 'https://redis.azure.com', ...claims })}.c2lnbmF0dXJl`;
}
