// Drives the four transport pages (stream.html, eventsource.html, websocket.html,
// longpolling.html): one pushgw.js client in the page's mode on ?channel= (default
// "demo"), the messages live, a publish box, and a connect/disconnect switch.
(function () {
  'use strict';
  var mode = document.body.getAttribute('data-mode');
  var params = new URLSearchParams(window.location.search);
  var channel = params.get('channel') || 'demo';
  var backtrack = Number(params.get('backtrack') || 10);
  var $ = function (id) { return document.getElementById(id); };
  var list = $('messages'), status = $('status'), toggle = $('toggle'), count = 0, wanted = true;
  var STATES = ['closed', 'connecting', 'open'];

  $('channel').textContent = channel;
  $('backtrack').textContent = String(backtrack);

  function add(kind, meta1, meta2, text) {
    var li = document.createElement('li');
    li.className = kind;
    var a = document.createElement('span'), b = document.createElement('span'), t = document.createElement('span');
    a.className = b.className = 'meta';
    t.className = 'text';
    a.textContent = meta1;
    b.textContent = meta2;
    t.textContent = text;
    li.appendChild(a); li.appendChild(b); li.appendChild(t);
    list.insertBefore(li, list.firstChild);
    while (list.children.length > 200) { list.removeChild(list.lastChild); }
  }

  var ps = new PushStream({
    modes: mode,
    onmessage: function (text, id, ch, eventid, last, time) {
      count++;
      $('count').textContent = String(count);
      add('message', '#' + id, (time || '').slice(17, 25) + (eventid ? ' ' + eventid : ''), text);
    },
    onchanneldeleted: function (ch, text) { add('deleted', 'deleted', ch, text); },
    onstatuschange: function (state) {
      status.className = 'status ' + STATES[state];
      status.textContent = STATES[state];
            if (state === PushStream.OPEN && ps.wrapper && ps.wrapper.url) { $('url').textContent = ps.wrapper.url; }
    },
    onerror: function (e) {
      add('info', 'error', e.type, (e.status ? e.status + ' ' : '') + (e.explain || e.reason || '') +
        (ps.reconnectDelay ? ' (retrying in ' + (ps.reconnectDelay / 1000).toFixed(1) + ' s)' : ''));
    }
  });
  ps.addChannel(channel, {backtrack: backtrack});
  ps.connect();
  window.demo = ps;

  toggle.addEventListener('click', function () {
    wanted = !wanted;
    if (wanted) { ps.connect(); } else { ps.disconnect(); }
    toggle.textContent = wanted ? 'Disconnect' : 'Connect';
  });

  $('publish').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = $('text');
    if (!input.value) { return; }
    var text = input.value;
    ps.sendMessage(text, function () { input.value = ''; }, function (code) { add('info', 'error', 'publish', 'HTTP ' + code); });
  });
})();
