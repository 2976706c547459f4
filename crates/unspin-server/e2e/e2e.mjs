// End-to-end test of `unspin serve` in a real browser: Debian's chromium, driven by playwright-core.
//
// Starts the server (the real embedded model) on a free loopback port, loads the page, pastes a
// spun paragraph, and checks what a person would: highlights with suggestions, tooltips by mouse,
// keyboard and touch, the restored view, the copy button, the example link, .txt files by picker
// and by drop, non-ASCII text, a phone-sized screen, and a clean exit on SIGTERM. Saves
// screenshots. Prints "e2e: N passed, M failed" and exits non-zero on any failure.
//
// Environment: UNSPIN (binary; default target/release/unspin), CHROMIUM (default /usr/bin/chromium),
// OUT (screenshot folder; default bench/out).

import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, copyFileSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import assert from "node:assert/strict";
import { chromium } from "playwright-core";

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, "../../..");
const UNSPIN = process.env.UNSPIN || join(ROOT, "target/release/unspin");
const CHROMIUM = process.env.CHROMIUM || "/usr/bin/chromium";
const OUT = process.env.OUT || join(ROOT, "bench/out");
const SHOT = join(OUT, "serve-screenshot.png");
const SHOT_MOBILE = join(OUT, "serve-screenshot-mobile.png");
const README_SHOT = join(ROOT, "crates/unspin-server/screenshot.png");

// A spun paragraph to paste (not the bundled example, so the page is shown to work on any text).
const PASTED =
  "The inventory market tumbled on Tuesday after the central financial institution stated it would " +
  "elevate interest charges once more. Traders fretted that spending on counterfeit consciousness " +
  "had run ahead of demand, and numerous specialists cautioned that the economic system stays " +
  "fragile heading into the vacation season.";
// The same with accents, typographic quotes and an astral emoji before, between and after spans:
// the page must map the server's offsets onto JavaScript's UTF-16 strings.
const UNICODE =
  "Café “Zürich” 😀 — " + PASTED.replace("Traders", "Ünïcode 👍 traders") + " Fin 🎉.";

let passed = 0, failed = 0;
async function step(name, fn) {
  const t0 = Date.now();
  try {
    await fn();
    passed++;
    console.log(`ok   ${name} (${Date.now() - t0} ms)`);
  } catch (e) {
    failed++;
    console.log(`FAIL ${name}: ${e && e.stack ? e.stack : e}`);
  }
}

// ---- the server -------------------------------------------------------------------------------

function startServer() {
  return new Promise((ok, fail) => {
    const p = spawn(UNSPIN, ["serve", "--addr", "127.0.0.1:0"], { stdio: ["ignore", "inherit", "pipe"] });
    let err = "";
    const timer = setTimeout(() => fail(new Error(`no "listening" line in 60 s:\n${err}`)), 60000);
    p.stderr.on("data", (d) => {
      err += d;
      process.stderr.write(d);
      // The line may arrive in pieces: wait for the space after the port.
      const m = err.match(/listening on (http:\/\/[\d.]+:\d+) /);
      if (m && timer) { clearTimeout(timer); ok({ proc: p, base: m[1] }); }
    });
    p.on("exit", (code) => fail(new Error(`server exited (${code}) before listening:\n${err}`)));
  });
}

async function api(base, path, text) {
  const r = await fetch(base + path, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ text }),
  });
  assert.equal(r.status, 200);
  return r.json();
}

const { proc, base } = await startServer();
// Never leave the server behind, whatever ends this script.
process.on("exit", () => { if (proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL"); });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => process.exit(130));
const origin = new URL(base).origin;
console.log(`e2e: server at ${base}, browser ${CHROMIUM}`);

const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
    "--disable-sync", "--no-first-run"],
});

/** A page that fails on console errors and on any request that leaves the server's origin. */
async function openPage(opts) {
  const ctx = await browser.newContext(opts);
  await ctx.grantPermissions(["clipboard-read", "clipboard-write"], { origin });
  const page = await ctx.newPage();
  const problems = [];
  page.on("console", (m) => { if (m.type() === "error") problems.push(`console: ${m.text()}`); });
  page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
  await page.route("**/*", (route) => {
    const u = route.request().url();
    if (new URL(u).origin !== origin) {
      problems.push(`outside request: ${u}`);
      return route.abort();
    }
    return route.continue();
  });
  await page.goto(base + "/");
  return { ctx, page, problems };
}

/** Waits for the answer to the current text, then returns the marks' texts. */
async function marksFor(page, text) {
  await page.waitForFunction((t) => window.unspin.state.text === t && window.unspin.state.report, text);
  return page.locator("#output mark.span").allTextContents();
}

const expected = await api(base, "/v1/check", PASTED);
const expectedUni = await api(base, "/v1/check", UNICODE);
const restored = (await api(base, "/v1/restore", PASTED)).restored;

const desk = await openPage({ viewport: { width: 1280, height: 860 }, deviceScaleFactor: 1 });
const page = desk.page;

