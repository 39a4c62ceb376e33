/**
 * Photos taken on a phone are often 4000 px and several MB: shrink them in the browser to
 * what a worker needs to see before uploading (faster on mobile data, under the server's
 * size limit). Anything the browser cannot decode is sent as it is; the server judges.
 */

/** The longest side we upload, in pixels. */
export const MAX_SIDE = 1600;
/** Files smaller than this go as they are. */
export const SMALL_BYTES = 400 * 1024;

/** The size that fits within `max` on the longer side, keeping the aspect ratio. */
export function fitWithin(width: number, height: number, max: number = MAX_SIDE): { width: number; height: number } {
  const longer = Math.max(width, height);
  if (longer <= max || longer === 0) return { width, height };
  const k = max / longer;
  return { width: Math.max(1, Math.round(width * k)), height: Math.max(1, Math.round(height * k)) };
}

export async function shrinkImage(file: File): Promise<Blob> {
  if (file.size <= SMALL_BYTES || typeof createImageBitmap !== 'function') return file;
  try {
    const bitmap = await createImageBitmap(file);
    const size = fitWithin(bitmap.width, bitmap.height);
    const canvas = document.createElement('canvas');
    canvas.width = size.width;
    canvas.height = size.height;
    canvas.getContext('2d')?.drawImage(bitmap, 0, 0, size.width, size.height);
    bitmap.close();
    const blob = await new Promise<Blob | null>((ok) => canvas.toBlob(ok, 'image/jpeg', 0.85));
    return blob && blob.size < file.size ? blob : file;
  } catch {
    return file;
  }
}
