// End-to-end tests of the staff console (社区工作台) in a real Chromium.
//
// Run through run.sh, which seeds a demo database and starts the server; the
// tests read its address from E2E_BASE_URL. They share one signed-in page
// and run in order: each step builds on the one before, as a staff member's
// session would. Results are checked through the API as well as on screen.

import { test, before, beforeEach, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';

const BASE = process.env.E2E_BASE_URL;
const SHOTS = process.env.E2E_SCREENSHOTS || path.resolve(import.meta.dirname, '../../target/e2e');
const CHROMIUM = process.env.E2E_CHROMIUM || '/usr/bin/chromium';
const STAFF = { phone: '13801000001', password: 'demo-pass-1' };
const STEP = { timeout: 60_000 };

assert.ok(BASE, 'E2E_BASE_URL must name the running server (run tests/e2e/run.sh)');

let browser;
let page;
let token; // an access token of the same staff member, for checking through the API
let community; // the staff member's community id
const problems = []; // console errors, page errors and CSP violations
const shared = {}; // ids carried from one step to the next

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

async function api(method, urlPath, body) {
  const res = await fetch(`${BASE}/api/v1${urlPath}`, {
    method,
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${urlPath} → ${res.status} ${text}`);
  return text ? JSON.parse(text) : null;
}

async function login(phone, password) {
  const res = await fetch(`${BASE}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ phone, password }),
  });
  assert.equal(res.status, 200, 'API login');
  return res.json();
}

const byTestId = (id) => `[data-testid="${id}"]`;

async function screenshot(name) {
  await mkdir(SHOTS, { recursive: true });
  // Let toasts fade and spinners finish so the picture shows the steady state.
  await page.locator(byTestId('loading')).first().waitFor({ state: 'detached', timeout: 10_000 }).catch(() => {});
  await page.screenshot({ path: path.join(SHOTS, name), fullPage: true });
}

/** Waits for a success toast containing `text`. */
async function expectSuccessToast(text) {
  await page.locator(`${byTestId('toast')}[data-kind="success"]`, { hasText: text }).first().waitFor();
}

async function dismissToasts() {
  await page.evaluate(() => document.querySelectorAll('[data-testid="toast"]').forEach((t) => t.remove()));
}

async function queueIds() {
  return page.locator(byTestId('queue-row')).evaluateAll((rows) => rows.map((r) => r.dataset.wishId));
}

async function selectedRowId() {
  return page.locator('tr[aria-selected="true"]').getAttribute('data-wish-id');
}

// ---------------------------------------------------------------------------
// Set-up
// ---------------------------------------------------------------------------

before(async () => {
  // Fail fast when the binary serves other console files (e.g. placeholders
  // from before the console was written): rebuild, or set E2E_CONSOLE_DIR.
  const html = await (await fetch(`${BASE}/console/`)).text();
  assert.match(html, /data-testid="login-form"/, 'the server does not serve this console (rebuild it or set E2E_CONSOLE_DIR)');

  browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] });
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, locale: 'zh-CN', acceptDownloads: true });
  page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));

  token = (await login(STAFF.phone, STAFF.password)).access_token;
  const me = await api('GET', '/me');
  community = me.staff_areas[0];
});

// A step that failed may leave a dialog open; close it so the next step starts clean.
beforeEach(async () => {
  await page?.evaluate(() => document.querySelectorAll('dialog[open]').forEach((d) => d.close())).catch(() => {});
});

after(async () => {
  await browser?.close();
});

// ---------------------------------------------------------------------------
// The steps of a working session
// ---------------------------------------------------------------------------

