// Who is asking, and what they may do.
export const CONSOLE_ROLES = ['viewer', 'operator'] as const;
/** A viewer sees everything and changes nothing; an operator may act. */
export type ConsoleRole = (typeof CONSOLE_ROLES)[number];

export interface ConsoleIdentity {
  /** Written to the audit trail as the operator of every action. */
  readonly user: string;
  readonly role: ConsoleRole;
}

/**
 * Decides who a request comes from: an identity, or null to refuse it (401).
 * The host application's own session or SSO check goes here.
 */
export type Authorize = (
  request: Request,
) => ConsoleIdentity | null | Promise<ConsoleIdentity | null>;
