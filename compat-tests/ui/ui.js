// Drives Debian's chromium (headless, through playwright-core with executablePath) over the
// official Buildbot UI that a master serves, page by page, as compat-tests/scenarios/test_ui.py
// asks. Usage: node ui.js PLAN.json, where the plan gives:
//   base          the master's URL (ending with /)
//   chromium      the browser executable
//   screenshots   the directory for one PNG per page
//   runtests, slow  {id, number}: a finished build (with its buildrequestid) and a running
//                 one (its log grows)
//   change, changeid  the comment and id of a change the master has
//   worker, workerid  the connected worker
// It prints one JSON line per page ({"page", "ok", "error"?}), then a summary line
// {"done": true, "problems": [...]} with the page errors, console errors and failed requests
// of the master's own URLs; the exit status is 1 when a page failed.
const fs = require('fs');
const path = require('path');
const { chromium } = require('playwright-core');

const plan = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const base = plan.base;
// Generous: on a loaded 2-core machine a page can take tens of seconds to draw.
const TIMEOUT = 60000;

// Requests the packages themselves make fail the same way on Buildbot: grid_view ships no
// styles.css, while the UI asks every plugin for one.
const EXPECTED_MISSING = [/\/plugins\/grid_view\/styles\.css$/];
// The waterfall plugin draws a running build (complete_at null) and a time range of one instant
// with coordinates d3 rejects; Buildbot 4.3 serving the same pages logs the same errors.
const EXPECTED_CONSOLE_ERRORS = [
  /^Error: <(g|rect)> attribute (transform|height): .*(undefined|NaN)/,
];

