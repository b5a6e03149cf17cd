// Siphon dashboard: plain browser JavaScript, no build step. Every value from the server goes into the page as
// text (textContent), never as HTML: samples and quarantined rows come from real traffic and real data.
'use strict';
(function () {
  const $ = (id) => document.getElementById(id);
  const fmt = (n) => (n === null || n === undefined ? '—' : typeof n === 'number' ? n.toLocaleString('en-US') : String(n));
  const pct = (r) => (r === null || r === undefined ? '—' : `${(r * 100).toFixed(2)} %`);
  const dur = (s) => (s === null || s === undefined ? '—' : s < 90 ? `${s} s` : s < 5400 ? `${Math.round(s / 60)} min` : `${(s / 3600).toFixed(1)} h`);

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else if (k.startsWith('on')) e.addEventListener(k.slice(2), v); else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(c === null || c === undefined ? '' : String(c)));
    return e;
  }
  function fill(tableId, rows) {
    const body = $(tableId).querySelector('tbody');
    body.replaceChildren(...rows);
    if (rows.length === 0) body.append(el('tr', {}, el('td', { colspan: '9', class: 'muted' }, 'nothing yet')));
  }

  async function post(path, body) {
    const r = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json', 'x-siphon-csrf': '1' }, body: JSON.stringify(body || {}) });
    const j = await r.json().catch(() => ({}));
    if (!r.ok) throw new Error(j.error || `HTTP ${r.status}`);
    return j;
  }

  let me = null;
  const charts = {};

  function chart(id, series, opts) {
    const target = $(id);
    const width = Math.max(280, target.clientWidth || 420);
    return new uPlot({ width, height: 180, scales: { x: { time: true }, ...(opts && opts.scales) },
      series: [{}, ...series.map(([label, stroke, dash]) => ({ label, stroke, width: 2, ...(dash ? { dash: [6, 4] } : {}) }))],
      axes: [{}, { size: 56 }] }, [[]].concat(series.map(() => [])), target);
  }
  function ensureCharts() {
    if (charts.latency || typeof uPlot === 'undefined') return;
    charts.latency = chart('chart-latency', [['legacy p50', '#6b7280'], ['legacy p99', '#6b7280', true], ['next p50', '#2563eb'], ['next p99', '#2563eb', true]]);
    charts.errors = chart('chart-errors', [['legacy', '#6b7280'], ['next', '#dc2626']]);
    charts.compat = chart('chart-compat', [['compatibility %', '#16a34a']], { scales: { y: { range: [0, 100] } } });
  }
  function drawCharts(h) {
    ensureCharts();
    if (!charts.latency) return;
    const t = h.map((p) => p.t / 1000);
    const col = (k, f) => h.map((p) => (p[k] === null ? null : f ? f(p[k]) : p[k]));
    charts.latency.setData([t, col('legacyP50Ms'), col('legacyP99Ms'), col('nextP50Ms'), col('nextP99Ms')]);
    charts.errors.setData([t, col('legacyErrorRate', (x) => x * 100), col('nextErrorRate', (x) => x * 100)]);
    charts.compat.setData([t, col('compatibility', (x) => x * 100)]);
  }

  function card(key, label, value, sub) {
    return el('div', { class: 'card' }, el('div', { class: 'label' }, label), el('div', { class: 'value', 'data-k': key }, value), el('div', { class: 'sub' }, sub || ''));
  }

  function render(s) {
    const b = s.scoreboard;
    $('scoreboard').replaceChildren(
      card('before.p50Ms', 'response time before (legacy) p50 / p99', `${fmt(b.before.p50Ms)} / ${fmt(b.before.p99Ms)} ms`, `${fmt(b.before.requests)} requests`),
      card('after.p50Ms', 'after (migrated routes, next) p50 / p99', `${fmt(b.after.p50Ms)} / ${fmt(b.after.p99Ms)} ms`, `${fmt(b.after.requests)} requests`),
      card('failedUserRequests', 'failed user requests', fmt(b.failedUserRequests), 'answered 5xx or broken'),
      card('rowsMigrated', 'rows migrated', fmt(b.rowsMigrated), ''),
      card('quarantined', 'rows quarantined', fmt(b.quarantined), Object.entries(b.quarantinedByReason).map(([r, n]) => `${r}: ${n}`).join(', ')),
      card('rowsLost', 'rows lost', fmt(b.rowsLost), b.rowsLost === null ? 'not verified yet' : 'missing in next by verify'),
    );
    fill('routes', s.routes.map((r) => {
      const nextShare = r.mode === 'next' ? 100 : r.mode === 'canary' ? r.canaryPercent : r.mode === 'owner' ? null : 0;
      const split = el('div', { class: 'split', title: nextShare === null ? 'by entity owner' : `${nextShare} % to next` },
        el('span', { class: 'next', style: `width:${nextShare === null ? 50 : nextShare}%` }));
      const actions = el('td', {});
      if (me && me.role === 'operator') {
        if (r.mode !== 'legacy') actions.append(el('button', { class: 'danger', 'data-action': 'rollback', onclick: async (e) => {
          const reason = window.prompt(`Roll back ${r.id} to legacy — why?`, 'rolled back from the dashboard');
          if (reason === null) return;
          e.target.disabled = true;
          try { await post(`api/routes/${encodeURIComponent(r.id)}/rollback`, { reason }); } catch (err) { alert(err.message); } finally { e.target.disabled = false; }
        } }, 'roll back'));
        if (r.mode === 'canary' && me.can && me.can.approve) actions.append(el('button', { 'data-action': 'approve', onclick: async () => {
          try { await post(`api/routes/${encodeURIComponent(r.id)}/approve`, {}); } catch (err) { alert(err.message); }
        } }, 'approve step'));
      }
      const analysis = r.analysis === null ? '—' : typeof r.analysis === 'object' && r.analysis.summary ? r.analysis.summary : JSON.stringify(r.analysis);
      return el('tr', { 'data-route': r.id },
        el('td', {}, el('b', {}, r.id), el('div', { class: 'muted' }, `${(r.methods.length ? r.methods.join(',') + ' ' : '')}${r.path}`)),
        el('td', { 'data-k': 'mode' }, r.mode === 'canary' ? `canary ${r.canaryPercent} %` : r.mode),
        el('td', {}, split),
        el('td', { 'data-k': 'requests' }, `${fmt(r.legacy.requests)} / ${fmt(r.next.requests)}`),
        el('td', {}, `${fmt(r.legacy.p99Ms)} / ${fmt(r.next.p99Ms)}`),
        el('td', { 'data-k': 'compatibility' }, pct(r.compatibility)),
        el('td', { class: 'analysis' }, analysis),
        actions);
    }));
    drawCharts(s.history);
    fill('diffs', s.diffs.map((d) => el('tr', {}, el('td', {}, d.endpoint), el('td', {}, el('code', {}, d.fieldPath)), el('td', {}, d.kind),
      el('td', { 'data-k': 'count' }, fmt(d.count)), el('td', { class: 'sample' }, d.samples.map((x) => JSON.stringify(x)).join('\n')))));
    const lag = s.lag;
    $('lag').textContent = s.tables === null ? 'No migration process is connected to this dashboard.'
      : `capture lag: ${fmt(lag.captureLag)} · apply lag: ${lag.applyLagSeconds === null ? '—' : lag.applyLagSeconds.toFixed(1) + ' s'} · ${lag.caughtUp ? 'caught up' : 'catching up'}${lag.throttle ? ' · throttle: ' + (lag.throttle.summary || JSON.stringify(lag.throttle)) : ''}`;
    fill('tables', (s.tables || []).map((t) => {
      const done = t.legacyRows ? Math.min(100, Math.round(((t.migrated || 0) + t.quarantined) * 100 / t.legacyRows)) : 0;
      return el('tr', { 'data-table': t.table }, el('td', {}, t.table),
        el('td', {}, el('div', { class: 'bar' }, el('span', { style: `width:${done}%` })), `${done} %`),
        el('td', { 'data-k': 'legacyRows' }, fmt(t.legacyRows)), el('td', { 'data-k': 'migrated' }, fmt(t.migrated)),
        el('td', { 'data-k': 'quarantined' }, fmt(t.quarantined)), el('td', {}, fmt(t.rate)), el('td', {}, dur(t.etaSeconds)),
        el('td', {}, t.backfill), el('td', { class: t.checkOk === false ? 'bad' : t.checkOk ? 'good' : '' }, t.check || '—'));
    }));
    fill('entities', s.entities.map((e) => el('tr', {}, el('td', {}, e.entity), el('td', {}, e.state), el('td', {}, fmt(e.count)))));
    fill('quarantine-summary', s.quarantine.byTable.map((q) => el('tr', {}, el('td', {}, q.table), el('td', {}, q.reason), el('td', { 'data-k': 'count' }, fmt(q.count)))));
    fill('quarantine', s.quarantine.items.map((q) => el('tr', { 'data-quarantine': String(q.id) },
      el('td', {}, q.id), el('td', {}, q.table), el('td', {}, q.key), el('td', {}, q.reason), el('td', {}, q.message), el('td', { class: 'sample' }, q.row),
      el('td', {}, me && me.role === 'operator' && me.can && me.can.retry ? el('button', { onclick: async (e) => {
        e.target.disabled = true;
        try { const r = await post('api/quarantine/retry', { ids: [q.id] }); e.target.textContent = r.stillQuarantined ? 'still failing' : 'retried'; } catch (err) { alert(err.message); e.target.disabled = false; }
      } }, 'retry') : ''))));
    fill('verify', (s.verify || []).map((v) => el('tr', { 'data-verify': v.table }, el('td', {}, v.table), el('td', { class: v.verdict === 'match' || v.verdict === 'pass' ? 'good' : 'bad' }, v.verdict),
      el('td', { 'data-k': 'legacyRows' }, fmt(v.legacyRows)), el('td', {}, fmt(v.matched)), el('td', {}, fmt(v.quarantined)),
      el('td', { 'data-k': 'missing' }, fmt(v.missing)), el('td', {}, fmt(v.extra)), el('td', {}, fmt(v.mismatched)),
      el('td', {}, v.legacyRows === v.matched + v.quarantined ? `${v.legacyRows} = ${v.matched} + ${v.quarantined}` : `${v.legacyRows} ≠ ${v.matched} + ${v.quarantined}`))));
    fill('audit', s.audit.map((a) => el('tr', { 'data-audit': String(a.id) }, el('td', {}, new Date(a.at).toLocaleString()), el('td', { 'data-k': 'actor' }, a.actor),
      el('td', { 'data-k': 'action' }, a.action), el('td', { 'data-k': 'subject' }, a.subject),
      el('td', { class: 'sample' }, `${JSON.stringify(a.before)} → ${JSON.stringify(a.after)}`), el('td', {}, a.reason || ''))));
    $('errors').textContent = s.errors.length ? `Not available: ${s.errors.join('; ')}` : '';
    $('live').textContent = `live · ${new Date(s.at).toLocaleTimeString()}`;
    $('live').className = 'pill good';
    document.body.dataset.snapshotAt = s.at;
  }

  function connect() {
    const es = new EventSource('events');
    es.addEventListener('snapshot', (e) => render(JSON.parse(e.data)));
    es.addEventListener('failure', (e) => { $('errors').textContent = JSON.parse(e.data).message; });
    es.onerror = () => { $('live').textContent = 'reconnecting…'; $('live').className = 'pill bad'; };
  }

  async function start() {
    const m = /[#&]token=([^&]+)/.exec(location.hash);
    if (m) {
      history.replaceState(null, '', location.pathname); // the token never stays in the address bar or history
      await fetch('login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: decodeURIComponent(m[1]) }) });
    }
    const r = await fetch('api/me');
    if (r.status === 401) { $('login').hidden = false; $('app').hidden = true; return; }
    me = await r.json();
    $('who').textContent = `${me.identity} (${me.role === 'operator' ? 'operator' : 'read-only'})`;
    $('login').hidden = true; $('app').hidden = false; $('logout').hidden = false;
    connect();
  }

  $('login-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const r = await fetch('login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token: $('token').value }) });
    if (!r.ok) { $('login-error').textContent = 'wrong token'; return; }
    $('token').value = '';
    start();
  });
  $('logout').addEventListener('click', async () => { await fetch('logout', { method: 'POST' }); location.reload(); });
  start();
})();
