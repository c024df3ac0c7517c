// web/pushgw.js in headless Chromium against the real gateway, in every mode:
// receive (ASCII, UTF-8, special characters) in order without duplicates, send from the
// page, resume after disconnect()/connect(), backtrack (never replayed), several channels,
// channel deletion (no replay), named events, reconnect after a server restart, backoff.
'use strict';

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Gateway, Browser, until, defaultConfigWith } = require('./harness');

const MODES = ['eventsource', 'websocket', 'stream', 'longpolling'];

// Published raw by a backend (curl-like). The server inserts them into its templates
// without escaping; the client must still deliver them exactly. (A raw text with a valid
// %XX escape is decoded, as with pushstream.js: pages publish URI-encoded text.)
const RAW = [
  'hello world',
  'UTF-8: héllo wörld — ✓ 日本語 Ελληνικά 🎉',
  'quotes: "double" and \'single\', it\'s',
  'braces }{ and }{"id":1,"channel":"x"} {"a":1}{"b":2}',
  'percent: 100% and %zz and %E0%A4%A',
  'backslash: C:\\temp\\new \\u0041 \\" \\\\',
  'html: <b>bold</b> & &amp; <img src=x onerror="alert(1)">',
  'multi\nline\ntext',
  '~text~ ~id~ ~channel~ placeholders',
  'tab\tand two spaces  ',
];
// Sent from the page with sendMessage (URI-encoded on the wire): exact round trip.
const SENT = RAW.concat([
  'escapes stay: %41 %20 %%',
  '</script><script>window.injected = 1</script>',
  'CRLF\r\nand CR\rtoo',
  'plus+sign & equals=value?x=1#frag',
  'emoji 👍🏽 and NBSP\u00a0here',
]);

let gw;
let browser;
let seq = 0;
const fresh = (what) => `${what}${++seq}x${Date.now() % 100000}`;
// Fast reconnects keep the tests short; the defaults are 3 s / 60 s.
const FAST = { reconnectOnTimeoutInterval: 200, reconnectOnChannelUnavailableInterval: 1000, reconnectMaxInterval: 2000 };

before(async () => {
  gw = await new Gateway().start();
  browser = await new Browser().launch();
});

after(async () => {
  if (browser) await browser.close();
  if (gw) await gw.stop();
});

async function waitCount(page, name, n, what = 'messages', ms = 15000) {
  try {
    await page.waitForFunction(([k, c]) => rec[k].messages.length >= c, [name, n], { timeout: ms, polling: 50 });
  } catch (e) {
    const got = await page.evaluate((k) => rec[k], name);
    throw new Error(`waiting for ${n} ${what} on ${name}: ${JSON.stringify(got)}\n${e.message}`);
  }
}

async function waitOpen(page, name) {
  await page.waitForFunction((k) => window[k].readyState === 2, name, { timeout: 15000, polling: 50 });
}

// Opens a client in `mode` on `channels` and waits until the server has attached it.
async function connected(page, name, mode, channels, options = {}) {
  await page.evaluate(([k, o, c]) => { make(k, o, c); window[k].connect(); },
    [name, { modes: mode, ...FAST, ...options }, channels]);
  await waitOpen(page, name);
  for (const c of channels) await gw.waitSubscribers(typeof c === 'string' ? c : c[0]);
}

// Publishes a sentinel and waits for it: anything sent before it (duplicates included)
// has arrived by then, so the list can be compared exactly.
async function settle(page, name, channel) {
  const before = await page.evaluate((k) => rec[k].messages.length, name);
  await gw.publish(channel, 'sentinel');
  await waitCount(page, name, before + 1, 'the sentinel');
  const last = await page.evaluate((k) => rec[k].messages.pop(), name);
  assert.equal(last.text, 'sentinel');
}

function assertIncreasing(messages) {
  const byChannel = {};
  for (const m of messages) {
    const prev = byChannel[m.channel];
    if (prev !== undefined) assert.ok(m.id > prev, `ids increase on ${m.channel}: ${prev} then ${m.id}`);
    byChannel[m.channel] = m.id;
  }
}

