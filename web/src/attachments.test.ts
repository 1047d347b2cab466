import { describe, expect, it } from 'vitest';
import {
  IMAGE_ACCEPT,
  MAX_ATTACHMENTS,
  admitFiles,
  attachmentLabel,
  draftsReducer,
  fitSize,
  formatBytes,
  readyToSend,
  uploadError,
  type Draft,
  type FileLike,
} from './attachments';
import { ApiError } from './http';
import type { Attachment } from './protocol/rest';

const stored = (id: string): Attachment => ({
  id,
  sha256: 'ab'.repeat(32),
  media_type: 'image/png',
  bytes: 2048,
  width: 640,
  height: 480,
  name: `${id}.png`,
});

function draft(key: string, state: Draft['state'] = 'uploading'): Draft {
  const d: Draft = { key, name: `${key}.png`, size: 10, previewUrl: `blob:${key}`, state };
  if (state === 'ready') d.attachment = stored(`a_${key}`);
  if (state === 'failed') d.error = { code: 'unsupported_media_type', message: 'not an image' };
  return d;
}

const png = (name: string): FileLike => ({ name, type: 'image/png', size: 100 });

describe('admitFiles', () => {
  it('takes images of the four types, and files the browser has no type for', () => {
    const files = [png('a.png'), { name: 'b.jpg', type: 'image/jpeg', size: 1 }, { name: 'c.webp', type: 'image/webp', size: 1 }, { name: 'd.gif', type: 'image/gif', size: 1 }, { name: 'e', type: '', size: 1 }];
    expect(admitFiles(files, [])).toEqual({ files, error: null });
    expect(IMAGE_ACCEPT).toBe('image/png,image/jpeg,image/webp,image/gif');
  });

  it('names what is no image it takes, and takes the rest', () => {
    const pdf = { name: 'spec.pdf', type: 'application/pdf', size: 1 };
    const heic = { name: 'photo.heic', type: 'image/heic', size: 1 };
    const got = admitFiles([pdf, png('a.png'), heic], []);
    expect(got.files).toEqual([png('a.png')]);
    expect(got.error?.code).toBe('unsupported_media_type');
    expect(got.error?.message).toBe('Only PNG, JPEG, WebP and GIF images can be attached (not spec.pdf, photo.heic).');
  });

  it(`takes at most ${MAX_ATTACHMENTS} in all and says how many were left out`, () => {
    const files = Array.from({ length: 12 }, (_, i) => png(`${i}.png`));
    const got = admitFiles(files, []);
    expect(got.files).toEqual(files.slice(0, 10));
    expect(got.error).toEqual({ code: 'too_many_attachments', message: 'A message carries at most 10 images: 2 were not added.' });

    const some = [draft('a', 'ready'), draft('b', 'uploading'), ...Array.from({ length: 7 }, (_, i) => draft(`r${i}`, 'ready'))];
    const one = admitFiles([png('x.png'), png('y.png')], some);
    expect(one.files).toEqual([png('x.png')]);
    expect(one.error?.message).toBe('A message carries at most 10 images: 1 was not added.');

    const full = Array.from({ length: 10 }, (_, i) => draft(`f${i}`, 'ready'));
    expect(admitFiles([png('z.png')], full).files).toEqual([]);
  });

  it('does not count refused uploads: they are not sent', () => {
    const drafts = [...Array.from({ length: 9 }, (_, i) => draft(`r${i}`, 'ready')), draft('bad', 'failed')];
    expect(admitFiles([png('x.png')], drafts)).toEqual({ files: [png('x.png')], error: null });
  });
});

