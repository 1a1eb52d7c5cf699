/**
 * Debian's Chromium driven by playwright-core: a fresh profile per launch, no network
 * chatter, always closed (and the profile removed) at teardown.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = process.env['BLUELINE_CHROMIUM'] ?? '/usr/bin/chromium';
const ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

export async function launchBrowser(
  t: { teardown(fn: () => unknown): void },
  view: { width: number; height: number; deviceScaleFactor: number; isMobile?: boolean },
): Promise<BrowserContext> {
  const profile = mkdtempSync(join(tmpdir(), 'blueline-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ARGS,
    viewport: { width: view.width, height: view.height },
    deviceScaleFactor: view.deviceScaleFactor,
    isMobile: view.isMobile ?? false,
    hasTouch: view.isMobile ?? false,
    timeout: 60_000,
    colorScheme: 'light',
    reducedMotion: 'reduce',
  });
  context.setDefaultTimeout(15_000);
  t.teardown(async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  });
  return context;
}
