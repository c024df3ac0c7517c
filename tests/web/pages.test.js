// The pages in web/, served by the gateway, in headless Chromium: the four transport
// pages, the chat (two users, several rooms) and the dashboard (with and without the
// admin listener's metrics). Screenshots go to PUSHGW_SCREENSHOTS (the README's are
// docs/img/*.png) or, under Bazel, to the test's undeclared outputs.
'use strict';

const { test, describe, before, after } = require('node:test');
const assert = require('node:assert/strict');
const { Gateway, Browser, until, screenshot } = require('./harness');

let gw;
let browser;
let seq = 0;
const fresh = (what) => `${what}${++seq}x${Date.now() % 100000}`;
const WAIT = { timeout: 15000, polling: 50 };

before(async () => {
  gw = await new Gateway().start();
  browser = await new Browser().launch();
});

after(async () => {
  if (browser) await browser.close();
  if (gw) await gw.stop();
});

describe('pages', () => {
  test('index links every page', async () => {
    const page = await browser.page(gw, '/');
    const links = await page.evaluate(() => Array.from(document.querySelectorAll('main a')).map((a) => a.getAttribute('href')));
    for (const p of ['dashboard.html', 'chat.html', 'stream.html', 'eventsource.html', 'websocket.html', 'longpolling.html', 'client.html']) {
      assert.ok(links.includes(p), `index links ${p}`);
      const res = await fetch(gw.url(`/${p}`));
      assert.equal(res.status, 200, p);
    }
    for (const p of ['/pushgw.js', '/pushgw.d.ts', '/style.css']) assert.equal((await fetch(gw.url(p))).status, 200, p);
    await page.close();
  });

  for (const mode of ['stream', 'eventsource', 'websocket', 'longpolling']) {
    test(`${mode}.html shows a channel's messages live and publishes from the page`, async () => {
      const ch = `demo-${mode}`;  // this file's gateway is its own: plain names
      await gw.publish(ch, 'old message');  // shown through the page's backtrack
      const page = await browser.page(gw, `/${mode}.html?channel=${ch}`);
      await page.waitForFunction(() => document.getElementById('status').textContent === 'open', null, WAIT);
      await gw.waitSubscribers(ch);
      await gw.publish(ch, 'from curl: "quotes" <b>not bold</b> it\'s');
      await page.fill('#text', 'from the page: 100% ü');
      await page.click('#publish button[type=submit]');
      await page.waitForFunction(() => document.querySelectorAll('#messages li.message').length >= 3, null, WAIT);
      const shown = await page.evaluate(() => Array.from(document.querySelectorAll('#messages li.message .text')).map((e) => e.textContent));
      assert.deepEqual(shown.sort(), ['from curl: "quotes" <b>not bold</b> it\'s', 'from the page: 100% ü', 'old message'].sort());
      assert.equal(await page.evaluate(() => document.querySelectorAll('#messages b').length), 0, 'text is never HTML');
      assert.deepEqual(page.pageErrors, []);
      await page.close();
    });
  }

  test('chat: two users, several rooms, unread badges, history', async () => {
    // The page's default rooms (lobby, dev, random): no other test uses them.
    const [r1, r2] = ['lobby', 'dev'];
    const q = 'room=lobby';
    const alice = await browser.page(gw, `/chat.html?nick=alice&${q}`);
    const bob = await browser.page(gw, `/chat.html?nick=bob&${q}&mode=websocket`);
    for (const p of [alice, bob]) await p.waitForFunction(() => /^open/.test(document.getElementById('status').textContent), null, WAIT);
    await gw.waitSubscribers(`chat-${r1}`, 2);
    await gw.waitSubscribers(`chat-${r2}`, 2);

    const say = async (page, text) => { await page.fill('#text', text); await page.press('#text', 'Enter'); };
    const lines = (page) => page.evaluate(() => Array.from(document.querySelectorAll('#lines li')).map((li) =>
      [li.querySelector('.nick').textContent, li.querySelector('.text').textContent]));

    await say(alice, 'hi bob <script>alert(1)</script> & "quotes"');
    await bob.waitForFunction(() => document.querySelectorAll('#lines li').length === 1, null, WAIT);
    await say(bob, 'hi alice ✓ it\'s 100%');
    await alice.waitForFunction(() => document.querySelectorAll('#lines li').length === 2, null, WAIT);
    const expected = [['alice', 'hi bob <script>alert(1)</script> & "quotes"'], ['bob', 'hi alice ✓ it\'s 100%']];
    assert.deepEqual(await lines(alice), expected);
    assert.deepEqual(await lines(bob), expected);

    // Bob talks in the second room: Alice sees an unread badge there.
    await bob.click(`#rooms li[data-room="${r2}"] button`);
    await say(bob, 'anyone in here?');
    await alice.waitForFunction((r) => document.querySelector(`#rooms li[data-room="${r}"] .badge`).textContent === '1', r2, WAIT);
    await gw.publish(`chat-${r1}`, 'plain text from a backend');
    await alice.waitForFunction(() => document.querySelectorAll('#lines li').length === 3, null, WAIT);
    assert.deepEqual((await lines(alice))[2], ['server', 'plain text from a backend']);
    await say(alice, 'see you in the other room');
    await alice.waitForFunction(() => document.querySelectorAll('#lines li').length === 4, null, WAIT);
    await screenshot(alice, 'chat.png');

    // A newcomer gets the history (backtrack) of both rooms.
    const carol = await browser.page(gw, `/chat.html?nick=carol&${q}&mode=longpolling`);
    await carol.waitForFunction(() => document.querySelectorAll('#lines li').length === 4, null, WAIT);
    await carol.waitForFunction((r) => document.querySelector(`#rooms li[data-room="${r}"] .badge`).textContent === '1', r2, WAIT);
    for (const p of [alice, bob, carol]) {
      assert.deepEqual(p.pageErrors, []);
      await p.close();
    }
  });

  test('dashboard: counters, rates, workers, channels; transports from /metrics', async () => {
    const ch = 'prices';  // not used by any other test of this file
    // Subscribers of every transport on one channel (the playground page).
    const subs = await browser.page(gw, '/client.html');
    await subs.evaluate((c) => {
      ['eventsource', 'websocket', 'stream', 'longpolling'].forEach((m) => { make(m, { modes: m }, [c]); window[m].connect(); });
      make('more', { modes: 'websocket' }, ['news', 'sports']);
      more.connect();
    }, ch);
    await gw.waitSubscribers(ch, 4);
    await gw.waitSubscribers('sports', 1);

    // Without metrics: /channels-stats alone.
    const plain = await browser.page(gw, '/dashboard.html');
    await plain.waitForFunction(() => window.dashboard.history.length >= 2, null, WAIT);
    const stats = await (await fetch(gw.url('/channels-stats'))).json();
    await plain.waitForFunction((n) => document.getElementById('v-channels').textContent === String(n), stats.channels, WAIT);
    assert.match(await plain.textContent('#transport-note'), /\?metrics=/);
    assert.equal(await plain.evaluate(() => document.querySelectorAll('#bars-workers rect').length), 4, 'two workers, two bars each');

    // With metrics: the admin listener's /metrics (it sends Access-Control-Allow-Origin: *).
    await until(() => gw.adminPort, 'the admin port in the gateway\'s log', 5000);
    const metricsUrl = `http://127.0.0.1:${gw.adminPort}/metrics`;
    const metricsHead = await fetch(metricsUrl);
    assert.equal(metricsHead.headers.get('access-control-allow-origin'), '*');
    const page = await browser.page(gw, '/client.html');
    await page.goto(gw.url(`/dashboard.html?interval=500&metrics=${encodeURIComponent(metricsUrl)}`));

    // Traffic while the dashboard samples.
    let publishing = true;
    const traffic = (async () => {
      for (let i = 0; publishing; i++) {
        await gw.publish(ch, `tick ${i}`);
        if (i % 3 === 0) await gw.publish(['news', 'sports', 'weather', 'alerts'][i % 4], `update ${i}`);
        if (i % 40 < 12) await gw.publish('news/sports', `burst ${i}`);
        await new Promise((r) => setTimeout(r, 30 + (i % 25) * 4));
      }
    })();
    try {
      await page.waitForFunction(() => {
        const h = window.dashboard.history;
        const last = h[h.length - 1];
        return h.length >= 8 && last.publishedRate > 0 && last.deliveredRate > 0 && !last.deliveredEstimated && last.transports;
      }, null, { timeout: 30000, polling: 100 });
      if (process.env.PUSHGW_SCREENSHOTS) {  // a fuller chart for the README
        await page.waitForFunction(() => window.dashboard.history.length >= 90, null, { timeout: 90000, polling: 500 });
      }
    } finally {
      publishing = false;
      await traffic;
    }
    const view = await page.evaluate(() => ({
      transports: Array.from(document.querySelectorAll('#bars-transports text:not(.value)')).map((t) => t.textContent),
      values: Array.from(document.querySelectorAll('#bars-transports text.value')).map((t) => t.textContent),
      delivered: document.getElementById('s-delivered').textContent,
      rows: Array.from(document.querySelectorAll('#channels tbody tr td.name')).map((td) => td.textContent),
      published: Number(document.getElementById('v-published-rate').textContent.replace(/,/g, '')),
    }));
    assert.deepEqual(view.transports, ['stream', 'eventsource', 'longpoll', 'polling', 'websocket', 'grpc']);
    // stream, eventsource: one each; websocket: two (one on news/sports); the long-poll
    // counts only while it waits.
    assert.deepEqual([view.values[0], view.values[1], view.values[4]], ['1', '1', '2']);
    assert.match(view.delivered, /B\/s sent|from \/metrics/);
    assert.equal(view.rows[0], ch, 'the busiest channel by subscribers is listed first');
    assert.ok(view.published >= 0);
    await page.click('#channels th[data-key="channel"]');
    await page.fill('#filter', ch);
    await page.waitForFunction((c) => {
      const rows = document.querySelectorAll('#channels tbody tr');
      return rows.length === 1 && rows[0].cells[0].textContent === c;
    }, ch, WAIT);
    await page.fill('#filter', '');
    await page.click('#channels th[data-key="subscribers"]');
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'dashboard.png', { fullPage: true });
    for (const p of [subs, plain, page]) {
      assert.deepEqual(p.pageErrors, []);
      await p.close();
    }
  });

  test('dashboard shows when the server is unreachable and recovers', async () => {
    const own = await new Gateway().start();
    try {
      const page = await browser.page(own, '/dashboard.html?interval=300');
      await page.waitForFunction(() => document.getElementById('status').textContent === 'live', null, WAIT);
      await own.stop();
      await page.waitForFunction(() => document.getElementById('status').textContent === 'unreachable', null, WAIT);
      await own.restart();
      await page.waitForFunction(() => document.getElementById('status').textContent === 'live', null, WAIT);
      await until(async () => (await page.textContent('#v-uptime')) !== '–', 'uptime');
      await page.close();
    } finally {
      await own.stop();
    }
  });
});