async function main() {
  const browser = await chromium.launch({
    executablePath: plan.chromium,
    headless: true,
    args: ['--no-sandbox', '--disable-dev-shm-usage'],
  });
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  // Nothing leaves the machine (gravatar pictures of change authors).
  await context.route(/^(?!http:\/\/127\.0\.0\.1[:/])/, (route) => route.abort());
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const problems = [];
  const onMaster = (url) => url.startsWith(base);
  const expectedMissing = (url) => EXPECTED_MISSING.some((re) => re.test(url.split('?')[0]));
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() !== 'error') return;
    const where = m.location().url || '';
    // The browser's own line for a 404 is reported (or excused) below with its URL.
    if (m.text().startsWith('Failed to load resource')) return;
    if (where.includes('/plugins/waterfall_view/') && EXPECTED_CONSOLE_ERRORS.some((re) => re.test(m.text()))) {
      return;
    }
    problems.push(`console error: ${m.text()} (${where})`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && onMaster(r.url()) && !expectedMissing(r.url())) {
      problems.push(`HTTP ${r.status()} ${r.request().method()} ${r.url()}`);
    }
  });
  page.on('requestfailed', (r) => {
    if (onMaster(r.url()) && !expectedMissing(r.url())) {
      problems.push(`request failed: ${r.url()} ${r.failure().errorText}`);
    }
  });
  page.on('websocket', (ws) => {
    ws.on('socketerror', (e) => problems.push(`websocket error: ${e}`));
  });

  const results = [];
  async function visit(name, hash, check) {
    const before = problems.length;
    let error;
    try {
      await page.goto(base + '#/' + hash);
      await check();
    } catch (e) {
      error = String(e.message || e).split('\n')[0];
    }
    await page.screenshot({ path: path.join(plan.screenshots, `${name}.png`), fullPage: true });
    const found = problems.slice(before);
    const result = { page: name, ok: !error && found.length === 0 };
    if (error) result.error = error;
    if (found.length) result.problems = found;
    results.push(result);
    console.log(JSON.stringify(result));
  }
  const text = (t) => page.getByText(t, { exact: false }).first().waitFor();
  // Waits until the page's text matches `re` (the page updates itself; no reload).
  const bodyMatches = (re) =>
    page.waitForFunction((src) => new RegExp(src).test(document.body.innerText), re.source, {
      timeout: TIMEOUT,
    });

  await visit('home', '', async () => {
    await text('Welcome to buildbot');
    await text(`runtests/${plan.runtests.number}`);
  });
  await visit('builders', 'builders', async () => {
    await page.getByRole('link', { name: 'runtests', exact: true }).waitFor();
    await page.getByRole('link', { name: 'slow', exact: true }).waitFor();
  });
  await visit('builder', `builders/${plan.runtests.id}`, async () => {
    await text('Builds:');
    await text('build successful');
    await page.getByRole('button', { name: /force/i }).waitFor();
  });
  await visit('build-live', `builders/${plan.slow.id}/builds/${plan.slow.number}`, async () => {
    await text('building');
    await text('stdio');
    // The log's preview grows while the step runs: a line printed after the page loaded shows
    // up without a reload.
    const shown = await page.evaluate(() => {
      const lines = document.body.innerText.match(/line (\d+)/g) || [];
      return Math.max(0, ...lines.map((l) => Number(l.split(' ')[1])));
    });
    await bodyMatches(new RegExp(`line ${shown + 3}\\b`));
  });
  await visit(
    'log-live',
    `builders/${plan.slow.id}/builds/${plan.slow.number}/steps/1/logs/stdio`,
    async () => {
      // The viewer draws only the lines in view (the command's header, with the environment,
      // may fill the screen); its scroll height is the log's length, and it grows as lines
      // arrive.
      const area = page.locator('.bb-logviewer-text-area');
      await area.waitFor({ timeout: TIMEOUT });
      const height = await area.evaluate((el) => el.scrollHeight);
      await page.waitForFunction(
        (h) => document.querySelector('.bb-logviewer-text-area').scrollHeight > h + 50,
        height,
        { timeout: TIMEOUT },
      );
      // Scrolled to its end, the viewer shows the newest lines.
      await area.evaluate((el) => el.scrollTo(0, el.scrollHeight));
      await page.waitForTimeout(300);
      const newest = await page.evaluate(() => {
        const lines = document.body.innerText.match(/line (\d+)/g) || [];
        return Math.max(0, ...lines.map((l) => Number(l.split(' ')[1])));
      });
      if (newest < 5) throw new Error(`the end of the log shows line ${newest}`);
    },
  );
  await visit('workers', 'workers', async () => {
    await text(plan.worker);
  });
  await visit('changes', 'changes', async () => {
    await text(plan.change);
  });
  await visit('waterfall', 'waterfall', async () => {
    await page.locator('svg text', { hasText: 'runtests' }).first().waitFor();
    await page.locator('svg text', { hasText: 'slow' }).first().waitFor();
  });
  await visit('console', 'console', async () => {
    await text(plan.change);
    await text('runtests');
  });
  await visit('grid', 'grid', async () => {
    await text(plan.change);
    await text('runtests');
  });
  // The other pages of the navigation.
  await visit('worker', `workers/${plan.workerid}`, async () => {
    await text(plan.worker);
    await text('runtests');
  });
  await visit('change', `changes/${plan.changeid}`, async () => {
    await text(plan.change);
    await text('alice@example.org');
  });
  await visit('buildrequest', `buildrequests/${plan.runtests.buildrequestid}`, async () => {
    await text(`runtests/${plan.runtests.number}`);
    await text('build successful');
  });
  await visit('pendingbuildrequests', 'pendingbuildrequests', async () => {
    await text('Pending Buildrequests:');
  });
  await visit('masters', 'masters', async () => {
    await text(plan.worker);
    await text('runtests');
  });
  await visit('schedulers', 'schedulers', async () => {
    await page.getByRole('cell', { name: 'force', exact: true }).waitFor();
    await page.getByRole('cell', { name: 'all', exact: true }).waitFor();
  });
  await visit('settings', 'settings', async () => {
    await text('Settings related to links between pages');
  });
  // The versions (the embedded Python's first), and the API description: one item per
  // endpoint of /api/v2/application.spec, which opens to its type's fields.
  await visit('about', 'about', async () => {
    await text('Python version: 3.');
    await text('oxbot version:');
    await page.waitForFunction(
      () => document.querySelectorAll('.bb-about-view .list-group-item').length >= 138,
      null,
      { timeout: TIMEOUT },
    );
    const builders = page
      .locator('.bb-about-view .list-group-item')
      .filter({ has: page.locator('b', { hasText: /^\/builders:$/ }) });
    await builders.getByText('8 fields').waitFor();
    await builders.locator('b').click();
    await builders.getByText('masterids').waitFor();
  });
  await visit('force', `builders/${plan.runtests.id}`, async () => {
    await page.getByRole('button', { name: /force/i }).click();
    const dialog = page.getByRole('dialog');
    await dialog.getByRole('button', { name: /start build/i }).waitFor();
    await page.waitForTimeout(500); // the dialog fades in
    await page.screenshot({ path: path.join(plan.screenshots, 'force-dialog.png') });
    await dialog.getByRole('button', { name: /start build/i }).click();
    await dialog.waitFor({ state: 'detached' });
    // The UI follows the new build request to its build.
    await page.waitForURL(/#\/(buildrequests\/\d+|builders\/\d+\/builds\/\d+)/);
    await page.waitForURL(new RegExp(`#/builders/${plan.runtests.id}/builds/\\d+`));
    await text('build successful');
  });

  await browser.close();
  const failed = results.filter((r) => !r.ok);
  console.log(JSON.stringify({ done: true, pages: results.length, failed: failed.length }));
  process.exit(failed.length ? 1 : 0);
}

main().catch((e) => {
  console.log(JSON.stringify({ done: false, error: String(e.stack || e) }));
  process.exit(2);
});
