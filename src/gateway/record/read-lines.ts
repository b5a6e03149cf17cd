import { createReadStream } from 'node:fs';
import { RecordingFormatError } from './errors.js';

/**
 * Lines of a file, streamed: the file is read in chunks as the consumer asks (backpressure), so a recording of any
 * size replays in bounded memory. A line longer than `maxLineBytes` is an error naming the file and line.
 */
export async function* readLines(file: string, maxLineBytes = 64 * 1024 * 1024): AsyncGenerator<{ line: string; lineNo: number }> {
  let rest = '';
  let lineNo = 0;
  for await (const chunk of createReadStream(file, { encoding: 'utf8', highWaterMark: 256 * 1024 })) {
    rest += chunk as string;
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      lineNo++;
      const line = rest.slice(0, nl).replace(/\r$/, '');
      rest = rest.slice(nl + 1);
      yield { line, lineNo };
    }
    if (rest.length > maxLineBytes) throw new RecordingFormatError(file, lineNo + 1, `line longer than ${maxLineBytes} bytes`);
  }
  if (rest.length > 0) yield { line: rest, lineNo: lineNo + 1 };
}
