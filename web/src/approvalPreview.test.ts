import { describe, expect, it } from 'vitest';
import { PREVIEW_MAX_LINES, approvalPreview, textLines } from './approvalPreview';

describe('approvalPreview', () => {
  it('shows run_command as a shell line, with its timeout', () => {
    expect(approvalPreview('run_command', '{"argv":["sh","-c","echo ran >> ran.txt"]}')).toEqual({
      kind: 'command',
      command: "sh -c 'echo ran >> ran.txt'",
      timeout_s: null,
    });
    expect(approvalPreview('run_command', '{"argv":["npm","test"],"timeout_s":60}')).toMatchObject({ command: 'npm test', timeout_s: 60 });
  });

  it('shows write_file as the lines it adds', () => {
    expect(approvalPreview('write_file', JSON.stringify({ path: 'src/a.c', content: 'int a;\nint b;\n' }))).toEqual({
      kind: 'diff',
      path: 'src/a.c',
      lines: [
        { sign: '+', text: 'int a;' },
        { sign: '+', text: 'int b;' },
      ],
      hidden: 0,
    });
    expect(approvalPreview('write_file', '{"path":"empty","content":""}')).toMatchObject({ lines: [] });
  });

  it('shows edit_file as the lines it takes out, then the lines it puts in', () => {
    const args = { path: 'a.txt', old_string: 'one\ntwo', new_string: 'uno\ndos\ntres' };
    expect(approvalPreview('edit_file', JSON.stringify(args))).toMatchObject({
      kind: 'diff',
      path: 'a.txt',
      lines: [
        { sign: '-', text: 'one' },
        { sign: '-', text: 'two' },
        { sign: '+', text: 'uno' },
        { sign: '+', text: 'dos' },
        { sign: '+', text: 'tres' },
      ],
    });
  });

  it('counts the lines past the limit instead of showing them', () => {
    const content = Array.from({ length: PREVIEW_MAX_LINES + 5 }, (_, i) => `line ${i}`).join('\n');
    const p = approvalPreview('write_file', JSON.stringify({ path: 'big', content }));
    expect(p).toMatchObject({ kind: 'diff', hidden: 5 });
    expect(p.kind === 'diff' && p.lines.length).toBe(PREVIEW_MAX_LINES);
  });

  it('shows the arguments of anything else as they are', () => {
    expect(approvalPreview('run_command', '{"argv":"ls"}')).toEqual({ kind: 'raw', text: '{\n  "argv": "ls"\n}' });
    expect(approvalPreview('edit_file', '{"path":"a"}')).toMatchObject({ kind: 'raw' });
    expect(approvalPreview('write_file', 'not json')).toEqual({ kind: 'raw', text: 'not json' });
    expect(approvalPreview('fetch_url', '{"url":"https://example.com"}')).toMatchObject({ kind: 'raw' });
  });

  it('splits text into lines, a last newline ending the last line', () => {
    expect(textLines('')).toEqual([]);
    expect(textLines('a')).toEqual(['a']);
    expect(textLines('a\n')).toEqual(['a']);
    expect(textLines('a\n\nb')).toEqual(['a', '', 'b']);
  });
});
