import { createElement } from 'react';
import { renderToStaticMarkup } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import { Markdown } from './Markdown';
import { inlineText, parseInline, parseMarkdown, safeHref } from './markdown';

const html = (text: string) => renderToStaticMarkup(createElement(Markdown, { text }));

describe('parseMarkdown', () => {
  it('parses paragraphs, with single newlines as line breaks', () => {
    expect(parseMarkdown('one\ntwo\n\nthree')).toEqual([
      { t: 'p', c: [{ t: 'text', v: 'one' }, { t: 'br' }, { t: 'text', v: 'two' }] },
      { t: 'p', c: [{ t: 'text', v: 'three' }] },
    ]);
  });

  it('parses headings, rules, quotes and fenced code', () => {
    const blocks = parseMarkdown('# Title\n\n---\n> quoted\n\n```ts\nconst a = 1;\n  indented\n```\nafter');
    expect(blocks.map((b) => b.t)).toEqual(['h', 'hr', 'quote', 'code', 'p']);
    expect(blocks[3]).toEqual({ t: 'code', lang: 'ts', v: 'const a = 1;\n  indented' });
  });

  it('runs an unclosed fence to the end (streaming)', () => {
    expect(parseMarkdown('```\nhalf')).toEqual([{ t: 'code', lang: '', v: 'half' }]);
  });

  it('parses bullet and ordered lists, nested by indentation', () => {
    const [list] = parseMarkdown('- a\n- b\n  - b1\n- c');
    expect(list).toMatchObject({ t: 'list', ordered: false });
    expect(list?.t === 'list' && list.items).toHaveLength(3);
    expect(list?.t === 'list' && list.items[1]?.[1]).toMatchObject({ t: 'list', items: [[{ t: 'p' }]] });
    expect(parseMarkdown('3. x\n4. y')[0]).toMatchObject({ t: 'list', ordered: true, start: 3 });
  });

  it('parses GFM tables with alignment', () => {
    const [table] = parseMarkdown('| a | b |\n|:--|--:|\n| 1 | 2 |');
    expect(table).toMatchObject({ t: 'table', align: ['left', 'right'] });
    expect(table?.t === 'table' && table.rows.length).toBe(1);
  });

  it('a paragraph is interrupted by a list or a fence', () => {
    expect(parseMarkdown('Files:\n- a\n- b').map((b) => b.t)).toEqual(['p', 'list']);
    expect(parseMarkdown('Run:\n```\nls\n```').map((b) => b.t)).toEqual(['p', 'code']);
  });
});

describe('parseInline', () => {
  it('parses emphasis, code and strikethrough', () => {
    expect(parseInline('**bold** *em* `co*de*` ~~gone~~')).toEqual([
      { t: 'strong', c: [{ t: 'text', v: 'bold' }] },
      { t: 'text', v: ' ' },
      { t: 'em', c: [{ t: 'text', v: 'em' }] },
      { t: 'text', v: ' ' },
      { t: 'code', v: 'co*de*' },
      { t: 'text', v: ' ' },
      { t: 'del', c: [{ t: 'text', v: 'gone' }] },
    ]);
  });

  it('nests emphasis', () => {
    expect(parseInline('*a **b** c*')).toEqual([
      { t: 'em', c: [{ t: 'text', v: 'a ' }, { t: 'strong', c: [{ t: 'text', v: 'b' }] }, { t: 'text', v: ' c' }] },
    ]);
  });

  it('leaves snake_case and lone stars alone', () => {
    expect(inlineText(parseInline('my_var_name and 2 * 3 * 4'))).toBe('my_var_name and 2 * 3 * 4');
    expect(parseInline('my_var_name')).toEqual([{ t: 'text', v: 'my_var_name' }]);
  });

  it('parses links, autolinks and bare URLs', () => {
    expect(parseInline('[docs](https://example.com/a)')).toEqual([
      { t: 'link', href: 'https://example.com/a', c: [{ t: 'text', v: 'docs' }] },
    ]);
    expect(parseInline('see <https://x.dev>')[1]).toEqual({ t: 'link', href: 'https://x.dev', c: [{ t: 'text', v: 'https://x.dev' }] });
    expect(parseInline('go to https://x.dev/p.')).toEqual([
      { t: 'text', v: 'go to ' },
      { t: 'link', href: 'https://x.dev/p', c: [{ t: 'text', v: 'https://x.dev/p' }] },
      { t: 'text', v: '.' },
    ]);
  });

  it('drops unsafe link targets but keeps the text', () => {
    expect(parseInline('[click](javascript:alert(1))')).toEqual([{ t: 'text', v: 'click' }]);
    expect(parseInline('[wiki](https://en.wikipedia.org/wiki/A_(b)) end')).toEqual([
      { t: 'link', href: 'https://en.wikipedia.org/wiki/A_(b)', c: [{ t: 'text', v: 'wiki' }] },
      { t: 'text', v: ' end' },
    ]);
    expect(parseInline('[x](javascript:alert(1))').some((n) => n.t === 'link')).toBe(false);
    expect(safeHref('JaVaScRiPt:alert(1)')).toBeNull();
    expect(safeHref('data:text/html,<script>')).toBeNull();
    expect(safeHref('//evil.example')).toBeNull();
    expect(safeHref('/chats/1')).toBe('/chats/1');
    expect(safeHref('mailto:a@b.c')).toBe('mailto:a@b.c');
  });

  it('honours backslash escapes', () => {
    expect(inlineText(parseInline('\\*not em\\*'))).toBe('*not em*');
  });
});

describe('<Markdown>', () => {
  it('renders as elements', () => {
    expect(html('Hi **there**')).toBe('<div class="md"><p>Hi <strong>there</strong></p></div>');
  });

  it('never lets HTML through', () => {
    const out = html('<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n\n```\n</code><b>x</b>\n```');
    expect(out).not.toContain('<script');
    expect(out).not.toContain('<img');
    expect(out).not.toContain('<b>');
    expect(out).toContain('&lt;script&gt;');
  });

  it('renders links with a safe rel and no javascript: hrefs', () => {
    const out = html('[a](https://ok.example) [b](javascript:alert(1))');
    expect(out).toContain('href="https://ok.example"');
    expect(out).toContain('rel="noopener noreferrer nofollow"');
    expect(out).not.toContain('javascript:');
  });
});
