#!/usr/bin/env node
// Drives the Microsoft 365 Agents Playground's web UI in headless Chromium, as a person would:
// type in a chat, wait for the bot's text or Adaptive Card, fill the card's inputs, press its
// buttons. tests/e2e/conftest.py runs it; people can run it by hand too.
//
//   node e2e/playground.mjs --url http://127.0.0.1:56150/ [--screenshot-on-failure out.png] [steps.json | -]
//       Runs one list of steps (from the file, or stdin), prints a JSON result, exits 1 if a step failed.
//   node e2e/playground.mjs --serve
//       One JSON request per stdin line, one JSON result per stdout line, and each Playground's
//       page stays open between requests. A request is {"url", "steps", "screenshot"} or
//       {"url", "close": true}. Pages must stay open: the Playground keeps no history, so a
//       reloaded page loses the conversation (only messages sent while no page was connected are
//       delivered on the next connection).
//
// Steps ("card": "text" picks the newest card containing that text, else the newest card):
//   {"selectChat": "personal" | "group" | "team", "channel": "General"}   personal is selected on open
//   {"send": "my tasks", "mention": true, "thread": false}   group and team mention the bot by default,
//       as Teams delivers nothing else there; "thread" replies to the newest team post instead of posting
//   {"waitText": "...", "in": "pane" | "reply" | "card" | "lastCard" | "lastMessage", "timeout": 15000}
//       "reply": the bot's messages since the last send or click (a welcome sent when the page
//       opened may arrive after it, though; a card an Action.Execute replaced is not new); "card": any card
//   {"fill": {"id": "information", "value": "..."}}                Input.Text, Input.Number, Input.Date
//   {"choose": {"id": "known", "value": "known"}}                  a choice's value or title; a list for multi-select
//   {"toggle": {"id": "could_lead", "on": true}}
//       an id ending in "*" names the card's first input with that prefix ("known.*")
//   {"click": "Save", "index": 0, "expect": "request" | "none"}    waits for the Playground to hand the
//       Action.Execute/Submit to the bot and fails on an error status; "none" for ShowCard/OpenUrl
//   {"read": "lastCard" | "lastMessage" | "reply" | "pane" | "cards" | "user"}   the visible text, in the result
//   {"screenshot": "path.png"}
//   {"wait": 500}                                                  only to show that nothing arrives
// Every step takes "timeout" (ms, default 10000).

import { readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const DEFAULT_TIMEOUT = 10_000;
// As root, without a GPU and without internet (the UI's font and CDN requests fail harmlessly).
const CHROMIUM_ARGS = [
  '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];

// Runs inside the page before the Playground's own scripts, so every step can call it.
function pageHelpers() {
  const squash = (s) => (s || '').replace(/\s+/g, ' ').trim();
  // The conversation pane: the message box's ancestor just below the row that also holds the
  // chat list (and the log panel), so texts in the chat list's previews and the log never match.
  function pane() {
    const editor = document.querySelector('[data-lexical-editor="true"]');
    const chatList = document.querySelector('[role="region"][aria-label="Chat and Teams Channel"]');
    if (!editor || !chatList) return null;
    let el = editor;
    while (el.parentElement && !el.parentElement.contains(chatList)) el = el.parentElement;
    return el;
  }
  // The React component that rendered `el` as its outermost DOM node, if `test` picks it.
  function owner(el, test) {
    const key = Object.keys(el).find((k) => k.startsWith('__reactFiber$'));
    for (let fiber = key && el[key].return; fiber && !(fiber.stateNode instanceof Element); fiber = fiber.return) {
      if (fiber.memoizedProps && test(fiber.memoizedProps)) return fiber.memoizedProps;
    }
    return null;
  }
  // A channel lists posts newest first, each with its replies oldest first; the Playground's
  // message ids count up, so they give the order.
  function channelMessages() {
    const found = [];
    for (const el of pane().querySelectorAll('*')) {
      const props = owner(el, (p) => p.replyId !== undefined || p.postId !== undefined);
      // A reply's id is the message id; a post's is "<channel id>;messageid=<message id>".
      if (props) found.push({ el, id: Number(/\d+$/.exec(String(props.replyId ?? props.postId))?.[0] ?? 0) });
    }
    return found.sort((a, b) => a.id - b.id);
  }
  function inOrder(elements, view) {
    if (!view.channel) return elements;
    const order = channelMessages().reverse(); // innermost (a reply) before its post
    const idOf = (el) => order.find((m) => m.el.contains(el))?.id ?? 0;
    return elements.map((el, i) => ({ el, i, id: idOf(el) })).sort((a, b) => a.id - b.id || a.i - b.i).map((x) => x.el);
  }
  function cards(view) {
    const all = [...pane().querySelectorAll('.ac-adaptiveCard')];
    // Cards shown inside a card (Action.ShowCard) belong to their outer card.
    const top = all.filter((c) => !c.parentElement.closest('.ac-adaptiveCard'));
    return inOrder(top, view);
  }
  // The bot's messages, oldest first: Fluent "OutputCard"s in a chat; in a channel, the posts
  // and replies whose first avatar is the bot's.
  function messages(view) {
    if (!view.channel) return [...pane().querySelectorAll('.fai-OutputCard')];
    return channelMessages()
      .filter((m) => m.el.querySelector('.fui-Avatar[aria-label]')?.getAttribute('aria-label') === view.bot)
      .map((m) => m.el);
  }
  function pick(what, view, cardText) {
    if (what === 'pane') return pane();
    if (what === 'lastMessage') return messages(view).pop() || null;
    const candidates = cards(view).filter((c) => !cardText || squash(c.innerText).includes(squash(cardText)));
    return candidates.pop() || null;
  }
  // "reply": the bot's messages shown since the last send or click (`since`: how many there were then).
  function textIn(what, view, cardText, since) {
    if (!pane()) return null;
    if (what === 'reply') {
      const replies = messages(view).slice(since);
      return replies.length ? replies.map(textOf).join('\n') : null;
    }
    const el = pick(what, view, cardText);
    return el ? textOf(el) : null;
  }
  function contains(what, text, view, cardText, since) {
    const want = squash(text);
    if (what === 'card') return !!pane() && cards(view).some((c) => squash(c.innerText).includes(want));
    return squash(textIn(what, view, cardText, since)).includes(want);
  }
  // Marks the card to act on, and each of its elements with the id and type the card's JSON gave
  // it. The Playground renders cards with React and random DOM ids ("__ac-<uuid>"), so the
  // card's own ids ("information") appear only on the React fiber's `cardObject` prop.
  function target(view, cardText) {
    document.querySelectorAll('[data-e2e-target]').forEach((el) => el.removeAttribute('data-e2e-target'));
    const card = pick('lastCard', view, cardText);
    if (!card) return null;
    card.setAttribute('data-e2e-target', '1');
    for (const el of card.querySelectorAll('*')) {
      if (el.getAttribute('aria-hidden') === 'true') continue; // the spacing before each element
      const obj = owner(el, (p) => typeof p.cardObject?.getJsonTypeName === 'function')?.cardObject;
      if (!obj) continue;
      el.setAttribute('data-ac-type', obj.getJsonTypeName());
      if (obj.id) el.setAttribute('data-ac-id', obj.id);
      if (Array.isArray(obj.choices)) {
        el.setAttribute('data-ac-choices', JSON.stringify(obj.choices.map((c) => ({ title: c.title, value: c.value }))));
      }
    }
    return [...new Set([...card.querySelectorAll('[data-ac-type^="Input."][data-ac-id]')].map((e) => e.getAttribute('data-ac-id')))];
  }
  function conversationShown() {
    const editor = document.querySelector('[data-lexical-editor="true"]');
    const key = editor && Object.keys(editor).find((k) => k.startsWith('__reactFiber$'));
    for (let fiber = key && editor[key]; fiber; fiber = fiber.return) {
      if (typeof fiber.memoizedProps?.conversationId === 'string') return fiber.memoizedProps.conversationId;
    }
    return null;
  }
  // innerText without the blank lines and indentation the card layout adds.
  const textOf = (el) => el.innerText.split('\n').map((l) => l.trim()).filter(Boolean).join('\n');
  function logLines(n) {
    // The Playground's log panel: every activity it exchanged with the bot, with status codes.
    const log = document.querySelector('[contenteditable="true"]:not([data-lexical-editor])');
    return log ? log.innerText.split('\n').filter(Boolean).slice(-n) : [];
  }
  window.__e2e = { squash, pane, cards, messages, pick, textIn, contains, target, textOf, conversationShown, logLines };
}

class StepError extends Error {}

// A CSS attribute value, quoted.
const quote = (s) => `"${String(s).replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

class Session {
  constructor(browser, url) {
    this.browser = browser;
    this.url = url;
    this.chat = 'personal';
    this.since = 0;
  }

  async open() {
    this.page = await this.browser.newPage({ viewport: { width: 1400, height: 1000 } });
    await this.page.addInitScript(pageHelpers);
    await this.page.goto(this.url);
    const config = await (await fetch(new URL('/_internal/v1/config', this.url))).json();
    this.config = config.config;
    // Opening the page installs the bot in the personal chat. Once the bot has answered both
    // activities it holds the conversation reference, so another person's steps can message
    // this one.
    await this.page.waitForFunction(
      () => ['installationUpdate', 'conversationUpdate'].every((a) => window.__e2e.logLines(1000).some((l) => l.includes(`${a} `))),
      null,
      { timeout: DEFAULT_TIMEOUT, polling: 100 },
    ).catch(() => {
      throw new StepError('the bot did not answer the installationUpdate and conversationUpdate sent when the page opened');
    });
    await this.selectChat({ selectChat: 'personal' });
  }

  // What the page helpers need to know about the chat showing.
  get view() {
    return { channel: this.chat === 'team', bot: this.config.bot.name };
  }

  async selectChat(step) {
    const c = this.config;
    const team = c.teams[0];
    const channel = team.channels.find((ch) => ch.name === (step.channel || 'General'));
    const chats = {
      personal: [c.personalChat.name, c.personalChat.id],
      group: [c.groupChats[0].name, c.groupChats[0].id],
      team: [`${team.name} - ${channel?.name}`, channel?.id],
    };
    const [label, id] = chats[step.selectChat] || [];
    if (!label) throw new StepError(`unknown chat ${JSON.stringify(step.selectChat)}; use personal, group or team`);
    if (!id) throw new StepError(`the team has no channel ${JSON.stringify(step.channel)}; it has ${team.channels.map((ch) => ch.name).join(', ')}`);
    await this.page.locator(`[role="treeitem"][aria-label=${quote(label)}]`).click();
    // The chat list marks the selection only with a generated class; the conversation id the
    // message box belongs to says for sure which chat is showing.
    await this.page.waitForFunction((want) => window.__e2e.conversationShown() === want, id, { polling: 100 });
    this.chat = step.selectChat;
    this.since = await this.messageCount();
  }

  messageCount() {
    return this.page.evaluate((view) => window.__e2e.messages(view).length, this.view);
  }

  async send(step) {
    const page = this.page;
    const editors = page.locator('[data-lexical-editor="true"]');
    await (step.thread ? editors.nth(1) : editors.first()).click();
    if (step.mention ?? this.chat !== 'personal') {
      const name = this.config.bot.name;
      await page.keyboard.type(`@${name.slice(0, 4)}`);
      await page.locator('#typeahead-menu [role="menuitem"]', { hasText: name }).first().click();
      await page.keyboard.type(' ');
    }
    const lines = String(step.send).split('\n');
    for (const [i, line] of lines.entries()) {
      if (i > 0) await page.keyboard.press('Shift+Enter');
      await page.keyboard.insertText(line);
    }
    this.since = await this.messageCount();
    const posted = await this.post(step, () => page.keyboard.press('Enter'));
    if (!posted) throw new StepError('the message was not sent');
    return { status: posted.status };
  }

  // Does `act` and returns the Playground server's answer to the POST it makes. For a message
  // the server answers at once (a bot failure shows only in its log panel); for an
  // Action.Execute it relays the bot's invoke response, so a bot error is a 502 "UserBotError".
  async post(step, act) {
    const timeout = step.timeout ?? DEFAULT_TIMEOUT;
    const requested = this.page
      .waitForRequest((r) => r.method() === 'POST' && new URL(r.url()).pathname.startsWith('/_conversation/'), { timeout })
      .catch(() => null); // caught at once: if `act` throws, nobody awaits it
    await act();
    const request = await requested;
    if (!request) return null;
    const late = new Promise((resolve) => setTimeout(resolve, timeout).unref());
    const response = await Promise.race([request.response(), late]);
    if (response === undefined) throw new StepError(`the bot did not answer within ${timeout} ms`);
    if (response === null) throw new StepError(`the Playground's request failed: ${request.failure()?.errorText}`);
    const body = await response.text().catch(() => '');
    if (response.status() >= 400) throw new StepError(`the Playground answered ${response.status()}: ${body.slice(0, 500)}`);
    let parsed = body;
    try { parsed = JSON.parse(body); } catch { /* not JSON */ }
    return { status: response.status(), response: parsed };
  }

  async waitText(step) {
    const where = step.in || 'pane';
    try {
      await this.page.waitForFunction(
        ([w, text, view, card, since]) => window.__e2e.contains(w, text, view, card, since),
        [where, step.waitText, this.view, step.card, this.since],
        { timeout: step.timeout ?? DEFAULT_TIMEOUT, polling: 100 },
      );
    } catch {
      const shown = await this.read({ read: where === 'card' ? 'lastCard' : where, card: step.card })
        .then((r) => `it shows: ${r.text}`, (e) => e.message);
      throw new StepError(`no ${JSON.stringify(step.waitText)} in ${where} after ${step.timeout ?? DEFAULT_TIMEOUT} ms; ${shown}`);
    }
  }

  async read(step) {
    const what = step.read || 'lastCard';
    if (what === 'user') {
      // The signed-in person the Playground shows at the top right.
      const name = await this.page.locator('[role="toolbar"] [role="img"][aria-label]').first().getAttribute('aria-label');
      return { text: name };
    }
    if (what === 'cards') {
      return { texts: await this.page.evaluate((view) => window.__e2e.cards(view).map(window.__e2e.textOf), this.view) };
    }
    const text = await this.page.evaluate(
      ([w, view, card, since]) => window.__e2e.textIn(w, view, card, since),
      [what, this.view, step.card, this.since],
    );
    if (text === null) throw new StepError(`there is no ${what}${step.card ? ` containing ${JSON.stringify(step.card)}` : ''}`);
    return { text };
  }

  // Marks the card to act on (see target() above); returns the ids of its inputs.
  async targetCard(cardText) {
    const ids = await this.page.evaluate(([view, card]) => window.__e2e.target(view, card), [this.view, cardText]);
    if (!ids) throw new StepError(`there is no card${cardText ? ` containing ${JSON.stringify(cardText)}` : ''}`);
    return ids;
  }

  async input(step, spec) {
    const ids = await this.targetCard(spec.card ?? step.card);
    // "known.*" names the first input whose id starts "known.": per-case inputs carry an
    // opaque case id the test does not know.
    const id = spec.id.endsWith('*') ? ids.find((i) => i.startsWith(spec.id.slice(0, -1))) : spec.id;
    if (!id || !ids.includes(id)) throw new StepError(`the card has no input ${JSON.stringify(spec.id)}; its inputs: ${ids.join(', ')}`);
    return this.page.locator(`[data-e2e-target] [data-ac-id=${quote(id)}]`);
  }

  async fill(step) {
    const input = await this.input(step, step.fill);
    await input.locator('textarea, input:not([type="radio"]):not([type="checkbox"])').first().fill(String(step.fill.value));
  }

  async toggle(step) {
    const input = await this.input(step, step.toggle);
    await input.locator('input[type="checkbox"]').first().setChecked(step.toggle.on !== false);
  }

  async choose(step) {
    const spec = step.choose;
    const input = await this.input(step, spec);
    const choices = JSON.parse((await input.first().getAttribute('data-ac-choices')) || '[]');
    const wanted = (Array.isArray(spec.value) ? spec.value : [spec.value]).map((v) => {
      const choice = choices.find((c) => c.value === String(v)) || choices.find((c) => c.title === String(v));
      if (!choice) throw new StepError(`${spec.id} has no choice ${JSON.stringify(v)}; it has ${choices.map((c) => `${c.title} (${c.value})`).join(', ')}`);
      return choice;
    });
    const combobox = input.locator('[role="combobox"]');
    if (await combobox.count()) {
      // style "compact": a Fluent combobox whose options open in a pop-up outside the card.
      for (const choice of wanted) {
        await combobox.first().click();
        await this.page.getByRole('option', { name: choice.title, exact: true }).click();
      }
      return;
    }
    const radios = input.locator('input[type="radio"]');
    if (await radios.count()) {
      await input.locator(`input[type="radio"][value=${quote(wanted[0].value)}]`).first().check();
      return;
    }
    // style "expanded" with isMultiSelect: one checkbox per choice, named by its title.
    for (const choice of choices) {
      const box = input.locator(`input[type="checkbox"][aria-label=${quote(choice.title)}]`);
      await box.first().setChecked(wanted.includes(choice));
    }
  }

  async click(step) {
    await this.targetCard(step.card);
    const buttons = this.page.locator(`[data-e2e-target] button[title=${quote(step.click)}]`);
    const count = await buttons.count();
    const index = step.index ?? 0;
    if (index >= count) {
      const titles = await this.page.locator('[data-e2e-target] button[title]').evaluateAll((bs) => bs.map((b) => b.title));
      throw new StepError(`the card has ${count} button(s) titled ${JSON.stringify(step.click)}; its buttons: ${titles.join(', ')}`);
    }
    if (step.expect === 'none') {
      await buttons.nth(index).click();
      return undefined;
    }
    this.since = await this.messageCount();
    const posted = await this.post(step, () => buttons.nth(index).click());
    if (!posted) {
      // Usually an input failed validation, and the card says which.
      const shown = await this.read({ read: 'lastCard', card: step.card }).catch(() => ({ text: '' }));
      throw new StepError(`pressing ${JSON.stringify(step.click)} sent nothing to the bot; the card shows: ${shown.text}`);
    }
    return posted;
  }

  async run(step) {
    const kinds = ['selectChat', 'send', 'waitText', 'fill', 'choose', 'toggle', 'click', 'read', 'screenshot', 'wait'];
    const kind = kinds.find((k) => k in step);
    if (!kind) throw new StepError(`unknown step; a step has one of: ${kinds.join(', ')}`);
    if (kind === 'screenshot') return void (await this.page.screenshot({ path: step.screenshot }));
    if (kind === 'wait') return void (await this.page.waitForTimeout(step.wait));
    return await this[kind](step);
  }

  async runAll(steps, screenshotOnFailure) {
    const results = [];
    for (const step of steps) {
      const started = Date.now();
      this.page.setDefaultTimeout(step.timeout ?? DEFAULT_TIMEOUT);
      try {
        const extra = await this.run(step);
        results.push({ step, ok: true, ms: Date.now() - started, ...(extra || {}) });
      } catch (e) {
        // Playwright's own messages end with a call log that adds nothing here.
        const error = e instanceof StepError ? e.message : String(e.message || e).split('\nCall log:')[0];
        results.push({ step, ok: false, ms: Date.now() - started, error });
        const failure = { ok: false, steps: results, screenshot: null, log: [] };
        if (screenshotOnFailure) {
          await this.page.screenshot({ path: screenshotOnFailure }).then(() => (failure.screenshot = screenshotOnFailure), () => {});
        }
        failure.log = await this.page.evaluate(() => window.__e2e.logLines(30)).catch(() => []);
        return failure;
      }
    }
    return { ok: true, steps: results };
  }
}