test('the console is served with a strict CSP and no remote assets', STEP, async () => {
  const res = await fetch(`${BASE}/console/`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-security-policy') || '', /script-src 'self'/);
  const html = await res.text();
  assert.doesNotMatch(html, /https?:\/\//, 'index.html names no remote URL');
  assert.doesNotMatch(html, /<script>|\son[a-z]+=|\sstyle=/i, 'no inline script, handler or style');
});

test('a wrong password is refused with the server message', STEP, async () => {
  await page.goto(`${BASE}/console/`);
  await page.locator(byTestId('login-form')).waitFor();
  await page.fill(byTestId('login-phone'), STAFF.phone);
  await page.fill(byTestId('login-password'), 'wrong-password');
  await page.click(byTestId('login-submit'));
  await page.locator(byTestId('login-error')).filter({ hasText: '手机号或密码错误' }).waitFor();
  assert.equal(await page.locator(byTestId('shell')).isVisible(), false);
});

test('staff sign in with phone and password', STEP, async () => {
  await page.fill(byTestId('login-password'), STAFF.password);
  await page.press(byTestId('login-password'), 'Enter');
  await page.locator(byTestId('shell')).waitFor();
  // The shell shows at once; the name and area follow once /me has answered.
  await page.locator(byTestId('user-name')).filter({ hasText: '百花洲社区工作人员' }).waitFor();
  assert.equal(await page.locator(byTestId('user-area')).textContent(), '百花洲社区');
  assert.equal(await page.locator('.sidenav a.active').getAttribute('data-testid'), 'nav-queue');
  // The session lives in this tab only.
  const saved = await page.evaluate(() => sessionStorage.getItem('microwish.console.session'));
  assert.ok(JSON.parse(saved).refresh, 'refresh token kept in sessionStorage');
});

test('the review queue shows pending wishes oldest first with contact phones', STEP, async () => {
  await page.locator(byTestId('queue-row')).first().waitFor();
  const expected = await api('GET', `/wishes?community_id=${community}&status=pending_review&order=oldest&limit=20`);
  assert.ok(expected.items.length >= 3, 'the demo has pending wishes');
  assert.deepEqual(await queueIds(), expected.items.map((w) => w.id), 'same wishes, same order as the API');

  const created = await page.locator(byTestId('queue-row')).evaluateAll((rows) => rows.map((r) => r.dataset.created));
  assert.deepEqual(created, [...created].sort(), 'oldest first');

  // Contact phones are filled in from each wish's details.
  const phones = page.locator(byTestId('queue-phone'));
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="queue-phone"]')]
    .every((c) => /^1\d{10}$/.test(c.textContent.trim())));
  const first = await api('GET', `/wishes/${expected.items[0].id}`);
  assert.equal((await phones.first().textContent()).trim(), first.contact_phone);
  await page.locator(byTestId('detail-phone')).filter({ hasText: first.contact_phone }).waitFor();
  assert.equal(await page.locator(byTestId('detail-resident')).textContent(), first.resident_name);
  await screenshot('queue.png');
});

test('j/k and the arrow keys move through the queue', STEP, async () => {
  const ids = await queueIds();
  await page.locator(byTestId('queue-row')).first().click();
  assert.equal(await selectedRowId(), ids[0]);
  await page.keyboard.press('j');
  assert.equal(await selectedRowId(), ids[1]);
  await page.keyboard.press('ArrowDown');
  assert.equal(await selectedRowId(), ids[2]);
  await page.keyboard.press('k');
  await page.keyboard.press('ArrowUp');
  assert.equal(await selectedRowId(), ids[0]);
  // The selected row has the focus, and the detail follows the selection.
  assert.equal(await page.evaluate(() => document.activeElement.dataset.wishId), ids[0]);
  const title = await page.locator('tr[aria-selected="true"] [data-testid="queue-title"]').textContent();
  assert.equal(await page.locator(byTestId('detail-title')).textContent(), title);
});

