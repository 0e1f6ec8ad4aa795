// The compliance browser test (run by crates/appgov-cli/tests/web_compliance_e2e.rs):
// Debian's chromium, driven by playwright-core, against a real appgov
// serve whose ledger has an app in service with an overdue risk
// assessment. The governance officer sees it on the dashboard, opens it,
// uploads the report, sees it done, and finds the matrix cell for that
// app × A17.1 turned from 不符合 to 符合. Then the year's risk assessment:
// started for the app, A17.1 recorded non-compliant, completed — the cell
// turns 不符合 again; a risk acceptance requested by the governance officer
// and approved by a compliance reviewer in another browser — the cell
// shows 风险已接受; a drill recorded. Every screenshot is checked with
// axe-core (WCAG 2.1 A/AA; serious and critical violations fail).
import { chromium } from "playwright-core";
import path from "node:path";
import fs from "node:fs/promises";
import { createRequire } from "node:module";

const axePath = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const violations = [];
const base = process.env.APPGOV_BASE;
const shots = process.env.APPGOV_SHOTS;
const password = process.env.APPGOV_PASSWORD;
const appName = process.env.APPGOV_APP_NAME;
const appId = process.env.APPGOV_APP_ID;
const reviewer = process.env.APPGOV_REVIEWER;
let step = 0;
// Today in Beijing (the server's calendar), YYYY-MM-DD.
const today = new Intl.DateTimeFormat("en-CA", { timeZone: "Asia/Shanghai" }).format(new Date());

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
  if (!cond) throw new Error(`expected: ${what}`);
  console.log(`ok: ${what}`);
}

// The matrix cell of the app × A17.1: its visible text.
async function a17cell(page) {
  const cell = page.locator(`td.cell[data-app="${appId}"][data-requirement="nfra-2024-99:a17.1"]`);
  check(await cell.count() === 1, "the matrix has the cell for the app × A17.1");
  return (await cell.locator("summary").innerText()).trim();
}

