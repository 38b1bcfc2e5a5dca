import type { Page } from 'playwright-core';
import { BrowserFixture, PHONE } from './browser';
import { EmbeddedConsole, TRACE_VIEWER_URL } from './embedded-console';
import { toBeHidden, toBeVisible, toContainText, toHaveAtLeast, toHaveValue } from './wait';

/**
 * The web console in Debian's Chromium against the real embedded mode (offline model, demo CRM): a rep signs
 * in, chats with a prospect, reads the analysis and the cited passage, approves a CRM change, leaves feedback,
 * uses assist mode and reads the insights. The tests run in order on one page, as one rep's session; each
 * saves the screenshots the README links (test-artifacts/screenshots/).
 */
describe('web console (Chromium, embedded mode)', () => {
  const server = new EmbeddedConsole();
  const browser = new BrowserFixture();
  const page = (): Page => browser.page;

  beforeAll(async () => {
    await server.start();
    await browser.start();
  }, 180_000);

  afterAll(async () => {
    await browser.stop();
    const code = await server.stop();
    expect(code).toBe(0);
  }, 60_000);

  /** A test whose failure leaves a screenshot, the page's console log and the server's output. */
  const step = (name: string, body: () => Promise<void>, timeout?: number): void =>
    it(
      name,
      async () => {
        try {
          await browser.step(name, body);
        } catch (error) {
          throw new Error(`${String(error)}\n--- embedded output\n${server.output(30)}`);
        }
      },
      timeout,
    );

  const messages = () => page().getByRole('log', { name: 'Messages' });
  const assistantReplies = () => messages().getByRole('article', { name: 'Assistant reply' });

  /** Fills the "New conversation" dialog: the demo CRM's Maya Chen (Northwind Pay), the mode and a title. */
  async function startConversation(mode: 'Assist' | 'Autonomous', title: string): Promise<void> {
    await page().getByRole('button', { name: 'New conversation' }).click();
    const dialog = page().getByRole('dialog', { name: 'New conversation' });
    await toBeVisible(dialog);
    // The demo CRM's contact, found as the rep types and picked with the keyboard.
    const prospect = dialog.getByRole('combobox', { name: 'Prospect' });
    await prospect.fill('chen');
    await toBeVisible(dialog.getByRole('option', { name: /Maya Chen, Northwind Pay/ }));
    expect(await prospect.getAttribute('aria-expanded')).toBe('true');
    await prospect.press('ArrowDown');
    const active = await prospect.getAttribute('aria-activedescendant');
    expect(await dialog.locator(`[id="${active ?? ''}"]`).innerText()).toMatch(/Maya Chen/);
    await prospect.press('Enter');
    await toHaveValue(prospect, /^Maya Chen, Northwind Pay$/);
    expect(await prospect.getAttribute('aria-expanded')).toBe('false');
    await toContainText(dialog, 'maya.chen@northwindpay.com');
    await dialog.getByRole('radio', { name: mode }).check();
    await dialog.getByRole('textbox', { name: 'Title' }).fill(title);
    await dialog.getByRole('button', { name: 'Start' }).click();
    await toBeHidden(dialog);
    await toBeVisible(page().getByRole('heading', { name: title }));
  }

  /** Sends a prospect's message from the composer. */
  async function sendProspectMessage(text: string): Promise<void> {
    const speaker = page().getByRole('combobox', { name: 'Speaker' });
    if ((await speaker.count()) > 0) await speaker.selectOption({ label: 'Prospect' });
    await page().getByRole('textbox', { name: 'Message', exact: true }).fill(text);
    await page().getByRole('button', { name: 'Send', exact: true }).click();
    await toContainText(messages(), text);
  }

  /** Records the length of the assistant reply's text at every DOM change, in `window.__replyLengths`. */
  async function recordReplyLengths(): Promise<void> {
    await page().evaluate(`(() => {
      const lengths = (window.__replyLengths = []);
      const observer = new MutationObserver(() => {
        const text = document.querySelector('article[aria-label="Assistant reply"] p.text');
        const length = text ? (text.textContent || '').length : 0;
        if (lengths[lengths.length - 1] !== length) lengths.push(length);
      });
      observer.observe(document.body, { subtree: true, childList: true, characterData: true });
    })()`);
  }

  step("refuses a bad API key with the API's message", async () => {
    await page().goto(server.consoleUrl);
    await toBeVisible(page().getByRole('textbox', { name: 'API key' }));
    await toBeVisible(page().getByRole('button', { name: 'Use development key' }));
    await browser.screenshot('sign-in');

    await page().getByRole('textbox', { name: 'API key' }).fill('sk_not_a_real_key');
    await page().getByRole('button', { name: 'Sign in', exact: true }).click();
    await toContainText(page().getByRole('alert'), /invalid or revoked API key/i);
  });

  step('signs in with the development key', async () => {
    await page().getByRole('button', { name: 'Use development key' }).click();
    await toBeVisible(page().getByRole('heading', { name: 'Conversations' }));
    const nav = page().getByRole('navigation', { name: 'Main' });
    await toBeVisible(nav.getByRole('link', { name: 'Conversations' }));
    await toBeVisible(nav.getByRole('link', { name: 'Insights' }));
    // A fresh embedded data dir: the development tenant has no conversation yet.
    await toBeVisible(page().getByText('No conversations yet'));
  });

  step('starts an autonomous conversation and streams the reply with its analysis', async () => {
    await startConversation('Autonomous', 'Northwind Pay pricing');
    await toContainText(page().getByRole('status', { name: 'Live updates' }), 'Connected');
    await recordReplyLengths();
    await sendProspectMessage(
      'Hi! How much does PostHog cost, and do you offer annual plans with a discount?',
    );

    // The reply streams into its article; the analysis fills in beside the chat.
    const reply = assistantReplies().first();
    await toContainText(reply, /\w{3,}.*\w{3,}/s, 60_000);
    // Streamed: the text was shown in parts before the whole reply (feedback appears once it is complete).
    await toBeVisible(reply.getByRole('button', { name: 'Submit feedback' }), 60_000);
    const finalLength = ((await reply.locator('p.text').textContent()) ?? '').length;
    const lengths = await page().evaluate<number[]>('window.__replyLengths');
    const partial = new Set(lengths.filter((n) => n > 0 && n < finalLength));
    expect(partial.size).toBeGreaterThan(1);
    expect(Math.max(...lengths)).toBe(finalLength);
    const analysis = page().getByRole('region', { name: 'Analysis' });
    for (const label of ['Intent', 'Sentiment', 'Stage', 'Objections']) await toContainText(analysis, label);
    await toContainText(analysis, /pricing/i, 60_000);
    await toContainText(analysis, /discovery|qualification|proposal|negotiation|closing/i);
    await toBeVisible(page().getByRole('region', { name: 'Qualification' }));
    await toBeVisible(page().getByRole('region', { name: 'Next best actions' }));
    await toBeVisible(page().getByRole('region', { name: 'Tool calls' }));
    // The prospect's turn links to its trace in the configured trace viewer.
    const trace = messages().getByRole('link', { name: 'Trace' }).first();
    await toBeVisible(trace, 30_000);
    const href = await trace.getAttribute('href');
    expect(href).toMatch(new RegExp(`^${TRACE_VIEWER_URL.replace(/\./g, '\\.')}/trace/[0-9a-f]{32}$`));
    // The conversation now appears in the list.
    await browser.screenshot('conversation');
  });

  step('opens a cited passage in a dialog that Escape closes', async () => {
    const sources = page().getByRole('region', { name: 'Sources' });
    await toHaveAtLeast(sources.getByRole('button'), 1, 60_000);
    await sources.getByRole('button').first().click();
    const passage = page().getByRole('dialog', { name: 'Passage' });
    await toBeVisible(passage);
    await toContainText(passage, /\w+(\s+\w+){5,}/);
    await toBeVisible(passage.getByRole('button', { name: 'Close' }));
    await browser.screenshot('passage');
    await page().keyboard.press('Escape');
    await toBeHidden(passage);
  });

  step('leaves feedback on a reply', async () => {
    await page().getByRole('button', { name: 'Thumbs up' }).first().click();
    await page().getByRole('group', { name: 'Rating' }).first().getByRole('radio', { name: '4' }).check();
    await page()
      .getByRole('textbox', { name: 'Comment' })
      .first()
      .fill('Clear pricing answer, cites the plan.');
    await page().getByRole('button', { name: 'Submit feedback' }).first().click();
    await toBeVisible(page().getByText('Thanks for the feedback'));
  });

  step('approves a proposed CRM change (deal stage → negotiation)', async () => {
    // A price objection: the offline model proposes moving Northwind Pay's deal from proposal to negotiation.
    await sendProspectMessage(
      'Honestly, the annual plan is too expensive for us. What can you do on the price?',
    );
    const proposals = page().getByRole('region', { name: 'CRM proposals' });
    const proposal = proposals
      .getByRole('article')
      .filter({ hasText: /negotiation/i })
      .first();
    await toBeVisible(proposal, 60_000);
    await toContainText(proposal, /stage/i);
    await toContainText(proposal, /proposal/i);
    await toContainText(proposal, /evidence.*price/is); // quoted from the prospect's message
    await proposal.scrollIntoViewIfNeeded();
    await browser.screenshot('crm-proposal');
    await proposal.getByRole('button', { name: 'Approve' }).click();
    await toContainText(proposal, 'Applied', 30_000);
  });

  step('reconnects the live stream after a cut and keeps receiving replies', async () => {
    const nav = page().getByRole('navigation', { name: 'Main' });
    await nav.getByRole('link', { name: 'Conversations' }).click();
    // The next events request is cut (network error); the console retries and reconnects.
    let cuts = 0;
    const events = '**/v1/conversations/*/events';
    await page().route(events, async (route) => {
      if (cuts === 0) {
        cuts += 1;
        await route.abort('connectionreset');
      } else {
        await route.continue();
      }
    });
    await page()
      .getByRole('list', { name: 'Conversations' })
      .getByRole('link', { name: /Northwind Pay pricing/ })
      .click();
    const status = page().getByRole('status', { name: 'Live updates' });
    await toContainText(status, 'Reconnecting…');
    await toContainText(status, 'Connected', 30_000);
    expect(cuts).toBe(1);
    const before = await assistantReplies().count();
    await sendProspectMessage('Thanks. Can we get a discount if we pay upfront for two years?');
    await toHaveAtLeast(assistantReplies(), before + 1, 60_000);
    await toContainText(assistantReplies().nth(before), /\w{3,}.*\w{3,}/s, 60_000);
    await page().unroute(events);
  });

  step('assist mode: the rep edits the suggested reply and sends it', async () => {
    await page()
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Conversations' })
      .click();
    await toBeVisible(page().getByRole('heading', { name: 'Conversations' }));
    await toBeVisible(
      page()
        .getByRole('list', { name: 'Conversations' })
        .getByRole('link', { name: /Northwind Pay pricing/ }),
    );
    await startConversation('Assist', 'Northwind Pay security review');
    await sendProspectMessage('Are you SOC 2 compliant, and where is our data stored?');

    const suggested = page().getByRole('region', { name: 'Suggested reply' });
    const suggestion = suggested.getByRole('textbox', { name: 'Suggestion' });
    const proposedText = await toHaveValue(suggestion, /\w{3,}/, 60_000);
    const edited = `Hi Maya, thanks for asking. ${proposedText}`.slice(0, 900) + ' (edited by the rep)';
    await suggestion.fill(edited);
    await suggested.getByRole('button', { name: 'Send edited' }).click();
    await toContainText(messages(), '(edited by the rep)', 30_000);
    // In assist mode the AI does not answer the prospect itself.
    expect(await assistantReplies().count()).toBe(0);
  });

  step('shows the insights with data', async () => {
    await page().getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Insights' }).click();
    await toBeVisible(page().getByRole('heading', { name: 'Insights' }));
    const region = (name: string) => page().getByRole('region', { name });
    await toContainText(region('Intents'), /pricing/i, 60_000);
    await toContainText(region('Objections'), /price/i, 60_000);
    await toContainText(region('Funnel'), /proposal|negotiation|discovery/i, 60_000);
    // The rating 4 given above, under the offline model's prompt version.
    await toContainText(region('Satisfaction by prompt version'), /\b4(\.0+)?\b/, 60_000);
    await toBeVisible(region('Open alerts'));
    await browser.screenshot('insights');
  });

  step('fits a phone screen', async () => {
    await page().setViewportSize(PHONE);
    await page()
      .getByRole('navigation', { name: 'Main' })
      .getByRole('link', { name: 'Conversations' })
      .click();
    await page()
      .getByRole('list', { name: 'Conversations' })
      .getByRole('link', { name: /Northwind Pay pricing/ })
      .click();
    await toBeVisible(page().getByRole('heading', { name: 'Northwind Pay pricing' }));
    await toBeVisible(page().getByRole('textbox', { name: 'Message', exact: true }));
    await toHaveAtLeast(assistantReplies(), 1);
    // No sideways scrolling on a 390 px wide screen.
    const width = await page().evaluate<number>('document.documentElement.scrollWidth');
    expect(width).toBeLessThanOrEqual(PHONE.width);
    await browser.screenshot('phone');
  });

  step('signs out', async () => {
    await page().getByRole('button', { name: 'Sign out' }).click();
    await toBeVisible(page().getByRole('textbox', { name: 'API key' }));
  });
});
