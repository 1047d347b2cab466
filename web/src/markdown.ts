// A small Markdown parser for chat messages: CommonMark's everyday subset plus GFM tables and
// strikethrough. It produces a tree of plain data that Markdown.tsx renders as React
// elements, so no HTML from a message is ever interpreted: raw HTML is shown as text, and
// links keep only http(s), mailto and same-site URLs.
//
// Blocks: paragraphs (single newlines are line breaks, as in chat apps), ATX headings,
// fenced code (``` or ~~~, unclosed fences run to the end, which suits streaming text),
// indented code, block quotes, bullet and ordered lists (nested by indentation), GFM tables,
// thematic breaks. Inline: code spans, **strong**, *em*, ~~del~~, [links](url), <autolinks>,
// bare http(s) URLs, backslash escapes. Images are shown as links (nothing is fetched).

export type Inline =
  | { t: 'text'; v: string }
  | { t: 'code'; v: string }
  | { t: 'strong'; c: Inline[] }
  | { t: 'em'; c: Inline[] }
  | { t: 'del'; c: Inline[] }
  | { t: 'link'; href: string; c: Inline[] }
  | { t: 'br' };

export type Align = 'left' | 'center' | 'right' | null;

export type Block =
  | { t: 'p'; c: Inline[] }
  | { t: 'h'; level: number; c: Inline[] }
  | { t: 'code'; lang: string; v: string }
  | { t: 'quote'; c: Block[] }
  | { t: 'list'; ordered: boolean; start: number; items: Block[][] }
  | { t: 'table'; align: Align[]; head: Inline[][]; rows: Inline[][][] }
  | { t: 'hr' };

