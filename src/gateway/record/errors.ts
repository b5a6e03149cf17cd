import { DiffError } from '../diff/errors.js';

/** A line of a recording could not be read: `file:line` and what was wrong. */
export class RecordingFormatError extends DiffError {
  constructor(readonly file: string, readonly line: number, detail: string) {
    super('RECORDING_FORMAT', `${file}:${line}: ${detail}`, { file, line });
  }
}

/** A record or replay setting is invalid (`where` names the flag or option). */
export class RecordConfigError extends DiffError {
  constructor(where: string, message: string) {
    super('CONFIG_RECORD', `${where}: ${message}`, { where });
  }
}