await step("the page loads from the binary, with nothing from outside", async () => {
  assert.match(await page.title(), /unspin/);
  assert.equal(await page.locator("#text").getAttribute("placeholder") !== null, true);
  assert.equal(await page.getAttribute("#result", "data-state"), "empty");
});

await step("the API answers as the CLI does (check --json without path)", async () => {
  const cli = spawnSync(UNSPIN, ["check", "--json"], { input: PASTED, encoding: "utf8" });
  assert.equal(cli.status, 0, cli.stderr);
  const line = JSON.parse(cli.stdout.trim());
  delete line.path;
  const api = structuredClone(expected);
  for (const s of api.spans) { delete s.utf16_start; delete s.utf16_end; }
  assert.deepEqual(api, line);
});

await step("pasting a spun paragraph highlights its spans", async () => {
  assert.ok(expected.spans.length >= 2, `the model finds ${expected.spans.length} span(s)`);
  await page.locator("#text").focus();
  await page.keyboard.insertText(PASTED);
  const marks = await marksFor(page, PASTED);
  assert.deepEqual(marks, expected.spans.map((s) => s.text));
  assert.ok(marks.includes("inventory"), marks.join(", "));
  assert.equal(await page.getAttribute("#result", "data-verdict"), expected.verdict);
  assert.equal(await page.textContent("#score"), String(Math.round(expected.score * 100)));
  assert.equal(await page.getAttribute("#gauge", "aria-valuenow"), String(Math.round(expected.score * 100)));
  // Shaded by confidence.
  const alphas = await page.locator("#output mark.span").evaluateAll((ms) => ms.map((m) => m.style.getPropertyValue("--a")));
  assert.deepEqual(alphas.map(Number), expected.spans.map((s) => s.confidence));
});

await step("hovering a span shows the likely original and the evidence", async () => {
  const i = expected.spans.findIndex((s) => s.text === "inventory");
  await page.locator("#output mark.span").nth(i).hover();
  await page.waitForSelector("#tip:not([hidden])");
  const tip = await page.textContent("#tip");
  assert.match(tip, /Likely original/);
  assert.match(tip, /stock/);
  assert.match(tip, /Thesaurus swap|tortured/);
  assert.ok(tip.includes(expected.spans[i].evidence.slice(0, 20)), tip);
  await page.mouse.move(5, 5);
  await page.waitForSelector("#tip", { state: "hidden" });
});

await step("the keyboard reaches every span and opens its tooltip", async () => {
  const n = expected.spans.length;
  // Tab order: view buttons, copy, then the spans.
  await page.locator("#copy").focus();
  for (let k = 0; k < n; k++) {
    await page.keyboard.press("Tab");
    const focused = await page.evaluate(() => document.activeElement.textContent);
    assert.equal(focused, expected.spans[k].text);
    assert.equal(await page.isVisible("#tip"), true);
    const sug = expected.spans[k].suggestion;
    if (sug) assert.ok((await page.textContent("#tip")).includes(sug));
  }
  await page.keyboard.press("Escape");
  assert.equal(await page.isVisible("#tip"), false);
  const label = await page.locator("#output mark.span").first().getAttribute("aria-label");
  assert.match(label, /likely original|no confident original/);
});

await step("the restored view shows the original words as a diff", async () => {
  await page.click("#view-diff");
  assert.equal(await page.getAttribute("#view-diff", "aria-pressed"), "true");
  const changed = expected.spans.filter((s) => s.suggestion != null);
  const dels = await page.locator("#output del.d").allTextContents();
  const inss = await page.locator("#output ins.i").allTextContents();
  assert.deepEqual(dels, changed.map((s) => "removed: " + s.text));
  assert.deepEqual(inss, changed.map((s) => " restored: " + s.suggestion));
  assert.ok(inss.some((t) => t.endsWith("stock")));
  // Reading the view without the struck words gives the restored text.
  const shown = await page.evaluate(() => {
    const c = document.getElementById("output").cloneNode(true);
    c.querySelectorAll("del, .sr-only").forEach((n) => n.remove());
    return c.textContent;
  });
  assert.equal(shown, restored);
});

await step("the copy button copies the restored text", async () => {
  await page.click("#copy");
  await page.waitForFunction(() => document.querySelector("#copy span").textContent === "Copied");
  const clip = await page.evaluate(() => navigator.clipboard.readText());
  assert.equal(clip, restored);
});

await step("offsets map correctly onto non-ASCII text", async () => {
  await page.click("#view-marks");
  await page.fill("#text", UNICODE);
  const marks = await marksFor(page, UNICODE);
  assert.deepEqual(marks, expectedUni.spans.map((s) => s.text));
  assert.ok(expectedUni.spans.length >= 2);
  const full = await page.textContent("#output");
  assert.equal(full, UNICODE);
});