function parseArgs(argv) {
  const args = { url: process.env.PLAYGROUND_URL || 'http://127.0.0.1:56150/', serve: false, file: null, screenshot: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--url') args.url = argv[++i];
    else if (a === '--screenshot-on-failure') args.screenshot = argv[++i];
    else if (a === '--serve') args.serve = true;
    else args.file = a;
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const browser = await chromium.launch({ executablePath: process.env.CHROMIUM || '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const sessions = new Map();
  const session = async (url) => {
    if (!sessions.has(url)) {
      const s = new Session(browser, url);
      sessions.set(url, s);
      await s.open();
    }
    return sessions.get(url);
  };
  const handle = async (request) => {
    try {
      if (request.close) {
        await sessions.get(request.url)?.page.close();
        sessions.delete(request.url);
        return { ok: true, steps: [] };
      }
      return await (await session(request.url)).runAll(request.steps || [], request.screenshot);
    } catch (e) {
      await sessions.get(request.url)?.page?.close().catch(() => {});
      sessions.delete(request.url);
      const why = String(e.message || e).split('\nCall log:')[0];
      return { ok: false, steps: [], error: `could not open the Playground at ${request.url}: ${why}` };
    }
  };
  try {
    if (args.serve) {
      for await (const line of createInterface({ input: process.stdin })) {
        if (!line.trim()) continue;
        let result;
        try {
          result = await handle(JSON.parse(line));
        } catch (e) {
          result = { ok: false, steps: [], error: `bad request: ${e.message}` };
        }
        process.stdout.write(JSON.stringify(result) + '\n');
      }
      return 0;
    }
    const source = !args.file || args.file === '-' ? 0 : args.file; // 0: stdin
    const steps = JSON.parse(readFileSync(source, 'utf8'));
    const result = await handle({ url: args.url, steps, screenshot: args.screenshot });
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
    return result.ok ? 0 : 1;
  } finally {
    await browser.close();
  }
}

process.exitCode = await main();
