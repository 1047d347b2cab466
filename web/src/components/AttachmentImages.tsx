// A message's images in the transcript: thumbnails (GET /api/attachments/:id/thumbnail, sized
// from the attachment's width and height before they load), each a button that opens the
// original in a modal dialog (Esc, the × or a click beside the image closes it).
import { memo, useEffect, useRef, useState } from 'react';
import { attachmentLabel, fitSize } from '../attachments';
import { attachmentUrl } from '../chat-api';
import type { Attachment } from '../protocol/rest';

/** The box a thumbnail is shown in (the node's thumbnails fit 320 px). */
const THUMB_BOX = { width: 200, height: 150 };

export const AttachmentImages = memo(function AttachmentImages({
  attachments,
  className,
}: {
  attachments: readonly Attachment[];
  className?: string;
}) {
  const [open, setOpen] = useState<Attachment | null>(null);
  if (attachments.length === 0) return null;
  return (
    <div className={`msg-images${className ? ` ${className}` : ''}`}>
      {attachments.map((a, i) => {
        const size = fitSize(a.width, a.height, THUMB_BOX.width, THUMB_BOX.height);
        const label = attachmentLabel(a);
        return (
          <button
            // The same image may be attached twice to one message.
            key={`${a.id}-${i}`}
            type="button"
            className="msg-image"
            data-testid="message-image"
            data-attachment-id={a.id}
            title={`${label} (${a.width}×${a.height}): open`}
            onClick={() => setOpen(a)}
          >
            <img src={attachmentUrl(a.id, 'thumbnail')} alt={label} width={size.width} height={size.height} loading="lazy" decoding="async" />
          </button>
        );
      })}
      {open && <Lightbox attachment={open} onClose={() => setOpen(null)} />}
    </div>
  );
});

/** The original image in a modal <dialog>: focus stays in it, Esc closes it (and focus goes back). */
function Lightbox({ attachment, onClose }: { attachment: Attachment; onClose: () => void }) {
  const dialog = useRef<HTMLDialogElement>(null);
  const close = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    const el = dialog.current;
    if (!el) return;
    // Removed from the page, an open dialog closes itself: no cleanup (which, run by StrictMode
    // between its two mounts, would close it at once).
    if (!el.open) el.showModal();
    close.current?.focus(); // not the first link, as showModal would
  }, []);
  const label = attachmentLabel(attachment);
  return (
    <dialog
      ref={dialog}
      className="lightbox"
      data-testid="image-lightbox"
      aria-label={label}
      // Esc (cancel) and the close button both end here.
      onClose={onClose}
      onClick={(e) => {
        if (e.target === e.currentTarget) dialog.current?.close(); // the backdrop
      }}
    >
      <div className="lightbox-bar">
        <span className="lightbox-name mono">{label}</span>
        <span className="lightbox-meta">
          {attachment.width}×{attachment.height}
        </span>
        <a className="lightbox-open" href={attachmentUrl(attachment.id)} target="_blank" rel="noreferrer">
          Open original
        </a>
        <button
          ref={close}
          type="button"
          className="lightbox-close"
          data-testid="image-lightbox-close"
          aria-label="Close"
          onClick={() => dialog.current?.close()}
        >
          ×
        </button>
      </div>
      <img className="lightbox-image" src={attachmentUrl(attachment.id)} alt={label} width={attachment.width} height={attachment.height} />
    </dialog>
  );
}
