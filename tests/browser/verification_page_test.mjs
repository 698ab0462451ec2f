// The verification page (issue 13) in headless Chromium driven by Playwright, each case
// end to end to the ine-registry answer:
//   - a fake rear camera showing a card back: open, capture, submit, redirect to the
//     callback; the registry answer, the decision and every webhook equal those of the
//     same image uploaded through the API;
//   - camera denied: the file fallback, driven with the keyboard (labels, visible focus,
//     every data-action);
//   - an unreadable photo: the reason, a retake, a good photo;
//   - @veriff/incontext-sdk 2.5.0 (the published package) in a page on an allowed
//     loopback origin sees STARTED, SUBMITTED, FINISHED in order; a page on another
//     origin cannot frame the page;
//   - cancel inside the SDK's frame: CANCELED, the photo withdrawn, the session still
//     open, and the same url finishes it;
//   - camera permission denied inside the SDK's frame: the parent receives exactly
//     VERIFF_RELOAD_REQUEST (the SDK's onReload and RELOAD event), and the file fallback
//     finishes the verification;
//   - the optional front photo (page.capture_front);
//   - refusals: a forged token, another session's signature, a submitted session, an
//     expired session.
// Screenshots at phone (360x640) and desktop (1280x800) size go to the directory given
// as the second argument.
//
//   node verification_page_test.mjs <inereg binary> <screenshot dir>
import { execFileSync } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import assert from 'node:assert/strict';
import { chromium } from 'playwright-core';
import { CHROMIUM, SANDBOX_ARGS, runThenCleanUp, startInereg } from './support.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const inereg = process.argv[2];
const shots = process.argv[3] || join(tmpdir(), 'inereg-page-screenshots');
assert.ok(inereg && existsSync(inereg), `usage: node verification_page_test.mjs <inereg binary> [screenshot dir]`);
mkdirSync(shots, { recursive: true });

const work = mkdtempSync(join(tmpdir(), 'inereg-page-'));
const env = { ...process.env, INEREG_MASTER_KEY: randomBytes(32).toString('hex'), OMP_THREAD_LIMIT: '1' };
const db = `sqlite:${join(work, 'page.db')}`;
const cleanups = [];
const PHONE = { width: 360, height: 640 };
const DESKTOP = { width: 1280, height: 800 };
const READING_MS = 60_000; // OCR on a loaded 2-core machine

// --- Cards (tests/data/cards, drawn by tools/cardgen; manifest.tsv holds each MRZ) ---
const cardsDir = join(here, '..', 'data', 'cards');
const manifest = new Map(readFileSync(join(cardsDir, 'manifest.tsv'), 'utf8').split('\n')
  .filter((line) => line && !line.startsWith('#'))
  .map((line) => line.split('\t'))
  .map(([file, clean, line1]) => [file, { file, clean: clean === '1', line1 }]));
function card(file) {
  const entry = manifest.get(file);
  assert.ok(entry, `${file} is not in the card manifest`);
  // MRZ line 1: IDMEX, the CIC (9), its check digit, "<<", the OCR (13), whose last 9
  // digits are the identificador del ciudadano.
  return { ...entry, bytes: readFileSync(join(cardsDir, file)), cic: entry.line1.slice(5, 14),
    citizenId: entry.line1.slice(21, 30) };
}
const cameraCard = card('card_0000.jpg');
const fileCard = card('card_0003.jpg');

// The fake camera: Chromium loops a file of concatenated JPEG frames (.mjpeg).
const mjpeg = join(work, 'card-back.mjpeg');
writeFileSync(mjpeg, Buffer.concat(Array(10).fill(cameraCard.bytes)));

// A white PNG with nothing on it: decodes, holds no MRZ (1x1 scaled by no one: 640x400).
const blankPng = execFileSync('python3', ['-c', `
import struct, zlib, sys
w, h = 640, 400
raw = b''.join(b'\\x00' + b'\\xff' * w for _ in range(h))
def chunk(kind, data):
    return struct.pack('>I', len(data)) + kind + data + struct.pack('>I', zlib.crc32(kind + data) & 0xffffffff)
sys.stdout.buffer.write(b'\\x89PNG\\r\\n\\x1a\\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, 0, 0, 0, 0))
    + chunk(b'IDAT', zlib.compress(raw)) + chunk(b'IEND', b''))
`]);

