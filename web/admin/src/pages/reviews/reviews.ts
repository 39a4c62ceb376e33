/**
 * The console's reviews page: the list's query from the filters, and which moderation a
 * row offers. Hiding needs a reason (it goes in the audit log); showing again takes one
 * optionally.
 */

/** The filters as the form holds them ('' = any). */
export interface ReviewFilters {
  rating: '' | 1 | 2 | 3 | 4 | 5;
  hidden: '' | 'hidden' | 'visible';
  worker_id: string;
}

const UUID = /^[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i;

/** The query of `GET /api/v1/admin/reviews` for the filters (a worker id that is not an id is left out). */
export function reviewQuery(f: ReviewFilters, cursor?: string): { rating?: number; hidden?: boolean; worker_id?: string; cursor?: string } {
  const worker = f.worker_id.trim();
  return {
    rating: f.rating === '' ? undefined : f.rating,
    hidden: f.hidden === '' ? undefined : f.hidden === 'hidden',
    worker_id: UUID.test(worker) ? worker : undefined,
    cursor,
  };
}

/** What a row offers: hiding a visible review, showing a hidden one. */
export function moderation(row: { hidden_at?: string | null }): 'hide' | 'unhide' {
  return row.hidden_at ? 'unhide' : 'hide';
}

/** Whether the reason given may be sent for that moderation. */
export function reasonOk(action: 'hide' | 'unhide', reason: string): boolean {
  const n = [...reason.trim()].length;
  return n <= 500 && (action === 'unhide' || n > 0);
}
