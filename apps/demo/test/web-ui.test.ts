import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { FAKE_BRAZE_API_KEY } from '@sluice/destination-braze/fake'
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { type Serving, serve, sluice } from './helpers/cli.js'
import { type Fakes, sampleProject, startFakes } from './helpers/project.js'

/**
 * The web UI of `sluice serve` in a real browser, on the demo project: Debian's Chromium driven by
 * playwright-core. Every wait is for something on the page; the timeouts only guard against a hang.
 */

const CHROMIUM = process.env.SLUICE_CHROMIUM ?? '/usr/bin/chromium'
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]
const TOKEN = 'ui-test-token-5f1e0c9a7b'
const HANG_GUARD_MS = 300_000
/** SLUICE_SCREENSHOTS=update writes the README's screenshots; otherwise they go to the test's folder */
const DOCS_SHOTS = fileURLToPath(new URL('../../../docs/screenshots/', import.meta.url))

let fakes: Fakes
let project: Awaited<ReturnType<typeof sampleProject>>
let served: Serving
let browser: Browser
let context: BrowserContext
let page: Page
let shots: string

const shoot = async (target: Page, name: string, fullPage = true) => {
  await target.screenshot({ path: join(shots, `${name}.png`), fullPage })
}
const row = (target: Page, sync: string) => target.locator(`tr[data-sync="${sync}"]`)
const runIdOf = (target: Page) => decodeURIComponent(/#\/runs\/(.+)$/.exec(target.url())![1]!)
const range = (target: Page, text: string) => target.getByTestId('records-range').filter({ hasText: text })
const status = (target: Page) => target.getByTestId('run-status').locator('.badge')

beforeAll(async () => {
  fakes = await startFakes()
  project = await sampleProject(1500, 'sluice-web-ui-')
  shots = process.env.SLUICE_SCREENSHOTS === 'update' ? DOCS_SHOTS : join(project.path, 'screenshots')
  await mkdir(shots, { recursive: true })
  // the Salesforce sync on a daily cron instead of after the Braze one, so that it runs only when asked
  const file = join(project.path, 'sluice.json')
  const config = JSON.parse(await readFile(file, 'utf8'))
  config.syncs.contacts_to_salesforce.schedule = { type: 'cron', expression: '0 3 * * *' }
  await writeFile(file, JSON.stringify(config, null, 2))
  served = await serve(project.path, {
    ...fakes.env,
    // Salesforce refuses this token: its sync fails, as a destination with revoked access does
    SALESFORCE_REFRESH_TOKEN: 'revoked-refresh-token',
    SLUICE_API_TOKEN: TOKEN,
  })
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS, timeout: HANG_GUARD_MS })
  context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true })
  page = await context.newPage()
  page.setDefaultTimeout(HANG_GUARD_MS)
})

afterAll(async () => {
  await browser?.close()
  await served?.stop()
  await fakes?.close()
  await project?.remove()
})