// --- Servers -------------------------------------------------------------------------
// An HTTP server on `host` answering `routes[path]` (a function or text) as HTML.
async function siteServer(host, routes) {
  const server = createServer((request, response) => {
    const path = request.url.split('?')[0];
    const route = routes[path];
    if (route === undefined) {
      response.writeHead(404).end();
      return;
    }
    const [type, body] = typeof route === 'function' ? route() : ['text/html; charset=utf-8', route];
    response.writeHead(200, { 'Content-Type': type }).end(body);
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, host, resolve));
  cleanups.push(() => server.close());
  return `http://${host}:${server.address().port}`;
}

// The integration's webhook receiver: every delivery, in arrival order.
const deliveries = [];
async function webhookReceiver() {
  const server = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => { body += chunk; });
    request.on('end', () => {
      deliveries.push({ path: request.url, body: JSON.parse(body) });
      response.writeHead(200, { 'Content-Type': 'application/json' }).end('{"status":"success"}');
    });
  });
  await new Promise((resolve, reject) => server.once('error', reject).listen(0, '127.0.0.1', resolve));
  cleanups.push(() => server.close());
  return `http://127.0.0.1:${server.address().port}`;
}

function cli(args) {
  return execFileSync(inereg, [...args, '--db', db], { env, encoding: 'utf8' });
}

function startServer(extraEnv = {}) {
  return startInereg(inereg, db, { ...env, ...extraEnv }, cleanups);
}