for (const mode of MODES) {
  describe(`pushgw.js ${mode}`, () => {
    test('receives ASCII, UTF-8 and special characters in order, without duplicates', async () => {
      const page = await browser.page(gw);
      const ch = fresh('recv');
      await connected(page, 'a', mode, [ch]);
      const rawHere = RAW;  // every raw text works in every mode
      for (const t of rawHere) await gw.publish(ch, t);
      await waitCount(page, 'a', rawHere.length);
      await settle(page, 'a', ch);
      const got = await page.evaluate(() => rec.a.messages);
      assert.deepEqual(got.map((m) => m.text), rawHere);
      assertIncreasing(got);
      assert.ok(got.every((m) => m.channel === ch && m.mode === mode));
      assert.deepEqual(page.pageErrors, []);
      await page.close();
    });

    test('sends from the page (sendMessage) and gets every text back unchanged', async () => {
      const page = await browser.page(gw);
      const ch = fresh('send');
      await connected(page, 'a', mode, [ch]);
      await page.evaluate((list) => send('a', list), SENT);
      await waitCount(page, 'a', SENT.length);
      await settle(page, 'a', ch);
      assert.deepEqual(await page.evaluate(() => texts('a')), SENT);
      assert.equal(await page.evaluate(() => window.injected), undefined);
      assert.deepEqual(page.pageErrors, []);
      await page.close();
    });

    test('Event-Id and Event-Type messages reach onmessage', async () => {
      const page = await browser.page(gw);
      const ch = fresh('evt');
      await connected(page, 'a', mode, [ch]);
      await gw.publish(ch, 'typed', { 'Event-Id': 'e-1', 'Event-Type': 'custom' });
      await gw.publish(ch, 'plain');
      await waitCount(page, 'a', 2);
      const got = await page.evaluate(() => rec.a.messages);
      assert.deepEqual(got.map((m) => [m.text, m.eventid]), [['typed', 'e-1'], ['plain', '']]);
      if (mode === 'eventsource') assert.deepEqual(got.map((m) => m.eventType), ['custom', '']);
      await page.close();
    });

    test('resumes after disconnect()/connect() without loss or duplicates', async () => {
      const page = await browser.page(gw);
      const ch = fresh('resume');
      await connected(page, 'a', mode, [ch]);
      await gw.publish(ch, 'm1');
      await waitCount(page, 'a', 1);
      await page.evaluate(() => a.disconnect());
      assert.equal(await page.evaluate(() => a.readyState), 0);
      await gw.publish(ch, 'm2');
      await gw.publish(ch, 'm3');
      await page.evaluate(() => a.connect());
      await waitCount(page, 'a', 3);
      await gw.publish(ch, 'm4');
      await waitCount(page, 'a', 4);
      await settle(page, 'a', ch);
      assert.deepEqual(await page.evaluate(() => texts('a')), ['m1', 'm2', 'm3', 'm4']);
      await page.close();
    });

    test('backtrack delivers the last N once, never again on later polls or reconnects', async () => {
      const page = await browser.page(gw);
      const ch = fresh('bt');
      for (const t of ['b1', 'b2', 'b3']) await gw.publish(ch, t);
      await connected(page, 'a', mode, [[ch, { backtrack: 2 }]]);
      await waitCount(page, 'a', 2);
      for (const t of ['b4', 'b5']) {
        const n = await page.evaluate(() => rec.a.messages.length);
        await gw.publish(ch, t);
        await waitCount(page, 'a', n + 1);
      }
      await page.evaluate(() => a.disconnect());
      await page.evaluate(() => a.connect());
      await waitOpen(page, 'a');
      await gw.publish(ch, 'b6');
      await waitCount(page, 'a', 5);
      await settle(page, 'a', ch);
      assert.deepEqual(await page.evaluate(() => texts('a')), ['b2', 'b3', 'b4', 'b5', 'b6']);
      await page.close();
    });

    test('several channels: old and live messages, a multi-channel publish, channel added later', async () => {
      const page = await browser.page(gw);
      const [x, y, z, w] = [fresh('mx'), fresh('my'), fresh('mz'), fresh('mw')];
      await gw.publish(x, 'x0');
      await connected(page, 'a', mode, [[x, { backtrack: 1 }], y, z]);
      await waitCount(page, 'a', 1);
      await gw.publish(y, 'y1');
      await gw.publish(x, 'x1');
      await gw.publish(z, 'z1');
      await gw.publish(`${y}/${z}`, 'yz');
      await waitCount(page, 'a', 6);
      await gw.publish(w, 'w0');
      await page.evaluate((c) => a.addChannel(c, { backtrack: 1 }), w);
      await gw.waitSubscribers(w);
      await gw.publish(w, 'w1');
      await waitCount(page, 'a', 8);
      await settle(page, 'a', x);
      const got = await page.evaluate(() => rec.a.messages);
      const per = (c) => got.filter((m) => m.channel === c).map((m) => m.text);
      assert.deepEqual(per(x), ['x0', 'x1']);
      assert.deepEqual(per(y), ['y1', 'yz']);
      assert.deepEqual(per(z), ['z1', 'yz']);
      assert.deepEqual(per(w), ['w0', 'w1']);
      assertIncreasing(got);
      await page.close();
    });

    test('channel deletion: onchanneldeleted, no replay, the channel works again', async () => {
      const page = await browser.page(gw);
      const [a, b] = [fresh('da'), fresh('db')];
      await connected(page, 'a', mode, [a, b]);
      await gw.publish(a, 'a1');
      await gw.publish(b, 'b1');
      await waitCount(page, 'a', 2);
      await gw.remove(a, 'bye a');
      await page.waitForFunction(() => rec.a.deleted.length === 1, null, { timeout: 15000 });
      assert.deepEqual(await page.evaluate(() => rec.a.deleted), [{ channel: a, text: 'bye a' }]);
      await gw.waitSubscribers(a);  // subscribed again to the (new) channel
      await gw.publish(a, 'a2');
      await gw.publish(b, 'b2');
      await waitCount(page, 'a', 4);
      await settle(page, 'a', b);
      assert.deepEqual(await page.evaluate((c) => texts('a', c), a), ['a1', 'a2']);
      assert.deepEqual(await page.evaluate((c) => texts('a', c), b), ['b1', 'b2']);

      // Deleting the only channel ends the stream; the client comes back on its own.
      const c = fresh('dc');
      await connected(page, 's', mode, [c]);
      await gw.publish(c, 'c1');
      await waitCount(page, 's', 1);
      await gw.remove(c);
      await page.waitForFunction(() => rec.s.deleted.length === 1, null, { timeout: 15000 });
      await gw.waitSubscribers(c);
      await gw.publish(c, 'c2');
      await waitCount(page, 's', 2);
      await settle(page, 's', c);
      assert.deepEqual(await page.evaluate(() => texts('s')), ['c1', 'c2']);
      assert.deepEqual(await page.evaluate(() => rec.s.deleted.map((d) => d.text)), ['Channel deleted']);
      await page.close();
    });

    test('reconnects after the server restarts and resumes without loss', async () => {
      const own = await new Gateway().start();
      try {
        const page = await browser.page(own);
        const ch = fresh('restart');
        await page.evaluate(([o, c]) => { make('a', o, [c]); a.connect(); }, [{ modes: mode, ...FAST }, ch]);
        await waitOpen(page, 'a');
        await until(async () => (await own.subscribers(ch)) >= 1, 'subscriber');
        await own.publish(ch, 'r1');
        await waitCount(page, 'a', 1);
        // Resuming works from the last message's second; a restart within that same second
        // would restart the tags too (a known limit).
        const t1 = await page.evaluate(() => Date.parse(rec.a.messages[0].time));
        await until(() => Date.now() >= t1 + 1000, 'the next second');
        await own.restart();
        await own.publish(ch, 'r2');  // before the client is back: it must still get it
        await waitCount(page, 'a', 2, 'messages after the restart', 20000);
        await waitOpen(page, 'a');
        await own.publish(ch, 'r3');
        await waitCount(page, 'a', 3);
        await own.publish(ch, 'sentinel');
        await waitCount(page, 'a', 4);
        assert.deepEqual(await page.evaluate(() => texts('a')), ['r1', 'r2', 'r3', 'sentinel']);
        const states = await page.evaluate(() => rec.a.states);
        assert.ok(states.lastIndexOf(0) > states.indexOf(2), `closed after open: ${states}`);
        assert.equal(states[states.length - 1], 2);
        await page.close();
      } finally {
        await own.stop();
      }
    });
  });
}

