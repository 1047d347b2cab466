// Timestamps on the wire are ISO 8601 with microseconds; the trace viewer keeps them as integer
// microseconds since the epoch (exact in a double until the year 2255), because Date parses
// milliseconds only and a 300 µs tool call would otherwise have no width.

const ISO_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:[.,](\d+))?(Z|[+-]\d{2}:?\d{2})$/i;

/**
 * Microseconds since the Unix epoch for an ISO 8601 date-time with an offset ("Z" or
 * "+02:00"), keeping up to 6 fraction digits (more are cut, fewer are padded); null when the
 * text is not such a timestamp or names an impossible date.
 */
export function parseIsoMicros(text: string): number | null {
  const m = ISO_RE.exec(text);
  if (!m) return null;
  const [, y, mo, d, h, mi, s, frac = '', zone = 'Z'] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || second > 60) return null;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  // Date.UTC rolls 31 February over into March: reject what did not stay in its month.
  if (new Date(ms).getUTCDate() !== day) return null;
  let offsetMin = 0;
  if (zone.toUpperCase() !== 'Z') {
    const sign = zone.startsWith('-') ? -1 : 1;
    const digits = zone.slice(1).replace(':', '');
    offsetMin = sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2, 4)));
  }
  const micros = Number((frac + '000000').slice(0, 6));
  return (ms - offsetMin * 60_000) * 1000 + micros;
}