const browser = await chromium.launch({
  executablePath: "/usr/bin/chromium",
  args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
try {
  const context = await browser.newContext({ locale: "zh-CN", acceptDownloads: true, bypassCSP: true, viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (e) => { throw new Error(`script error on ${page.url()}: ${e}`); });
  await page.goto(`${base}/`);
  await page.getByLabel("登录名").fill("li.governance");
  await page.getByLabel("密码").fill(password);
  await page.getByRole("button", { name: "登录" }).click();
  await page.waitForURL(`${base}/`);

  // The dashboard's compliance panel lists the overdue duty.
  const panel = page.locator("section.compliance-panel");
  const panelText = await panel.innerText();
  check(panelText.includes("合规概览") && panelText.includes(appName), "the dashboard's compliance panel names the app");
  check(/已逾期 \d+ 天/.test(panelText), "the panel shows the days overdue");
  await shot(page, "dashboard");

  // The matrix before: 不符合.
  await page.getByRole("link", { name: "合规矩阵", exact: true }).first().click();
  await page.waitForURL(/\/compliance\/matrix$/);
  const before = await a17cell(page);
  check(before.includes("不符合") && before.includes("✗"), `the cell shows ✗ 不符合 before (${before})`);
  await page.locator(`td.cell[data-app="${appId}"][data-requirement="nfra-2024-99:a17.1"] summary`).click();
  await shot(page, "matrix-before");

  // Open the overdue obligation from the dashboard.
  await page.goto(`${base}/`);
  await panel.getByRole("link", { name: "年度移动应用风险评估" }).first().click();
  await page.waitForURL(/\/obligations\/[0-9a-f-]{36}$/);
  const obligationUrl = page.url();
  check((await page.locator("h1").innerText()).includes("已逾期"), "the obligation is overdue");
  await shot(page, "obligation-overdue");

  // Upload the report.
  await page.getByLabel("证据类型").selectOption("risk_assessment_report");
  await page.getByLabel("证据名称").fill("2026 年度移动应用风险评估报告");
  // The report's typed form (评估机构、期间、报告日期 are required).
  await page.getByLabel("评估机构或部门").fill("信息科技部风险管理处");
  await page.getByLabel("评估期间").fill("2026 年度");
  await page.getByLabel("报告日期").fill(today);
  await page.getByLabel("证据文件").setInputFiles({
    name: "风险评估报告-2026.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4 年度风险评估报告"),
  });
  await shot(page, "evidence-form");
  await page.getByRole("button", { name: "上传证据并完成义务" }).click();
  await page.waitForURL(obligationUrl);
  const h1 = await page.locator("h1").innerText();
  check(h1.includes("已完成"), `the obligation is 已完成 (${h1})`);
  const main = await page.locator("main").innerText();
  check(main.includes("下一期义务已生成"), "the next instance is shown");
  check(main.includes("风险评估报告-2026.pdf"), "the uploaded file is listed");
  await shot(page, "obligation-done");

  // The matrix after: 符合.
  await page.goto(`${base}/compliance/matrix`);
  const after = await a17cell(page);
  check(after.includes("符合") && !after.includes("不符合") && after.includes("✓"), `the cell shows ✓ 符合 after (${after})`);
  await page.locator(`td.cell[data-app="${appId}"][data-requirement="nfra-2024-99:a17.1"] summary`).click();
  await shot(page, "matrix-after");

  // This year's risk assessment, started from the assessments page.
  await page.getByRole("navigation", { name: "合规", exact: true }).getByRole("link", { name: "评估与审计" }).click();
  await page.waitForURL(/\/assessments$/);
  await shot(page, "assessments");
  await page.getByLabel("应用", { exact: true }).selectOption(appId);
  await page.getByRole("button", { name: "开始评估" }).click();
  await page.waitForURL(/\/assessments\/[0-9a-f-]{36}$/);
  const assessmentUrl = page.url();
  const rows = page.locator("#results-form tbody tr");
  const n = await rows.count();
  check(n > 5 && (await page.locator('tr[data-result="not_assessed"]').count()) === n, `every applicable requirement starts 未评估 (${n})`);
  check((await page.locator("h1").innerText()).includes("进行中"), "the assessment is 进行中");
  await shot(page, "assessment-started");
  // Every requirement compliant but A17.1, non-compliant with a note.
  for (const sel of await page.locator("select.result-select").all()) await sel.selectOption("compliant");
  const a17row = page.locator('tr[data-requirement="nfra-2024-99:a17.1"]');
  await a17row.locator("select").selectOption("non_compliant");
  await a17row.locator("textarea").fill("评估报告未覆盖新增的小程序渠道");
  await page.getByRole("button", { name: "保存结论" }).click();
  await page.waitForURL(`${assessmentUrl}#results`);
  check(await a17row.getAttribute("data-result") === "non_compliant", "A17.1 is recorded 不符合");
  check((await page.locator("h1").innerText()).includes("进行中"), "recording results leaves the workflow state 进行中");
  await page.getByLabel("评估结论摘要").fill("总体风险可控，A17.1 需整改");
  await page.getByRole("button", { name: "完成评估" }).click();
  await page.waitForURL(assessmentUrl);
  check((await page.locator("h1").innerText()).includes("已完成"), "the assessment is 已完成");
  check(await page.locator("select.result-select").count() === 0, "a completed assessment's results no longer change");
  await shot(page, "assessment-completed");

  // The matrix reads the completed assessment: 不符合 again.
  await page.goto(`${base}/compliance/matrix`);
  const assessed = await a17cell(page);
  check(assessed.includes("不符合") && assessed.includes("✗"), `the cell shows ✗ 不符合 after the assessment (${assessed})`);
  await shot(page, "matrix-assessed");

  // A risk acceptance, requested by the governance officer …
  await page.goto(`${base}/exceptions`);
  await page.getByLabel("应用", { exact: true }).selectOption(appId);
  await page.getByLabel("监管要求").selectOption("nfra-2024-99:a17.1");
  await page.getByLabel("理由").fill("整改方案已立项，预计两个月内完成");
  await page.getByLabel("补偿措施").fill("季度专项检查");
  await page.getByRole("button", { name: "提交申请" }).click();
  await page.waitForURL(/\/exceptions#exception-/);
  const requested = page.locator('tr[data-status="requested"]');
  check(await requested.count() === 1, "the request is 待审批");
  check((await requested.innerText()).includes("本人提出，须由他人审批"), "the requester is told someone else decides");
  check(await requested.getByRole("button", { name: "批准" }).count() === 0, "no approve button for one's own request");
  await shot(page, "exception-requested");

  // … approved by a compliance reviewer in another browser.
  const other = await browser.newContext({ locale: "zh-CN", bypassCSP: true, viewport: { width: 1400, height: 900 } });
  const rpage = await other.newPage();
  rpage.on("pageerror", (e) => { throw new Error(`script error on ${rpage.url()}: ${e}`); });
  await rpage.goto(`${base}/login`);
  await rpage.getByLabel("登录名").fill(reviewer);
  await rpage.getByLabel("密码").fill(password);
  await rpage.getByRole("button", { name: "登录" }).click();
  await rpage.waitForURL(`${base}/`);
  await rpage.goto(`${base}/exceptions`);
  await rpage.locator('tr[data-status="requested"]').getByRole("button", { name: "批准" }).click();
  await rpage.waitForURL(/\/exceptions#exception-/);
  const approved = rpage.locator('tr[data-status="approved"]');
  check(await approved.count() === 1 && (await approved.innerText()).includes("已批准"), "the exception is 已批准");
  await shot(rpage, "exception-approved");
  await rpage.goto(`${base}/compliance/matrix`);
  const accepted = await a17cell(rpage);
  check(accepted.includes("风险已接受") && accepted.includes("△"), `the cell shows △ 风险已接受 (${accepted})`);
  await rpage.locator(`td.cell[data-app="${appId}"][data-requirement="nfra-2024-99:a17.1"] summary`).click();
  const reasons = await rpage.locator(`td.cell[data-app="${appId}"][data-requirement="nfra-2024-99:a17.1"]`).innerText();
  check(reasons.includes("风险接受经"), "the cell says who accepted the risk");
  await shot(rpage, "matrix-accepted");
  await other.close();

  // A drill held today.
  await page.goto(`${base}/drills`);
  await page.getByLabel("应用", { exact: true }).selectOption(appId);
  await page.getByLabel("演练场景").fill("核心交易系统同城切换演练");
  await page.getByLabel("开展日期").fill(await page.getByLabel("计划日期").inputValue());
  await page.getByLabel("参与部门与人员").fill("信息科技部、零售银行部");
  await page.getByLabel("演练结果").fill("切换成功，RTO 15 分钟");
  await page.getByRole("button", { name: "登记", exact: true }).click();
  await page.waitForURL(/\/drills#drill-/);
  const drill = page.locator('tr[data-state="held"]');
  check(await drill.count() === 1 && (await drill.innerText()).includes("核心交易系统同城切换演练"), "the drill is recorded as held");
  check((await drill.innerText()).includes("业务连续性应急演练"), "the app's open drill obligation is named beside it");
  await shot(page, "drills");

  // The other compliance pages, checked the same way.
  for (const [url, name] of [["/obligations", "obligations"], ["/compliance/requirements", "requirements"],
    ["/compliance/checks", "checks"], ["/incidents", "incidents"], ["/complaints", "complaints"],
    ["/counterfeits", "counterfeits"], ["/os-releases", "os-releases"]]) {
    await page.goto(`${base}${url}`);
    check(await page.locator("h1").count() === 1, `${url} renders`);
    await shot(page, name);
  }
  // A drill record through its typed form: a required field left empty
  // is refused by the browser; filled in, the fields show on the record.
  await page.goto(`${base}/obligations?template=drill`);
  await page.getByRole("link", { name: "业务连续性应急演练" }).first().click();
  await page.waitForURL(/\/obligations\/[0-9a-f-]{36}$/);
  const drillUrl = page.url();
  await page.getByLabel("演练日期").fill(today);
  await page.getByLabel("参与部门与人员").fill("金融科技部、运营管理部");
  await page.getByLabel("演练结果").selectOption("partial");
  await page.getByLabel("发现问题与整改事项").fill("切换耗时超出预案，已列入整改");
  await page.getByLabel("证据文件").setInputFiles({
    name: "演练记录.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4 演练记录"),
  });
  await page.getByRole("button", { name: "上传证据并完成义务" }).click();
  check(page.url() === drillUrl && await page.getByLabel("演练场景").evaluate((e) => !e.validity.valid),
    "the browser refuses the form without the required 演练场景");
  await page.getByLabel("演练场景").fill("主数据中心断电，切换至同城灾备");
  await shot(page, "drill-form");
  await page.getByRole("button", { name: "上传证据并完成义务" }).click();
  await page.waitForURL(drillUrl);
  const drillMain = await page.locator("main").innerText();
  check(drillMain.includes("主数据中心断电，切换至同城灾备") && drillMain.includes("部分达到预期"),
    "the drill record's fields are shown");
  await shot(page, "drill-done");

  // Reports: the matrix as XLSX and the evidence pack, downloaded.
  await page.goto(`${base}/`);
  await page.locator("section.compliance-panel").getByRole("link", { name: "下载合规报告" }).click();
  await page.waitForURL(/\/reports$/);
  await shot(page, "reports");
  const save = async (format, name) => {
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.locator(`#report-${name} a[data-format="${format}"]`).click(),
    ]);
    const bytes = await fs.readFile(await download.path());
    return { bytes, name: download.suggestedFilename() };
  };
  const xlsx = await save("xlsx", "compliance-matrix");
  check(xlsx.bytes.subarray(0, 2).toString() === "PK" && xlsx.bytes.includes(Buffer.from("xl/workbook.xml")),
    `the matrix downloads as XLSX (${xlsx.bytes.length} bytes)`);
  check(xlsx.name.startsWith("移动应用合规矩阵-") && xlsx.name.endsWith(".xlsx"), `its Chinese file name (${xlsx.name})`);
  const pack = await save("zip", "evidence-pack");
  check(pack.bytes.subarray(0, 2).toString() === "PK" && pack.bytes.includes(Buffer.from("SHA256SUMS"))
    && pack.bytes.includes(Buffer.from("演练记录.pdf")), `the evidence pack lists SHA256SUMS and the drill record (${pack.name})`);

  // Evidence requests: the list renders.
  await page.goto(`${base}/evidence-requests`);
  check(await page.locator("h1").count() === 1, "/evidence-requests renders");
  await shot(page, "evidence-requests");

  await page.goto(`${base}/`);
  await shot(page, "dashboard-after");
  await context.close();
  check(violations.length === 0, `no serious accessibility violations (found ${violations.length})`);
} finally {
  await browser.close();
}
