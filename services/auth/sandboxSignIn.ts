/**
 * Sandbox mode's sign-in without a person: the real device-code flow (msal-node asks the sandbox's devicecode and
 * token endpoints), with the code approved through the sandbox's admin API as the named partner user — what
 * `npm start` does for the demo partner admin, and what tests do instead of minting tokens.
 */
import type { PartnerConnection, PartnerConnectionStatus } from './partnerConnection';

export const DEMO_PARTNER_ADMIN = 'admin@sandboxpartner.onmicrosoft.com';

/** Approves a pending device code at the sandbox (`POST /_sandbox/identity/devicecodes/{code}/approve`). */
export async function approveSandboxDeviceCode(sandboxUrl: string, userCode: string, userPrincipalName: string, mfa: boolean): Promise<void> {
  const response = await fetch(`${sandboxUrl.replace(/\/$/, '')}/_sandbox/identity/devicecodes/${encodeURIComponent(userCode)}/approve`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ userPrincipalName, mfa }),
  });
  if (!response.ok) throw new Error(`the sandbox refused to approve device code ${userCode}: ${response.status} ${await response.text()}`);
}

export async function signInSandboxPartnerAdmin(
  connection: PartnerConnection,
  sandboxUrl: string,
  options: { userPrincipalName?: string; mfa?: boolean } = {},
): Promise<PartnerConnectionStatus> {
  const { challenge, done } = await connection.connect();
  await approveSandboxDeviceCode(sandboxUrl, challenge.userCode, options.userPrincipalName ?? DEMO_PARTNER_ADMIN, options.mfa ?? true);
  const status = await done;
  if (status.state !== 'connected') throw new Error(`sandbox sign-in did not connect: ${status.lastFailure?.reason ?? status.state}`);
  return status;
}
