import { describe, expect, it } from 'vitest';
import { MAX_PHOTOS, movePhoto, photoIdFromUrl, photosChanged, photosFromUrls, publicPhotoUrl, removePhoto } from '../src/pages/catalog/photos';

const A = '0192f7a0-0000-7000-8000-00000000000a';
const B = '0192f7a0-0000-7000-8000-00000000000b';
const C = '0192f7a0-0000-7000-8000-00000000000c';

describe('item photos in the console', () => {
  it('reads the upload id from the last path segment of a photo URL', () => {
    expect(photoIdFromUrl(`/api/v1/public/photos/${A}`)).toBe(A);
    expect(photoIdFromUrl(`https://daojia.example/api/v1/public/photos/${B}?v=2#x`)).toBe(B);
    expect(photoIdFromUrl(`/api/v1/public/photos/${C}/`)).toBe(C);
    expect(photoIdFromUrl(A)).toBe(A);
  });

  it('builds the public URL back from an id', () => {
    expect(photoIdFromUrl(publicPhotoUrl(A))).toBe(A);
    expect(publicPhotoUrl(A)).toBe(`/api/v1/public/photos/${A}`);
  });

  it('turns the catalog URLs into the list to edit, dropping repeats and empty ids', () => {
    const list = photosFromUrls([publicPhotoUrl(A), publicPhotoUrl(B), publicPhotoUrl(A), '/']);
    expect(list.map((p) => p.id)).toEqual([A, B]);
    expect(list[0].url).toBe(publicPhotoUrl(A));
  });

  it('moves a photo up and down, and leaves the ends alone', () => {
    const list = [A, B, C];
    expect(movePhoto(list, 1, -1)).toEqual([B, A, C]);
    expect(movePhoto(list, 1, 1)).toEqual([A, C, B]);
    expect(movePhoto(list, 0, -1)).toEqual(list);
    expect(movePhoto(list, 2, 1)).toEqual(list);
    expect(movePhoto(list, 5, -1)).toEqual(list);
    expect(list).toEqual([A, B, C]);
  });

  it('removes a photo without touching the original list', () => {
    const list = [A, B, C];
    expect(removePhoto(list, 1)).toEqual([A, C]);
    expect(list).toEqual([A, B, C]);
  });

  it('knows when the order or the set changed', () => {
    const list = photosFromUrls([A, B].map(publicPhotoUrl));
    expect(photosChanged(list, [A, B])).toBe(false);
    expect(photosChanged(list, [B, A])).toBe(true);
    expect(photosChanged(list, [A])).toBe(true);
    expect(MAX_PHOTOS).toBe(8);
  });
});