await step("a .txt file opens through the file picker and by drag and drop", async () => {
  const text1 = "From a file: " + PASTED;
  await page.setInputFiles("#file", { name: "spun.txt", mimeType: "text/plain", buffer: Buffer.from(text1) });
  assert.deepEqual(await marksFor(page, text1), (await api(base, "/v1/check", text1)).spans.map((s) => s.text));
  const text2 = "Dropped: " + PASTED;
  await page.evaluate((t) => {
    const dt = new DataTransfer();
    dt.items.add(new File([t], "dropped.txt", { type: "text/plain" }));
    const target = document.getElementById("drop");
    target.dispatchEvent(new DragEvent("dragenter", { dataTransfer: dt, bubbles: true }));
    target.dispatchEvent(new DragEvent("drop", { dataTransfer: dt, bubbles: true, cancelable: true }));
  }, text2);
  // The page reads the dropped file with a FileReader, which finishes later: wait for it.
  await page.waitForFunction((t) => document.getElementById("text").value === t, text2, { timeout: 5000 }).catch(() => {});
  assert.equal(await page.inputValue("#text"), text2);
  assert.ok((await marksFor(page, text2)).includes("inventory"));
});

await step("errors from the server are shown, not swallowed", async () => {
  const big = "word ".repeat(260000); // over the 1 MiB limit
  await page.evaluate((t) => { const ta = document.getElementById("text"); ta.value = t; ta.dispatchEvent(new Event("input")); }, big);
  await page.click("#check");
  await page.waitForSelector("#status.error");
  assert.match(await page.textContent("#status"), /too long|limit/);
  desk.problems.splice(0); // the failed request is logged as a console error by design
});

await step("the example link loads the bundled sample and shows the engine at work", async () => {
  await page.fill("#text", "");
  await page.evaluate(() => document.getElementById("text").dispatchEvent(new Event("input")));
  await page.waitForFunction(() => document.getElementById("result").dataset.state === "empty");
  await page.click("#example");
  await page.waitForFunction(() => window.unspin.state.report && window.unspin.state.text.length > 100);
  const ex = await page.inputValue("#text");
  const exp = await api(base, "/v1/check", ex);
  assert.deepEqual(await page.locator("#output mark.span").allTextContents(), exp.spans.map((s) => s.text));
  assert.ok(exp.spans.length >= 2, `the example shows ${exp.spans.length} span(s)`);
  assert.equal(exp.verdict, "spun");
  // The screenshot for the README: the example, with one tooltip open.
  // The last span with a suggestion: its tooltip opens below the text, hiding little of it.
  const last = exp.spans.map((s) => s.suggestion != null).lastIndexOf(true);
  await page.locator("#output mark.span").nth(last).hover();
  await page.waitForSelector("#tip:not([hidden])");
  await page.waitForTimeout(700); // the gauge's animation
  mkdirSync(OUT, { recursive: true });
  const foot = await page.locator("footer").boundingBox();
  const tip = await page.locator("#tip").boundingBox();
  const height = Math.ceil(Math.min(860, Math.max(foot.y + foot.height, tip.y + tip.height) + 16));
  await page.screenshot({ path: SHOT, clip: { x: 0, y: 0, width: 1280, height } });
  copyFileSync(SHOT, README_SHOT);
  console.log(`e2e: screenshot ${SHOT} (${statSync(SHOT).size} bytes), copied to ${README_SHOT}`);
});

await step("no console errors and no outside requests on the desktop page", async () => {
  assert.deepEqual(desk.problems, []);
});

await step("a phone: readable, no sideways scrolling, tapping a span shows its original", async () => {
  const phone = await openPage({ viewport: { width: 390, height: 844 }, deviceScaleFactor: 2, isMobile: true, hasTouch: true });
  const p = phone.page;
  await p.tap("#example");
  await p.waitForFunction(() => window.unspin.state.report);
  const overflow = await p.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the screen`);
  const fs = await p.evaluate(() => parseFloat(getComputedStyle(document.getElementById("output")).fontSize));
  assert.ok(fs >= 16, `output font ${fs}px`);
  await p.locator("#result").scrollIntoViewIfNeeded();
  const m = p.locator("#output mark.span").first();
  await m.scrollIntoViewIfNeeded();
  await m.tap();
  await p.waitForSelector("#tip:not([hidden])");
  const box = await p.locator("#tip").boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 390, JSON.stringify(box));
  await p.screenshot({ path: SHOT_MOBILE });
  // Tapping elsewhere closes it.
  await p.tap(".summary");
  await p.waitForSelector("#tip", { state: "hidden" });
  assert.deepEqual(phone.problems, []);
  await phone.ctx.close();
});

await step("every control has an accessible name", async () => {
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll("button, textarea, input:not([hidden]), [role=meter], [role=button]")]
      .filter((e) => !(e.getAttribute("aria-label") || e.labels?.length || e.textContent.trim()))
      .map((e) => e.outerHTML.slice(0, 80)));
  assert.deepEqual(unnamed, []);
});

await browser.close();

await step("the server exits cleanly on SIGTERM", async () => {
  const code = await new Promise((ok) => {
    proc.removeAllListeners("exit");
    const t = setTimeout(() => ok("timeout"), 15000);
    proc.on("exit", (c, sig) => { clearTimeout(t); ok(c ?? sig); });
    proc.kill("SIGTERM");
  });
  assert.equal(code, 0);
});

if (proc.exitCode === null) proc.kill("SIGKILL");
console.log(`e2e: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
