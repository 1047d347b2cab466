import { describe, expect, it } from 'vitest';
import { formatDuration, formatIdle, formatPercent, formatUsage, formatUsd, newClientId, shellQuote, summarizeArguments, utf8Length } from './format';

describe('format', () => {
  it('formats durations', () => {
    expect(formatDuration(0)).toBe('0 ms');
    expect(formatDuration(850)).toBe('850 ms');
    expect(formatDuration(1234)).toBe('1.2 s');
    expect(formatDuration(42_000)).toBe('42 s');
    expect(formatDuration(125_000)).toBe('2 m 05 s');
  });

  it('formats dollars: cents, else four places under a cent', () => {
    expect(formatUsd(0.42)).toBe('$0.42');
    expect(formatUsd(12.3)).toBe('$12.30');
    expect(formatUsd(0.000513)).toBe('$0.0005');
    expect(formatUsd(0.00001)).toBe('<$0.0001');
    expect(formatUsd(0)).toBe('$0');
  });

  it('formats shares as whole percents that never round to all or none', () => {
    expect(formatPercent(0.9204)).toBe('92%');
    expect(formatPercent(0.998)).toBe('99%');
    expect(formatPercent(1)).toBe('100%');
    expect(formatPercent(0.001)).toBe('<1%');
    expect(formatPercent(0)).toBe('0%');
  });

  it('formats idle times', () => {
    expect(formatIdle(40.4)).toBe('40s');
    expect(formatIdle(372)).toBe('6m 12s');
    expect(formatIdle(305)).toBe('5m 05s');
    expect(formatIdle(3_900)).toBe('1h 05m');
  });

  it('formats usage as in / cached / out', () => {
    expect(formatUsage({ prompt: 1234, cache_hit: 1000, cache_miss: 234, cache_write: 0, completion: 56, reasoning: 0 })).toBe(
      'in 1,234 · cached 1,000 · out 56',
    );
    expect(formatUsage({ prompt: 1, cache_hit: 0, cache_miss: 1, cache_write: 0, completion: 9, reasoning: 7 })).toBe(
      'in 1 · cached 0 · out 9 · reasoning 7',
    );
  });

  it('summarizes tool arguments', () => {
    expect(summarizeArguments('run_command', '{"argv":["cat","my notes.txt"]}')).toBe("cat 'my notes.txt'");
    expect(summarizeArguments('write_file', '{"path":"notes.txt","content":"x"}')).toBe('notes.txt');
    expect(summarizeArguments('search', '{"pattern":"TODO","path":"src"}')).toBe('/TODO/ in src');
    expect(summarizeArguments('x', 'not json')).toBe('not json');
    expect(summarizeArguments('x', '{"a":"' + 'y'.repeat(200) + '"}').length).toBeLessThanOrEqual(80);
  });

  it('quotes shell words only when needed', () => {
    expect(shellQuote('ls')).toBe('ls');
    expect(shellQuote("it's")).toBe(`'it'\\''s'`);
    expect(shellQuote('')).toBe("''");
  });

  it('makes distinct client ids', () => {
    const a = newClientId();
    expect(a).toMatch(/^m-[0-9a-f]{16}$/);
    expect(newClientId()).not.toBe(a);
  });

  it('counts UTF-8 bytes', () => {
    expect(utf8Length('é')).toBe(2);
  });
});