describe('draftsReducer', () => {
  it('an upload ends ready with its attachment or failed with its error; remove and clear', () => {
    let drafts = draftsReducer([], { type: 'add', drafts: [draft('a'), draft('b')] });
    drafts = draftsReducer(drafts, { type: 'uploaded', key: 'a', attachment: stored('a_1') });
    drafts = draftsReducer(drafts, { type: 'upload_failed', key: 'b', error: { code: 'invalid_image', message: 'does not decode' } });
    expect(drafts.map((d) => [d.key, d.state])).toEqual([
      ['a', 'ready'],
      ['b', 'failed'],
    ]);
    expect(drafts[0]?.attachment).toEqual(stored('a_1'));
    expect(drafts[1]?.error).toEqual({ code: 'invalid_image', message: 'does not decode' });
    // A late answer for a draft that is no longer uploading changes nothing.
    expect(draftsReducer(drafts, { type: 'upload_failed', key: 'a', error: { code: 'x', message: 'x' } })).toEqual(drafts);
    expect(draftsReducer(drafts, { type: 'uploaded', key: 'gone', attachment: stored('a_2') })).toEqual(drafts);
    drafts = draftsReducer(drafts, { type: 'remove', key: 'b' });
    expect(drafts.map((d) => d.key)).toEqual(['a']);
    expect(draftsReducer(drafts, { type: 'clear' })).toEqual([]);
  });
});

describe('readyToSend', () => {
  it('sends text alone, images alone, or both, with the attachments in order', () => {
    expect(readyToSend('hi', [])).toEqual({ ok: true, attachments: [] });
    const drafts = [draft('a', 'ready'), draft('b', 'ready')];
    expect(readyToSend('', drafts)).toEqual({ ok: true, attachments: [stored('a_a'), stored('a_b')] });
    expect(readyToSend('look', drafts)).toEqual({ ok: true, attachments: [stored('a_a'), stored('a_b')] });
  });

  it('lists an attachment once (the same bytes uploaded twice share one id)', () => {
    const twin = { ...draft('b', 'ready'), attachment: stored('a_a') };
    expect(readyToSend('', [draft('a', 'ready'), twin])).toEqual({ ok: true, attachments: [stored('a_a')] });
  });

  it('has nothing to send without text or images', () => {
    expect(readyToSend('  \n', [])).toEqual({ ok: false, error: null });
  });

  it('waits for uploads, and refuses while a refused image is still there', () => {
    expect(readyToSend('x', [draft('a', 'ready'), draft('b', 'uploading')])).toMatchObject({ ok: false, error: { code: 'uploading' } });
    expect(readyToSend('x', [draft('a', 'ready'), draft('b', 'failed')])).toMatchObject({ ok: false, error: { code: 'attachment_failed' } });
  });
});

describe('uploadError', () => {
  const file = { name: 'big.png', type: 'image/png', size: 25 * 1024 * 1024 };

  it("keeps the node's refusal as it is", () => {
    const err = new ApiError('not a PNG, JPEG, WebP or GIF image (judged by its bytes)', 415, 'unsupported_media_type');
    expect(uploadError(err, file)).toEqual({ code: 'unsupported_media_type', message: 'not a PNG, JPEG, WebP or GIF image (judged by its bytes)' });
  });

  it("says what a 413 without the node's body means, and when the node was not reached", () => {
    expect(uploadError(new ApiError('POST /api/chats/c1/attachments: HTTP 413 Payload Too Large', 413, 'http_413'), file)).toEqual({
      code: 'payload_too_large',
      message: 'Too large to upload (25.0 MB).',
    });
    expect(uploadError(new ApiError('cannot reach the node (Failed to fetch)', undefined, 'network'), file)).toEqual({
      code: 'network',
      message: 'Not uploaded: cannot reach the node (Failed to fetch)',
    });
  });
});

describe('fitSize', () => {
  it('fits the box with the aspect kept', () => {
    expect(fitSize(1280, 800, 200, 150)).toEqual({ width: 200, height: 125 });
    expect(fitSize(800, 1280, 200, 150)).toEqual({ width: 94, height: 150 });
  });

  it('never makes a small image larger, nor a thin one vanish', () => {
    expect(fitSize(64, 32, 200, 150)).toEqual({ width: 64, height: 32 });
    expect(fitSize(10000, 2, 200, 150)).toEqual({ width: 200, height: 1 });
  });
});

describe('labels', () => {
  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(183204)).toBe('179 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
  });

  it('names an attachment by its name, or by what it is', () => {
    expect(attachmentLabel(stored('a_1'))).toBe('a_1.png');
    expect(attachmentLabel({ ...stored('a_1'), name: '', media_type: 'image/jpeg' })).toBe('JPEG image, 640×480');
  });
});
