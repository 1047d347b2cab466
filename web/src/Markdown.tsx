import { memo, useMemo, type ReactNode } from 'react';
import { parseMarkdown, type Block, type Inline } from './markdown';

// Renders the tree from markdown.ts as React elements: text is always text (React escapes
// it), so a message can never inject HTML or script.

function renderInline(nodes: Inline[], prefix = ''): ReactNode[] {
  return nodes.map((n, i) => {
    const key = `${prefix}${i}`;
    switch (n.t) {
      case 'text':
        return n.v;
      case 'br':
        return <br key={key} />;
      case 'code':
        return <code key={key}>{n.v}</code>;
      case 'strong':
        return <strong key={key}>{renderInline(n.c, `${key}.`)}</strong>;
      case 'em':
        return <em key={key}>{renderInline(n.c, `${key}.`)}</em>;
      case 'del':
        return <del key={key}>{renderInline(n.c, `${key}.`)}</del>;
      case 'link':
        return (
          <a key={key} href={n.href} target="_blank" rel="noopener noreferrer nofollow">
            {renderInline(n.c, `${key}.`)}
          </a>
        );
    }
  });
}

function renderBlocks(blocks: Block[], prefix = ''): ReactNode[] {
  return blocks.map((b, i) => {
    const key = `${prefix}${i}`;
    switch (b.t) {
      case 'p':
        return <p key={key}>{renderInline(b.c)}</p>;
      case 'h': {
        const Tag = `h${Math.min(b.level + 2, 6)}` as 'h3' | 'h4' | 'h5' | 'h6';
        return <Tag key={key}>{renderInline(b.c)}</Tag>;
      }
      case 'code':
        return (
          <pre key={key} className="md-code" data-lang={b.lang || undefined}>
            <code>{b.v}</code>
          </pre>
        );
      case 'quote':
        return <blockquote key={key}>{renderBlocks(b.c, `${key}.`)}</blockquote>;
      case 'list': {
        const items = b.items.map((item, k) => <li key={k}>{renderBlocks(item, `${key}.${k}.`)}</li>);
        return b.ordered ? (
          <ol key={key} start={b.start === 1 ? undefined : b.start}>
            {items}
          </ol>
        ) : (
          <ul key={key}>{items}</ul>
        );
      }
      case 'table':
        return (
          <div key={key} className="md-table">
            <table>
              <thead>
                <tr>
                  {b.head.map((c, k) => (
                    <th key={k} style={b.align[k] ? { textAlign: b.align[k] ?? undefined } : undefined}>
                      {renderInline(c)}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {b.rows.map((row, r) => (
                  <tr key={r}>
                    {row.map((c, k) => (
                      <td key={k} style={b.align[k] ? { textAlign: b.align[k] ?? undefined } : undefined}>
                        {renderInline(c)}
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        );
      case 'hr':
        return <hr key={key} />;
    }
  });
}

export const Markdown = memo(function Markdown({ text, className }: { text: string; className?: string }) {
  const blocks = useMemo(() => parseMarkdown(text), [text]);
  return <div className={className ? `md ${className}` : 'md'}>{renderBlocks(blocks)}</div>;
});
