// The panel in Debian's Chromium: set the password, see the level meter move, pair a speaker
// that needs a PIN, switch codec, set a delay, use the keyboard. Phone and desktop screenshots go
// to results/screenshots/ (ignored by git), or to docs/screenshots/ with UPDATE_SCREENSHOTS=1, so
// an ordinary test run leaves the tree clean.
import t from 'tap';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { CHROMIUM, launchBrowser } from '../helpers/browser.js';
import { panelApi } from '../helpers/panel-api.js';
import { PASSWORD, startWeb } from '../helpers/web-app.js';
import { buildWebUi } from '../helpers/web-ui-build.js';

if (!existsSync(CHROMIUM)) {
  t.fail(`${CHROMIUM} is missing: apt-get install chromium (see .ci/packages/web.txt)`);
  process.exit(1);
}
const SHOTS = join(import.meta.dirname, '..', '..', process.env['UPDATE_SCREENSHOTS'] === '1' ? 'docs' : 'results', 'screenshots');
mkdirSync(SHOTS, { recursive: true });

const p = await panelApi();
t.teardown(() => p.stop());
const web = await startWeb(t, p.api, { config: { webRoot: buildWebUi(t) } });
await web.app.listen({ host: '127.0.0.1', port: 0 });
const url = `http://127.0.0.1:${(web.app.server.address() as { port: number }).port}/`;
const speakerNow = (address: string) => p.api.speakers().find((s) => s.address === address);

async function until(what: string, check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for: ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const meterValues = async (page: Page, samples: number) => {
  const seen = new Set<string>();
  for (let i = 0; i < samples; i++) {
    seen.add((await page.getByRole('meter', { name: 'Input level' }).getAttribute('aria-valuenow')) ?? '');
    await page.waitForTimeout(150);
  }
  return seen;
};

t.test('phone: first start, level meter, pairing with a PIN, codec, delay', async (t) => {
  const context = await launchBrowser(t, { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && !m.text().startsWith('Failed to load resource') && problems.push(m.text()));
  page.on('pageerror', (e) => problems.push(e.message));
  await page.goto(url);

  await t.test('set the password', async (t) => {
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Repeat the password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Set password' }).click();
    await page.getByRole('heading', { name: 'Speakers' }).waitFor();
    t.pass('panel shown after setup');
  });

  await t.test('the level meter moves', async (t) => {
    const values = await meterValues(page, 8);
    t.ok(values.size >= 3, `meter showed ${[...values].join(', ')}`);
  });

  await page.screenshot({ path: join(SHOTS, 'panel-phone.png'), fullPage: true });

  await t.test('pair a speaker that needs a PIN', async (t) => {
    const { address, pin } = p.pinSpeaker;
    await page.getByRole('button', { name: 'Add a speaker' }).click();
    const dialog = page.getByRole('dialog', { name: 'Add a speaker' });
    await dialog.getByRole('button', { name: 'Search for speakers' }).click();
    const pick = dialog.locator(`button[data-key="${address}"]`);
    await pick.waitFor({ timeout: 30_000 });
    await pick.click();
    const pinBox = dialog.getByLabel('PIN');
    await pinBox.waitFor({ timeout: 30_000 });
    t.match(await dialog.textContent(), 'refused pairing', 'the wizard says the speaker refused');
    await page.screenshot({ path: join(SHOTS, 'pairing-pin-phone.png') });
    await pinBox.fill(pin);
    await dialog.getByRole('button', { name: 'Pair with this PIN' }).click();
    await dialog.getByText('is paired').waitFor({ timeout: 30_000 });
    t.ok(speakerNow(address)?.paired, 'the speaker is paired');
    await dialog.getByRole('button', { name: 'Done' }).click();
    await page.locator(`article[data-address="${address}"]`).waitFor();
    t.equal(await page.getByText('Lost contact').count(), 0, 'the event stream stayed up through the refusal');
  });

  await t.test('switch codec and set a delay', async (t) => {
    const card = page.locator(`article[data-address="${p.known}"]`);
    const codec = card.getByLabel('Codec');
    await codec.locator(`option[value="${p.otherCodec}"]`).waitFor({ state: 'attached' });
    await codec.selectOption(p.otherCodec);
    await until('codec switched', () => speakerNow(p.known)?.codec === p.otherCodec);
    await card.getByText(p.otherCodec.toUpperCase()).first().waitFor();
    t.equal(speakerNow(p.known)?.codec, p.otherCodec);

    const delay = card.getByLabel('Delay (ms)');
    await delay.fill('120');
    await delay.press('Tab');
    await until('delay set', () => speakerNow(p.known)?.delayMs === 120);
    t.equal(speakerNow(p.known)?.delayMs, 120);
  });

  await t.test('a problem shows as a banner', async (t) => {
    p.setInputPresent(false);
    const banner = page.getByRole('alert').filter({ hasText: 'No input' });
    await banner.waitFor();
    t.match(await banner.textContent(), /sound card/i);
    await page.evaluate('document.activeElement?.blur(); window.scrollTo(0, 0)');
    await page.screenshot({ path: join(SHOTS, 'problem-banner-phone.png') });
    p.setInputPresent(true);
    await banner.waitFor({ state: 'detached' });
  });

  await t.test('every control has an accessible name', async (t) => {
    const unnamed = await page.evaluate(`[...document.querySelectorAll('input, select, button, [role=meter]')]
      .filter((el) => !el.closest('[hidden]') && !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !(el.textContent || '').trim())
      .map((el) => el.outerHTML.slice(0, 120))`);
    t.same(unnamed, [], 'no unlabelled control');
  });

  await t.test('keyboard: open and close the wizard', async (t) => {
    await page.getByRole('button', { name: 'Add a speaker' }).focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Add a speaker' });
    await dialog.waitFor();
    t.equal(await page.evaluate("document.activeElement?.textContent"), 'Search for speakers', 'focus moves into the wizard');
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'hidden' });
  });
  t.same(problems, [], 'no console errors (CSP violations show up here)');
});

t.test('desktop: log in and screenshot', async (t) => {
  const context = await launchBrowser(t, { width: 1280, height: 900, deviceScaleFactor: 1 });
  const page = await context.newPage();
  await page.goto(url);
  await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('heading', { name: 'Speakers' }).waitFor();
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(SHOTS, 'panel-desktop.png'), fullPage: true });
  t.pass('desktop screenshot saved');
});
