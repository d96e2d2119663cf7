// Chorus dashboard: polls /dashboard/api/cluster about once a second and renders it.
// Vanilla ES2020, no dependencies: the file is embedded byte-for-byte in the chorus binary.
// The JSON contract is described in docs/dashboard.md.
'use strict';

(() => {
  const API = '/dashboard/api/cluster';
  const POLL_MS = 1000;
  // The serving member asks every other member with a 500 ms timeout, so a healthy answer takes
  // well under a second; 4 s only bounds a hung connection (the next tick is skipped meanwhile).
  const FETCH_TIMEOUT_MS = 4000;
  const WINDOW_MS = 60 * 1000;
  // Two chart points further apart than this are not joined: the gap means missed polls.
  const GAP_MS = 3.5 * POLL_MS;
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const state = {
    inFlight: false,
    prev: null,        // previous sample: {timeMs, servedBy, members: Map(id -> counters)}
    series: [],        // chart points: {t: client ms, rps, p50, p99} (latencies in seconds, or null)
    last: null,        // the last successful answer
    lastOkAt: 0,       // client time of the last successful answer
    connected: null,   // null until the first poll finishes
  };

  const $ = (id) => document.getElementById(id);

  // ---------- small helpers ----------

  // Builds an element; text children become text nodes (never HTML: names come from the cluster).
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') node.className = v;
      else node.setAttribute(k, String(v));
    }
    for (const c of children) {
      if (c === undefined || c === null) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function svg(tag, attrs) {
    const node = document.createElementNS(SVG_NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, String(v));
    return node;
  }

  const isNum = (v) => typeof v === 'number' && Number.isFinite(v);

  function fmtInt(v) {
    return isNum(v) ? Math.round(v).toLocaleString('en-US') : '\u2013';
  }

  function fmtBytes(v) {
    if (!isNum(v)) return '\u2013';
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let i = 0;
    while (Math.abs(v) >= 1024 && i < units.length - 1) { v /= 1024; i++; }
    return `${i === 0 ? v : v.toFixed(v < 10 ? 1 : 0)} ${units[i]}`;
  }

  function fmtRate(v) {
    if (!isNum(v)) return '\u2013';
    if (v >= 10000) return `${(v / 1000).toFixed(1)}k`;
    return v >= 100 ? v.toFixed(0) : v.toFixed(1);
  }

  // "1.55 / 12.1 ms": one unit for both, so the summary card stays short.
  function fmtLatencyPair(p50, p99) {
    const big = Math.max(p50, isNum(p99) ? p99 : 0);
    const [div, unit] = big >= 1 ? [1, 's'] : [0.001, 'ms'];
    const f = (v) => {
      if (!isNum(v)) return '\u2013';
      const x = v / div;
      return x >= 100 ? x.toFixed(0) : x.toFixed(x >= 10 ? 1 : 2);
    };
    return `${f(p50)} / ${f(p99)} ${unit}`;
  }

  function fmtClock(ms) {
    if (!isNum(ms)) return '\u2013';
    return new Date(ms).toLocaleTimeString('en-GB', { hour12: false });
  }

  function fmtDuration(ms) {
    if (!isNum(ms) || ms < 0) return '';
    const s = Math.round(ms / 1000);
    if (s < 60) return `${s}s`;
    const m = Math.floor(s / 60);
    if (m < 60) return `${m}m ${s % 60}s`;
    const h = Math.floor(m / 60);
    return `${h}h ${m % 60}m`;
  }

  // Tick label: 0, 0.5, 12, 1.2k.
  function fmtTick(v) {
    if (v >= 1000) return `${+(v / 1000).toFixed(1)}k`;
    if (v >= 10 || v === 0) return String(Math.round(v));
    return String(+v.toFixed(2));
  }

  // Smallest "nice" number (1, 2, 2.5, 5 x 10^n) >= v: round chart maxima and tick steps.
  function niceCeil(v) {
    if (!(v > 0)) return 1;
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v * (1 - 1e-9)) return m * p;
    return 10 * p;
  }

  // Only http(s) links: a member's advertised URL must not become a javascript: link.
  function safeUrl(u) {
    return typeof u === 'string' && /^https?:\/\//i.test(u) ? u.replace(/\/+$/, '') : null;
  }

  // ---------- rates and quantiles ----------

  // Counters worth remembering for the next poll, or null when the member gave none.
  function countersOf(m) {
    if (!m || m.reachable === false) return null;
    const lat = m.latency;
    const hist = lat && Array.isArray(lat.le) && Array.isArray(lat.counts) &&
      lat.le.length === lat.counts.length && lat.le.length > 0
      ? { le: lat.le, counts: lat.counts, count: isNum(lat.count) ? lat.count : lat.counts[lat.counts.length - 1] }
      : null;
    return { requests: isNum(m.requests_total) ? m.requests_total : null, hist };
  }

  // Quantile q of a cumulative histogram (Prometheus' histogram_quantile): find the bucket that
  // holds rank q*total and interpolate linearly inside it; the first bucket starts at 0. A rank in
  // the +Inf bucket yields the largest finite bound (nothing better is known).
  function quantile(q, le, cum, total) {
    if (!(total > 0)) return null;
    const rank = q * total;
    let prevCum = 0;
    let prevLe = 0;
    for (let i = 0; i < le.length; i++) {
      if (cum[i] >= rank) {
        const inBucket = cum[i] - prevCum;
        if (inBucket <= 0) return le[i];
        return prevLe + (le[i] - prevLe) * (rank - prevCum) / inBucket;
      }
      prevCum = cum[i];
      prevLe = le[i];
    }
    return le[le.length - 1];
  }

  // One chart point from two consecutive answers: cluster requests/s and p50/p99 of the requests
  // served in between (histogram deltas summed over members).
  function computePoint(prev, cur) {
    let dtSec = (cur.timeMs - prev.timeMs) / 1000;
    if (!(dtSec > 0)) dtSec = (cur.clientMs - prev.clientMs) / 1000;
    if (!(dtSec > 0)) return null;

    let requests = 0;
    let rateMembers = 0;
    let le = null;
    let cum = null;
    let total = 0;
    for (const [id, c] of cur.members) {
      const p = prev.members.get(id);
      if (!p || !c) continue;
      if (isNum(c.requests) && isNum(p.requests)) {
        const d = c.requests - p.requests;
        rateMembers++;
        // A negative delta means the member restarted and its counter began again: skip it once.
        if (d > 0) requests += d;
      }
      if (c.hist && p.hist && c.hist.le.length === p.hist.le.length) {
        const dCount = c.hist.count - p.hist.count;
        const dCounts = c.hist.counts.map((v, i) => v - p.hist.counts[i]);
        if (dCount < 0 || dCounts.some((v) => !(v >= 0))) continue;   // restarted
        if (le === null) {
          le = c.hist.le;
          cum = dCounts;
        } else if (le.length === c.hist.le.length && le.every((b, i) => b === c.hist.le[i])) {
          cum = cum.map((v, i) => v + dCounts[i]);
        } else {
          continue;   // different buckets cannot be summed
        }
        total += dCount;
      }
    }
    return {
      rps: rateMembers > 0 ? requests / dtSec : null,
      p50: le ? quantile(0.5, le, cum, total) : null,
      p99: le ? quantile(0.99, le, cum, total) : null,
    };
  }

  // ---------- polling ----------

  async function tick() {
    if (state.inFlight) return;   // the previous answer is still due: skip this tick
    state.inFlight = true;
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), FETCH_TIMEOUT_MS);
    let data;
    try {
      const resp = await fetch(API, { cache: 'no-store', signal: ctrl.signal });
      if (!resp.ok) throw new Error(`HTTP ${resp.status}`);
      data = await resp.json();
      if (!data || !Array.isArray(data.members)) throw new Error('malformed answer');
    } catch (err) {
      onFailure(err);
      return;
    } finally {
      clearTimeout(timer);
      state.inFlight = false;
    }
    try {
      onData(data);
    } catch (err) {
      // A rendering bug is not a lost connection: keep polling, but surface it as an uncaught
      // error (the browser test fails on those).
      setTimeout(() => { throw err; });
    }
  }

  function onData(data) {
    const clientMs = Date.now();
    const sample = {
      timeMs: isNum(data.time_ms) ? data.time_ms : clientMs,
      clientMs,
      servedBy: data.served_by && data.served_by.id,
      members: new Map(data.members.map((m) => [m.id, countersOf(m)])),
    };
    if (state.prev && state.prev.servedBy === sample.servedBy) {
      const point = computePoint(state.prev, sample);
      if (point) state.series.push({ t: clientMs, ...point });
    }
    state.prev = sample;
    state.last = data;
    state.lastOkAt = clientMs;
    setConnected(true);
    render(data);
  }

  function onFailure(err) {
    setConnected(false, err);
    drawCharts();   // the time axis keeps moving, so the gap is visible
  }

  function setConnected(ok, err) {
    state.connected = ok;
    document.body.classList.toggle('disconnected', !ok);
    $('live-dot').className = `live-dot ${ok ? 'ok' : 'bad'}`;
    $('conn-banner').hidden = ok;
    if (ok) return;
    const since = state.lastOkAt ? `Last answer ${fmtDuration(Date.now() - state.lastOkAt)} ago` : 'No answer yet';
    $('conn-detail').textContent = `${since} (${err && err.name === 'AbortError' ? 'timed out' : (err && err.message) || 'error'}).`;
    // Any member serves the dashboard: offer the others, as last seen.
    const alt = $('conn-alternatives');
    alt.replaceChildren();
    const d = state.last;
    if (!d) return;
    const self = d.served_by && d.served_by.id;
    const links = d.members
      .filter((m) => m.id !== self && m.reachable !== false)
      .map((m) => [m, safeUrl((m.client_urls || [])[0])])
      .filter(([, u]) => u);
    if (links.length) {
      alt.append('Open another member: ');
      for (const [m, u] of links) alt.append(el('a', { href: `${u}/dashboard` }, m.name || m.id));
    }
  }

  // ---------- rendering ----------

  function render(d) {
    const members = d.members.slice().sort((a, b) =>
      String(a.name || '').localeCompare(String(b.name || '')) || String(a.id).localeCompare(String(b.id)));
    const byId = new Map(members.map((m) => [m.id, m]));
    const nameOf = (id) => (byId.get(id) && byId.get(id).name) || id;

    $('cluster-id').textContent = d.cluster_id || '\u2013';
    $('served-by').textContent = d.served_by ? (d.served_by.name || d.served_by.id) : '\u2013';
    $('last-update').textContent = `updated ${fmtClock(Date.now())}`;

    renderSummary(d, members, byId, nameOf);
    renderMembers(d, members);
    renderHistory(d);
    renderAlarms(d, nameOf);
    renderEvents(d);
    drawCharts();
  }

  function renderSummary(d, members, byId, nameOf) {
    const leaderId = d.leader || '';
    const leader = byId.get(leaderId);
    const card = document.querySelector('.leader-card');
    card.classList.toggle('none', !leaderId);
    $('leader-name').textContent = leaderId ? nameOf(leaderId) : 'none';
    $('leader-id').textContent = leaderId ? leaderId : 'no leader known to this member';

    const reachable = members.filter((m) => m.reachable !== false);
    const terms = reachable.map((m) => m.term).filter(isNum);
    const term = leader && isNum(leader.term) ? leader.term : (terms.length ? Math.max(...terms) : null);
    $('leader-term').textContent = isNum(term) ? String(term) : '\u2013';

    // "since": the last history entry that made the current leader leader.
    const hist = Array.isArray(d.leader_history) ? d.leader_history : [];
    const now = isNum(d.time_ms) ? d.time_ms : Date.now();
    let since = '';
    const lastEntry = hist[hist.length - 1];
    if (leaderId && lastEntry && lastEntry.leader === leaderId && isNum(lastEntry.time_ms)) {
      since = `leader since ${fmtClock(lastEntry.time_ms)} (${fmtDuration(now - lastEntry.time_ms)})`;
    }
    $('leader-since').textContent = since;

    $('member-count').textContent = String(members.length);
    $('member-reachable').textContent = reachable.length === members.length
      ? 'all reachable' : `${reachable.length} of ${members.length} reachable`;

    const lastPoint = state.series[state.series.length - 1];
    $('throughput-now').textContent = lastPoint ? fmtRate(lastPoint.rps) : '\u2013';
    $('latency-now').textContent = lastPoint && isNum(lastPoint.p50)
      ? fmtLatencyPair(lastPoint.p50, lastPoint.p99) : '\u2013';

    const alarms = Array.isArray(d.alarms) ? d.alarms : [];
    $('alarm-count').textContent = String(alarms.length);
    $('alarm-card').classList.toggle('active', alarms.length > 0);
  }

  function renderMembers(d, members) {
    // Two members may both claim leadership for a moment (an old leader that has not yet heard of
    // the new term); the one with the lower term is stale.
    const leaderTerms = members.filter((m) => m.reachable !== false && m.role === 'leader' && isNum(m.term))
      .map((m) => m.term);
    const maxLeaderTerm = leaderTerms.length ? Math.max(...leaderTerms) : null;

    const rows = members.map((m) => {
      const reachable = m.reachable !== false;
      // An unreachable member's role is unknown: never show a dead member as leader.
      const role = reachable && ['leader', 'follower', 'learner'].includes(m.role) ? m.role : 'unknown';
      const stale = role === 'leader' && leaderTerms.length > 1 && m.term < maxLeaderTerm;
      const badge = el('span', { class: `badge ${stale ? 'stale' : role}` },
        role === 'unknown' ? '?' : (stale ? 'leader (stale)' : role));

      let stateCell;
      if (!reachable) stateCell = el('span', { class: 'state unreachable' }, 'unreachable');
      else if (m.healthy === false) stateCell = el('span', { class: 'state unhealthy' }, 'unhealthy');
      else if (m.healthy === true) stateCell = el('span', { class: 'state healthy' }, 'healthy');
      else stateCell = el('span', { class: 'state' }, 'unknown');

      let lagCell = '\u2013';
      if (reachable && isNum(m.lag)) {
        const cls = m.lag >= 1000 ? 'lag-bad' : (m.lag >= 50 ? 'lag-warn' : null);
        lagCell = el('span', { class: cls }, fmtInt(m.lag));
      }

      let dbCell = '\u2013';
      if (reachable && isNum(m.db_size)) {
        if (isNum(m.quota) && m.quota > 0) {
          const pct = Math.min(100, (100 * m.db_size) / m.quota);
          const cls = pct >= 90 ? 'bad' : (pct >= 70 ? 'warn' : null);
          const fill = el('i', { class: cls, style: `width:${pct.toFixed(1)}%` });
          dbCell = el('span', { class: 'db', title: `${pct.toFixed(1)}% of the quota` },
            el('span', { class: 'bar' }, fill), `${fmtBytes(m.db_size)} / ${fmtBytes(m.quota)}`);
        } else {
          dbCell = `${fmtBytes(m.db_size)} (no quota)`;
        }
      }

      const url = safeUrl((m.client_urls || [])[0]);
      const urlCell = url
        ? el('a', { href: `${url}/dashboard`, title: `Open this member's dashboard` }, url)
        : ((m.client_urls || [])[0] || '\u2013');
      const num = (v) => el('td', { class: 'num' }, reachable ? fmtInt(v) : '\u2013');

      return el('tr', { 'data-member-id': m.id, 'data-role': role, 'data-reachable': String(reachable) },
        el('td', { class: 'name' }, el('strong', null, m.name || '(unnamed)'),
          d.served_by && d.served_by.id === m.id ? el('span', { class: 'hint' }, ' (this page)') : null),
        el('td', { class: 'id' }, m.id),
        el('td', null, badge),
        el('td', null, stateCell),
        num(m.term), num(m.commit), num(m.applied),
        el('td', { class: 'num' }, lagCell),
        num(m.revision),
        el('td', null, dbCell),
        el('td', null, urlCell));
    });
    if (!rows.length) rows.push(el('tr', { class: 'placeholder' }, el('td', { colspan: 11 }, 'No members')));
    $('members-body').replaceChildren(...rows);
  }

  function renderHistory(d) {
    const hist = Array.isArray(d.leader_history) ? d.leader_history : [];
    const now = isNum(d.time_ms) ? d.time_ms : Date.now();
    const items = [];
    // Walk newest first; each entry lasted until the next (newer) one.
    for (let i = hist.length - 1; i >= 0; i--) {
      const h = hist[i];
      const until = i === hist.length - 1 ? now : hist[i + 1].time_ms;
      const held = fmtDuration(until - h.time_ms);
      const what = h.leader
        ? el('span', { class: 'what' }, el('strong', null, h.name || h.leader), ` leader, term ${h.term}`,
          held ? el('span', { class: 'hint' }, ` \u00b7 ${i === hist.length - 1 ? 'for' : 'held'} ${held}`) : null)
        : el('span', { class: 'what lost' }, `leader lost (term ${h.term})`,
          held ? el('span', { class: 'hint' }, ` \u00b7 ${held}`) : null);
      items.push(el('li', null, el('span', { class: 'when' }, fmtClock(h.time_ms)), what));
    }
    if (!items.length) items.push(el('li', { class: 'empty' }, 'No leader changes seen yet'));
    $('leader-history').replaceChildren(...items);
  }

  function renderAlarms(d, nameOf) {
    const alarms = Array.isArray(d.alarms) ? d.alarms : [];
    const items = alarms.map((a) => el('li', null,
      el('span', { class: 'alarm' }, a.alarm || 'UNKNOWN'),
      el('span', { class: 'what' }, `on ${nameOf(a.member)}`)));
    if (!items.length) items.push(el('li', { class: 'empty' }, 'No active alarms'));
    $('alarms').replaceChildren(...items);
  }

  function renderEvents(d) {
    const events = Array.isArray(d.events) ? d.events : [];
    const items = events.slice().reverse().map((e) =>
      el('li', null, el('span', { class: 'when' }, fmtClock(e.time_ms)), el('span', { class: 'what' }, e.text)));
    if (!items.length) items.push(el('li', { class: 'empty' }, 'No recent events'));
    $('events').replaceChildren(...items);
  }

  // ---------- charts (SVG, drawn here) ----------

  function drawCharts() {
    const now = Date.now();
    // Keep a little more than the window so the leftmost segment enters from the edge.
    while (state.series.length && state.series[0].t < now - WINDOW_MS - 5000) state.series.shift();
    drawChart($('chart-throughput'), now, [{ key: 'rps', cls: 'rps', area: true }], (v) => v, 10);
    drawChart($('chart-latency'), now,
      [{ key: 'p50', cls: 'p50' }, { key: 'p99', cls: 'p99' }], (v) => v * 1000, 1);
  }

  // Draws series (keys of state.series points, scaled by `scale`) over the last WINDOW_MS.
  // minMax: the y range never shrinks below this, so an idle cluster's noise isn't magnified.
  function drawChart(box, now, lines, scale, minMax) {
    const W = Math.max(box.clientWidth, 200);
    const H = Math.max(box.clientHeight, 120);
    const m = { l: 44, r: 10, t: 8, b: 22 };
    const x0 = m.l;
    const x1 = W - m.r;
    const y0 = H - m.b;
    const y1 = m.t;
    const pts = state.series.filter((p) => p.t >= now - WINDOW_MS - 5000);

    let max = 0;
    for (const p of pts) {
      for (const l of lines) if (isNum(p[l.key])) max = Math.max(max, scale(p[l.key]));
    }
    const top = niceCeil(Math.max(max * 1.1, minMax));
    const xOf = (t) => x0 + ((t - (now - WINDOW_MS)) / WINDOW_MS) * (x1 - x0);
    const yOf = (v) => y0 - (v / top) * (y0 - y1);

    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, width: W, height: H, role: 'img' });
    const clipId = `${box.id}-clip`;
    const defs = svg('defs');
    const clip = svg('clipPath', { id: clipId });
    clip.append(svg('rect', { x: x0, y: 0, width: x1 - x0, height: H }));
    defs.append(clip);
    root.append(defs);

    for (let i = 0; i <= 4; i++) {
      const v = (top * i) / 4;
      const y = yOf(v);
      root.append(svg('line', { class: 'grid', x1: x0, x2: x1, y1: y, y2: y }));
      const label = svg('text', { class: 'axis-label', x: x0 - 6, y: y + 4, 'text-anchor': 'end' });
      label.textContent = fmtTick(v);
      root.append(label);
    }
    for (let s = 60; s >= 0; s -= 15) {
      const x = xOf(now - s * 1000);
      const label = svg('text', {
        class: 'axis-label', x, y: H - 6,
        'text-anchor': s === 60 ? 'start' : (s === 0 ? 'end' : 'middle'),
      });
      label.textContent = s === 0 ? 'now' : `-${s}s`;
      root.append(label);
    }

    const plot = svg('g', { 'clip-path': `url(#${clipId})` });
    let drawn = false;
    for (const l of lines) {
      // Split into runs of consecutive points without gaps.
      const runs = [];
      let run = [];
      let lastT = null;
      for (const p of pts) {
        const v = p[l.key];
        if (!isNum(v) || (lastT !== null && p.t - lastT > GAP_MS)) {
          if (run.length) runs.push(run);
          run = [];
        }
        if (isNum(v)) run.push([xOf(p.t), yOf(scale(v))]);
        lastT = p.t;
      }
      if (run.length) runs.push(run);
      for (const r of runs) {
        const d = r.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join('');
        if (l.area && r.length > 1) {
          plot.append(svg('path', {
            class: `area ${l.cls}`,
            d: `${d}L${r[r.length - 1][0].toFixed(1)},${y0}L${r[0][0].toFixed(1)},${y0}Z`,
          }));
        }
        // A lone point (neighbours missing) is drawn as a dot so it isn't invisible.
        if (r.length === 1) plot.append(svg('circle', { class: `line ${l.cls}`, cx: r[0][0], cy: r[0][1], r: 1.5 }));
        else plot.append(svg('path', { class: `line ${l.cls}`, d }));
        drawn = true;
      }
    }
    root.append(plot);
    if (!drawn) {
      const t = svg('text', { class: 'empty', x: (x0 + x1) / 2, y: (y0 + y1) / 2, 'text-anchor': 'middle' });
      t.textContent = state.connected === false ? 'no data: member unreachable' : 'waiting for data\u2026';
      root.append(t);
    }
    box.replaceChildren(root);
  }

  // ---------- start ----------

  let resizeTimer = null;
  window.addEventListener('resize', () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(drawCharts, 100);
  });

  function start() {
    drawCharts();
    tick();
    setInterval(tick, POLL_MS);
  }
  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', start);
  else start();
})();
