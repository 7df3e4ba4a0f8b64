// A person in a real browser (Debian's headless Chromium, driven by playwright-core) walks
// RemoteMCP's login and consent pages: a wrong password, an unknown username, the right password,
// the consent page, Approve, and the redirect to the client's loopback callback. In a second,
// cookie-free context a page on another loopback origin tries to frame the login page.
//
// Usage: node browser_walk.mjs '<json config>'  (see test_browser_chromium.py for the fields).
// Prints one JSON object with what the browser saw; the pytest side makes the assertions. Exits 1
// (still printing what it saw, plus `error`) when a step cannot be carried out.

import { chromium } from 'playwright-core';
import path from 'node:path';

const config = JSON.parse(process.argv[2]);
const STEP_TIMEOUT_MS = 10_000;

// Without the background-networking flags Chromium reaches out to Google's services, and this
// test must talk to 127.0.0.1 only. Even with them it still looks up a few Google hosts (autofill
// queries for the login form, the extension updater that Debian's wrapper enables, account
// checks): the resolver rule fails every name locally, before any DNS query leaves the machine.
const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
];

const seen = { console: [], violations: [], pageErrors: [], requests: [] };
let phase = 'start';

function watch(context) {
  // CSP violations are reported to the console by Chromium (Log.entryAdded, which playwright turns
  // into console messages) and also as DOM events; the init script and the binding both run outside
  // the page's CSP, so they do not need it relaxed.
  return Promise.all([
    context.exposeBinding('__reportViolation', (source, violation) => {
      seen.violations.push({ phase, page: source.frame.url(), ...violation });
    }),
    context.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        window.__reportViolation({
          directive: event.effectiveDirective,
          blocked: event.blockedURI,
          sample: event.sample,
        });
      });
    }),
  ]);
}

function record(page) {
  page.on('console', (message) => {
    seen.console.push({ phase, type: message.type(), text: message.text(), url: message.location().url });
  });
  page.on('pageerror', (error) => seen.pageErrors.push({ phase, text: String(error) }));
  page.on('request', (request) => seen.requests.push(request.url()));
}

async function pageFacts(page, response) {
  const headers = response ? await response.allHeaders() : {};
  const main = page.locator('main');
  const alert = page.locator('[role=alert]');
  return {
    url: page.url(),
    status: response ? response.status() : null,
    xFrameOptions: headers['x-frame-options'] ?? null,
    contentSecurityPolicy: headers['content-security-policy'] ?? null,
    title: await page.title(),
    heading: (await page.locator('h1').innerText()).trim(),
    mainText: (await main.innerText()).trim(),
    alert: (await alert.count()) ? (await alert.innerText()).trim() : null,
    passwordFields: await page.locator('input[type=password]').count(),
    // The stylesheet is inline with a CSP nonce: if the CSP had blocked it, main would have no border.
    mainBorder: await main.evaluate((el) => getComputedStyle(el).borderTopStyle),
  };
}

async function submitLogin(page, username, password) {
  await page.fill('#username', username);
  await page.fill('#password', password);
  const [response] = await Promise.all([
    page.waitForResponse((r) => r.url() === config.loginUrl && r.request().method() === 'POST'),
    page.click('form button[type=submit]'),
  ]);
  await page.waitForLoadState('load');
  const facts = await pageFacts(page, response);
  if (facts.passwordFields) {
    facts.usernameKept = await page.inputValue('#username');
    facts.passwordKept = await page.inputValue('#password');
  }
  return facts;
}

async function shot(page, name) {
  const file = path.join(config.reportsDir, name);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

async function walk(browser, result) {
  const context = await browser.newContext({ viewport: { width: 800, height: 720 } });
  await watch(context);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  record(page);

  phase = 'login';
  result.login = await pageFacts(page, await page.goto(config.authorizeUrl));
  result.login.screenshot = await shot(page, 'login.png');

  phase = 'wrong-password';
  result.wrongPassword = await submitLogin(page, config.username, config.wrongPassword);
  result.wrongPassword.screenshot = await shot(page, 'login-error.png');

  phase = 'unknown-user';
  result.unknownUser = await submitLogin(page, config.unknownUsername, config.wrongPassword);

  phase = 'consent';
  result.consent = await submitLogin(page, config.username, config.password);
  result.consent.redirectHost = (await page.locator('.redirect-host').innerText()).trim();
  result.consent.scopes = await page.locator('ul.scopes li code').allInnerTexts();
  result.consent.buttons = await page.locator('form button').allInnerTexts();
  result.consent.screenshot = await shot(page, 'consent.png');

  phase = 'approve';
  await Promise.all([
    page.waitForURL((url) => url.href.startsWith(config.callbackUrl)),
    page.click('button[name=decision][value=approve]'),
  ]);
  await page.waitForLoadState('load');
  result.callback = { url: page.url(), text: (await page.locator('body').innerText()).trim() };
  await context.close();
}

async function framing(browser, result) {
  // A fresh context: with the walk's session cookie /authorize would skip the login page.
  const context = await browser.newContext();
  await watch(context);
  const page = await context.newPage();
  page.setDefaultTimeout(STEP_TIMEOUT_MS);
  record(page);

  phase = 'framing';
  const statuses = {};
  page.on('response', (r) => {
    statuses[r.url()] = r.status();
  });
  await page.goto(config.framingPageUrl);
  // Both iframes report `load`, blocked or not; the page sets data-loaded once both have.
  await page.waitForSelector('body[data-loaded="2"]');
  const frameFacts = async (name) => {
    const frame = page.frame({ name });
    if (frame === null) return { present: false };
    return {
      present: true,
      url: frame.url(),
      passwordFields: await frame.locator('input[type=password]').count(),
      text: (await frame.locator('body').innerText().catch(() => '')).trim().slice(0, 200),
    };
  };
  result.framing = {
    target: await frameFacts('target'),
    control: await frameFacts('control'),
    targetStatus: statuses[config.framedLoginUrl] ?? null,
    controlStatus: statuses[config.framedControlUrl] ?? null,
  };

  // The detectors' own check: a stylesheet without the page's nonce must be reported both ways,
  // so that "no violations" on the walk means something.
  phase = 'csp-probe';
  await page.goto(config.framedLoginUrl);
  await page.evaluate(() => {
    const style = document.createElement('style');
    style.textContent = 'main { border-style: dotted; }';
    document.head.append(style);
  });
  for (let i = 0; i < 50 && !seen.violations.some((v) => v.phase === 'csp-probe'); i += 1) {
    await page.waitForTimeout(50);
  }
  result.cspProbe = {
    mainBorder: await page.locator('main').evaluate((el) => getComputedStyle(el).borderTopStyle),
  };
  await context.close();
}

const result = { chromiumVersion: null };
let browser;
let failed = false;
try {
  browser = await chromium.launch({
    executablePath: config.chromium,
    headless: true,
    args: CHROMIUM_ARGS,
    timeout: STEP_TIMEOUT_MS * 2,
  });
  result.chromiumVersion = browser.version();
  await walk(browser, result);
  await framing(browser, result);
} catch (error) {
  failed = true;
  result.error = `${phase}: ${error && error.stack ? error.stack : error}`;
} finally {
  if (browser) await browser.close().catch(() => {});
}
result.phase = phase;
result.console = seen.console;
result.violations = seen.violations;
result.pageErrors = seen.pageErrors;
result.requests = [...new Set(seen.requests)];
process.stdout.write(JSON.stringify(result) + '\n');
process.exitCode = failed ? 1 : 0;
