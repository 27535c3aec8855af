// End-to-end tests against a running `recoup serve` (RECOUP_URL) with Debian's Chromium: no
// browser is downloaded. `.ci/run` starts the server on a demo database and runs these.
import { defineConfig } from "@playwright/test";

export default defineConfig({
  testDir: "e2e",
  timeout: 60_000,
  expect: { timeout: 15_000 },
  fullyParallel: false,
  workers: 1,
  retries: 0,
  reporter: [["list"]],
  outputDir: "../artifacts/e2e-results",
  use: {
    baseURL: process.env.RECOUP_URL ?? "http://127.0.0.1:8080",
    viewport: { width: 1440, height: 900 },
    locale: "zh-CN",
    timezoneId: "Asia/Shanghai",
    launchOptions: {
      executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium",
      args: ["--no-sandbox", "--disable-dev-shm-usage"],
    },
    screenshot: "only-on-failure",
    trace: "off",
  },
});
