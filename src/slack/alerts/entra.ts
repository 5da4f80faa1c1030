// Azure Monitor's secure webhook: the action group signs in to Microsoft Entra as the configured app registration and
// sends the access token as Authorization: Bearer. The token is checked with jose against Entra's published keys:
// signature (RS256), expiry, issuer of the configured tenant (v1 https://sts.windows.net/<tenant>/, v2
// https://login.microsoftonline.com/<tenant>/v2.0), its tid, the audience (v1: the Application ID URI or the client
// id; v2: the client id) and, when configured, the app role ActionGroupsSecureWebhook.
// https://learn.microsoft.com/azure/azure-monitor/alerts/action-groups#secure-webhook
import { createRemoteJWKSet, errors, jwtVerify, type JWTPayload } from 'jose';
import type { AlertEntraConfig } from '../../config/env.ts';

export const SECURE_WEBHOOK_ROLE = 'ActionGroupsSecureWebhook';

export type EntraCheck = { ok: true } | { ok: false; reason: string };

/** A JWT's shape: three base64url parts. A shared-secret token never has two dots. */
export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]*$/.test(token);
}

function audiences(payload: JWTPayload): string[] {
  return typeof payload.aud === 'string' ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [];
}

/** Why jose refused a token, in words that never repeat the token. */
function refusal(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'the token has expired';
  if (error instanceof errors.JWTClaimValidationFailed) return error.reason === 'missing' ? `the token has no ${error.claim} claim` : `the token's ${error.claim} claim is not the configured one`;
  if (error instanceof errors.JWSSignatureVerificationFailed) return 'the token is not signed by Entra';
  if (error instanceof errors.JWKSNoMatchingKey) return "the token's key is not among Entra's signing keys";
  if (error instanceof errors.JWKSTimeout) return "Entra's signing keys could not be read in time";
  if (error instanceof errors.JOSEAlgNotAllowed) return 'the token is not signed with RS256';
  if (error instanceof errors.JOSEError) return `the token was refused (${error.code})`;
  return "Entra's signing keys could not be read";
}

/** A checker for the configured tenant and app; Entra's keys are fetched once and cached (jose refetches an unknown kid). */
export function entraTokenCheck(config: AlertEntraConfig): (token: string) => Promise<EntraCheck> {
  const keys = createRemoteJWKSet(new URL(config.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000, cacheMaxAge: 3_600_000 });
  const v1 = `https://sts.windows.net/${config.tenant}/`;
  const v2 = `https://login.microsoftonline.com/${config.tenant}/v2.0`;
  return async (token) => {
    let payload: JWTPayload;
    try {
      ({ payload } = await jwtVerify(token, keys, {
        algorithms: ['RS256'],
        issuer: [v1, v2],
        audience: [config.appIdUri, config.clientId],
        requiredClaims: ['exp', 'tid'],
        clockTolerance: 60,
      }));
    } catch (error) {
      return { ok: false, reason: refusal(error) };
    }
    if (String(payload.tid).toLowerCase() !== config.tenant) return { ok: false, reason: "the token's tenant is not the configured one" };
    // v2 tokens are issued for the client id; v1 tokens for the Application ID URI (or the client id when asked so).
    if (payload.iss === v2 && !audiences(payload).includes(config.clientId)) return { ok: false, reason: 'a v2 token whose audience is not the client id' };
    if (config.requireRole) {
      const roles = Array.isArray(payload.roles) ? payload.roles : [];
      if (!roles.includes(SECURE_WEBHOOK_ROLE)) return { ok: false, reason: `the token does not carry the app role ${SECURE_WEBHOOK_ROLE}` };
    }
    return { ok: true };
  };
}
