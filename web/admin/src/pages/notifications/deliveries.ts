/** The console's notification-send filters, as the list's query parameters. */

/** The kinds the server sends (daojia_domain::notification::Kind). */
export const NOTIFICATION_KINDS = [
  'offer',
  'accepted',
  'departed',
  'arrived',
  'completed',
  'payment_due',
  'refund',
  'review_request',
  'visit_tomorrow',
  'starting_soon',
  'job_soon',
] as const;
export const DELIVERY_CHANNELS = ['inbox', 'sms', 'push'] as const;
export const DELIVERY_STATES = ['pending', 'retrying', 'sent', 'failed', 'skipped'] as const;

export interface DeliveryFilters {
  kind: string;
  channel: string;
  state: string;
}

/** The query of one page: only the filters that are set, and the cursor. */
export function deliveryQuery(f: DeliveryFilters, cursor: string | undefined): Record<string, string | undefined> {
  const q: Record<string, string | undefined> = { cursor };
  if (f.kind) q.kind = f.kind;
  if (f.channel) q.channel = f.channel;
  if (f.state) q.state = f.state;
  return q;
}

/** The tag colour of a state. */
export function stateTag(state: string): 'success' | 'warning' | 'danger' | 'info' {
  switch (state) {
    case 'sent':
      return 'success';
    case 'failed':
      return 'danger';
    case 'retrying':
    case 'pending':
      return 'warning';
    default:
      return 'info';
  }
}
