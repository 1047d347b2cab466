// Images attached to a message before it is sent: the composer's drafts (one per file, uploaded
// at once: uploading, ready with its stored attachment, or failed with the node's refusal), what
// may be added (the limit, the types), whether the message can go, and the sizes thumbnails
// are shown at. Pure: ./useAttachmentDrafts runs the uploads and owns the object URLs.

import { errorInfo, type ErrorInfo } from './http';
import type { Attachment } from './protocol/rest';

/** The node's default limit of images per message (--max-attachments). */
export const MAX_ATTACHMENTS = 10;

/** What the node stores (it judges by the bytes; a file's type only spares a useless upload). */
export const IMAGE_TYPES = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'] as const;

/** The file input's `accept`. */
export const IMAGE_ACCEPT = IMAGE_TYPES.join(',');

/** What the drafts need of a File (tests pass plain objects). */
export interface FileLike {
  name: string;
  /** The browser's guess from the name; '' when it has none. */
  type: string;
  size: number;
}

export interface Draft {
  /** Unique within the composer, for React and the actions. */
  key: string;
  name: string;
  size: number;
  /** An object URL of the file, shown while it uploads and after (revoked when it goes). */
  previewUrl: string;
  state: 'uploading' | 'ready' | 'failed';
  /** Once stored (ready). */
  attachment?: Attachment;
  /** Why it was refused (failed). */
  error?: ErrorInfo;
}

export type DraftAction =
  | { type: 'add'; drafts: Draft[] }
  | { type: 'uploaded'; key: string; attachment: Attachment }
  | { type: 'upload_failed'; key: string; error: ErrorInfo }
  | { type: 'remove'; key: string }
  | { type: 'clear' };

export function draftsReducer(drafts: Draft[], action: DraftAction): Draft[] {
  switch (action.type) {
    case 'add':
      return action.drafts.length === 0 ? drafts : [...drafts, ...action.drafts];
    case 'uploaded':
      return drafts.map((d) => (d.key === action.key && d.state === 'uploading' ? { ...d, state: 'ready', attachment: action.attachment } : d));
    case 'upload_failed':
      return drafts.map((d) => (d.key === action.key && d.state === 'uploading' ? { ...d, state: 'failed', error: action.error } : d));
    case 'remove':
      return drafts.filter((d) => d.key !== action.key);
    case 'clear':
      return drafts.length === 0 ? drafts : [];
  }
}

/** Whether a file's type (as the browser guessed it) can be an image the node takes. */
export function mayBeImage(file: FileLike): boolean {
  // No guess (an unknown extension): the node judges the bytes.
  return file.type === '' || (IMAGE_TYPES as readonly string[]).includes(file.type);
}

export interface Admitted<F extends FileLike> {
  /** To upload, in order. */
  files: F[];
  /** What to tell about the others (too many, not images); null when all were taken. */
  error: ErrorInfo | null;
}

/**
 * Which of `files` join `drafts`: images only, and at most MAX_ATTACHMENTS in all (failed
 * drafts do not count: they are not sent). The rest are named in the error.
 */
export function admitFiles<F extends FileLike>(files: readonly F[], drafts: readonly Draft[]): Admitted<F> {
  const notImages = files.filter((f) => !mayBeImage(f));
  const images = files.filter(mayBeImage);
  const room = Math.max(0, MAX_ATTACHMENTS - drafts.filter((d) => d.state !== 'failed').length);
  const taken = images.slice(0, room);
  const left = images.length - taken.length;
  const problems: string[] = [];
  if (notImages.length > 0) {
    const names = notImages.map((f) => f.name || 'a file').join(', ');
    problems.push(`Only PNG, JPEG, WebP and GIF images can be attached (not ${names}).`);
  }
  if (left > 0) {
    problems.push(
      `A message carries at most ${MAX_ATTACHMENTS} images: ${left === 1 ? '1 was' : `${left} were`} not added.`,
    );
  }
  const code = left > 0 ? 'too_many_attachments' : 'unsupported_media_type';
  return { files: taken, error: problems.length > 0 ? { code, message: problems.join(' ') } : null };
}

/** Whether the message can be sent with its drafts: the stored attachments, or why not. */
export function readyToSend(
  text: string,
  drafts: readonly Draft[],
): { ok: true; attachments: Attachment[] } | { ok: false; error: ErrorInfo | null } {
  if (drafts.some((d) => d.state === 'uploading')) {
    return { ok: false, error: { code: 'uploading', message: 'Wait until the images are uploaded.' } };
  }
  if (drafts.some((d) => d.state === 'failed')) {
    return {
      ok: false,
      error: { code: 'attachment_failed', message: 'Remove the images that could not be uploaded (×) first.' },
    };
  }
  // The node refuses an id listed twice (the same bytes uploaded twice share one).
  const ids = new Set<string>();
  const attachments = drafts.flatMap((d) => {
    if (!d.attachment || ids.has(d.attachment.id)) return [];
    ids.add(d.attachment.id);
    return [d.attachment];
  });
  // Nothing to send: the button is off; Enter does nothing.
  if (text.trim() === '' && attachments.length === 0) return { ok: false, error: null };
  return { ok: true, attachments };
}

/** What a chip says about a refused upload: the node's message, or what went wrong on the way. */
export function uploadError(err: unknown, file: FileLike): ErrorInfo {
  const info = errorInfo(err);
  // A 413 without the node's error body: a proxy's limit (the node's names its own).
  if (info.code === 'http_413') return { code: 'payload_too_large', message: `Too large to upload (${formatBytes(file.size)}).` };
  if (info.code === 'network') return { code: info.code, message: `Not uploaded: ${info.message}` };
  return info;
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(n < 10 * 1024 ? 1 : 0)} KB`;
  return `${(n / (1024 * 1024)).toFixed(1)} MB`;
}

/**
 * The size to show an image of `width` x `height` at, fitting `maxWidth` x `maxHeight` with its
 * aspect kept and never larger than it is: set on the <img> before it loads, so the transcript
 * does not jump when it does.
 */
export function fitSize(width: number, height: number, maxWidth: number, maxHeight: number): { width: number; height: number } {
  if (width <= 0 || height <= 0) return { width: maxWidth, height: maxHeight };
  const scale = Math.min(1, maxWidth / width, maxHeight / height);
  return { width: Math.max(1, Math.round(width * scale)), height: Math.max(1, Math.round(height * scale)) };
}

/** A label for an attachment: its name, or what it is when it has none. */
export function attachmentLabel(a: Attachment): string {
  return a.name || `${a.media_type.replace('image/', '').toUpperCase()} image, ${a.width}×${a.height}`;
}