describe('the web UI of sluice serve', () => {
  it('asks for the token, and keeps one given in the address out of the address bar', async () => {
    const visitor = await context.browser()!.newContext()
    const other = await visitor.newPage()
    other.setDefaultTimeout(HANG_GUARD_MS)
    await other.goto(served.url)
    await other.getByRole('heading', { name: 'Sign in' }).waitFor()
    await other.getByLabel('API token').fill('not-the-token')
    await other.getByRole('button', { name: 'Sign in' }).click()
    await other.getByText('That token was not accepted.').waitFor()
    await other.getByLabel('API token').fill(TOKEN)
    await other.getByRole('button', { name: 'Sign in' }).click()
    await other.getByRole('heading', { name: 'Syncs' }).waitFor()
    await visitor.close()

    await page.goto(`${served.url}/#token=${TOKEN}`)
    await page.getByRole('heading', { name: 'Syncs' }).waitFor()
    expect(page.url()).not.toContain(TOKEN)
    expect(await page.content()).not.toContain(TOKEN)
    expect(served.output()).not.toContain(TOKEN)
  })

  it('lists every sync with its health, destination, behaviour and schedule', async () => {
    await row(page, 'customers_to_braze').waitFor()
    const braze = row(page, 'customers_to_braze')
    await expect.poll(() => braze.locator('.badge').textContent()).toBe('never run')
    expect(await braze.textContent()).toContain('mirror')
    expect(await braze.textContent()).toContain('every 15m')
    const salesforce = row(page, 'contacts_to_salesforce')
    expect(await salesforce.textContent()).toContain('cron 0 3 * * *')
  })

  it('runs a sync from the overview and follows the run live to its end', async () => {
    await page.getByRole('button', { name: 'Run customers_to_braze now' }).click()
    await page.waitForURL(/#\/runs\//)
    const runId = runIdOf(page)
    // the page is never reloaded: it follows the run from queued to its final status
    await status(page).and(page.locator('[data-status="partially_succeeded"]')).waitFor()
    const run = (await (
      await fetch(`${served.url}/api/runs/${encodeURIComponent(runId)}`, {
        headers: { authorization: `Bearer ${TOKEN}` },
      })
    ).json()) as { counts: { queried: number; rejected: number } }
    const card = (label: string) =>
      page.locator('.card', { has: page.getByText(label, { exact: true }) }).locator('.value')
    expect(await card('Queried').textContent()).toBe(run.counts.queried.toLocaleString('en-US'))
    expect(await card('Rejected').textContent()).toBe(run.counts.rejected.toLocaleString('en-US'))
    expect(run.counts.rejected).toBeGreaterThan(0)
    await page.getByRole('table', { name: 'Phases' }).getByText('sending').waitFor()
    await page.getByRole('table', { name: 'Top rejection reasons' }).waitFor()
    await shoot(page, 'run')

    // its rejected rows, then one of them by its identifier
    await page.getByLabel('Status').selectOption('rejected')
    await range(page, `of ${run.counts.rejected.toLocaleString('en-US')} records`).waitFor()
    const records = page.getByRole('table', { name: 'Records' })
    const first = (await records.locator('tbody tr').first().locator('td').first().textContent())!
    await page.getByLabel('Search by identifier').fill(first)
    await page.getByRole('button', { name: 'Search' }).click()
    await range(page, '1–1 of 1 records').waitFor()
    await page.getByRole('button', { name: `Open record ${first}` }).click()
    const dialog = page.getByRole('dialog')
    await dialog.waitFor()
    expect(await dialog.getByLabel('Payload').textContent()).toContain(first)
    expect((await dialog.getByLabel("Destination's message").textContent())!.length).toBeGreaterThan(0)
    await shoot(page, 'record', false)
    await page.keyboard.press('Escape')
    await dialog.waitFor({ state: 'detached' })

    // the CSV of the rejected rows is the one `sluice records --export` writes
    await page.getByLabel('Search by identifier').fill('')
    await page.getByRole('button', { name: 'Search' }).click()
    await range(page, `of ${run.counts.rejected.toLocaleString('en-US')} records`).waitFor()
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('button', { name: 'Download CSV' }).click(),
    ])
    const downloaded = await readFile((await download.path())!, 'utf8')
    const exported = join(project.path, 'rejected.csv')
    const cli = await sluice(['records', runId, '--status', 'rejected', '--export', exported], {
      cwd: project.path,
    })
    expect(cli.code).toBe(0)
    expect(downloaded).toBe(await readFile(exported, 'utf8'))
    expect(downloaded.trim().split('\n')).toHaveLength(run.counts.rejected + 1)
  })

  it('shows a failing destination with the failed badge and its error', async () => {
    await page.getByRole('link', { name: 'Syncs', exact: true }).first().click()
    await page.getByRole('button', { name: 'Run contacts_to_salesforce now' }).click()
    await page.waitForURL(/#\/runs\//)
    await status(page).and(page.locator('[data-status="failed"]')).waitFor()
    await page.getByRole('alert').first().waitFor()

    await page.getByRole('link', { name: 'Syncs', exact: true }).first().click()
    const salesforce = row(page, 'contacts_to_salesforce')
    await salesforce.locator('.badge[data-status="failed"]').waitFor()
    expect((await salesforce.locator('.error-text').textContent())!.length).toBeGreaterThan(0)
    await row(page, 'customers_to_braze').locator('.badge[data-status="partially_succeeded"]').waitFor()

    // filters: by health, by destination, by name
    await page.getByLabel('Health').selectOption('failed')
    await row(page, 'customers_to_braze').waitFor({ state: 'detached' })
    expect(await page.locator('tbody tr[data-sync]').count()).toBe(1)
    await page.getByLabel('Health').selectOption('')
    await page.getByLabel('Search by name').fill('braze')
    await row(page, 'contacts_to_salesforce').waitFor({ state: 'detached' })
    await page.getByLabel('Search by name').fill('')
    await page.getByLabel('Destination').selectOption('salesforce')
    await row(page, 'customers_to_braze').waitFor({ state: 'detached' })
    await page.getByLabel('Destination').selectOption('')
    await row(page, 'customers_to_braze').waitFor()
    await shoot(page, 'overview')
  })

  it("shows a sync's configuration without secrets, its chart and runs, and confirms a full resync", async () => {
    await page.getByRole('link', { name: 'customers_to_braze', exact: true }).click()
    await page.getByRole('heading', { name: 'customers_to_braze', level: 1 }).waitFor()
    const config = page.getByLabel('Configuration')
    await config.waitFor()
    expect(await config.textContent()).toContain('"behaviour": "mirror"')
    expect(await page.content()).not.toContain(FAKE_BRAZE_API_KEY)
    await page.locator('figure.chart svg rect.sent').first().waitFor()
    const runs = page.getByRole('table', { name: 'Runs' })
    await expect.poll(() => runs.locator('tbody tr[data-run]').count()).toBe(1)

    // cancelled: nothing starts
    await page.getByRole('button', { name: 'Full resync' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click()
    await page.getByRole('dialog').waitFor({ state: 'detached' })
    expect(page.url()).toMatch(/#\/syncs\//)
    await shoot(page, 'sync')

    await page.getByRole('button', { name: 'Full resync' }).click()
    await page.getByRole('dialog').getByRole('button', { name: 'Start full resync' }).click()
    await page.waitForURL(/#\/runs\//)
    await status(page).and(page.locator('[data-status="partially_succeeded"]')).waitFor()
    expect(await page.getByText('full resync', { exact: true }).count()).toBeGreaterThan(0)
    await page.goBack()
    await page.waitForURL(/#\/syncs\//)
    await expect.poll(() => runs.locator('tbody tr[data-run]').count()).toBe(2)
  })

  it('is usable with the keyboard, in the dark theme and on a phone', async () => {
    await page.goto(`${served.url}/#/`)
    await page.reload()
    await row(page, 'customers_to_braze').waitFor()
    // the first Tab reaches the skip link, which moves focus to the content
    await page.keyboard.press('Tab')
    expect(await page.evaluate('document.activeElement?.textContent')).toBe('Skip to content')
    await page.keyboard.press('Enter')
    expect(await page.evaluate('document.activeElement?.id')).toBe('main')
    // a sync's page opens from its link with the keyboard
    await page.getByRole('link', { name: 'customers_to_braze', exact: true }).focus()
    await page.keyboard.press('Enter')
    await page.getByRole('heading', { name: 'customers_to_braze', level: 1 }).waitFor()

    await page.goto(`${served.url}/#/`)
    await row(page, 'customers_to_braze').waitFor()
    const theme = page.locator('#theme')
    while ((await theme.textContent()) !== 'Theme: dark') await theme.click()
    const background = await page.evaluate('getComputedStyle(document.body).backgroundColor')
    expect(background).toBe('rgb(16, 19, 23)')
    await shoot(page, 'overview-dark')
    while ((await theme.textContent()) !== 'Theme: auto') await theme.click()

    const phone = await context.newPage()
    phone.setDefaultTimeout(HANG_GUARD_MS)
    await phone.setViewportSize({ width: 390, height: 844 })
    // sessionStorage belongs to one tab: a new one is handed the token again
    await phone.goto(`${served.url}/#token=${TOKEN}`)
    await row(phone, 'customers_to_braze').waitFor()
    // nothing wider than the screen but the tables, which scroll in their own box
    const overflow = await phone.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth')
    expect(overflow).toBeLessThanOrEqual(0)
    await shoot(phone, 'overview-phone')
    await phone.close()
  })
})
