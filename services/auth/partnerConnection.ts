/**
 * The partner admin's App+User connection (secure application model): a device-code sign-in whose refresh token is
 * stored encrypted and rotated on every redemption. The bot command, status lines and admin cards build on this
 * interface; the implementation follows below it.
 */
export interface PartnerConnectionStatus {
  state: 'connected' | 'notConnected' | 'failing' | 'expired';
  userPrincipalName?: string;
  mfa: boolean;
  /** Epoch ms the stored refresh token was issued (sign-in or last successful redemption). */
  tokenIssuedAt?: number;
  lastRedeemedAt?: number;
  lastFailure?: { at: number; reason: string };
}
export interface DeviceCodeChallenge { userCode: string; verificationUri: string; message: string; expiresAt: number }
export interface PartnerConnection {
  status(): Promise<PartnerConnectionStatus>;
  /** Starts a device-code sign-in as a partner admin; `done` settles when they finish, fail or the code expires. */
  connect(): Promise<{ challenge: DeviceCodeChallenge; done: Promise<PartnerConnectionStatus> }>;
  /** Every redemption success or failure and every connect, for admin alerts; returns an unsubscribe. */
  onChange(listener: (status: PartnerConnectionStatus) => void): () => void;
}