// --- The integration's server side (signed API calls) -----------------------------
class Integrator {
  constructor(base, created) { Object.assign(this, { base, apiKey: created.apiKey, secret: created.sharedSecret }); }
  sign(text) { return createHmac('sha256', this.secret).update(text, 'utf8').digest('hex'); }
  async call(method, path, { body, signed } = {}) {
    const text = body === undefined ? undefined : JSON.stringify(body);
    const headers = { 'X-AUTH-CLIENT': this.apiKey, 'Content-Type': 'application/json' };
    if (signed !== undefined || text !== undefined) headers['X-HMAC-SIGNATURE'] = this.sign(signed ?? text);
    const response = await fetch(this.base + path, { method, headers, body: text });
    return { status: response.status, text: await response.text() };
  }
  async createSession(callback) {
    const reply = await this.call('POST', '/v1/sessions', { body: { verification: {
      ...(callback ? { callback } : {}),
      document: { country: 'MX', type: 'ID_CARD' } } } });
    assert.equal(reply.status, 201, reply.text);
    return JSON.parse(reply.text).verification;
  }
  // The ine-registry answer once the check has run.
  async ineRegistry(id) {
    const deadline = Date.now() + READING_MS;
    for (;;) {
      const reply = await this.call('GET', `/v1/sessions/${id}/decision/ine-registry?version=v1`, { signed: id });
      if (reply.status !== 404 || Date.now() > deadline) return reply;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  async decision(id) {
    return JSON.parse((await this.call('GET', `/v1/sessions/${id}/decision`, { signed: id })).text);
  }
  async media(id) {
    return JSON.parse((await this.call('GET', `/v1/sessions/${id}/media`, { signed: id })).text).images;
  }
  async mediaBytes(mediaId) {
    const response = await fetch(`${this.base}/v1/media/${mediaId}`,
      { headers: { 'X-AUTH-CLIENT': this.apiKey, 'X-HMAC-SIGNATURE': this.sign(mediaId) } });
    assert.equal(response.status, 200);
    return Buffer.from(await response.arrayBuffer());
  }
}

// --- Page helpers ------------------------------------------------------------------
async function shot(tab, name) {
  await tab.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
}
const act = (scope, name) => scope.locator(`[data-action="${name}"]:visible`);

async function chooseFile(scope, name, bytes, mimeType) {
  await scope.locator('#file').setInputFiles({ name, mimeType, buffer: bytes });
}

// Opens `url` through @veriff/incontext-sdk in the shop's page `tab`, starts, and waits for
// the camera; returns the SDK's frame.
async function startInContext(tab, url) {
  await tab.evaluate((u) => window.open_verification(u), url);
  const frame = tab.frameLocator('#veriffFrame');
  await act(frame, 'start').click();
  await frame.locator('[data-action="capture"]:enabled').waitFor();
  return frame;
}

// From the capture screen on: the photo under review is read, and the submit screen follows.
async function useAndSubmit(scope) {
  await act(scope, 'use-photo').click();
  await act(scope, 'submit').waitFor({ timeout: READING_MS });
  await act(scope, 'submit').click();
  await scope.locator('#screen-done').waitFor({ state: 'visible' });
}

async function expectRegistryAnswer(integrator, id, who) {
  const answer = await integrator.ineRegistry(id);
  assert.equal(answer.status, 200, `${who}: ${answer.text}`);
  assert.equal(answer.text, '{"active":true,"documentState":"La credencial esta vigente"}', who);
}

// Webhook bodies of one session with what differs between two sessions by nature
// (ids, times) blanked, so that two sessions' deliveries can be compared.
function webhooksOf(id) {
  const blank = (value) => {
    if (Array.isArray(value)) return value.map(blank);
    if (value && typeof value === 'object') {
      return Object.fromEntries(Object.entries(value).map(([key, inner]) =>
        [key, /^(id|attemptId|sessionId|vendorData)$|[Tt]ime$|[Tt]imestamp$|At$/.test(key) ? '…' : blank(inner)]));
    }
    return value;
  };
  return deliveries.filter((d) => JSON.stringify(d.body).includes(id))
    .map((d) => ({ path: d.path, body: blank(d.body) }));
}

async function main() {
  const hooks = await webhookReceiver();
  const allowed = await siteServer('127.0.0.2', {
    '/incontext.js': () => ['text/javascript',
      readFileSync(join(here, 'node_modules/@veriff/incontext-sdk/dist/index.umd.js'))],
    '/incontext': () => ['text/html; charset=utf-8', `<!doctype html><html><head><meta charset="utf-8">
<title>shop</title><script src="/incontext.js"></script></head><body><h1>Shop</h1><script>
  window.events = [];
  window.reloads = 0;
  window.messages = []; // every message the page receives from another origin (the SDK's frame), as sent
  window.addEventListener('message', (event) => {
    if (event.origin !== location.origin) window.messages.push(event.data);
  });
  window.open_verification = (url) => window.veriffSDK.createVeriffFrame({ url, lang: 'en',
    onEvent: (event) => window.events.push(event), onReload: () => { window.reloads += 1; } });
</script></body></html>`],
  });
  const refused = await siteServer('127.0.0.3', {
    '/frame': `<!doctype html><html><head><meta charset="utf-8"><title>other</title></head><body>
<script>window.frame_it = (url) => { const f = document.createElement('iframe'); f.id = 'veriffFrame';
f.src = url; document.body.appendChild(f); };</script></body></html>`,
  });
  const created = JSON.parse(cli(['integration', 'create', '--name', 'shop', '--json', '--cors-origin', allowed]));
  cli(['integration', 'set-webhooks', created.id, '--decision-url', `${hooks}/decision`,
    '--event-url', `${hooks}/event`]);
  const registry = join(work, 'registry.csv');
  writeFileSync(registry, 'model,cic,citizen_id,ocr,elector_key,emission_number,situation\n' +
    [cameraCard, fileCard].map((c) => `H,${c.cic},${c.citizenId},,,,1\n`).join(''));
  cli(['registry', 'import', registry]);
  const server = await startServer();
  const integrator = new Integrator(server.base, created);

  const camera = await chromium.launch({ executablePath: CHROMIUM, args: [
    ...SANDBOX_ARGS,
    '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream',
    `--use-file-for-fake-video-capture=${mjpeg}`] });
  cleanups.push(() => camera.close());
  // No fake permission prompt: headless Chromium refuses the camera.
  const noCamera = await chromium.launch({ executablePath: CHROMIUM, args: [
    ...SANDBOX_ARGS, '--use-fake-device-for-media-stream'] });
  cleanups.push(() => noCamera.close());

  // 1. The fake rear camera, at phone size, opened by redirect with a callback.
  {
    const callback = 'https://shop.example.test/done';
    const session = await integrator.createSession(callback);
    const tab = await camera.newPage({ viewport: PHONE });
    // The callback is https:// (Veriff's rule, 1302): the browser's request is answered here.
    await tab.route(callback, (route) => route.fulfill({ contentType: 'text/html', body: 'shop' }));
    const response = await tab.goto(session.url);
    assert.equal(response.status(), 200);
    const csp = response.headers()['content-security-policy'];
    assert.match(csp, /script-src 'self';/);
    assert.match(csp, new RegExp(`frame-ancestors ${allowed.replace(/\./g, '\\.')}$`));
    assert.equal(await tab.getAttribute('html', 'lang'), 'es-MX');
    await shot(tab, 'phone-1-intro');
    await act(tab, 'start').click();
    await tab.locator('[data-action="capture"]:enabled').waitFor();
    await tab.waitForFunction(() => document.getElementById('video').videoWidth > 0);
    await shot(tab, 'phone-2-camera');
    await act(tab, 'capture').click();
    await act(tab, 'use-photo').waitFor();
    await shot(tab, 'phone-3-review');
    await act(tab, 'use-photo').click();
    await act(tab, 'submit').waitFor({ timeout: READING_MS });
    await shot(tab, 'phone-4-submit');
    await act(tab, 'submit').click();
    await tab.locator('#screen-done').waitFor({ state: 'visible' });
    assert.ok(!tab.url().includes(session.sessionToken), 'the token left the address bar');
    await shot(tab, 'phone-5-done');
    await tab.waitForURL(callback);
    await tab.close();
    await expectRegistryAnswer(integrator, session.id, 'camera');

    // The same image through the API, in a session opened the same way: the same
    // registry answer, decision and webhooks.
    const [image] = await integrator.media(session.id);
    assert.equal(image.context, 'document-back');
    const bytes = await integrator.mediaBytes(image.id);
    const twin = await integrator.createSession(callback);
    assert.equal((await fetch(twin.url)).status, 200);
    const upload = await integrator.call('POST', `/v1/sessions/${twin.id}/media`, { body: { image: {
      context: 'document-back', content: `data:image/jpeg;base64,${bytes.toString('base64')}` } } });
    assert.equal(upload.status, 200, upload.text);
    const patch = await integrator.call('PATCH', `/v1/sessions/${twin.id}`,
      { body: { verification: { status: 'submitted' } } });
    assert.equal(patch.status, 200, patch.text);
    await expectRegistryAnswer(integrator, twin.id, 'API twin');
    const [viaPage, viaApi] = [await integrator.decision(session.id), await integrator.decision(twin.id)];
    assert.equal(viaPage.verification.status, 'approved');
    for (const decision of [viaPage, viaApi]) {
      for (const key of ['id', 'attemptId', 'decisionTime', 'acceptanceTime', 'submissionTime']) {
        delete decision.verification[key];
      }
      // Each check's registry detail has its own checked-at time.
      for (const detail of Object.values(decision.verification.additionalVerifiedData ?? {})) {
        delete detail.checkedAt;
      }
    }
    assert.deepEqual(viaPage, viaApi);
    const deadline = Date.now() + 10_000;
    while (webhooksOf(twin.id).length < 3 && Date.now() < deadline) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(webhooksOf(session.id), webhooksOf(twin.id));
    assert.deepEqual(webhooksOf(session.id).map((d) => d.body.action ?? d.path),
      ['started', 'submitted', '/decision']);
    // Its token is refused from now on.
    const again = await fetch(session.url);
    assert.equal(again.status, 410);
  }

  // 2. Camera denied: the file fallback, in English, with the keyboard alone: every
  // control named, the focus visible, each step reached with Tab and Enter.
  {
    const session = await integrator.createSession();
    const tab = await noCamera.newPage({ viewport: PHONE });
    await tab.goto(`${session.url}?lang=en`);
    assert.equal(await tab.getAttribute('html', 'lang'), 'en');
    const unnamed = await tab.evaluate(() => [...document.querySelectorAll('button, a, input, video, img')]
      .filter((e) => !(e.getAttribute('aria-label') || e.getAttribute('alt') || e.textContent.trim()))
      .map((e) => e.outerHTML));
    assert.deepEqual(unnamed, [], 'every control has a label');
    const actions = await tab.evaluate(() => [...new Set([...document.querySelectorAll('button[data-action]')]
      .map((b) => b.dataset.action))].sort());
    assert.deepEqual(actions, ['cancel', 'capture', 'choose-file', 'retake', 'start', 'submit', 'use-photo']);
    // Tab to an action, check its focus ring and its name, press Enter.
    const press = async (name) => {
      for (let i = 0; i < 10 && await tab.evaluate(() => document.activeElement?.dataset.action) !== name; ++i) {
        await tab.keyboard.press('Tab');
      }
      const focused = await tab.evaluate(() => {
        const style = getComputedStyle(document.activeElement);
        return { action: document.activeElement.dataset.action, outline: `${style.outlineStyle} ${style.outlineWidth}`,
          height: document.activeElement.getBoundingClientRect().height };
      });
      assert.equal(focused.action, name, `Tab reaches ${name}`);
      assert.equal(focused.outline, 'solid 4px', `${name}: the focus is visible`);
      assert.ok(focused.height >= 48, `${name}: a large touch target (${focused.height}px)`);
      await tab.keyboard.press('Enter');
    };
    await press('start');
    await tab.getByText('We are not allowed to use the camera').waitFor();
    assert.equal(await act(tab, 'capture').count(), 0);
    assert.equal(await tab.evaluate(() => document.activeElement.dataset.action), 'choose-file',
      'the way forward has the focus');
    await shot(tab, 'phone-7-camera-denied');
    const chooser = tab.waitForEvent('filechooser');
    await press('choose-file');
    await (await chooser).setFiles({ name: 'card.jpg', mimeType: 'image/jpeg', buffer: fileCard.bytes });
    await act(tab, 'use-photo').waitFor();
    await press('use-photo');
    await act(tab, 'submit').waitFor({ timeout: READING_MS });
    await press('submit');
    await tab.locator('#screen-done').waitFor({ state: 'visible' });
    await tab.close();
    await expectRegistryAnswer(integrator, session.id, 'file fallback');
  }

  // 3. An unreadable photo: why, a retake, a good photo (desktop size).
  {
    const session = await integrator.createSession();
    const tab = await camera.newPage({ viewport: DESKTOP });
    await tab.goto(session.url);
    await shot(tab, 'desktop-1-intro');
    await act(tab, 'start').click();
    await tab.locator('[data-action="capture"]:enabled').waitFor();
    await shot(tab, 'desktop-2-camera');
    await act(tab, 'choose-file').waitFor();
    await chooseFile(tab, 'blank.png', blankPng, 'image/png');
    await act(tab, 'use-photo').click();
    const problem = tab.locator('#review-problem');
    await problem.waitFor({ state: 'visible', timeout: READING_MS });
    assert.match(await problem.textContent(), /No encontramos las tres líneas.*Te quedan 2 intentos\./);
    assert.equal(await act(tab, 'use-photo').count(), 0);
    await shot(tab, 'desktop-3-unreadable');
    await act(tab, 'retake').click();
    await act(tab, 'capture').click();
    await useAndSubmit(tab);
    await shot(tab, 'desktop-4-done');
    await tab.close();
    await expectRegistryAnswer(integrator, session.id, 'retake');
    assert.equal((await integrator.media(session.id)).length, 1, 'the unreadable photo is not kept');
  }

  // 4. @veriff/incontext-sdk on an allowed origin; another origin cannot frame the page.
  {
    const session = await integrator.createSession();
    const tab = await camera.newPage({ viewport: DESKTOP });
    await tab.goto(`${allowed}/incontext`);
    const frame = await startInContext(tab, session.url);
    await shot(tab, 'desktop-5-incontext');
    await act(frame, 'capture').click();
    await useAndSubmit(frame);
    await tab.waitForFunction(() => window.events.length === 3, null, { timeout: 10_000 });
    assert.deepEqual(await tab.evaluate(() => window.events), ['STARTED', 'SUBMITTED', 'FINISHED']);
    assert.equal(await tab.locator('#veriffFrame').count(), 0, 'FINISHED closes the SDK frame');
    await tab.close();
    await expectRegistryAnswer(integrator, session.id, 'incontext');

    const other = await integrator.createSession();
    const outsider = await camera.newPage({ viewport: DESKTOP });
    await outsider.goto(`${refused}/frame`);
    const blocked = new Promise((resolve) => outsider.on('console', (message) => {
      if (/frame-ancestors/.test(message.text())) resolve(message.text());
    }));
    await outsider.evaluate((url) => window.frame_it(url), other.url);
    await blocked;
    const framed = outsider.frames().find((f) => f !== outsider.mainFrame());
    assert.equal(await framed.locator('[data-action="start"]').count(), 0, 'the page rendered inside another origin');
    await outsider.close();
  }

  // 5. Cancel inside @veriff/incontext-sdk's frame after a photo was read: the SDK sees
  // CANCELED and closes its frame, the photo is withdrawn, the session stays open (no
  // webhook), and the same url opened again finishes it.
  {
    const session = await integrator.createSession();
    const tab = await camera.newPage({ viewport: DESKTOP });
    await tab.goto(`${allowed}/incontext`);
    let frame = await startInContext(tab, session.url);
    await act(frame, 'capture').click();
    await act(frame, 'use-photo').click();
    await act(frame, 'submit').waitFor({ timeout: READING_MS });
    assert.equal((await integrator.media(session.id)).length, 1);
    await act(frame, 'cancel').click();
    await tab.waitForFunction(() => window.events.length === 2, null, { timeout: 10_000 });
    assert.deepEqual(await tab.evaluate(() => window.events), ['STARTED', 'CANCELED']);
    assert.equal(await tab.locator('#veriffFrame').count(), 0, 'CANCELED closes the SDK frame');
    assert.deepEqual(await integrator.media(session.id), [], 'the canceled photo is withdrawn');
    for (const deadline = Date.now() + 10_000; webhooksOf(session.id).length < 1 && Date.now() < deadline;) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.deepEqual(webhooksOf(session.id).map((d) => d.body.action ?? d.path), ['started'],
      'cancel sends no webhook');

    await tab.evaluate(() => { window.events = []; });
    frame = await startInContext(tab, session.url);
    await act(frame, 'capture').click();
    await useAndSubmit(frame);
    await tab.waitForFunction(() => window.events.length === 3, null, { timeout: 10_000 });
    assert.deepEqual(await tab.evaluate(() => window.events), ['STARTED', 'SUBMITTED', 'FINISHED']);
    await tab.close();
    await expectRegistryAnswer(integrator, session.id, 'canceled, then resumed');
  }

  // 6. Camera permission denied inside @veriff/incontext-sdk's frame (headless Chromium
  // without the fake-UI flag answers the permission prompt with a denial, NotAllowedError,
  // as a person pressing "Block" would): the page posts exactly the string
  // VERIFF_RELOAD_REQUEST to its parent, once, which the SDK turns into onReload() and the
  // RELOAD event; the file fallback is offered and finishes the verification.
  {
    const session = await integrator.createSession();
    const tab = await noCamera.newPage({ viewport: PHONE });
    await tab.goto(`${allowed}/incontext`);
    await tab.evaluate((u) => window.open_verification(u), session.url);
    const frame = tab.frameLocator('#veriffFrame');
    await act(frame, 'start').click();
    await frame.getByText('We are not allowed to use the camera').waitFor();
    await tab.waitForFunction(() => window.messages.includes('VERIFF_RELOAD_REQUEST'), null, { timeout: 10_000 });
    assert.deepEqual(await tab.evaluate(() => window.messages),
      ['VERIFF_HANDSHAKE', 'VERIFF_STARTED', 'VERIFF_RELOAD_REQUEST']);
    assert.deepEqual(await tab.evaluate(() => window.events), ['STARTED', 'RELOAD']);
    assert.equal(await tab.evaluate(() => window.reloads), 1, "the SDK called the integrator's onReload");
    assert.equal(await act(frame, 'capture').count(), 0, 'no capture without a camera');
    assert.equal(await act(frame, 'choose-file').count(), 1, 'the file fallback is offered');
    await shot(tab, 'phone-11-incontext-camera-denied');
    await chooseFile(frame, 'card.jpg', fileCard.bytes, 'image/jpeg');
    await useAndSubmit(frame);
    await tab.waitForFunction(() => window.events.length === 4, null, { timeout: 10_000 });
    assert.deepEqual(await tab.evaluate(() => window.events), ['STARTED', 'RELOAD', 'SUBMITTED', 'FINISHED']);
    assert.deepEqual(await tab.evaluate(() => window.messages), ['VERIFF_HANDSHAKE', 'VERIFF_STARTED',
      'VERIFF_RELOAD_REQUEST', 'VERIFF_SUBMITTED', 'VERIFF_FINISHED']);
    await tab.close();
    await expectRegistryAnswer(integrator, session.id, 'incontext, camera denied');
  }

  // 7. The front of the card too (page.capture_front), at phone size: the back is read,
  // the front stored as it is, both are the session's media.
  {
    const fronts = await startServer({ INEREG_PAGE_CAPTURE_FRONT: 'true' });
    const withFront = new Integrator(fronts.base, created);
    const session = await withFront.createSession();
    const tab = await camera.newPage({ viewport: PHONE });
    await tab.goto(session.url);
    await act(tab, 'start').click();
    await tab.locator('[data-action="capture"]:enabled').waitFor();
    await act(tab, 'capture').click();
    await act(tab, 'use-photo').click();
    await tab.locator('#capture-heading', { hasText: 'Frente de tu credencial' }).waitFor({ timeout: READING_MS });
    await tab.locator('[data-action="capture"]:enabled').waitFor();
    assert.equal(await tab.locator('.guide-mrz').isVisible(), false, 'the front has no MRZ to mark');
    await shot(tab, 'phone-6-front');
    await act(tab, 'capture').click();
    await useAndSubmit(tab);
    await tab.close();
    await expectRegistryAnswer(withFront, session.id, 'front');
    assert.deepEqual((await withFront.media(session.id)).map((image) => image.context),
      ['document-back', 'document-front']);
    await fronts.stop();
  }

  // 8. Refusal pages: a forged token (another deployment's key), a token carrying
  // another session's signature, a submitted session (case 1's), an expired session.
  {
    const tab = await camera.newPage({ viewport: PHONE });
    const session = await integrator.createSession();
    const [header, payload] = session.sessionToken.split('.');
    const forged = `${header}.${payload}.${createHmac('sha256', 'another deployment').update(`${header}.${payload}`)
      .digest('base64url')}`;
    const response = await tab.goto(`${server.base}/v/${forged}`);
    assert.equal(response.status(), 404);
    await tab.getByText('Enlace no válido').waitFor();
    await shot(tab, 'phone-8-refused-invalid');
    assert.equal((await fetch(`${server.base}/v/${forged}/submit`, { method: 'POST' })).status, 404);
    const [, , otherSignature] = (await integrator.createSession()).sessionToken.split('.');
    const spliced = `${header}.${payload}.${otherSignature}`;
    assert.equal((await fetch(`${server.base}/v/${spliced}`)).status, 404);
    for (const step of ['back', 'front', 'submit', 'cancel']) {
      const refusal = await fetch(`${server.base}/v/${spliced}/${step}`, { method: 'POST', body: fileCard.bytes });
      assert.equal(refusal.status, 404, step);
    }
    assert.equal((await fetch(`${session.url}/submit`, { method: 'POST' })).status, 200);
    const submitted = await tab.goto(`${session.url}?lang=en`);
    assert.equal(submitted.status(), 410);
    await tab.getByText('Verification not available').waitFor();
    await shot(tab, 'phone-9-refused-submitted');

    // Cancel by redirect: the canceled screen; the url still opens the page.
    const left = await integrator.createSession();
    await tab.goto(left.url);
    await act(tab, 'cancel').click();
    await tab.locator('#screen-stopped').waitFor({ state: 'visible' });
    await tab.getByText('Verificación cancelada').waitFor();
    await shot(tab, 'phone-10-canceled');
    assert.equal((await fetch(left.url)).status, 200);

    // Expiry: a node that expires sessions after a second.
    const log = await server.stop();
    for (const token of [session.sessionToken, forged, spliced, left.sessionToken]) {
      assert.ok(!log.includes(token), 'a session token is in the log');
    }
    const expiring = await startServer({ INEREG_SESSIONS_EXPIRE_AFTER_MS: '1000',
      INEREG_SESSIONS_SWEEP_INTERVAL_MS: '50' });
    const late = new Integrator(expiring.base, created);
    const stale = await late.createSession();
    for (const deadline = Date.now() + 10_000; Date.now() < deadline;) {
      if ((await late.decision(stale.id)).verification?.status === 'expired') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal((await late.decision(stale.id)).verification?.status, 'expired');
    const expired = await tab.goto(stale.url.replace(server.base, expiring.base));
    assert.equal(expired.status(), 410);
    await tab.getByText('Verificación no disponible').waitFor();
    await tab.close();
  }
  console.log('verification page: camera, file fallback, retake, incontext, cancel, incontext camera denied, ' +
    `front, refusals passed; screenshots in ${shots}`);
}

await runThenCleanUp(main, cleanups, work);
