/**
 * Outgoing webhook HTTP (DESIGN.md §14). The adapter resolves the endpoint's host itself and
 * refuses to connect when any resolved address is private, loopback, link-local or a cloud
 * metadata address (the check happens on the addresses the connection uses, so a DNS answer
 * that changes between registration and delivery — rebinding — is caught at delivery).
 */
export interface AddressPolicy {
  /** The local stage: loopback addresses (and `http://` to them) are allowed. */
  allowLoopback: boolean;
}

export interface WebhookPostResult {
  /** The HTTP status, or 0 when no answer came (refused address, timeout, connection error). */
  status: number;
  /** Why there was no answer (no response body is ever kept). */
  error?: string;
}

export interface WebhookClient {
  /** Why the URL may not be used (scheme, a forbidden resolved address, no address), or undefined when it may. */
  check(url: string, policy: AddressPolicy): Promise<string | undefined>;
  /** POSTs the body with the headers; never throws. */
  post(url: string, body: string, headers: Record<string, string>, policy: AddressPolicy): Promise<WebhookPostResult>;
}