const FENCE_RE = /^ {0,3}(`{3,}|~{3,})\s*([^`\s]*)[^`]*$/;
const HEADING_RE = /^ {0,3}(#{1,6})(?:[ \t]+(.*?))?(?:[ \t]+#+)?[ \t]*$/;
const HR_RE = /^ {0,3}(?:(?:-[ \t]*){3,}|(?:\*[ \t]*){3,}|(?:_[ \t]*){3,})$/;
const QUOTE_RE = /^ {0,3}> ?(.*)$/;
const BULLET_RE = /^( {0,3})([-*+])([ \t]+(.*))?$/;
const ORDERED_RE = /^( {0,3})(\d{1,9})([.)])([ \t]+(.*))?$/;
const TABLE_SEP_RE = /^ {0,3}\|?\s*:?-+:?\s*(\|\s*:?-+:?\s*)*\|?\s*$/;

function isBlank(line: string): boolean {
  return line.trim() === '';
}

function listMarker(line: string): { ordered: boolean; start: number; indent: number; rest: string } | null {
  let m = BULLET_RE.exec(line);
  if (m && !HR_RE.test(line)) {
    const rest = m[4] ?? '';
    const pad = m[3] ? m[3].length - rest.length : 1;
    return { ordered: false, start: 1, indent: (m[1] ?? '').length + 1 + Math.min(pad, 4), rest };
  }
  m = ORDERED_RE.exec(line);
  if (m) {
    const rest = m[5] ?? '';
    const pad = m[4] ? m[4].length - rest.length : 1;
    return {
      ordered: true,
      start: Number(m[2]),
      indent: (m[1] ?? '').length + (m[2] ?? '').length + 1 + Math.min(pad, 4),
      rest,
    };
  }
  return null;
}

function splitRow(line: string): string[] {
  let s = line.trim();
  if (s.startsWith('|')) s = s.slice(1);
  if (s.endsWith('|') && !s.endsWith('\\|')) s = s.slice(0, -1);
  const cells: string[] = [];
  let cur = '';
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\' && s[i + 1] === '|') {
      cur += '|';
      i++;
    } else if (ch === '|') {
      cells.push(cur.trim());
      cur = '';
    } else {
      cur += ch;
    }
  }
  cells.push(cur.trim());
  return cells;
}

/** Does the line start a block other than a paragraph (so it interrupts one)? */
function startsBlock(line: string, next: string | undefined): boolean {
  return (
    FENCE_RE.test(line) ||
    HEADING_RE.test(line) ||
    HR_RE.test(line) ||
    QUOTE_RE.test(line) ||
    (listMarker(line)?.rest ?? '') !== '' ||
    (line.includes('|') && next !== undefined && TABLE_SEP_RE.test(next) && next.includes('-'))
  );
}

function dedent(line: string, n: number): string {
  let i = 0;
  while (i < n && i < line.length && line[i] === ' ') i++;
  return line.slice(i);
}

function parseLines(lines: string[], depth: number): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] ?? '';
    if (isBlank(line)) {
      i++;
      continue;
    }

    const fence = FENCE_RE.exec(line);
    if (fence) {
      const marker = fence[1] ?? '```';
      const indent = line.length - line.trimStart().length;
      const body: string[] = [];
      i++;
      while (i < lines.length) {
        const l = lines[i] ?? '';
        const close = l.trim();
        if (close.startsWith(marker[0]!.repeat(marker.length)) && /^(`+|~+)$/.test(close) && close[0] === marker[0]) {
          i++;
          break;
        }
        body.push(dedent(l, indent));
        i++;
      }
      blocks.push({ t: 'code', lang: fence[2] ?? '', v: body.join('\n') });
      continue;
    }

    const heading = HEADING_RE.exec(line);
    if (heading) {
      blocks.push({ t: 'h', level: (heading[1] ?? '#').length, c: parseInline(heading[2] ?? '') });
      i++;
      continue;
    }

    if (HR_RE.test(line)) {
      blocks.push({ t: 'hr' });
      i++;
      continue;
    }

    if (QUOTE_RE.test(line)) {
      const body: string[] = [];
      while (i < lines.length) {
        const q = QUOTE_RE.exec(lines[i] ?? '');
        if (!q) break;
        body.push(q[1] ?? '');
        i++;
      }
      blocks.push({ t: 'quote', c: depth < 8 ? parseLines(body, depth + 1) : [{ t: 'p', c: textInline(body.join('\n')) }] });
      continue;
    }

    const marker = listMarker(line);
    if (marker) {
      const items: Block[][] = [];
      const ordered = marker.ordered;
      let cur = marker;
      while (true) {
        const body: string[] = [cur.rest];
        i++;
        // The item continues with indented lines, blank lines followed by indented lines, and
        // lazy paragraph continuation lines.
        while (i < lines.length) {
          const l = lines[i] ?? '';
          if (isBlank(l)) {
            const nextLine = lines[i + 1];
            if (nextLine !== undefined && !isBlank(nextLine) && nextLine.length - nextLine.trimStart().length >= cur.indent) {
              body.push('');
              i++;
              continue;
            }
            break;
          }
          const ind = l.length - l.trimStart().length;
          if (ind >= cur.indent) {
            body.push(dedent(l, cur.indent));
            i++;
            continue;
          }
          if (listMarker(l) || startsBlock(l, lines[i + 1])) break;
          body.push(l.trimStart());
          i++;
        }
        items.push(depth < 8 ? parseLines(body, depth + 1) : [{ t: 'p', c: textInline(body.join('\n')) }]);
        // Next item of the same list (a blank line between items is allowed).
        let j = i;
        while (j < lines.length && isBlank(lines[j] ?? '')) j++;
        const next = j < lines.length ? listMarker(lines[j] ?? '') : null;
        if (!next || next.ordered !== ordered) break;
        i = j;
        cur = next;
      }
      blocks.push({ t: 'list', ordered, start: marker.start, items });
      continue;
    }

    const nextLine = lines[i + 1];
    if (line.includes('|') && nextLine !== undefined && TABLE_SEP_RE.test(nextLine) && nextLine.includes('-')) {
      const head = splitRow(line);
      const align: Align[] = splitRow(nextLine).map((c) => {
        const l = c.startsWith(':');
        const r = c.endsWith(':');
        return l && r ? 'center' : r ? 'right' : l ? 'left' : null;
      });
      if (align.length === head.length) {
        i += 2;
        const rows: Inline[][][] = [];
        while (i < lines.length && !isBlank(lines[i] ?? '') && (lines[i] ?? '').includes('|')) {
          const cells = splitRow(lines[i] ?? '');
          rows.push(head.map((_, k) => parseInline(cells[k] ?? '')));
          i++;
        }
        blocks.push({ t: 'table', align, head: head.map((h) => parseInline(h)), rows });
        continue;
      }
    }

    if (/^ {4}/.test(line) && (blocks.length === 0 || blocks[blocks.length - 1]?.t !== 'p')) {
      const body: string[] = [];
      while (i < lines.length && (/^ {4}/.test(lines[i] ?? '') || isBlank(lines[i] ?? ''))) {
        body.push((lines[i] ?? '').slice(4));
        i++;
      }
      while (body.length > 0 && isBlank(body[body.length - 1] ?? '')) body.pop();
      blocks.push({ t: 'code', lang: '', v: body.join('\n') });
      continue;
    }

    // Paragraph: up to a blank line or a line that starts another block.
    const para: string[] = [line.trim()];
    i++;
    while (i < lines.length) {
      const l = lines[i] ?? '';
      if (isBlank(l) || startsBlock(l, lines[i + 1])) break;
      para.push(l.trim());
      i++;
    }
    blocks.push({ t: 'p', c: parseInline(para.join('\n')) });
  }
  return blocks;
}

export function parseMarkdown(src: string): Block[] {
  return parseLines(src.replace(/\r\n?/g, '\n').replace(/\t/g, '    ').split('\n'), 0);
}

// ---------------------------------------------------------------------------------------
// Inline

const ESCAPABLE = '\\`*_{}[]()#+-.!|~<>"\'';

function textInline(v: string): Inline[] {
  return v ? [{ t: 'text', v }] : [];
}

/** Only these URLs become links; anything else (javascript:, data:, ...) stays text. */
export function safeHref(raw: string): string | null {
  const url = raw.trim();
  if (/^(https?:|mailto:)/i.test(url)) return url;
  if (/^(#|\/(?!\/)|\.\.?\/)/.test(url)) return url;
  return null;
}

function pushText(out: Inline[], v: string) {
  if (!v) return;
  const last = out[out.length - 1];
  if (last && last.t === 'text') out[out.length - 1] = { t: 'text', v: last.v + v };
  else out.push({ t: 'text', v });
}

/** Finds the `]` matching the `[` at `open`, honouring nesting, escapes and code spans. */
function matchBracket(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') {
      i++;
    } else if (ch === '`') {
      const run = /^`+/.exec(s.slice(i))?.[0] ?? '`';
      const close = s.indexOf(run, i + run.length);
      if (close >= 0) i = close + run.length - 1;
    } else if (ch === '[') {
      depth++;
    } else if (ch === ']') {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

/** Finds the `)` matching the `(` at `open` (link destinations may hold balanced parens). */
function matchParen(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\\') i++;
    else if (ch === '(') depth++;
    else if (ch === ')' && --depth === 0) return i;
    else if (ch === '\n') return -1;
  }
  return -1;
}

const URL_RE = /^https?:\/\/[^\s<>"'`]*[^\s<>"'`.,;:!?)\]}*_~]/;

export function parseInline(s: string, depth = 0): Inline[] {
  const out: Inline[] = [];
  let i = 0;
  let text = '';
  const flush = () => {
    pushText(out, text);
    text = '';
  };
  while (i < s.length) {
    const ch = s[i] ?? '';
    const rest = s.slice(i);

    if (ch === '\\' && i + 1 < s.length) {
      const next = s[i + 1] ?? '';
      if (next === '\n') {
        flush();
        out.push({ t: 'br' });
        i += 2;
        continue;
      }
      if (ESCAPABLE.includes(next)) {
        text += next;
        i += 2;
        continue;
      }
    }

    if (ch === '\n') {
      flush();
      out.push({ t: 'br' });
      i++;
      continue;
    }

    if (ch === '`') {
      const run = /^`+/.exec(rest)?.[0] ?? '`';
      const close = s.indexOf(run, i + run.length);
      if (close >= 0 && s[close + run.length] !== '`') {
        flush();
        let code = s.slice(i + run.length, close).replace(/\n/g, ' ');
        if (code.length > 2 && code.startsWith(' ') && code.endsWith(' ') && code.trim() !== '') code = code.slice(1, -1);
        out.push({ t: 'code', v: code });
        i = close + run.length;
        continue;
      }
      text += run;
      i += run.length;
      continue;
    }

    if (depth < 8 && (ch === '*' || ch === '_' || ch === '~')) {
      const run = /^(\*+|_+|~+)/.exec(rest)?.[0] ?? ch;
      const prev = i > 0 ? (s[i - 1] ?? '') : '';
      const after = s[i + run.length] ?? '';
      const canOpen = after !== '' && !/\s/.test(after) && !(ch === '_' && /\w/.test(prev));
      if (canOpen && (ch !== '~' || run.length === 2)) {
        const len = ch === '~' ? 2 : Math.min(run.length, 3);
        const delim = ch.repeat(len);
        // Find a closing run: not preceded by whitespace, not followed by a word char for _.
        let j = i + len;
        let found = -1;
        while (j < s.length) {
          const k = s.indexOf(delim, j);
          if (k < 0) break;
          const before = s[k - 1] ?? '';
          const afterClose = s[k + len] ?? '';
          const sameRun = afterClose === ch && ch !== '~' && len < 3;
          if (k > i + len && !/\s/.test(before) && !(ch === '_' && /\w/.test(afterClose)) && !sameRun) {
            found = k;
            break;
          }
          j = k + 1;
          // Skip over the whole run so "**a**" does not close on its second star.
          while (s[j] === ch) j++;
        }
        if (found >= 0) {
          flush();
          const inner = parseInline(s.slice(i + len, found), depth + 1);
          if (ch === '~') out.push({ t: 'del', c: inner });
          else if (len === 1) out.push({ t: 'em', c: inner });
          else if (len === 2) out.push({ t: 'strong', c: inner });
          else out.push({ t: 'strong', c: [{ t: 'em', c: inner }] });
          i = found + len;
          continue;
        }
      }
      text += run;
      i += run.length;
      continue;
    }

    if (ch === '[' || (ch === '!' && s[i + 1] === '[')) {
      const open = ch === '!' ? i + 1 : i;
      const close = matchBracket(s, open);
      if (close > open && s[close + 1] === '(') {
        const end = matchParen(s, close + 1);
        if (end > 0) {
          const target = s.slice(close + 2, end).trim();
          const url = (/^<([^>]*)>/.exec(target)?.[1] ?? target.split(/\s+/)[0] ?? '').trim();
          const label = s.slice(open + 1, close);
          const href = safeHref(url);
          flush();
          const inner = depth < 8 ? parseInline(label, depth + 1) : textInline(label);
          if (href) out.push({ t: 'link', href, c: inner.length ? inner : textInline(url) });
          else out.push(...inner);
          i = end + 1;
          continue;
        }
      }
      text += ch;
      i++;
      continue;
    }

    if (ch === '<') {
      const auto = /^<((?:https?|mailto):[^\s<>]+)>/i.exec(rest);
      if (auto?.[1]) {
        flush();
        out.push({ t: 'link', href: auto[1], c: textInline(auto[1]) });
        i += auto[0].length;
        continue;
      }
    }

    if ((ch === 'h' || ch === 'H') && (i === 0 || /[\s(]/.test(s[i - 1] ?? ''))) {
      const url = URL_RE.exec(rest)?.[0];
      if (url) {
        flush();
        out.push({ t: 'link', href: url, c: textInline(url) });
        i += url.length;
        continue;
      }
    }

    text += ch;
    i++;
  }
  flush();
  return out;
}

/** The plain text of inline nodes (for tests and titles). */
export function inlineText(nodes: Inline[]): string {
  return nodes
    .map((n) => {
      switch (n.t) {
        case 'text':
        case 'code':
          return n.v;
        case 'br':
          return '\n';
        default:
          return inlineText(n.c);
      }
    })
    .join('');
}
