import type { CaptureReadiness } from '../types.js';
import type { CatalogQuery } from './introspect.js';

/**
 * Binary-log capture needs log_bin ON, binlog_format ROW, binlog_row_image FULL and a user with REPLICATION SLAVE
 * plus REPLICATION CLIENT (MariaDB 10.5+: BINLOG MONITOR); trigger capture needs the TRIGGER privilege.
 */
export async function mysqlReadiness(q: CatalogQuery): Promise<CaptureReadiness[]> {
  const [row] = await q(`SELECT @@log_bin, @@binlog_format, @@binlog_row_image, @@server_id, CURRENT_USER(), VERSION(), DATABASE(), @@log_bin_trust_function_creators`, []);
  const [logBin, format, image, serverId, user, version, db, trustCreators] = row ?? [];
  // MariaDB shows database grants with LIKE escapes (`my\_db`.*): unescape so the name compares as written
  const grants = (await q('SHOW GRANTS', [])).map((r) => (r[0] ?? '').replace(/\\([_%])/g, '$1'));
  // global grants (ON *.*) count for everything; database grants (ON `db`.*) only for this database's TRIGGER
  const esc = (x: string) => x.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const onDb = db ? new RegExp(`ON \`${esc(db.replace(/`/g, '``'))}\`\\.\\*`, 'i') : /^$/;
  const global = (g: string) => /ON \*\.\*/i.test(g);
  const has = (priv: RegExp, dbLevel: boolean) => grants.some((g) => (/GRANT ALL PRIVILEGES/i.test(g) || priv.test(g)) && (global(g) || (dbLevel && onDb.test(g))));
  const slave = has(/REPLICATION (SLAVE|REPLICA)\b/i, false);
  const client = has(/REPLICATION CLIENT|BINLOG MONITOR/i, false);
  const trigger = has(/\bTRIGGER\b/i, true);
  const superPriv = has(/\bSUPER\b/i, false);
  const who = user ?? 'the user';
  const binlog: string[] = [];
  if (logBin !== '1') binlog.push('binary log is off: set log_bin (a relative name) and server_id in the server config, then restart');
  if (format !== 'ROW') binlog.push(`binlog_format is ${format}: SET GLOBAL binlog_format = 'ROW' (and in the config file)`);
  if (image !== 'FULL') binlog.push(`binlog_row_image is ${image}: SET GLOBAL binlog_row_image = 'FULL' (and in the config file)`);
  if (!slave) binlog.push(`${who} lacks REPLICATION SLAVE: GRANT REPLICATION SLAVE ON *.* TO ${who};`);
  if (!client) binlog.push(`${who} lacks REPLICATION CLIENT (BINLOG MONITOR on MariaDB 10.5+): GRANT REPLICATION CLIENT ON *.* TO ${who};`);
  const trig = trigger ? [] : [`${who} lacks the TRIGGER privilege: GRANT TRIGGER, CREATE ON ${db ?? '<db>'}.* TO ${who};`];
  // with the binary log on, the server refuses CREATE TRIGGER to a user without SUPER unless it trusts creators
  if (logBin === '1' && trustCreators !== '1' && !superPriv) {
    trig.push(`${who} may not create triggers while the binary log is on: GRANT SUPER ON *.* TO ${who}; or SET GLOBAL log_bin_trust_function_creators = 1 (and in the config file)`);
  }
  const details = { logBin: logBin === '1', binlogFormat: format ?? null, binlogRowImage: image ?? null, serverId: Number(serverId), user: user ?? null, version: version ?? null, replicationSlave: slave, replicationClient: client };
  return [
    { method: 'binlog', ready: binlog.length === 0, problems: binlog, details },
    { method: 'trigger', ready: trig.length === 0, problems: trig, details: { triggerPrivilege: trigger, superPrivilege: superPriv, logBinTrustFunctionCreators: trustCreators === '1', user: user ?? null } },
  ];
}
