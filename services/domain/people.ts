/** A Teams user of the partner tenant (account manager, approver), identified by their Entra object id. */
export interface Person {
  aadObjectId: string;
  name: string;
  /** When Teams told us (`TeamsInfo.getMember`); used to match `APPROVERS` entries given as UPNs. */
  userPrincipalName?: string;
}