test('approving a wish with a list and a catalogue item opens it', STEP, async () => {
  const id = await selectedRowId();
  await page.locator(`${byTestId('approve-btn')}:not([disabled])`).waitFor();
  await page.keyboard.press('a');
  const dialog = page.locator(byTestId('approve-dialog'));
  await dialog.waitFor();
  await page.selectOption(byTestId('approve-list'), 'public');
  const item = await page.$eval(byTestId('approve-item'), (sel) => [...sel.options].find((o) => o.value).value);
  await page.selectOption(byTestId('approve-item'), item);
  await page.fill(byTestId('approve-note'), '情况属实,同意发布');
  await page.click(byTestId('dialog-submit'));
  await dialog.waitFor({ state: 'detached' });
  await expectSuccessToast('已审核通过');

  await page.locator(`tr[data-wish-id="${id}"]`).waitFor({ state: 'detached' });
  const wish = await api('GET', `/wishes/${id}`);
  assert.equal(wish.status, 'open');
  assert.equal(wish.list, 'public');
  assert.equal(wish.catalogue_item_id, item);
  assert.equal(wish.review_note, '情况属实,同意发布');
  shared.approved = id;
});

test('rejecting needs a note: an empty note is refused in the page', STEP, async () => {
  await dismissToasts();
  const id = await selectedRowId();
  await page.locator(`${byTestId('reject-btn')}:not([disabled])`).click();
  const dialog = page.locator(byTestId('reject-dialog'));
  await dialog.waitFor();
  await page.click(byTestId('dialog-submit'));
  await page.locator(byTestId('note-error')).filter({ hasText: '请填写说明' }).waitFor();
  assert.equal(await dialog.isVisible(), true, 'the dialog stays open');
  assert.equal(await page.getAttribute(byTestId('note-input'), 'aria-invalid'), 'true');
  assert.equal((await api('GET', `/wishes/${id}`)).status, 'pending_review', 'nothing was sent');

  await page.fill(byTestId('note-input'), '不属于微心愿服务范围,请联系社区医院');
  await page.keyboard.press('Control+Enter');
  await dialog.waitFor({ state: 'detached' });
  await expectSuccessToast('未通过');
  const wish = await api('GET', `/wishes/${id}`);
  assert.equal(wish.status, 'rejected');
  assert.equal(wish.review_note, '不属于微心愿服务范围,请联系社区医院');
  assert.ok(!(await queueIds()).includes(id), 'the wish left the queue');
});

test('an open wish is dispatched to the first suggested provider', STEP, async () => {
  await dismissToasts();
  await page.click(byTestId('nav-active'));
  await page.locator(byTestId('active-row')).first().waitFor();
  const id = await selectedRowId();
  const firstMatch = page.locator(byTestId('match-row')).first();
  await firstMatch.waitFor();
  const providerId = await firstMatch.getAttribute('data-provider-id');
  const kind = await firstMatch.getAttribute('data-kind');
  const expected = await api('GET', `/wishes/${id}/matches`);
  assert.equal(providerId, expected[0].id, 'the first row is the best match');

  await firstMatch.locator(byTestId('dispatch-btn')).click();
  const dialog = page.locator(byTestId('dispatch-dialog'));
  await dialog.waitFor();
  assert.equal(await page.locator(byTestId('dispatch-target')).textContent(), expected[0].name);
  await page.click(byTestId('dialog-submit'));
  await dialog.waitFor({ state: 'detached' });
  await expectSuccessToast('派单成功');

  const wish = await api('GET', `/wishes/${id}`);
  assert.equal(wish.status, 'claimed');
  assert.equal(wish.claimant.id, providerId);
  assert.equal(wish.claimant.kind, kind);
  shared.dispatched = id;
});

test('the claimed tab shows the dispatched wish with its claimant', STEP, async () => {
  await page.click(byTestId('tab-claimed'));
  const row = page.locator(`tr[data-wish-id="${shared.dispatched}"]`);
  await row.waitFor();
  await row.click();
  await page.locator(byTestId('detail-claimant')).waitFor();
  await page.locator(byTestId('cancel-btn')).waitFor();
});

test('a wish timeline lists its events oldest first', STEP, async () => {
  await dismissToasts();
  await page.keyboard.press('t');
  await page.locator(byTestId('timeline')).waitFor();
  assert.equal(new URL(page.url()).hash, `#/wish/${shared.dispatched}`);
  const actions = await page.locator(byTestId('timeline-event')).evaluateAll((els) => els.map((e) => e.dataset.action));
  const events = await api('GET', `/wishes/${shared.dispatched}/events`);
  assert.deepEqual(actions, events.map((e) => e.action));
  assert.equal(actions[0], 'submit');
  assert.equal(actions.at(-1), 'assign');
  await page.locator(byTestId('timeline-event')).filter({ hasText: '社区派单' }).waitFor();
  await screenshot('timeline.png');
});

