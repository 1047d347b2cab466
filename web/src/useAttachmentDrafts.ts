// The open chat's images waiting to be sent (./attachments): each file added (pasted, dropped,
// picked) uploads at once to POST /api/chats/:id/attachments. Owns the previews' object URLs:
// revoked when a draft is removed, cleared, or the chat changes. An upload that answers after
// its draft went (removed, another chat) is ignored; its attachment expires unused on the node.
// The node gives the same bytes uploaded twice to one chat the same id: the second draft goes.

import { useCallback, useEffect, useReducer, useRef, useState } from 'react';
import { admitFiles, draftsReducer, uploadError, type Draft, type DraftAction } from './attachments';
import { uploadAttachment } from './chat-api';
import type { ErrorInfo } from './http';

export interface AttachmentDrafts {
  items: Draft[];
  /** Adds files and starts their uploads; what could not be added becomes the notice. */
  add: (files: readonly File[]) => void;
  /** What the last add could not take (too many, not images, already attached); null when none. */
  notice: ErrorInfo | null;
  remove: (key: string) => void;
  /** After a send: forgets every draft. */
  clear: () => void;
}

let nextKey = 1;

export function useAttachmentDrafts(chatId: string | null): AttachmentDrafts {
  const [items, dispatch] = useReducer(draftsReducer, []);
  const [notice, setNotice] = useState<ErrorInfo | null>(null);
  /** The drafts as they are after every action so far (`items` is a render behind). */
  const current = useRef<Draft[]>([]);
  /** Object URLs by draft key, for the drafts that exist. */
  const urls = useRef(new Map<string, string>());
  const chatRef = useRef(chatId);

  const apply = useCallback((action: DraftAction) => {
    current.current = draftsReducer(current.current, action);
    dispatch(action);
  }, []);

  const drop = useCallback(
    (key: string) => {
      const url = urls.current.get(key);
      if (url) URL.revokeObjectURL(url);
      urls.current.delete(key);
      apply({ type: 'remove', key });
    },
    [apply],
  );

  const clear = useCallback(() => {
    for (const url of urls.current.values()) URL.revokeObjectURL(url);
    urls.current.clear();
    apply({ type: 'clear' });
    setNotice(null);
  }, [apply]);

  // Another chat (or none): its drafts go.
  useEffect(() => {
    chatRef.current = chatId;
    return clear;
  }, [chatId, clear]);

  const add = useCallback(
    (files: readonly File[]) => {
      const id = chatRef.current;
      if (!id || files.length === 0) return;
      const admitted = admitFiles(files, current.current);
      const drafts: Draft[] = admitted.files.map((file) => {
        const key = `d${nextKey++}`;
        const previewUrl = URL.createObjectURL(file);
        urls.current.set(key, previewUrl);
        return { key, name: file.name, size: file.size, previewUrl, state: 'uploading' };
      });
      apply({ type: 'add', drafts });
      setNotice(admitted.error);
      drafts.forEach((draft, i) => {
        const file = admitted.files[i]!;
        uploadAttachment(id, file, file.name || 'image').then(
          (attachment) => {
            if (!urls.current.has(draft.key)) return; // removed meanwhile
            if (current.current.some((d) => d.key !== draft.key && d.attachment?.id === attachment.id)) {
              drop(draft.key);
              setNotice({ code: 'duplicate_attachment', message: `${draft.name || 'That image'} is attached already.` });
              return;
            }
            apply({ type: 'uploaded', key: draft.key, attachment });
          },
          (err: unknown) => {
            if (urls.current.has(draft.key)) apply({ type: 'upload_failed', key: draft.key, error: uploadError(err, file) });
          },
        );
      });
    },
    [apply, drop],
  );

  const remove = useCallback(
    (key: string) => {
      drop(key);
      setNotice(null);
    },
    [drop],
  );

  return { items, add, notice, remove, clear };
}
