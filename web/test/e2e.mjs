// The browser end-to-end test (run by crates/appgov-cli/tests/web_e2e.rs):
// Debian's chromium, driven by playwright-core, against a real appgov
// serve. Selectors are the ones people use — labels, roles, visible text —
// so the test also checks the pages are labelled for assistive technology.
import { chromium } from "playwright-core";
import path from "node:path";
import fs from "node:fs";
import { createRequire } from "node:module";

// axe-core (npm) checks every page we photograph against WCAG 2.1 A/AA;
// serious and critical violations fail the test.
const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const violations = [];

const base = process.env.APPGOV_BASE;
const pkg = process.env.APPGOV_PACKAGE;
const shots = process.env.APPGOV_SHOTS;
const password = process.env.APPGOV_PASSWORD;
let step = 0;

async function shot(page, name) {
  step += 1;
  const file = path.join(shots, `${String(step).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`screenshot ${file}`);
  await page.addScriptTag({ path: axePath });
  const found = await page.evaluate(async () => {
    const r = await window.axe.run(document, { runOnly: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] });
    return r.violations
      .filter((v) => v.impact === "serious" || v.impact === "critical")
      .map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(" ")) }));
  });
  for (const v of found) {
    violations.push({ page: name, ...v });
    console.log(`accessibility: ${name}: ${v.impact} ${v.id} (${v.help}) at ${v.nodes.join(", ")}`);
  }
}

function check(cond, what) {
  if (!cond) {
    throw new Error(`expected: ${what}`);
  }
  console.log(`ok: ${what}`);
}

async function signIn(browser, login) {
  // bypassCSP: only so the accessibility checker can be injected; the
  // pages' own scripts still come from the server under its policy.
  const context = await browser.newContext({ locale: "zh-CN", acceptDownloads: true, bypassCSP: true });
  const page = await context.newPage();
  page.on("pageerror", (e) => { throw new Error(`script error on ${page.url()}: ${e}`); });
  await page.goto(`${base}/`);
  check(page.url().includes("/login"), "signed-out visitors land on the sign-in page");
  await page.getByLabel("登录名").fill(login);
  await page.getByLabel("密码").fill(password);
  await shot(page, `sign-in-${login}`);
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(`${base}/`);
  return { context, page };
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: [
    "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
try {
  // The owner: dashboard, a new app, a package.
  const owner = await signIn(browser, "zhang.owner");
  let page = owner.page;
  check(await page.locator("h1").first().innerText() === "工作台", "the dashboard is in Chinese");
  await shot(page, "dashboard");
  await page.goto(`${base}/apps/new`);
  await page.getByLabel("应用名称").fill("掌上示范银行");
  await page.getByLabel("形态").selectOption("android");
  await shot(page, "new-app");
  await page.getByRole("button", { name: "登记" }).click();
  await page.waitForURL(/\/apps\/[0-9a-f-]{36}$/);
  const appUrl = page.url();
  check((await page.locator("h1").first().innerText()).includes("掌上示范银行"), "the app page shows the new app");
  await shot(page, "app-created");

  // Record what the admission gate checks automatically: the app's
  // functions and users (overlap with live apps, article 5) and a planned
  // listing through an account the bank holds (article 8).
  await page.getByRole("link", { name: "编辑基本信息" }).click();
  await page.waitForURL(/\/edit$/);
  await page.getByLabel("主要功能").fill("账户查询\n转账汇款\n理财产品购买");
  await page.getByLabel("服务对象").selectOption("retail");
  await page.getByLabel("重要信息系统").check();
  await shot(page, "app-edit");
  await page.getByRole("button", { name: "保存" }).click();
  await page.waitForURL(new RegExp(`${appUrl}#overview$`));
  check((await page.locator("main").innerText()).includes("转账汇款"), "the edited functions are on the app page");
  await page.getByLabel("渠道", { exact: true }).selectOption("huawei_appgallery");
  await page.getByLabel("或新建发布账号（账号名称）").fill("示范银行官方账号");
  await page.getByRole("button", { name: "登记上架渠道" }).click();
  await page.waitForURL(new RegExp(`${appUrl}#channels$`));
  const channels = await page.locator("main").innerText();
  check(channels.includes("华为应用市场") && channels.includes("示范银行官方账号"), "the listing and its account are on the app page");
  await shot(page, "app-listing");

  // Upload the package; the scan runs in the background.
  await page.goto(`${appUrl}/upload`);
  // Drop the package on the drop zone, as a person drags it from a folder.
  const dropped = await page.evaluateHandle(({ b64, name }) => {
    const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
    const d = new DataTransfer();
    d.items.add(new File([bytes], name, { type: "application/vnd.android.package-archive" }));
    return d;
  }, { b64: fs.readFileSync(pkg).toString("base64"), name: path.basename(pkg) });
  await page.dispatchEvent("[data-dropzone]", "drop", { dataTransfer: dropped });
  check(await page.locator("input[type=file]").evaluate((i) => i.files.length === 1 && i.files[0].size > 0), "the dropped package is in the form");
  await shot(page, "upload");
  await page.locator("form[enctype='multipart/form-data'] button[type=submit]").click();
  await page.waitForURL(/\/jobs\//);
  await shot(page, "scan-progress");
  await page.waitForFunction(() => /已完成|失败/.test(document.querySelector("main").innerText), null, { timeout: 180000 });
  check((await page.locator("main").innerText()).includes("已完成"), "the scan job completed");
  await shot(page, "scan-done");
  await page.goto(appUrl);
  const appText = await page.locator("main").innerText();
  check(/PKG-\d{3}/.test(appText), "the app page lists the release's findings");
  await shot(page, "app-with-release");
  await page.locator("a[href^='/releases/']").first().click();
  await page.waitForURL(/\/releases\//);
  const releaseText = await page.locator("main").innerText();
  check(/PKG-\d{3}/.test(releaseText), "the release page lists its findings");
  await shot(page, "release");

  // Request admission (准入).
  await page.goto(appUrl);
  await page.getByLabel("转入状态").selectOption("admitted");
  await page.getByLabel("理由").fill("新建手机银行项目，申请准入");
  await page.getByRole("button", { name: "提交流转申请" }).click();
  await page.waitForLoadState();
  await shot(page, "move-requested");
  await owner.context.close();

  // The governance officer works through the checklist.
  const gov = await signIn(browser, "li.governance");
  page = gov.page;
  await page.goto(`${base}/moves`);
  await shot(page, "waiting-for-me");
  await page.locator("main a[href^='/moves/']").first().click();
  await page.waitForURL(/\/moves\/[0-9a-f-]{36}$/);
  const moveUrl = page.url();
  await shot(page, "checklist");
  for (let i = 0; i < 12; i += 1) {
    const form = page.locator("li.item.open form[action*='/evidence']").first();
    if (await form.count() === 0) break;
    await form.locator("input[type=file]").setInputFiles({
      name: `证明材料-${i}.txt`, mimeType: "text/plain", buffer: Buffer.from(`证明材料 ${i}`),
    });
    await form.locator("button[type=submit]").click();
    await page.waitForURL(moveUrl);
  }
  for (let i = 0; i < 12; i += 1) {
    const form = page.locator("li.item.open form[action$='/attest']").first();
    if (await form.count() === 0) break;
    await form.locator("textarea").fill("已核实");
    await form.locator("button[type=submit]").click();
    await page.waitForURL(moveUrl);
  }
  await shot(page, "checklist-worked");
  const open = await page.locator("li.item.open").count();
  check(open === 0, `every checklist item is met (open: ${open})`);
  await page.getByRole("button", { name: "批准" }).click();
  await page.waitForLoadState();
  const after = await page.locator("main").innerText();
  check(/已批准/.test(after), "the second user approved the move");
  await shot(page, "decision");
  await page.goto(appUrl);
  check((await page.locator("h1").first().innerText()).includes("已准入"), "the app is now admitted");
  await shot(page, "app-admitted");

  // Export the ledger.
  await page.goto(`${base}/apps`);
  await shot(page, "ledger");
  const [download] = await Promise.all([
    page.waitForEvent("download"),
    page.getByRole("link", { name: /导出 Excel/ }).click(),
  ]);
  const file = path.join(shots, "ledger-export.xlsx");
  await download.saveAs(file);
  console.log(`exported ${file}`);

  // The other pages the governance office uses, checked the same way;
  // then the app page in English.
  await page.goto(`${base}/accounts`);
  check((await page.locator("main").innerText()).includes("示范银行官方账号"), "the publishing accounts page lists the account");
  await shot(page, "accounts");
  await page.goto(`${base}/audit`);
  check((await page.locator("main").innerText()).includes("li.governance"), "the audit trail shows the approval");
  await shot(page, "audit");
  await page.getByRole("link", { name: "校验审计链与台账" }).click();
  await page.waitForURL(/\/audit\/verify$/);
  check((await page.locator("main").innerText()).includes("审计链完整"), "the audit trail verifies intact");
  await shot(page, "audit-verified");
  await page.goto(appUrl);
  await page.getByRole("link", { name: "English" }).click();
  await page.waitForLoadState();
  check((await page.locator("main").innerText()).includes("Publishing accounts") || (await page.locator("main").innerText()).includes("Channels"), "the app page switches to English");
  await shot(page, "app-english");
  await gov.context.close();
  check(violations.length === 0, `no serious accessibility violations (found ${violations.length})`);
} finally {
  await browser.close();
}