describe('pushgw.js behaviour', () => {
  test('the first and second instance on a page both work in stream mode', async () => {
    const page = await browser.page(gw);
    const [c0, c1] = [fresh('s0'), fresh('s1')];
    const ids = await page.evaluate(([a, b]) => [make('a', { modes: 'stream' }, [a]), make('b', { modes: 'stream' }, [b])], [c0, c1]);
    assert.deepEqual(ids, [0, 1]);
    await page.evaluate(() => { a.connect(); b.connect(); });
    await waitOpen(page, 'a');
    await waitOpen(page, 'b');
    await gw.waitSubscribers(c0);
    await gw.waitSubscribers(c1);
    await gw.publish(c0, 'to first');
    await gw.publish(c1, 'to second');
    await waitCount(page, 'a', 1);
    await waitCount(page, 'b', 1);
    assert.deepEqual(await page.evaluate(() => [texts('a'), texts('b')]), [['to first'], ['to second']]);
    // Processed scripts are removed: the iframe does not grow with every message.
    const scripts = await page.evaluate(() => document.querySelector('iframe').contentDocument.scripts.length);
    assert.equal(scripts, 0);
    await page.close();
  });

  test('named events with the native EventSource (eventTypes) and the events of the fetch reader', async () => {
    const page = await browser.page(gw);
    const ch = fresh('native');
    await connected(page, 'a', 'eventsource', [ch], { nativeEventSource: true, eventTypes: ['custom'] });
    await gw.publish(ch, 'named', { 'Event-Type': 'custom' });
    await gw.publish(ch, 'other type', { 'Event-Type': 'unlisted' });
    await gw.publish(ch, 'unnamed');
    await waitCount(page, 'a', 2);
    await settle(page, 'a', ch);
    assert.deepEqual(await page.evaluate(() => rec.a.messages.map((m) => [m.text, m.eventType])),
      [['named', 'custom'], ['unnamed', '']]);
    await page.close();
  });

  test('JSONP long-polling (useJSONP) receives and resumes', async () => {
    const page = await browser.page(gw);
    const ch = fresh('jsonp');
    await connected(page, 'a', 'longpolling', [ch], { useJSONP: true });
    const list = ['one', 'two "quoted" it\'s }{ %41 ü'];
    await page.evaluate((l) => send('a', l), list);
    await waitCount(page, 'a', 2);
    await page.evaluate(() => a.disconnect());
    await gw.publish(ch, 'three');
    await page.evaluate(() => a.connect());
    await waitCount(page, 'a', 3);
    assert.deepEqual(await page.evaluate(() => texts('a')), list.concat(['three']));
    await page.close();
  });

  test('a refused subscription is a "load" error with the status and explain text', async () => {
    const page = await browser.page(gw);
    for (const mode of ['eventsource', 'websocket', 'longpolling']) {
      const name = `r${mode}`;
      await page.evaluate(([k, m]) => {
        make(k, { modes: m, reconnectOnChannelUnavailableInterval: 60000 }, ['broad_a', 'broad_b', 'broad_c', 'broad_d']);
        window[k].connect();
      }, [name, mode]);
      await page.waitForFunction((k) => rec[k].errors.length > 0, name, { timeout: 15000 });
      const err = await page.evaluate((k) => { window[k].disconnect(); return rec[k].errors[0]; }, name);
      assert.equal(err.type, 'load', mode);
      assert.equal(err.status, 403, mode);
      assert.equal(err.explain, 'Subscribed too much wildcard channels.', mode);
    }
    await page.close();
  });

  test('reconnects back off exponentially with jitter', async () => {
    const down = await new Gateway().start();
    const port = down.port;
    await down.stop();
    const page = await browser.page(gw);
    await page.evaluate((p) => {
      make('a', { modes: 'eventsource', port: p, reconnectOnTimeoutInterval: 100, reconnectMaxInterval: 1600 }, ['nobody']);
      a.connect();
    }, port);
    await page.waitForFunction(() => rec.a.attempts.length >= 8, null, { timeout: 20000 });
    const attempts = await page.evaluate(() => { a.disconnect(); return rec.a.attempts; });
    const gaps = attempts.slice(1).map((t, i) => t - attempts[i]);
    const ratios = gaps.map((g, k) => {
      const nominal = Math.min(1600, 100 * 2 ** k);
      assert.ok(g >= nominal / 2 - 5 && g <= nominal + 250, `gap ${k} = ${g} ms, nominal ${nominal} ms`);
      return g / nominal;
    });
    const spread = Math.max(...ratios) - Math.min(...ratios);
    assert.ok(spread > 0.02, `jittered: ${ratios}`);
    await page.close();
  });

  test('connections ended by the server (ttl) or gone silent (no ping) reopen without loss', async () => {
    const config = defaultConfigWith([
      [/ping_message_interval: 30s/, 'ping_message_interval: 1s'],
      [/subscriber_connection_ttl: 15m/, 'subscriber_connection_ttl: 2s'],
      [/longpolling_connection_ttl: 30s/, 'longpolling_connection_ttl: 1s'],
    ]);
    const own = await new Gateway([`--config=${config}`]).start();
    try {
      const page = await browser.page(own);
      const ch = fresh('churn');
      await page.evaluate(([c, fast]) => {
        // pingtimeout below the ping interval: the watchdog fires after the first ping.
        make('es', Object.assign({ modes: 'eventsource', pingtimeout: 600 }, fast), [c]);
        make('st', Object.assign({ modes: 'stream', pingtimeout: 600 }, fast), [c]);
        make('ws', Object.assign({ modes: 'websocket' }, fast), [c]);
        make('lp', Object.assign({ modes: 'longpolling' }, fast), [c]);
        [es, st, ws, lp].forEach((p) => p.connect());
      }, [ch, FAST]);
      for (const k of ['es', 'st', 'ws', 'lp']) await waitOpen(page, k);
      await until(async () => (await own.subscribers(ch)) >= 4, '4 subscribers');
      const sent = [];
      const t0 = Date.now();
      for (let i = 0; Date.now() - t0 < 5000; i++) {  // several ttl and watchdog reconnects
        sent.push(`m${i}`);
        await own.publish(ch, `m${i}`);
        await new Promise((r) => setTimeout(r, 25));
      }
      for (const k of ['es', 'st', 'ws', 'lp']) await waitCount(page, k, sent.length, 'messages', 20000);
      const got = await page.evaluate(() => ({ es: texts('es'), st: texts('st'), ws: texts('ws'), lp: texts('lp') }));
      for (const k of ['es', 'st', 'ws', 'lp']) assert.deepEqual(got[k], sent, k);
      const ws = await page.evaluate(() => rec.ws.errors);
      assert.ok(ws.length >= 2, `WebSocket ttl reconnects: ${JSON.stringify(ws)}`);
      // Traffic restarts the server's ping timer; once quiet, a ping arrives after 1 s and
      // the 600 ms watchdog then fires.
      await page.waitForFunction(() => ['es', 'st'].every((k) => rec[k].errors.some((e) => /no data/.test(e.reason))),
        null, { timeout: 10000, polling: 50 });
      await own.publish(ch, 'after the watchdog');
      for (const k of ['es', 'st', 'ws', 'lp']) await waitCount(page, k, sent.length + 1);
      await page.close();
    } finally {
      await own.stop();
    }
  });

  test('parses message bodies by the template\'s shape, with JSON as the fallback', async () => {
    const page = await browser.page(gw);
    const got = await page.evaluate(() => {
      const T = 'Thu, 26 Nov 2026 12:27:21 GMT';
      const J = (id, ch, text, tag, ev) => `{"id":${id},"channel":"${ch}","text":"${text}", "tag":"${tag}", "time":"${T}", "eventid":"${ev}"}`;
      const U = PushStream.Utils;
      const pick = (list) => list.map((m) => [m.id, m.channel, m.text, m.tag, m.eventid]);
      return {
        // Concatenated renderings (long-polling) whose texts contain "}{", quotes, a
        // rendering-like text and backslashes.
        concatenated: pick(U.parseMessages(J(1, 'a', '}{"id":9,"channel":"x"}{', 3, '') + J(2, 'a', 'say "hi"\\n', 4, 'e"1') + J(-2, 'a', 'Channel deleted', 0, ''))),
        crlf: pick(U.parseMessages(J(1, 'b', 'one', 1, '') + '\r\n' + J(2, 'b', 'two', 2, '') + '\r\n')),
        // Another template (valid JSON, other key order): JSON.parse.
        custom: pick(U.parseMessages('{"text":"x","id":5,"channel":"c","tag":7,"time":"' + T + '","eventid":""}')),
        script: U.parseScript(`p(3,'ch','it's a 'quote', \\n \\\\ ','ev-1', '${T}', '12');`),
        encoded: [U.encodeText("it's (a) test!*"), U.decodeText('%27%28%29%21%2A'), U.decodeText('100%'), U.decodeText('%E0%A4%A')],
      };
    });
    assert.deepEqual(got.concatenated, [[1, 'a', '}{"id":9,"channel":"x"}{', '3', ''], [2, 'a', 'say "hi"\\n', '4', 'e"1'], [-2, 'a', 'Channel deleted', '0', '']]);
    assert.deepEqual(got.crlf, [[1, 'b', 'one', '1', ''], [2, 'b', 'two', '2', '']]);
    assert.deepEqual(got.custom, [[5, 'c', 'x', '7', '']]);
    assert.deepEqual([got.script.id, got.script.channel, got.script.text, got.script.eventid, got.script.tag],
      [3, 'ch', "it's a 'quote', \\n \\\\ ", 'ev-1', '12']);
    assert.deepEqual(got.encoded, ['it%27s%20%28a%29%20test%21%2A', "'()!*", '100%', '%E0%A4%A']);
    await page.close();
  });

  test('keeps pushstream.js\'s API', async () => {
    const page = await browser.page(gw);
    const api = await page.evaluate(() => {
      const ps = new PushStream({ modes: 'longpolling' });
      return {
        constants: [PushStream.CLOSED, PushStream.CONNECTING, PushStream.OPEN],
        statics: ['register', 'sendMessage'].map((k) => typeof PushStream[k]),
        methods: ['addChannel', 'removeChannel', 'removeAllChannels', 'connect', 'disconnect', 'sendMessage'].map((k) => typeof ps[k]),
        manager: window.PushStreamManager.indexOf(ps) === ps.id,
        readyState: ps.readyState,
        same: window.PushGW === window.PushStream,
        badName: (() => { try { ps.addChannel('a b'); return 'accepted'; } catch (e) { return 'thrown'; } })(),
        noChannels: (() => { try { ps.connect(); return 'connected'; } catch (e) { return 'thrown'; } })(),
      };
    });
    assert.deepEqual(api, {
      constants: [0, 1, 2], statics: ['function', 'function'], methods: Array(6).fill('function'),
      manager: true, readyState: 0, same: true, badName: 'thrown', noChannels: 'thrown',
    });
    await page.close();
  });
});
