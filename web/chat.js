// The chat demo: one PushStream on every room; each message is a JSON object
// {nick, text} published to the room's channel from the page. Anything else published
// to a room (e.g. with curl) is shown as a message from "server".
(function () {
  'use strict';
  var $ = function (id) { return document.getElementById(id); };
  var params = new URLSearchParams(window.location.search);
  var PREFIX = 'chat-';
  var STATES = ['closed', 'connecting', 'open'];
  var rooms = {};       // name -> {lines: [], unread: 0, el: <li>}
  var order = [];
  var active = null;
  var ps = null;

  var nick = params.get('nick') || (window.localStorage && localStorage.getItem('pushgw-chat-nick')) ||
    'guest-' + Math.floor(Math.random() * 900 + 100);
  $('nick').value = nick;
  $('nick').addEventListener('change', function () {
    nick = $('nick').value.trim() || nick;
    $('nick').value = nick;
    try { localStorage.setItem('pushgw-chat-nick', nick); } catch (e) { /* private mode */ }
  });
  $('mode').value = params.get('mode') || '';

  function validRoom(name) { return /^[A-Za-z0-9_-]{1,40}$/.test(name); }

  function renderRooms() {
    var ul = $('rooms');
    ul.textContent = '';
    order.forEach(function (name) {
      var r = rooms[name];
      var li = document.createElement('li');
      li.className = name === active ? 'active' : '';
      li.setAttribute('data-room', name);
      var b = document.createElement('button');
      b.type = 'button';
      var label = document.createElement('span');
      label.textContent = '#' + name;
      var badge = document.createElement('span');
      badge.className = 'badge';
      badge.textContent = r.unread ? String(r.unread) : '';
      b.appendChild(label);
      b.appendChild(badge);
      b.addEventListener('click', function () { select(name); });
      li.appendChild(b);
      ul.appendChild(li);
    });
  }

  function lineElement(line) {
    var li = document.createElement('li');
    li.className = line.kind + (line.nick === nick ? ' mine' : '');
    var t = document.createElement('span'), n = document.createElement('span'), x = document.createElement('span');
    t.className = 'time';
    n.className = 'nick';
    x.className = 'text';
    t.textContent = line.time;
    n.textContent = line.nick;
    x.textContent = line.text;  // never innerHTML: texts are untrusted
    li.appendChild(t);
    li.appendChild(n);
    li.appendChild(x);
    return li;
  }

  function renderLines() {
    var ol = $('lines');
    ol.textContent = '';
    var r = rooms[active];
    r.lines.forEach(function (line) { ol.appendChild(lineElement(line)); });
    ol.scrollTop = ol.scrollHeight;
    $('roomname').textContent = active;
    $('roominfo').textContent = r.lines.length + ' messages';
  }

  function select(name) {
    active = name;
    rooms[name].unread = 0;
    renderRooms();
    renderLines();
    $('text').focus();
  }

  function addRoom(name) {
    if (rooms[name]) { return; }
    rooms[name] = {lines: [], unread: 0};
    order.push(name);
    if (ps) { ps.addChannel(PREFIX + name, {backtrack: 20}); }
  }

  function clock(time) {
    var d = time ? new Date(time) : new Date();
    return isNaN(d.getTime()) ? '' : d.toTimeString().slice(0, 5);
  }

  function onmessage(text, id, channel, eventid, last, time) {
    var name = channel.slice(PREFIX.length);
    var r = rooms[name];
    if (!r) { return; }
    var line = {kind: 'message', nick: 'server', text: text, time: clock(time)};
    try {
      var m = JSON.parse(text);
      if (m && typeof m.text === 'string') { line.nick = String(m.nick || '?').slice(0, 24); line.text = m.text; }
    } catch (e) { /* not from this page: shown as it is */ }
    r.lines.push(line);
    if (r.lines.length > 500) { r.lines.shift(); }
    if (name === active) {
      var ol = $('lines');
      var atBottom = ol.scrollHeight - ol.scrollTop - ol.clientHeight < 40;
      ol.appendChild(lineElement(line));
      while (ol.children.length > 500) { ol.removeChild(ol.firstChild); }
      if (atBottom || line.nick === nick) { ol.scrollTop = ol.scrollHeight; }
      $('roominfo').textContent = r.lines.length + ' messages';
    } else {
      r.unread++;
      renderRooms();
    }
  }

  function system(name, text) {
    rooms[name].lines.push({kind: 'system', nick: '', text: text, time: clock()});
    if (name === active) { renderLines(); }
  }

  function connect() {
    if (ps) { ps.disconnect(); }
    var options = {
      onmessage: onmessage,
      onchanneldeleted: function (channel) { var n = channel.slice(PREFIX.length); if (rooms[n]) { system(n, 'the room was cleared'); } },
      onstatuschange: function (s) {
        $('status').className = 'status ' + STATES[s];
        $('status').textContent = STATES[s] + (s === PushStream.OPEN ? ' · ' + ps.mode : '');
      }
    };
    if ($('mode').value) { options.modes = $('mode').value; }
    ps = new PushStream(options);
    order.forEach(function (name) { rooms[name].lines = []; ps.addChannel(PREFIX + name, {backtrack: 20}); });
    ps.connect();
    window.chat = ps;
    if (active) { renderLines(); }
  }

  (params.get('rooms') || 'lobby,dev,random').split(',').forEach(function (name) { if (validRoom(name)) { addRoom(name); } });
  connect();
  select(params.get('room') && rooms[params.get('room')] ? params.get('room') : order[0]);

  $('mode').addEventListener('change', connect);

  $('join').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var name = $('newroom').value.trim();
    if (!validRoom(name)) { return; }
    addRoom(name);
    $('newroom').value = '';
    select(name);
  });

  $('say').addEventListener('submit', function (ev) {
    ev.preventDefault();
    var input = $('text');
    var text = input.value;
    if (!text.trim()) { return; }
    var room = active;
    input.value = '';
    PushStream.sendMessage('/pub?id=' + PREFIX + room, JSON.stringify({nick: nick, text: text}), null, function (status) {
      system(room, 'not sent (HTTP ' + status + '): ' + text);
      input.value = input.value || text;
    });
  });
})();
