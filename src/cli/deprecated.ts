import { Option, type Command } from 'commander';
import { err } from './output.js';

/**
 * Keeps an old flag working as a hidden alias of its new name, with a warning on stderr each time it is used.
 * Used for `--legacy`/`--next`, which meant a database URL in `capture` and an HTTP origin in `gateway`/`record`:
 * they are now `--legacy-db` and `--legacy-http`/`--next-http`, named for what they take. When both are given the new
 * one wins, wherever it stands on the command line.
 */
export function deprecatedAlias(cmd: Command, oldFlag: string, newFlag: string): Command {
  const old = new Option(`${oldFlag} <value>`, `deprecated: use ${newFlag}`).hideHelp();
  const target = new Option(`${newFlag} <value>`).attributeName();
  cmd.addOption(old);
  cmd.on(`option:${old.name()}`, (value: string) => {
    err(`siphon: ${oldFlag} is deprecated and will be removed: use ${newFlag}`);
    if (cmd.getOptionValueSource(target) !== 'cli') cmd.setOptionValueWithSource(target, value, 'config');
  });
  return cmd;
}
