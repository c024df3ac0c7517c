// The operator dashboard. Every second: /channels-stats (summary: counters, workers),
// /channels-stats?id=ALL (every channel; less often when there are many) and, when the
// page is opened with ?metrics=URL, the admin listener's Prometheus text (subscribers and
// deliveries by transport). Rates are differences between consecutive samples. Charts
// are drawn on <canvas> and <svg> without libraries.
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(window.location.search);
  var INTERVAL = Math.max(250, Number(params.get('interval')) || 1000);
  var WINDOW = 120;                       // samples kept for the charts
  var BIG = 2000;                         // above this many channels, list them every 10th tick
  var statsUrl = params.get('stats') || '/channels-stats';
  var metricsUrl = params.get('metrics') || '';
  var COLORS = {published: '#2b6cd8', delivered: '#1f9d55', subscribers: '#7a4cc2',
    stream: '#c77c02', eventsource: '#2b6cd8', longpoll: '#1f9d55', polling: '#8a93a6', websocket: '#d0343a', grpc: '#7a4cc2'};
  var TRANSPORTS = ['stream', 'eventsource', 'longpoll', 'polling', 'websocket', 'grpc'];

  var state = {
    paused: false, tick: 0, prev: null, history: [], channels: [], channelRates: {},
    sortKey: 'subscribers', filter: '', metrics: null, metricsError: '', lastOk: 0
  };
  window.dashboard = state;  // for tests and curious operators

  // --- formatting ---
  function fmt(n) {
    if (n === null || n === undefined || isNaN(n)) { return '–'; }
    var a = Math.abs(n);
    if (a >= 1e9) { return (n / 1e9).toFixed(a >= 1e10 ? 0 : 1) + 'G'; }
    if (a >= 1e6) { return (n / 1e6).toFixed(a >= 1e7 ? 0 : 1) + 'M'; }
    if (a >= 1e4) { return (n / 1e3).toFixed(a >= 1e5 ? 0 : 1) + 'k'; }
    if (a >= 100 || n === Math.round(n)) { return String(Math.round(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ','); }
    return n.toFixed(a >= 1 ? 1 : 2).replace(/\.?0+$/, '');
  }
  function duration(s) {
    s = Math.floor(s);
    var d = Math.floor(s / 86400), h = Math.floor(s % 86400 / 3600), m = Math.floor(s % 3600 / 60);
    if (d) { return d + 'd ' + h + 'h'; }
    if (h) { return h + 'h ' + m + 'm'; }
    if (m) { return m + 'm ' + (s % 60) + 's'; }
    return s + 's';
  }
  function text(id, v) { var el = $(id); if (el.textContent !== v) { el.textContent = v; } }

  // --- parsing (channel ids are inserted raw by the server, so JSON may be invalid) ---
  function parseSummary(body) {
    try { return JSON.parse(body); } catch (e) { /* fall through */ }
    var out = {by_worker: []}, re = /"(\w+)": ("([^"]*)"|\d+)/g, m, worker = null;
    while ((m = re.exec(body)) !== null) {
      var v = m[3] !== undefined ? m[3] : Number(m[2]);
      if (m[1] === 'pid') { worker = {pid: v}; out.by_worker.push(worker); } else if (worker) { worker[m[1]] = v; } else { out[m[1]] = v; }
    }
    return out;
  }
  var ITEM = /^\{"channel": "([\s\S]*)", "published_messages": (\d+), "stored_messages": (\d+), "subscribers": (\d+)\},?$/;
  function parseGroup(body) {
    var lines = body.split('\r\n'), list = [];
    for (var i = 1; i < lines.length; i++) {
      var m = ITEM.exec(lines[i]);
      if (m) { list.push({channel: m[1], published: Number(m[2]), stored: Number(m[3]), subscribers: Number(m[4])}); }
    }
    return list;
  }
  function parseMetrics(body) {
    var out = {}, lines = body.split('\n');
    for (var i = 0; i < lines.length; i++) {
      var line = lines[i];
      if (!line || line.charAt(0) === '#') { continue; }
      var m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
      if (!m) { continue; }
      var labels = {}, lm, lre = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
      while ((lm = lre.exec(m[2] || '')) !== null) { labels[lm[1]] = lm[2].replace(/\\(.)/g, function (_, c) { return c === 'n' ? '\n' : c; }); }
      (out[m[1]] = out[m[1]] || []).push({labels: labels, value: Number(m[3])});
    }
    return out;
  }
  function metricSum(metrics, name, label, value) {
    var list = metrics && metrics[name];
    if (!list) { return null; }
    var sum = 0;
    for (var i = 0; i < list.length; i++) { if (!label || list[i].labels[label] === value) { sum += list[i].value; } }
    return sum;
  }

  function get(url, accept) {
    return window.fetch(url, {cache: 'no-store', headers: {Accept: accept}}).then(function (res) {
      if (res.status !== 200) { throw new Error(url + ': HTTP ' + res.status); }
      return res.text();
    });
  }

  // --- sampling ---
  function sample() {
    var t = performance.now();
    var wantChannels = !state.summary || state.summary.channels + state.summary.wildcard_channels <= BIG || state.tick % 10 === 0;
    var jobs = [get(statsUrl, 'application/json').then(parseSummary)];
    jobs.push(wantChannels ? get(statsUrl + '?id=ALL', 'application/json').then(parseGroup) : Promise.resolve(null));
    jobs.push(metricsUrl ? get(metricsUrl, 'text/plain').then(parseMetrics, function (e) {
      state.metricsError = String(e.message || e) + ' (does the admin listener allow this origin?)';
      return null;
    }) : Promise.resolve(null));
    return Promise.all(jobs).then(function (r) {
      state.lastOk = Date.now();
      record(t, r[0], r[1], r[2]);
      setStatus('open', 'live');
    }, function (e) {
      setStatus('closed', 'unreachable');
      text('updated', String(e.message || e));
    });
  }

  function record(t, summary, channels, metrics) {
    var prev = state.prev;
    var point = {t: t, published: summary.published_messages, subscribers: summary.subscribers,
      publishedRate: null, deliveredRate: null, deliveredEstimated: true, transports: null};
    var restarted = prev && (summary.published_messages < prev.summary.published_messages || summary.uptime < prev.summary.uptime);
    var dt = prev ? (t - prev.t) / 1000 : 0;

    if (channels) {
      var before = {};
      (state.channels || []).forEach(function (c) { before[c.channel] = c; });
      var estimate = 0, rates = {};
      channels.forEach(function (c) {
        var b = before[c.channel];
        var d = b && !restarted && c.published >= b.published ? c.published - b.published : 0;
        var cdt = state.channelsAt ? (t - state.channelsAt) / 1000 : 0;
        rates[c.channel] = cdt > 0 ? d / cdt : 0;
        estimate += d * c.subscribers;
        c.rate = rates[c.channel];
      });
      var cdt2 = state.channelsAt ? (t - state.channelsAt) / 1000 : 0;
      if (cdt2 > 0 && !restarted) { point.deliveredRate = estimate / cdt2; }
      state.channels = channels;
      state.channelsAt = t;
    } else if (state.channels) {
      point.deliveredRate = null;
    }

    if (prev && dt > 0 && !restarted) {
      point.publishedRate = (summary.published_messages - prev.summary.published_messages) / dt;
    }
    if (metrics) {
      point.transports = {};
      TRANSPORTS.forEach(function (tr) { point.transports[tr] = metricSum(metrics, 'pushgw_subscribers', 'transport', tr) || 0; });
      point.delivered = metricSum(metrics, 'pushgw_messages_delivered_total');
      point.bytes = metricSum(metrics, 'pushgw_bytes_sent_total');
      if (prev && prev.bytes !== null && prev.bytes !== undefined && point.bytes >= prev.bytes && dt > 0) {
        point.bytesRate = (point.bytes - prev.bytes) / dt;
      }
      if (prev && prev.delivered !== null && prev.delivered !== undefined && point.delivered >= prev.delivered && dt > 0) {
        point.deliveredRate = (point.delivered - prev.delivered) / dt;
        point.deliveredEstimated = false;
      }
      state.metrics = metrics;
      state.metricsError = '';
    }
    state.summary = summary;
    state.prev = {t: t, summary: summary, delivered: point.delivered, bytes: point.bytes};
    state.history.push(point);
    if (state.history.length > WINDOW) { state.history.shift(); }
    state.tick++;
    render(point);
  }

  // --- rendering ---
  function setStatus(cls, label) {
    var el = $('status');
    el.className = 'status ' + cls;
    el.textContent = state.paused ? 'paused' : label;
  }

  function render(point) {
    var s = state.summary;
    text('host', (s.hostname || '?') + ' · ' + (s.by_worker ? s.by_worker.length : '?') + ' workers · server time ' + (s.time || '') + ' UTC');
    text('updated', 'updated ' + new Date().toTimeString().slice(0, 8));
    text('v-channels', fmt(s.channels));
    text('s-channels', fmt(s.wildcard_channels) + ' wildcard · ' + fmt(s.channels_in_trash) + ' in trash');
    text('v-subscribers', fmt(s.subscribers));
    var conns = state.metrics && metricSum(state.metrics, 'pushgw_connections');
    text('s-subscribers', conns !== null && conns !== undefined && state.metrics ? fmt(conns) + ' open connections' : 'subscriber connections');
    text('v-published-rate', point.publishedRate === null ? '–' : fmt(point.publishedRate));
    text('s-published', fmt(s.published_messages) + ' since start');
    text('v-delivered-rate', point.deliveredRate === null ? '–' : fmt(point.deliveredRate));
    text('s-delivered', point.deliveredEstimated ? 'estimated from channels' :
      (point.bytesRate !== null && point.bytesRate !== undefined ? fmt(point.bytesRate) + 'B/s sent' : 'from /metrics'));
    text('v-stored', fmt(s.stored_messages));
    text('s-stored', fmt(s.messages_in_trash) + ' in trash');
    text('v-uptime', duration(s.uptime || 0));
    var build = state.metrics && state.metrics.pushgw_build_info && state.metrics.pushgw_build_info[0];
    var commit = build && build.labels.commit && build.labels.commit !== 'unknown' ? ' · ' + build.labels.commit.slice(0, 8) : '';
    text('s-uptime', build ? 'version ' + (build.labels.version || '?') + commit : 'since the server started');

    var h = state.history;
    var rates = [
      {name: 'published', color: COLORS.published, values: h.map(function (p) { return p.publishedRate; })},
      {name: 'delivered' + (point.deliveredEstimated ? ' (est.)' : ''), color: COLORS.delivered, values: h.map(function (p) { return p.deliveredRate; })}
    ];
    var subs = [{name: 'all', color: COLORS.subscribers, values: h.map(function (p) { return p.subscribers; })}];
    if (point.transports) {
      TRANSPORTS.forEach(function (tr) {
        if (h.some(function (p) { return p.transports && p.transports[tr]; })) {
          subs.push({name: tr, color: COLORS[tr], values: h.map(function (p) { return p.transports ? p.transports[tr] : null; })});
        }
      });
    }
    legend('legend-rates', rates);
    legend('legend-subs', subs);
    lineChart($('chart-rates'), rates);
    lineChart($('chart-subs'), subs);

    bars($('bars-workers'), (s.by_worker || []).map(function (w, i) {
      return {label: 'worker ' + (i + 1) + ' · tid ' + w.pid, value: w.subscribers, color: COLORS.subscribers};
    }));
    if (point.transports) {
      bars($('bars-transports'), TRANSPORTS.map(function (tr) { return {label: tr, value: point.transports[tr], color: COLORS[tr]}; }));
      text('transport-note', 'from ' + metricsUrl);
    } else {
      bars($('bars-transports'), []);
      text('transport-note', metricsUrl ? 'Metrics unavailable: ' + state.metricsError :
        'Per-transport numbers come from the admin listener\'s /metrics: open this page with ?metrics=http://HOST:9091/metrics.');
    }
    table();
  }

  function legend(id, series) {
    var el = $(id);
    var html = series.map(function (s) {
      var last = null;
      for (var i = s.values.length - 1; i >= 0 && last === null; i--) { last = s.values[i]; }
      return '<span><i style="background:' + s.color + '"></i>' + escapeHtml(s.name) + ' <b>' + fmt(last) + '</b></span>';
    }).join('');
    if (el.innerHTML !== html) { el.innerHTML = html; }
  }

  function escapeHtml(v) {
    return String(v).replace(/[&<>"']/g, function (c) { return '&#' + c.charCodeAt(0) + ';'; });
  }

  // The top of the axis: four steps of 1, 2, 2.5 or 5 times a power of ten.
  function niceMax(v) {
    if (!(v > 0)) { return 4; }
    var raw = v / 4, p = Math.pow(10, Math.floor(Math.log(raw) / Math.LN10)), f = raw / p;
    var step = (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * p;
    return step * 4;
  }

  function lineChart(canvas, series) {
    var dpr = window.devicePixelRatio || 1;
    var w = canvas.clientWidth, h = canvas.clientHeight;
    if (!w || !h) { return; }
    if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(h * dpr)) {
      canvas.width = Math.round(w * dpr);
      canvas.height = Math.round(h * dpr);
    }
    var ctx = canvas.getContext('2d');
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, h);
    var L = 48, R = 8, T = 8, B = 20, pw = w - L - R, ph = h - T - B;
    var max = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v > max) { max = v; } }); });
    max = niceMax(max);
    ctx.font = '11px system-ui, sans-serif';
    ctx.fillStyle = '#6b7385';
    ctx.strokeStyle = '#e6e9ef';
    ctx.lineWidth = 1;
    ctx.textAlign = 'right';
    ctx.textBaseline = 'middle';
    for (var i = 0; i <= 4; i++) {
      var y = Math.round(T + ph - ph * i / 4) + 0.5;
      ctx.beginPath(); ctx.moveTo(L, y); ctx.lineTo(L + pw, y); ctx.stroke();
      ctx.fillText(fmt(max * i / 4), L - 6, y);
    }
    ctx.textAlign = 'center';
    ctx.textBaseline = 'top';
    var secs = WINDOW * INTERVAL / 1000;
    var ago = function (s) { return s >= 60 ? '-' + Math.round(s / 60) + 'm' : '-' + Math.round(s) + 's'; };
    [[0, ago(secs), 'left'], [0.5, ago(secs / 2), 'center'], [1, 'now', 'right']].forEach(function (x) {
      ctx.textAlign = x[2];
      ctx.fillText(x[1], L + pw * x[0], T + ph + 5);
    });
    var step = pw / (WINDOW - 1);
    series.forEach(function (s, k) {
      var n = s.values.length, started = false, first = null, last = null;
      ctx.beginPath();
      for (var j = 0; j < n; j++) {
        var v = s.values[j];
        if (v === null || v === undefined || isNaN(v)) { continue; }
        var x = L + pw - (n - 1 - j) * step, y2 = T + ph - ph * Math.min(v, max) / max;
        if (!started) { ctx.moveTo(x, y2); started = true; first = x; } else { ctx.lineTo(x, y2); }
        last = x;
      }
      if (!started) { return; }
      ctx.strokeStyle = s.color;
      ctx.lineWidth = 2;
      ctx.lineJoin = 'round';
      ctx.stroke();
      if (k === 0) {  // soft area under the first series
        ctx.lineTo(last, T + ph);
        ctx.lineTo(first, T + ph);
        ctx.closePath();
        ctx.globalAlpha = 0.08;
        ctx.fillStyle = s.color;
        ctx.fill();
        ctx.globalAlpha = 1;
      }
    });
  }

  var SVG = 'http://www.w3.org/2000/svg';
  function bars(svg, items) {
    var rowH = 24, labelW = 190, width = svg.clientWidth || 500;
    var max = 1;
    items.forEach(function (it) { if (it.value > max) { max = it.value; } });
    var height = Math.max(rowH, items.length * rowH);
    svg.setAttribute('viewBox', '0 0 ' + width + ' ' + height);
    svg.setAttribute('height', String(height));
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    if (!items.length) { return; }
    var barW = width - labelW - 60;
    items.forEach(function (it, i) {
      var y = i * rowH;
      var label = document.createElementNS(SVG, 'text');
      label.setAttribute('x', '0');
      label.setAttribute('y', String(y + 16));
      label.textContent = it.label;
      svg.appendChild(label);
      var bg = document.createElementNS(SVG, 'rect');
      bg.setAttribute('x', String(labelW)); bg.setAttribute('y', String(y + 5));
      bg.setAttribute('width', String(barW)); bg.setAttribute('height', '14'); bg.setAttribute('rx', '3');
      bg.setAttribute('fill', '#eef1f6');
      svg.appendChild(bg);
      var bar = document.createElementNS(SVG, 'rect');
      bar.setAttribute('x', String(labelW)); bar.setAttribute('y', String(y + 5));
      bar.setAttribute('width', String(Math.max(it.value > 0 ? 2 : 0, barW * it.value / max)));
      bar.setAttribute('height', '14'); bar.setAttribute('rx', '3');
      bar.setAttribute('fill', it.color);
      svg.appendChild(bar);
      var v = document.createElementNS(SVG, 'text');
      v.setAttribute('x', String(labelW + barW + 8));
      v.setAttribute('y', String(y + 16));
      v.setAttribute('class', 'value');
      v.textContent = fmt(it.value);
      svg.appendChild(v);
    });
  }

  function table() {
    var list = state.channels || [];
    var f = state.filter;
    var rows = f ? list.filter(function (c) { return c.channel.indexOf(f) === 0; }) : list.slice();
    var key = state.sortKey;
    rows.sort(function (a, b) {
      if (key === 'channel') { return a.channel < b.channel ? -1 : a.channel > b.channel ? 1 : 0; }
      return (b[key] || 0) - (a[key] || 0) || (a.channel < b.channel ? -1 : 1);
    });
    var shown = rows.slice(0, 50);
    var tbody = $('channels').tBodies[0];
    while (tbody.rows.length > shown.length) { tbody.deleteRow(-1); }
    shown.forEach(function (c, i) {
      var tr = tbody.rows[i] || tbody.insertRow(-1);
      var cells = [c.channel, fmt(c.subscribers), fmt(c.rate || 0), fmt(c.published), fmt(c.stored)];
      while (tr.cells.length < cells.length) {
        var td = tr.insertCell(-1);
        td.className = tr.cells.length === 1 ? 'name' : 'num';
      }
      cells.forEach(function (v, j) { if (tr.cells[j].textContent !== v) { tr.cells[j].textContent = v; } });
      tr.cells[0].title = c.channel;
    });
    var total = state.summary ? state.summary.channels + state.summary.wildcard_channels : list.length;
    text('table-info', 'showing ' + shown.length + ' of ' + rows.length + (f ? ' matching' : '') +
      (total > BIG ? ' · many channels: listed every 10 s' : ''));
  }

  // --- controls ---
  Array.prototype.forEach.call(document.querySelectorAll('#channels th'), function (th) {
    th.addEventListener('click', function () {
      state.sortKey = th.getAttribute('data-key');
      Array.prototype.forEach.call(document.querySelectorAll('#channels th'), function (o) { o.classList.toggle('sorted', o === th); });
      table();
    });
  });
  $('filter').addEventListener('input', function () { state.filter = $('filter').value; table(); });
  $('pause').addEventListener('click', function () {
    state.paused = !state.paused;
    $('pause').textContent = state.paused ? 'Resume' : 'Pause';
    setStatus(state.paused ? 'connecting' : 'open', state.paused ? 'paused' : 'live');
  });

  // One request set at a time, every INTERVAL (a slow server is never piled up on).
  function loop() {
    var started = Date.now();
    var done = function () { window.setTimeout(loop, Math.max(0, INTERVAL - (Date.now() - started))); };
    if (state.paused || document.hidden) { done(); return; }
    sample().then(done, done);
  }
  window.addEventListener('resize', function () { if (state.summary && state.history.length) { render(state.history[state.history.length - 1]); } });
  loop();
})();
