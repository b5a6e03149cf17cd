/**
 * Split PostgreSQL's text form of a row (`record_out`: `(f1,f2,…)`) into its fields: null for an absent field (SQL
 * NULL), else the field's text exactly as the column type's output function wrote it. Quoted fields double `"` and
 * `\`; unquoted fields contain neither separators nor quotes. Throws on text that is not a record.
 */
export function splitRecord(text: string): (string | null)[] {
  if (text[0] !== '(' || text[text.length - 1] !== ')') throw new Error(`not a row's text form: ${text.slice(0, 60)}`);
  const out: (string | null)[] = [];
  let i = 1;
  const end = text.length - 1;
  for (;;) {
    if (text[i] === '"') {
      let v = '';
      i++;
      for (;;) {
        const ch = text[i];
        if (ch === undefined || i > end) throw new Error('unterminated quoted field in a row\'s text form');
        if (ch === '\\') { v += text[i + 1] ?? ''; i += 2; continue; }
        if (ch === '"') {
          if (text[i + 1] === '"') { v += '"'; i += 2; continue; }
          i++;
          break;
        }
        v += ch;
        i++;
      }
      out.push(v);
    } else {
      let j = i;
      while (j < end && text[j] !== ',') j++;
      out.push(j === i ? null : text.slice(i, j));
      i = j;
    }
    if (i >= end) break;
    if (text[i] !== ',') throw new Error(`unexpected ${text[i]} in a row's text form`);
    i++;
    if (i === end) { out.push(null); break; } // a trailing empty field
  }
  return out;
}
