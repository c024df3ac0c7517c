/*
 * pushgw.js - browser client for pushgw (and the nginx push stream module).
 *
 * API-compatible with pushstream.js: same constructor options, methods,
 * callbacks and constants (PushStream.CLOSED/CONNECTING/OPEN,
 * PushStream.register, PushStream.sendMessage), so a page switches by
 * changing one script tag. Written from pushgw's protocol specification
 * (SPEC.md sections 3, 7, 8, 9 and 11), not derived from pushstream.js.
 *
 * What it does better than pushstream.js:
 *  - the first instance on a page works in stream mode (streamid=0 is sent);
 *  - every transport resumes after a reconnect or disconnect()/connect() from
 *    the newest message it has seen (time + tag query arguments), without loss
 *    and without duplicates (a per-channel watermark drops anything seen);
 *  - a channel's backtrack (.bN) is sent until one connection delivered it,
 *    never again on later polls or reconnects;
 *  - pseudo-messages (ping, channel deleted, timed out) never move the resume
 *    position, so a deletion does not replay old messages;
 *  - reconnects back off exponentially with jitter; a refused subscription
 *    (4xx/5xx, WebSocket close 1008) waits reconnectOnChannelUnavailableInterval;
 *  - EventSource mode reads the text/event-stream itself (fetch), so messages
 *    published with an Event-Type (and events-channel messages) reach onmessage;
 *  - text is never mangled: message JSON is parsed by its known template shape
 *    (raw quotes, backslashes, "}{" are fine), a "%" that is not an escape is kept,
 *    stream-mode scripts are read from their source (apostrophes, backslashes),
 *    and sendMessage also escapes ! ' ( ) * so stream mode never breaks.
 *
 * Plain ES5-compatible browser JavaScript, no dependencies, no build step.
 */
