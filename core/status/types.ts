/** Status purposes Laurel Studio issues (W3C Bitstring Status List v1.0 §2.1). */
export type StatusPurpose = 'revocation' | 'suspension';

export const STATUS_PURPOSES: readonly StatusPurpose[] = ['revocation', 'suspension'];

/** A `credentialStatus` entry as we emit it. */
export interface BitstringStatusListEntry {
  /** `<list URL>#<index>`: names this entry (the strict OB schema requires CredentialStatus.id). */
  id: string;
  type: 'BitstringStatusListEntry';
  statusPurpose: StatusPurpose;
  /** The index as a base-10 string, as the spec requires. */
  statusListIndex: string;
  /** The URL the signed BitstringStatusListCredential is published at. */
  statusListCredential: string;
}

/** What a credential's status is in the workspace. */
export type CredentialState = 'active' | 'revoked' | 'suspended';

export interface StatusListInfo {
  /** The list credential's URL (its id). */
  id: string;
  issuerId: string;
  purpose: StatusPurpose;
  /** Length in bits (entries). */
  size: number;
  /** How many entries are allocated. */
  allocated: number;
  /** How many bits are set (revoked or suspended credentials). */
  set: number;
  updatedAt: string;
}