test('the statistics page draws its charts and exports CSV', STEP, async () => {
  await page.click(byTestId('nav-stats'));
  await page.locator(byTestId('kpis')).waitFor();
  const statusBars = page.locator(`${byTestId('chart-status')} svg rect.bar`);
  assert.equal(await statusBars.count(), 10, 'one bar per status');
  const values = await statusBars.evaluateAll((bars) => bars.map((b) => Number(b.dataset.value)));
  assert.ok(values.some((v) => v > 0), 'the demo has wishes in the window');

  const weekly = page.locator(`${byTestId('chart-weekly')} svg rect.bar`);
  assert.equal(await weekly.count(), 24, 'submitted and completed for each of 12 weeks');
  const submitted = await weekly.evaluateAll((bars) => bars.filter((b) => b.dataset.series === '提交').reduce((a, b) => a + Number(b.dataset.value), 0));
  assert.ok(submitted > 0);
  assert.ok(await page.locator(`${byTestId('chart-claim')} svg circle.point`).count() > 0, 'weekly median hours to claim');
  assert.ok(Number(await page.locator(`${byTestId('kpi-submitted')} .kpi-value`).evaluate((e) => parseInt(e.textContent, 10))) > 0);
  await screenshot('stats.png');

  const [download] = await Promise.all([page.waitForEvent('download'), page.click(byTestId('csv-export'))]);
  assert.match(download.suggestedFilename(), /\.csv$/);
  const csv = await readFile(await download.path(), 'utf8');
  const lines = csv.trim().split(/\r?\n/);
  assert.ok(lines.length > 1, 'a header and at least one wish');
  assert.match(lines[0], /,/);
  await expectSuccessToast('导出完成');
});

test('an expired or invalid access token is refreshed and the call retried', STEP, async () => {
  await page.evaluate(() => {
    const s = JSON.parse(sessionStorage.getItem('microwish.console.session'));
    s.access = 'not-a-valid-token';
    sessionStorage.setItem('microwish.console.session', JSON.stringify(s));
  });
  await page.goto(`${BASE}/console/#/queue`);
  await page.reload();
  await page.locator(byTestId('queue-row')).first().waitFor();
  const s = await page.evaluate(() => JSON.parse(sessionStorage.getItem('microwish.console.session')));
  assert.notEqual(s.access, 'not-a-valid-token', 'a new access token was fetched');
});

test('signing out returns to the sign-in screen and revokes the session', STEP, async () => {
  const { refresh } = await page.evaluate(() => JSON.parse(sessionStorage.getItem('microwish.console.session')));
  await page.click(byTestId('logout'));
  await page.locator(byTestId('login-screen')).waitFor();
  assert.equal(await page.locator(byTestId('shell')).isVisible(), false);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('microwish.console.session')), null);
  const res = await fetch(`${BASE}/api/v1/auth/refresh`, {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ refresh_token: refresh }),
  });
  assert.equal(res.status, 401, 'the refresh token no longer works');
});

test('a session whose refresh token is refused goes back to sign-in', STEP, async () => {
  await page.evaluate(() => sessionStorage.setItem('microwish.console.session',
    JSON.stringify({ access: 'stale', refresh: 'revoked', expiresAt: Date.now() - 1000 })));
  await page.reload();
  await page.locator(byTestId('login-error')).filter({ hasText: '登录已失效' }).waitFor();
  assert.equal(await page.locator(byTestId('shell')).isVisible(), false);
  assert.equal(await page.evaluate(() => sessionStorage.getItem('microwish.console.session')), null);
});

test('no script errors or CSP violations happened', () => {
  // The wrong-password attempt logs the expected 401 of the login call.
  const unexpected = problems.filter((p) => !/status of 401/.test(p));
  assert.deepEqual(unexpected, []);
});