(function (window, document) {
  'use strict';

  if (window.PushGW) { return; }

  var CLOSED = 0, CONNECTING = 1, OPEN = 2;
  var DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
  var MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
  var EVENTS_CHANNEL_TYPES = ['channel_created', 'client_subscribed', 'client_unsubscribed', 'channel_destroyed'];
  var DEFAULT_MODES = 'eventsource|websocket|stream|longpolling';
  var TYPES = {eventsource: 'EventSource', websocket: 'WebSocket', stream: 'Stream', longpolling: 'LongPolling'};

  // --- small utilities -------------------------------------------------------------

  function now() { return new Date().getTime(); }
  function hasOwn(o, k) { return Object.prototype.hasOwnProperty.call(o, k); }
  function isString(v) { return typeof v === 'string'; }
  function pad2(n) { return (n < 10 ? '0' : '') + n; }
  function clearTimer(t) { if (t) { window.clearTimeout(t); } return null; }

  // IMF-fixdate, the form the server prints and parses (SPEC 8.3).
  function httpDate(date) {
    return DAYS[date.getUTCDay()] + ', ' + pad2(date.getUTCDate()) + ' ' + MONTHS[date.getUTCMonth()] + ' ' +
      date.getUTCFullYear() + ' ' + pad2(date.getUTCHours()) + ':' + pad2(date.getUTCMinutes()) + ':' +
      pad2(date.getUTCSeconds()) + ' GMT';
  }

  function parseHttpDate(s) {
    if (!s) { return null; }
    var ms = Date.parse(s);
    return isNaN(ms) ? null : Math.floor(ms / 1000);
  }

  function toTag(v) {
    if (v === null || v === undefined || v === '') { return null; }
    var s = String(v).replace(/^W\//, '');
    return /^\d+$/.test(s) ? Number(s) : null;
  }

  // encodeURIComponent leaves ! ' ( ) * alone; the stream template puts the text
  // between apostrophes in a script, so they are escaped too (decodeURIComponent,
  // and so pushstream.js, reads them back unchanged).
  function encodeText(text) {
    return encodeURIComponent(String(text)).replace(/[!'()*]/g, function (c) {
      return '%' + c.charCodeAt(0).toString(16).toUpperCase();
    });
  }

  // Never throws: a "%" that does not start a valid UTF-8 escape keeps the raw text.
  function decodeText(text) {
    if (!isString(text) || text.indexOf('%') < 0) { return text; }
    try { return decodeURIComponent(text); } catch (e) { return text; }
  }

  function queryString(pairs) {
    var out = [];
    for (var i = 0; i < pairs.length; i++) {
      var v = pairs[i][1];
      out.push(encodeURIComponent(pairs[i][0]) + '=' +
        ((v === null || v === undefined || v === false) ? '' : encodeURIComponent(String(v))));
    }
    return out.join('&');
  }

  function addQuery(url, pairs) {
    var qs = queryString(pairs);
    return qs ? url + (url.indexOf('?') < 0 ? '?' : '&') + qs : url;
  }

  function normalizePort(useSSL, port) {
    port = Number(port || (useSSL ? 443 : 80));
    return ((!useSSL && port === 80) || (useSSL && port === 443)) ? '' : String(port);
  }

  function isCrossOrigin(url) {
    var a = document.createElement('a');
    a.href = url;
    var loc = window.location;
    return a.protocol !== loc.protocol || a.hostname !== loc.hostname ||
      normalizePort(a.protocol === 'https:', a.port) !== normalizePort(loc.protocol === 'https:', loc.port);
  }

  // The document.domain value the /sub/ header template computes (SPEC 3.3.1);
  // browsers that still honour document.domain need the same value on both sides.
  function xssDomain(host) {
    if (/^(\d{1,3}\.){3}\d{1,3}$/.test(host)) { return host; }
    var parts = host.split('.');
    var keep = Math.max(parts.length - 1, /(\w{4,}\.\w{2}|\.\w{3,})$/.test(host) ? 2 : 3);
    return parts.slice(-1 * keep).join('.');
  }

  // User callbacks never break the transport: an exception is re-thrown
  // asynchronously, so it still shows up in the console and window.onerror.
  function safeCall(fn, self, args) {
    if (typeof fn !== 'function') { return undefined; }
    try { return fn.apply(self, args); } catch (e) {
      window.setTimeout(function () { throw e; }, 0);
      return undefined;
    }
  }

  var LEVELS = {error: 0, info: 1, debug: 2};
  function log(level) {
    var wanted = LEVELS[PushStream.LOG_LEVEL];
    if (wanted === undefined) { wanted = 0; }
    if (LEVELS[level] > wanted) { return; }
    var args = Array.prototype.slice.call(arguments, 1);
    args.unshift('[pushgw]');
    if (window.console && window.console.log) {
      try { window.console.log.apply(window.console, args); } catch (e) { /* old consoles */ }
    }
    var el = PushStream.LOG_OUTPUT_ELEMENT_ID && document.getElementById(PushStream.LOG_OUTPUT_ELEMENT_ID);
    if (el) {
      var lines = (el.textContent + args.join(' ') + '\n').split('\n');
      el.textContent = lines.slice(-101).join('\n');
    }
  }

  // --- message parsing ---------------------------------------------------------------
  // The server inserts every field raw (SPEC 2.4), so the reference message template
  //   {"id":~id~,"channel":"~channel~","text":"~text~", "tag":"~tag~", "time":"~time~", "eventid":"~event-id~"}
  // is not always valid JSON. It is matched by its fixed shape instead; any other
  // template falls back to JSON.parse with the configured keys.

  var DATE_RE = '[A-Z][a-z]{2}, \\d{2} [A-Z][a-z]{2} \\d{4} \\d{2}:\\d{2}:\\d{2} GMT';

  function reEscape(s) { return String(s).replace(/[.*+?^${}()|[\]\\\/]/g, '\\$&'); }

  function templateSource(k) {
    return '\\{"' + reEscape(k.jsonIdKey) + '":(-?\\d+),"' + reEscape(k.jsonChannelKey) + '":"([\\s\\S]*?)","' +
      reEscape(k.jsonTextKey) + '":"([\\s\\S]*?)", "' + reEscape(k.jsonTagKey) + '":"(\\d*)", "' +
      reEscape(k.jsonTimeKey) + '":"(' + DATE_RE + ')", "' + reEscape(k.jsonEventIdKey) + '":"([\\s\\S]*?)"\\}';
  }

  function fromMatch(m) {
    return {id: Number(m[1]), channel: m[2], text: m[3], tag: m[4], time: m[5], eventid: m[6]};
  }

  function fromObject(o, k) {
    if (!o || typeof o !== 'object') { return null; }
    var id = Number(o[k.jsonIdKey]);
    if (isNaN(id)) { return null; }
    return {
      id: id,
      channel: o[k.jsonChannelKey] === undefined ? '' : String(o[k.jsonChannelKey]),
      text: o[k.jsonTextKey],
      tag: o[k.jsonTagKey] === undefined ? '' : String(o[k.jsonTagKey]),
      time: o[k.jsonTimeKey] === undefined ? '' : String(o[k.jsonTimeKey]),
      eventid: o[k.jsonEventIdKey] ? String(o[k.jsonEventIdKey]) : ''
    };
  }

  function Parser(keys) {
    this.keys = keys;
    var src = templateSource(keys);
    this.single = new RegExp('^\\s*' + src + '\\s*$');
    // Long-polling bodies concatenate renderings with nothing (or CRLF) between them.
    this.sequence = new RegExp(src + '(?=\\s*$|(?:\\r\\n)?\\{"' + reEscape(keys.jsonIdKey) + '":-?\\d+,)', 'g');
  }

  Parser.prototype.one = function (s) {
    var m = this.single.exec(s);
    if (m) { return fromMatch(m); }
    try { return fromObject(JSON.parse(s), this.keys); } catch (e) { return null; }
  };

  Parser.prototype.many = function (body) {
    var out = [], re = this.sequence, pos = 0, m;
    re.lastIndex = 0;
    while (pos < body.length) {
      while (pos < body.length && /\s/.test(body.charAt(pos))) { pos++; }
      if (pos >= body.length) { break; }
      re.lastIndex = pos;
      m = re.exec(body);
      if (!m || m.index !== pos) { break; }
      out.push(fromMatch(m));
      pos = re.lastIndex;
    }
    if (pos < body.length && /\S/.test(body.slice(pos))) {
      // Not the reference template: split like pushstream.js does and parse JSON.
      var rest = body.slice(pos).replace(/\}\{/g, '}\r\n{').split('\r\n');
      for (var i = 0; i < rest.length; i++) {
        if (!/\S/.test(rest[i])) { continue; }
        var msg = this.one(rest[i]);
        if (msg) { out.push(msg); } else { log('error', 'unparsable message', rest[i]); }
      }
    }
    return out;
  };

  // One EventSource event: each data line is a full rendering of one line of the text.
  Parser.prototype.event = function (lines, type) {
    var parts = [], i, msg;
    for (i = 0; i < lines.length; i++) {
      msg = this.single.exec(lines[i]);
      if (!msg) { parts = null; break; }
      parts.push(fromMatch(msg));
    }
    if (parts && parts.length) {
      msg = parts[0];
      for (i = 1; i < parts.length; i++) { msg.text += '\n' + parts[i].text; }
    } else {
      msg = this.one(lines.join('\n'));
    }
    if (msg) { msg.eventType = type || ''; }
    return msg;
  };

  // The /sub/ template: p(~id~,'~channel~','~text~','~event-id~', '~time~', '~tag~');
  var SCRIPT_RE = new RegExp("^\\s*p\\((-?\\d+),'([\\s\\S]*?)','([\\s\\S]*)','([\\s\\S]*?)', '(" + DATE_RE +
    ")', '(\\d*)'\\);?\\s*$");

  function parseScript(source) {
    var m = SCRIPT_RE.exec(source || '');
    return m ? {id: Number(m[1]), channel: m[2], text: m[3], eventid: m[4], time: m[5], tag: m[6]} : null;
  }

  // --- HTTP publishing -------------------------------------------------------------------

  function post(url, body, success, error, options) {
    var xhr = new window.XMLHttpRequest();
    xhr.open('POST', addQuery(url, [['_', now()]]), true);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Content-Type', 'application/x-www-form-urlencoded');
    if (options && options.eventId) { xhr.setRequestHeader('Event-Id', String(options.eventId)); }
    if (options && options.eventType) { xhr.setRequestHeader('Event-Type', String(options.eventType)); }
    xhr.onreadystatechange = function () {
      if (xhr.readyState !== 4) { return; }
      xhr.onreadystatechange = null;
      if (xhr.status === 200) { safeCall(success, null, [xhr.responseText]); } else { safeCall(error, null, [xhr.status]); }
    };
    xhr.send(body);
    return xhr;
  }

  // --- transports ----------------------------------------------------------------------------
  // A transport object lives for one connection attempt. It reports to its PushStream with
  // ps._opened(t), ps._receive(t, messages), ps._failed(t, info); after close() (alive = false)
  // every late callback is ignored.

  function Transport(ps, type) {
    this.ps = ps;
    this.type = type;
    this.alive = true;
    this.opened = false;
    this.watchdog = null;
  }

  Transport.prototype.kick = function () {
    // Liveness: once the server has shown that it pings (every 30 s in the reference
    // layout), silence for pingtimeout means a dead (e.g. half-open) connection. Servers
    // configured without pings are never second-guessed.
    var self = this;
    this.watchdog = clearTimer(this.watchdog);
    if (!this.alive || !this.pinged) { return; }
    this.watchdog = window.setTimeout(function () {
      self.ps._failed(self, {type: 'timeout', reason: 'no data for ' + self.ps.pingtimeout + ' ms'});
    }, this.ps.pingtimeout);
  };

  Transport.prototype.stop = function () {
    this.alive = false;
    this.watchdog = clearTimer(this.watchdog);
  };

  // EventSource mode, reading text/event-stream over fetch: sees every event type,
  // the HTTP status and the explain header, and reconnects under our control.
  function FetchEventSource(ps) { Transport.call(this, ps, TYPES.eventsource); }
  FetchEventSource.supported = function () {
    return !!(window.fetch && window.ReadableStream && window.TextDecoder && window.AbortController);
  };
  FetchEventSource.prototype = Object.create(Transport.prototype);

  FetchEventSource.prototype.connect = function () {
    var self = this, ps = this.ps;
    this.url = ps._subscriberUrl(ps.urlPrefixEventsource, {});
    this.controller = new window.AbortController();
    this.buffer = '';
    this.data = [];
    this.eventType = '';
    window.fetch(this.url, {signal: this.controller.signal, cache: 'no-store', headers: {Accept: 'text/event-stream'}})
      .then(function (res) {
        if (!self.alive) { return null; }
        var type = res.headers.get('Content-Type') || '';
        if (res.status !== 200 || type.indexOf('text/event-stream') !== 0) {
          ps._failed(self, {type: 'load', status: res.status, explain: res.headers.get('X-Nginx-PushStream-Explain') || ''});
          return null;
        }
        ps._opened(self);
        self.kick();
        var reader = res.body.getReader();
        var decoder = new window.TextDecoder('utf-8');
        var pump = function () {
          return reader.read().then(function (r) {
            if (!self.alive) { try { reader.cancel(); } catch (e) { /* closing */ } return null; }
            if (r.done) {
              self.feed(decoder.decode());
              ps._failed(self, {type: 'timeout', reason: 'stream ended by the server'});
              return null;
            }
            self.kick();
            self.feed(decoder.decode(r.value, {stream: true}));
            return pump();
          });
        };
        return pump();
      })
      .then(null, function (e) {
        if (self.alive) { ps._failed(self, {type: 'timeout', reason: String(e && e.message || e)}); }
      });
  };

  FetchEventSource.prototype.feed = function (chunk) {
    var buf = this.buffer + chunk, start = 0, re = /\r\n|\r|\n/g, m;
    while ((m = re.exec(buf)) !== null) {
      if (m[0] === '\r' && m.index === buf.length - 1) { break; }  // maybe a CRLF split across chunks
      this.line(buf.slice(start, m.index));
      start = re.lastIndex;
      if (!this.alive) { return; }
    }
    this.buffer = buf.slice(start);
  };

  FetchEventSource.prototype.line = function (line) {
    if (line === '') {
      if (this.data.length) {
        var msg = this.ps._parser.event(this.data, this.eventType);
        if (msg) { this.ps._receive(this, [msg]); } else { log('error', 'unparsable event', this.data.join('\n')); }
      }
      this.data = [];
      this.eventType = '';
      return;
    }
    if (line.charAt(0) === ':') {  // comments: the stream header (": ") and pings (": -1")
      if (line === ': -1' && !this.pinged) { this.pinged = true; this.kick(); }
      return;
    }
    var i = line.indexOf(':');
    var field = i < 0 ? line : line.slice(0, i);
    var value = i < 0 ? '' : line.slice(i + 1);
    if (value.charAt(0) === ' ') { value = value.slice(1); }
    if (field === 'data') { this.data.push(value); } else if (field === 'event') { this.eventType = value; }
  };

  FetchEventSource.prototype.close = function () {
    this.stop();
    try { if (this.controller) { this.controller.abort(); } } catch (e) { /* closing */ }
  };

  // EventSource mode with the browser's EventSource (option nativeEventSource, or when
  // fetch streaming is missing). Named events arrive only for the types in eventTypes.
  function NativeEventSource(ps) { Transport.call(this, ps, TYPES.eventsource); }
  NativeEventSource.supported = function () { return !!window.EventSource; };
  NativeEventSource.prototype = Object.create(Transport.prototype);

  NativeEventSource.prototype.connect = function () {
    var self = this, ps = this.ps;
    this.url = ps._subscriberUrl(ps.urlPrefixEventsource, {});
    var es = this.es = new window.EventSource(this.url);
    var onEvent = function (ev) {
      if (!self.alive) { return; }
      var msg = ps._parser.event(String(ev.data).split('\n'), ev.type === 'message' ? '' : ev.type);
      if (msg) { ps._receive(self, [msg]); }
    };
    es.onopen = function () { if (self.alive) { ps._opened(self); } };
    es.onmessage = onEvent;
    var types = ps.eventTypes || [];
    for (var i = 0; i < types.length; i++) { es.addEventListener(types[i], onEvent); }
    // The browser would reconnect by itself to the same URL (same backtrack, same resume
    // arguments): close it and reconnect with the current position instead.
    es.onerror = function () {
      if (!self.alive) { return; }
      ps._failed(self, {type: self.opened ? 'timeout' : 'load', reason: 'EventSource error'});
    };
  };

  NativeEventSource.prototype.close = function () {
    this.stop();
    if (this.es) { this.es.onopen = this.es.onmessage = this.es.onerror = null; this.es.close(); }
  };

  function WebSocketTransport(ps) { Transport.call(this, ps, TYPES.websocket); }
  WebSocketTransport.supported = function () { return !!window.WebSocket; };
  WebSocketTransport.prototype = Object.create(Transport.prototype);

  WebSocketTransport.prototype.connect = function () {
    var self = this, ps = this.ps;
    this.url = ps._subscriberUrl(ps.urlPrefixWebsocket, {websocket: true});
    var ws = this.ws = new window.WebSocket(this.url);
    ws.onopen = function () { if (self.alive) { ps._opened(self); } };
    ws.onmessage = function (ev) {
      if (!self.alive || !isString(ev.data)) { return; }
      var msg = ps._parser.one(ev.data);
      if (msg) { ps._receive(self, [msg]); } else { log('error', 'unparsable message', ev.data); }
    };
    ws.onclose = function (ev) {
      if (!self.alive) { return; }
      var info = {type: 'timeout', code: ev.code, reason: ev.reason || ''};
      if (ev.code === 1008) {  // channel refused after the handshake (SPEC 7.8)
        info.type = 'load';
        try {
          var r = JSON.parse(ev.reason);
          info.status = r.http_status;
          info.explain = r.explain;
        } catch (e) { /* keep the raw reason */ }
      }
      ps._failed(self, info);
    };
  };

  WebSocketTransport.prototype.isOpen = function () {
    return this.alive && this.ws && this.ws.readyState === 1;
  };

  WebSocketTransport.prototype.send = function (text) { this.ws.send(text); };

  WebSocketTransport.prototype.close = function () {
    this.stop();
    if (this.ws) {
      this.ws.onopen = this.ws.onmessage = this.ws.onclose = this.ws.onerror = null;
      try { this.ws.close(); } catch (e) { /* closing */ }
    }
  };

  // Stream mode: a hidden "forever iframe" on /sub/. The header template calls
  // parent.PushStream.register(window); each message is a <script>p(...)</script>.
  function StreamTransport(ps) { Transport.call(this, ps, TYPES.stream); }
  StreamTransport.supported = function () { return !!document.createElement; };
  StreamTransport.prototype = Object.create(Transport.prototype);

  StreamTransport.prototype.connect = function () {
    var self = this, ps = this.ps;
    if (document.readyState !== 'complete' || !document.body) {
      // A never-ending iframe would hold the page's load event (and the browser's
      // loading indicator) forever: start once the page has loaded.
      var later = function () { window.removeEventListener('load', later); if (self.alive) { self.connect(); } };
      window.addEventListener('load', later);
      return;
    }
    var domain = xssDomain(ps.host);
    try { if (document.domain !== domain) { document.domain = domain; } } catch (e) { /* ignored by modern browsers */ }
    this.url = ps._subscriberUrl(ps.urlPrefixStream, {streamid: ps.id});
    var ifr = this.iframe = document.createElement('iframe');
    ifr.setAttribute('aria-hidden', 'true');
    ifr.setAttribute('tabindex', '-1');
    ifr.title = 'pushgw stream';
    ifr.style.cssText = 'position:absolute;width:1px;height:1px;border:0;top:-10px;left:-10px;visibility:hidden';
    ifr.onload = function () { self.loaded(); };
    ifr.src = this.url;
    document.body.appendChild(ifr);
    this.registerTimer = window.setTimeout(function () {
      ps._failed(self, {type: 'timeout', reason: 'the stream did not register within ' + ps.timeout + ' ms'});
    }, ps.timeout);
  };

  StreamTransport.prototype.register = function (win) {
    var self = this, ps = this.ps;
    if (!this.alive || this.win) { return; }
    this.registerTimer = clearTimer(this.registerTimer);
    this.win = win;
    var doc = win.document;
    try { if (doc.currentScript && doc.currentScript.parentNode) { doc.currentScript.parentNode.removeChild(doc.currentScript); } } catch (e) { /* keep going */ }
    win.p = function (id, channel, text, eventid, time, tag) {
      if (!self.alive) { return; }
      if (Number(id) === -1) { self.pinged = true; }
      self.kick();
      var msg = null, script = null;
      try { script = doc.currentScript; } catch (e) { script = null; }
      if (script) {
        // The arguments went through the JavaScript parser (a raw backslash in the text
        // would be an escape); the script's source has the exact text.
        msg = parseScript(script.text);
        if (script.parentNode) { script.parentNode.removeChild(script); }  // keeps the iframe small
      }
      if (!msg) { msg = {id: Number(id), channel: channel, text: text, eventid: eventid, time: time, tag: tag}; }
      if (msg.id !== -1) { ps._receive(self, [msg]); }
    };
    // A raw apostrophe or line break in a text makes the script a syntax error: read it
    // from the source instead (the failing script is the last one: processed ones are removed).
    win.onerror = function (message, source, line, col, error) {
      if (!self.alive) { return false; }
      var syntax = (error && error.name === 'SyntaxError') || /SyntaxError/.test(String(message));
      if (!syntax) { return false; }
      var scripts = doc.getElementsByTagName('script');
      var script = scripts.length ? scripts[scripts.length - 1] : null;
      var msg = script && parseScript(script.text);
      if (script && script.parentNode) { script.parentNode.removeChild(script); }
      self.kick();
      if (msg && msg.id !== -1) { ps._receive(self, [msg]); } else if (!msg) { log('error', 'unparsable stream script'); }
      return true;
    };
    ps._opened(this);
    this.kick();
  };

  StreamTransport.prototype.loaded = function () {
    if (!this.alive) { return; }
    if (this.win) {
      this.ps._failed(this, {type: 'timeout', reason: 'stream ended by the server'});
      return;
    }
    // Never registered. A same-origin document means the server answered (an error
    // status); an inaccessible one is the browser's network-error page.
    var answered = false;
    try { answered = !!(this.iframe.contentDocument && this.iframe.contentDocument.documentElement); } catch (e) { answered = false; }
    this.ps._failed(this, answered ? {type: 'load', reason: 'subscription refused'} : {type: 'timeout', reason: 'network error'});
  };

  StreamTransport.prototype.close = function () {
    this.stop();
    this.registerTimer = clearTimer(this.registerTimer);
    if (this.win) { try { this.win.p = function () {}; this.win.onerror = null; } catch (e) { /* gone */ } }
    var ifr = this.iframe;
    if (ifr) {
      ifr.onload = null;
      try { ifr.src = 'about:blank'; } catch (e) { /* closing */ }
      if (ifr.parentNode) { ifr.parentNode.removeChild(ifr); }
    }
    this.iframe = null;
    this.win = null;
  };

  // Long-polling over XHR (same origin), or JSONP <script> when cross-origin / useJSONP.
  function LongPollingTransport(ps) {
    Transport.call(this, ps, TYPES.longpolling);
    this.jsonp = !!(ps._crossDomain || ps.useJSONP);
    this.emptyFast = 0;
  }
  LongPollingTransport.supported = function () { return !!window.XMLHttpRequest; };
  LongPollingTransport.prototype = Object.create(Transport.prototype);

  LongPollingTransport.prototype.connect = function () {
    var self = this;
    // pushstream.js reports OPEN 150 ms after the first request: a waiting long-poll
    // has no response headers to look at.
    this.openTimer = window.setTimeout(function () { if (self.alive) { self.ps._opened(self); } }, 150);
    this.poll();
  };

  LongPollingTransport.prototype.poll = function () {
    if (!this.alive) { return; }
    this.sentAt = now();
    if (this.jsonp) { this.pollJsonp(); } else { this.pollXhr(); }
  };

  LongPollingTransport.prototype.next = function (delivered) {
    // Never a tight loop: a fast answer that brought nothing new waits, with backoff.
    var self = this;
    var fast = now() - this.sentAt < 100;
    this.emptyFast = (!delivered && fast) ? this.emptyFast + 1 : 0;
    var delay = this.emptyFast ? Math.min(5000, 100 * Math.pow(2, this.emptyFast - 1)) : 0;
    this.nextTimer = window.setTimeout(function () { self.poll(); }, delay);
  };

  LongPollingTransport.prototype.answered = function (messages, lastModified, etag) {
    var ps = this.ps;
    ps._backtrackDelivered(this.backtracked);
    if (!this.opened) { ps._opened(this); }
    var delivered = ps._receive(this, messages);
    if (!this.alive) { return; }
    ps._advance(lastModified, etag);
    this.next(delivered > 0);
  };

  LongPollingTransport.prototype.pollXhr = function () {
    var self = this, ps = this.ps;
    var url = ps._subscriberUrl(ps.urlPrefixLongpolling, {longpolling: true});
    this.backtracked = ps._lastBacktracked;
    var xhr = this.xhr = new window.XMLHttpRequest();
    xhr.open('GET', url, true);
    if (!ps.messagesControlByArgument && ps._pos) {
      // The push stream module reads these headers; pushgw prefers the same values
      // from the query arguments (SPEC 8.3).
      xhr.setRequestHeader('If-None-Match', String(ps._pos.tag));
      xhr.setRequestHeader('If-Modified-Since', ps._pos.time);
    }
    xhr.timeout = ps.timeout + 2000;
    xhr.onload = function () {
      if (!self.alive || xhr !== self.xhr) { return; }
      var lm = xhr.getResponseHeader('Last-Modified'), etag = xhr.getResponseHeader('Etag');
      if (xhr.status === 200) {
        self.answered(ps._parser.many(xhr.responseText || ''), lm, etag);
      } else if (xhr.status === 304) {
        self.answered([], lm, etag);
      } else {
        ps._failed(self, {type: 'load', status: xhr.status, explain: xhr.getResponseHeader('X-Nginx-PushStream-Explain') || ''});
      }
    };
    xhr.onerror = function () {
      if (self.alive && xhr === self.xhr) { ps._failed(self, {type: 'timeout', reason: 'network error'}); }
    };
    xhr.ontimeout = function () {
      if (self.alive && xhr === self.xhr) { self.answered([], null, null); }
    };
    xhr.send(null);
  };

  LongPollingTransport.prototype.pollJsonp = function () {
    var self = this, ps = this.ps;
    var name = 'PushStreamManager_' + ps.id + '_onmessage_' + now();
    var url = ps._subscriberUrl(ps.urlPrefixLongpolling, {longpolling: true, callback: name});
    this.backtracked = ps._lastBacktracked;
    var script = document.createElement('script');
    var result = null, done = false;
    var finish = function () {
      if (done) { return false; }
      done = true;
      clearTimer(timer);
      // A script that already started may still run: keep a no-op callback for a while.
      window[name] = function () {};
      window.setTimeout(function () { try { delete window[name]; } catch (e) { window[name] = undefined; } }, ps.timeout + 10000);
      script.onload = script.onerror = null;
      if (script.parentNode) { script.parentNode.removeChild(script); }
      return self.alive && self.script === script;
    };
    window[name] = function (list) { result = list || []; };
    script.onload = function () {
      if (!finish()) { return; }
      if (result) {
        var messages = [];
        for (var i = 0; i < result.length; i++) {
          var m = isString(result[i]) ? ps._parser.one(result[i]) : fromObject(result[i], ps);
          if (m) { messages.push(m); }
        }
        self.answered(messages, null, null);
      } else if (now() - self.sentAt > ps.timeout / 2) {
        self.answered([], null, null);  // an empty (304) answer after the long-poll timeout
      } else {
        ps._failed(self, {type: 'load', reason: 'JSONP answer without callback'});
      }
    };
    script.onerror = function () {
      if (!finish()) { return; }
      ps._failed(self, {type: 'timeout', reason: 'JSONP request failed'});
    };
    var timer = window.setTimeout(function () { if (finish()) { self.answered([], null, null); } }, ps.timeout + 2000);
    script.async = true;
    script.src = url;
    this.script = script;
    (document.head || document.getElementsByTagName('head')[0]).appendChild(script);
  };

  LongPollingTransport.prototype.close = function () {
    this.stop();
    this.openTimer = clearTimer(this.openTimer);
    this.nextTimer = clearTimer(this.nextTimer);
    if (this.xhr) {
      var xhr = this.xhr;
      this.xhr = null;
      xhr.onload = xhr.onerror = xhr.ontimeout = null;
      try { xhr.abort(); } catch (e) { /* closing */ }
    }
    if (this.script) {
      if (this.script.parentNode) { this.script.parentNode.removeChild(this.script); }
      this.script = null;
    }
  };

  function transportFor(mode, ps) {
    switch (mode) {
      case 'eventsource':
        if (!ps.nativeEventSource && FetchEventSource.supported()) { return new FetchEventSource(ps); }
        if (NativeEventSource.supported()) { return new NativeEventSource(ps); }
        return FetchEventSource.supported() ? new FetchEventSource(ps) : null;
      case 'websocket': return WebSocketTransport.supported() ? new WebSocketTransport(ps) : null;
      case 'stream': return StreamTransport.supported() ? new StreamTransport(ps) : null;
      case 'longpolling': return LongPollingTransport.supported() ? new LongPollingTransport(ps) : null;
      default: return null;
    }
  }

  // --- PushStream ------------------------------------------------------------------------------

  var managers = [];

  function PushStream(settings) {
    settings = settings || {};
    this.id = managers.push(this) - 1;

    var loc = window.location;
    var samePageHost = !settings.host;
    this.useSSL = settings.useSSL !== undefined ? !!settings.useSSL : (samePageHost && loc.protocol === 'https:');
    this.host = settings.host || loc.hostname;
    this.port = Number(settings.port || (samePageHost && loc.port) || (this.useSSL ? 443 : 80));

    this.timeout = settings.timeout || 30000;
    this.pingtimeout = settings.pingtimeout || 40000;
    this.reconnectOnTimeoutInterval = settings.reconnectOnTimeoutInterval || 3000;
    this.reconnectOnChannelUnavailableInterval = settings.reconnectOnChannelUnavailableInterval || 60000;
    this.reconnectMaxInterval = settings.reconnectMaxInterval || 60000;
    this.autoReconnect = settings.autoReconnect !== false;

    this.lastEventId = settings.lastEventId || null;
    this.messagesPublishedAfter = settings.messagesPublishedAfter;
    this.messagesControlByArgument = settings.messagesControlByArgument || false;
    this.tagArgument = settings.tagArgument || 'tag';
    this.timeArgument = settings.timeArgument || 'time';
    this.eventIdArgument = settings.eventIdArgument || 'eventid';
    this.useJSONP = settings.useJSONP || false;

    this.urlPrefixPublisher = settings.urlPrefixPublisher || '/pub';
    this.urlPrefixStream = settings.urlPrefixStream || '/sub';
    this.urlPrefixEventsource = settings.urlPrefixEventsource || '/ev';
    this.urlPrefixLongpolling = settings.urlPrefixLongpolling || '/lp';
    this.urlPrefixWebsocket = settings.urlPrefixWebsocket || '/ws';

    this.jsonIdKey = settings.jsonIdKey || 'id';
    this.jsonChannelKey = settings.jsonChannelKey || 'channel';
    this.jsonTextKey = settings.jsonTextKey || 'text';
    this.jsonTagKey = settings.jsonTagKey || 'tag';
    this.jsonTimeKey = settings.jsonTimeKey || 'time';
    this.jsonEventIdKey = settings.jsonEventIdKey || 'eventid';

    var modes = settings.modes || DEFAULT_MODES;
    this.modes = isString(modes) ? modes.split('|') : modes.slice();
    this.wrappers = [];
    for (var i = 0; i < this.modes.length; i++) {
      var probe = transportFor(this.modes[i], this);
      if (probe) { this.wrappers.push(this.modes[i]); } else { log('info', 'mode not available:', this.modes[i]); }
    }
    this.wrapper = null;
    this.mode = null;

    this.onchanneldeleted = settings.onchanneldeleted || null;
    this.onmessage = settings.onmessage || null;
    this.onerror = settings.onerror || null;
    this.onstatuschange = settings.onstatuschange || null;
    this.extraParams = settings.extraParams || function () { return {}; };

    this.channels = {};
    this.channelsCount = 0;
    this.channelsByArgument = settings.channelsByArgument || false;
    this.channelsArgument = settings.channelsArgument || 'channels';

    // pushgw.js additions.
    this.eventTypes = settings.eventTypes || EVENTS_CHANNEL_TYPES.slice();
    this.nativeEventSource = !!settings.nativeEventSource;
    this.textEncoding = settings.textEncoding || 'uri';
    this.lastError = null;
    this.reconnectDelay = null;

    this.readyState = CLOSED;

    this._order = [];
    this._pendingBacktrack = {};
    this._lastBacktracked = [];
    this._seen = {};
    this._pos = null;
    this._startTime = null;
    this._lastEventId = null;
    this._etag = 0;
    this._lastModified = null;
    this._keepConnected = false;
    this._modeIndex = 0;
    this._failures = 0;
    this._reconnectTimer = null;
    this._changeTimer = null;
    this._parser = new Parser(this);
    this._crossDomain = isCrossOrigin(this._publisherUrl());
  }

  PushStream.CLOSED = CLOSED;
  PushStream.CONNECTING = CONNECTING;
  PushStream.OPEN = OPEN;
  PushStream.LOG_LEVEL = 'error';
  PushStream.LOG_OUTPUT_ELEMENT_ID = 'Log4jsLogOutput';
  PushStream.pushgw = true;
  PushStream.version = '1.0.0';

  PushStream.prototype = {
    constructor: PushStream,

    addChannel: function (channel, options) {
      channel = String(channel);
      if (!channel || encodeURIComponent(channel) !== channel) {
        throw new Error('Invalid channel name "' + channel + '": use only characters that need no URL encoding');
      }
      if (hasOwn(this.channels, channel)) { throw new Error('Cannot add channel ' + channel + ': already subscribed'); }
      options = options || {};
      this.channels[channel] = options;
      this._order.push(channel);
      this.channelsCount++;
      if (Number(options.backtrack) > 0) { this._pendingBacktrack[channel] = true; }
      log('info', 'adding channel', channel, options);
      this._channelsChanged();
    },

    removeChannel: function (channel) {
      if (!hasOwn(this.channels, channel)) { return; }
      delete this.channels[channel];
      delete this._pendingBacktrack[channel];
      this._order.splice(this._order.indexOf(channel), 1);
      this.channelsCount--;
      log('info', 'removing channel', channel);
      this._channelsChanged();
    },

    removeAllChannels: function () {
      this.channels = {};
      this._order = [];
      this._pendingBacktrack = {};
      this.channelsCount = 0;
      this._channelsChanged();
    },

    connect: function () {
      if (!this.host) { throw new Error('PushStream host not specified'); }
      if (isNaN(this.port)) { throw new Error('PushStream port not specified'); }
      if (!this.channelsCount) { throw new Error('No channels specified'); }
      if (!this.wrappers.length) { throw new Error('No available support for this browser'); }
      this._keepConnected = true;
      this._failures = 0;
      this._modeIndex = 0;
      this._changeTimer = clearTimer(this._changeTimer);
      this._connect();
    },

    disconnect: function () {
      this._keepConnected = false;
      this._reconnectTimer = clearTimer(this._reconnectTimer);
      this._changeTimer = clearTimer(this._changeTimer);
      this._closeTransport();
      this._setState(CLOSED);
      log('info', 'disconnected');
    },

    // sendMessage(text, success, error[, {channels, eventId, eventType}]): over the open
    // WebSocket in websocket mode (it publishes to every channel of the connection),
    // else POST to the publisher location.
    sendMessage: function (message, successCallback, errorCallback, options) {
      var body = this.textEncoding === 'none' ? String(message) : encodeText(message);
      var t = this.wrapper;
      if (!options && t && t.type === TYPES.websocket && t.isOpen()) {
        t.send(body);
        safeCall(successCallback, null, []);
        return;
      }
      var channels = options && options.channels;
      if (isString(channels)) { channels = [channels]; }
      post(this._publisherUrl(channels), body, successCallback, errorCallback, options);
    },

    // --- internals ---

    _channelsChanged: function () {
      var self = this;
      if (!this._keepConnected || this._changeTimer) { return; }
      // Several addChannel/removeChannel calls in a row reconnect once.
      this._changeTimer = window.setTimeout(function () {
        self._changeTimer = null;
        if (self._keepConnected) { self._connect(); }
      }, 0);
    },

    _setState: function (state) {
      if (this.readyState === state) { return; }
      this.readyState = state;
      log('info', 'status', state);
      safeCall(this.onstatuschange, this, [state]);
    },

    _closeTransport: function () {
      if (this.wrapper && this.wrapper.alive) { this.wrapper.close(); }
    },

    _connect: function () {
      this._reconnectTimer = clearTimer(this._reconnectTimer);
      this._closeTransport();
      if (!this.channelsCount) { this._setState(CLOSED); return; }
      if (this._lastEventId === null && this.lastEventId) { this._lastEventId = String(this.lastEventId); }
      if (!this._pos && !this._startTime && this.messagesPublishedAfter !== undefined && this.messagesPublishedAfter !== null) {
        var after = this.messagesPublishedAfter, date = null;
        if (after instanceof Date) {
          date = after;
        } else if (Number(after) > 0) {
          date = new Date(now() - Number(after) * 1000);
        } else if (Number(after) < 0) {
          date = new Date(0);
        }
        if (date) { this._startTime = {t: Math.floor(date.getTime() / 1000), time: httpDate(date), tag: null}; }
      }
      this._setState(CONNECTING);
      var mode = this.wrappers[this._modeIndex % this.wrappers.length];
      var t = transportFor(mode, this);
      this.wrapper = t;
      this.mode = mode;
      log('info', 'connecting with', mode);
      try {
        t.connect();
      } catch (e) {
        log('error', mode, 'failed:', e);
        this._failed(t, {type: 'load', reason: String(e && e.message || e)});
      }
    },

    _opened: function (t) {
      if (t !== this.wrapper || !t.alive || t.opened) { return; }
      t.opened = true;
      t.openedAt = now();
      this._reconnectTimer = clearTimer(this._reconnectTimer);
      if (t.type !== TYPES.longpolling) { this._backtrackDelivered(this._lastBacktracked); }
      this.reconnectDelay = null;
      this._setState(OPEN);
    },

    _failed: function (t, info) {
      if (t !== this.wrapper || !t.alive) { return; }
      t.close();
      info.mode = this.mode;
      this.lastError = info;
      log('info', 'connection error', info);
      if (!t.opened) {
        this._modeIndex++;  // the next attempt tries the next mode
      } else if (now() - t.openedAt > 10000 || t.delivered) {
        this._failures = 0;  // it was healthy: reconnect soon
      }
      this._setState(CLOSED);
      this._scheduleReconnect(info.type);
      safeCall(this.onerror, this, [info]);
    },

    _scheduleReconnect: function (type) {
      var self = this;
      if (!this.autoReconnect || !this._keepConnected || this._reconnectTimer) { return; }
      var base = type === 'load' ? this.reconnectOnChannelUnavailableInterval : this.reconnectOnTimeoutInterval;
      var cap = Math.max(base, this.reconnectMaxInterval);
      var delay = Math.min(cap, base * Math.pow(2, this._failures));
      this._failures = Math.min(this._failures + 1, 20);
      delay = Math.round(delay / 2 + Math.random() * delay / 2);  // jitter: no synchronized storms
      this.reconnectDelay = delay;
      log('info', 'reconnecting in', delay, 'ms');
      this._reconnectTimer = window.setTimeout(function () {
        self._reconnectTimer = null;
        if (self._keepConnected) { self._connect(); }
      }, delay);
    },

    _backtrackDelivered: function (channels) {
      for (var i = 0; channels && i < channels.length; i++) { delete this._pendingBacktrack[channels[i]]; }
    },

    _hasResumePoint: function () {
      return !!(this._pos || this._lastEventId || this._startTime);
    },

    // Channel path: backtrack only for channels whose backtrack no connection has delivered
    // yet, or while nothing is known to resume from.
    _channelsPath: function () {
      var path = '', backtracked = [], resume = this._hasResumePoint();
      for (var i = 0; i < this._order.length; i++) {
        var name = this._order[i];
        var n = Number(this.channels[name].backtrack) || 0;
        path += '/' + name;
        if (n > 0 && (this._pendingBacktrack[name] || !resume)) {
          path += '.b' + n;
          backtracked.push(name);
        }
      }
      this._lastBacktracked = backtracked;
      return path;
    },

    _resumeArguments: function () {
      var tag = '', time = '', eventid = '';
      if (this._pos) {
        time = this._pos.time;
        tag = this._pos.tag === null ? '' : String(this._pos.tag);
      } else if (this._lastEventId) {
        eventid = this._lastEventId;
      } else if (this._startTime) {
        time = this._startTime.time;
      }
      return [[this.tagArgument, tag], [this.timeArgument, time], [this.eventIdArgument, eventid]];
    },

    _base: function (websocket) {
      var scheme = websocket ? (this.useSSL ? 'wss://' : 'ws://') : (this.useSSL ? 'https://' : 'http://');
      var port = normalizePort(this.useSSL, this.port);
      return scheme + this.host + (port ? ':' + port : '');
    },

    // Query arguments in pushstream.js's order: extraParams, _, streamid, tag, time,
    // eventid (long-polling: callback and _ last).
    _subscriberUrl: function (prefix, how) {
      var url = this._base(how.websocket) + prefix;
      var pairs = [], extra = this.extraParams() || {}, key;
      var path = this._channelsPath();
      for (key in extra) { if (hasOwn(extra, key)) { pairs.push([key, extra[key]]); } }
      if (this.channelsByArgument) { pairs.push([this.channelsArgument, path.slice(1)]); } else { url += path; }
      if (!how.longpolling) { pairs.push(['_', now()]); }
      if (how.streamid !== undefined) { pairs.push(['streamid', String(how.streamid)]); }
      pairs = pairs.concat(this._resumeArguments());
      if (how.callback) { pairs.push(['callback', how.callback]); }
      if (how.longpolling) { pairs.push(['_', now()]); }
      return addQuery(url, pairs);
    },

    _publisherUrl: function (channels) {
      var list = channels || this._order || [];
      return this._base(false) + this.urlPrefixPublisher + '?id=' + list.map(encodeURIComponent).join('/');
    },

    // Advances the resume position from long-polling validators (never backwards).
    _advance: function (lastModified, etag) {
      var t = parseHttpDate(lastModified);
      if (t === null) { return; }
      var g = toTag(etag);
      this._moveTo(t, lastModified, g === null ? 0 : g);
    },

    _moveTo: function (t, time, g) {
      var p = this._pos;
      if (!p || t > p.t || (t === p.t && g > p.tag)) {
        this._pos = {t: t, time: time, tag: g};
        this._etag = g;
        this._lastModified = time;
      }
    },

    // Delivers what is new; returns how many messages reached onmessage.
    _receive: function (t, messages) {
      if (t !== this.wrapper || !t.alive) { return 0; }
      var out = [], i, m;
      for (i = 0; i < messages.length; i++) {
        m = messages[i];
        if (m.id === -2) { out.push(m); continue; }
        if (!(m.id > 0)) { continue; }  // ping (-1) and long-poll timeout (-3)
        var sec = parseHttpDate(m.time), tag = toTag(m.tag);
        if (sec !== null) {
          var w = this._seen[m.channel];
          if (w && (sec < w.t || (sec === w.t && tag !== null && w.tag !== null && tag <= w.tag))) {
            log('debug', 'duplicate dropped', m.channel, m.id);
            continue;
          }
          this._seen[m.channel] = {t: sec, tag: tag};
          this._moveTo(sec, m.time, tag === null ? 0 : tag);
        }
        if (m.eventid) { this._lastEventId = m.eventid; }
        out.push(m);
      }
      var delivered = 0, deleted = [];
      for (i = 0; i < out.length; i++) {
        m = out[i];
        var text = (this.textEncoding === 'none' || !isString(m.text)) ? m.text : decodeText(m.text);
        if (m.id === -2) {
          deleted.push(m.channel);
          safeCall(this.onchanneldeleted, this, [m.channel, text]);
        } else {
          delivered++;
          var info = {
            id: m.id, channel: m.channel, text: text, rawText: m.text, eventId: m.eventid || '',
            eventType: m.eventType || '', time: m.time, tag: toTag(m.tag), mode: this.mode
          };
          safeCall(this.onmessage, this, [text, m.id, m.channel, m.eventid || '', i === out.length - 1, m.time, info]);
        }
        if (!t.alive || t !== this.wrapper) { break; }  // a callback disconnected or reconnected
      }
      if (out.length) { t.delivered = true; }
      // A deleted channel that is still wanted is detached from a stream that keeps running
      // for its other channels: reconnect so that its new messages arrive (long-polling
      // subscribes again with its next poll anyway).
      if (deleted.length && t.type !== TYPES.longpolling && t.alive && t === this.wrapper) {
        for (i = 0; i < deleted.length; i++) {
          if (hasOwn(this.channels, deleted[i]) && this._order.length > 1) { this._channelsChanged(); break; }
        }
      }
      return delivered;
    }
  };

  // Publishes to a publisher URL, e.g. PushStream.sendMessage('/pub?id=ch1', 'hi', ok, err).
  PushStream.sendMessage = function (url, message, successCallback, errorCallback, options) {
    var raw = options && options.textEncoding === 'none';
    return post(url, raw ? String(message) : encodeText(message), successCallback, errorCallback, options);
  };

  // Called by the /sub/ header template inside the stream iframe.
  PushStream.register = function (win) {
    var i, t;
    for (i = 0; i < managers.length; i++) {
      t = managers[i].wrapper;
      if (t && t.type === TYPES.stream && t.alive && t.iframe && t.iframe.contentWindow === win) {
        t.register(win);
        return;
      }
    }
    var m = /[?&]streamid=(\d+)/.exec(String(win.location && win.location.href));
    t = m && managers[Number(m[1])] && managers[Number(m[1])].wrapper;
    if (t && t.type === TYPES.stream && t.alive) { t.register(win); }
  };

  // Helpers the tests and pages use; not part of pushstream.js's API.
  PushStream.Utils = {
    encodeText: encodeText,
    decodeText: decodeText,
    httpDate: httpDate,
    parseMessages: function (body, keys) { return new Parser(keys || DEFAULT_KEYS).many(body); },
    parseScript: parseScript
  };
  var DEFAULT_KEYS = {
    jsonIdKey: 'id', jsonChannelKey: 'channel', jsonTextKey: 'text',
    jsonTagKey: 'tag', jsonTimeKey: 'time', jsonEventIdKey: 'eventid'
  };

  window.PushGW = PushStream;
  window.PushStreamManager = window.PushStreamManager || managers;
  if (!window.PushStream) { window.PushStream = PushStream; }
})(window, document);
