/**
 * An item's photos in the console: the public catalog gives their URLs
 * (`/api/v1/public/photos/{id}`), the server wants their upload ids in display order.
 */

/** At most this many photos per item (the server's limit too). */
export const MAX_PHOTOS = 8;

/** One photo of the list being edited. */
export interface EditPhoto {
  id: string;
  url: string;
}

/** The upload id of a photo URL: its last path segment (query and fragment ignored). */
export function photoIdFromUrl(url: string): string {
  const path = url.split(/[?#]/)[0].replace(/\/+$/, '');
  return decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
}

/** The public URL of an item photo (served without a token). */
export function publicPhotoUrl(id: string): string {
  return `/api/v1/public/photos/${encodeURIComponent(id)}`;
}

/** The catalog's URLs as the list to edit (empty ids and repeats dropped). */
export function photosFromUrls(urls: readonly string[]): EditPhoto[] {
  const seen = new Set<string>();
  const out: EditPhoto[] = [];
  for (const url of urls) {
    const id = photoIdFromUrl(url);
    if (!id || seen.has(id)) continue;
    seen.add(id);
    out.push({ id, url });
  }
  return out;
}

/** A copy of `list` with the entry at `index` moved by `by` places (unchanged when it cannot move). */
export function movePhoto<T>(list: readonly T[], index: number, by: number): T[] {
  const to = index + by;
  const out = [...list];
  if (index < 0 || index >= list.length || to < 0 || to >= list.length) return out;
  const [moved] = out.splice(index, 1);
  out.splice(to, 0, moved);
  return out;
}

/** A copy of `list` without the entry at `index`. */
export function removePhoto<T>(list: readonly T[], index: number): T[] {
  return list.filter((_, i) => i !== index);
}

/** Whether the edited list differs from the saved ids (order counts). */
export function photosChanged(list: readonly EditPhoto[], saved: readonly string[]): boolean {
  return list.length !== saved.length || list.some((p, i) => p.id !== saved[i]);
}
