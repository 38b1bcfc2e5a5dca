// Builds sales-conversations.jsonl (see NOTICE.md): `node data/replay/build-dataset.mjs`.
// Prospect questions are written about the PostHog handbook pages in data/kb (the "answers in" comment names
// the page); the conversation shapes (greeting, question, follow-ups, a rep line in assist mode) follow the
// ABCD dialogues; the two off-topic messages are CLINC150 out-of-scope test utterances, verbatim.
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const p = (text, expected) => ({ role: 'prospect', text, ...(expected ? { expected } : {}) });
const rep = (text) => ({ role: 'rep', text });

const conversations = [
  {
    id: 'pricing-refund-bot-spike',
    conversation: { mode: 'autonomous', prospect: { email: 'maya.chen@northwindpay.com' } },
    turns: [
      p('Hi there!', { intents: ['greeting'] }),
      // answers in posthog/refunds.md
      p('We got hit by a bot attack last month and our bill was unexpectedly high. Can we get a refund?'),
      p('Who decides whether the refund is approved, and how long does it take?'),
    ],
  },
  {
    id: 'hipaa-baa',
    conversation: { mode: 'autonomous', prospect: { email: 'jordan.alvarez@helixhealth.io' } },
    turns: [
      // posthog/hipaa-compliance.md
      p('Do you sign a BAA for HIPAA if we use PostHog Cloud?', { intents: ['security_compliance'] }),
      p('Is patient health information safe to send to your analytics platform?'),
    ],
  },
  {
    id: 'gdpr-eu-hosting',
    conversation: { mode: 'assist', prospect: { email: 'lena.fischer@cobaltfreight.com' } },
    turns: [
      rep('Hi Lena, thanks for joining the call today.'),
      // posthog/gdpr-compliance.md, posthog/customer-faqs.md
      p('How do we set PostHog up to be GDPR compliant with EU hosting and user consent?', {
        intents: ['security_compliance'],
      }),
      p('Is there any hosting region besides America and Europe?'),
    ],
  },
  {
    id: 'billing-limits',
    conversation: { mode: 'autonomous', prospect: { email: 'sam@brightloop.app' } },
    turns: [
      // posthog/common-questions.md, posthog/limits-alerts.md
      p('Can I set a billing limit so that we do not overspend?'),
      p('And how do billing alerts work when our usage passes a threshold?'),
    ],
  },
  {
    id: 'annual-plan-credits',
    conversation: { mode: 'autonomous', prospect: { email: 'daniel.okafor@northwindpay.com' } },
    turns: [
      // posthog/annual-plans.md, posthog/contract-rules.md
      p('What are the benefits of an annual plan with credit paid up front?', {
        intents: ['pricing_inquiry'],
      }),
      p('If we commit to a year, can we top up more credit later at the same price?'),
      p('What discounts do you give for paying up front?'),
    ],
  },
  {
    id: 'startup-program',
    conversation: { mode: 'autonomous', prospect: { name: 'Alex Kim', company: 'Tinyseed Labs' } },
    turns: [
      p('Hello!', { intents: ['greeting'] }),
      // posthog/startups.md, posthog/common-questions.md
      p('We are a tiny seed-stage company, is there a cheaper deal or startup program for us?'),
      p('What happens when the startup plan credits roll off?'),
    ],
  },
  {
    id: 'security-soc2',
    conversation: { mode: 'assist', prospect: { email: 'chris.morgan@lumenretail.com' } },
    turns: [
      rep('Chris, our security team can join the next call if useful.'),
      // posthog/security.md
      p('Do you have a SOC 2 report, and do you support multi-factor authentication?', {
        intents: ['security_compliance'],
      }),
      p('How do we delete persons and their events with the API if a customer asks us to?'),
    ],
  },
  {
    id: 'trial-length',
    conversation: { mode: 'autonomous', prospect: { email: 'emily.novak@helixhealth.io' } },
    turns: [
      // posthog/running-trials.md, posthog/trials.md
      p('How long would a trial be for us, two or four weeks?', { intents: ['demo_request'] }),
      p('What are the must-haves for a successful trial?'),
    ],
  },
  {
    id: 'aws-marketplace',
    conversation: { mode: 'autonomous', prospect: { email: 'marco.rossi@cobaltfreight.com' } },
    turns: [
      // posthog/selling-via-aws.md, posthog/contracts.md
      p('Can we buy PostHog through the AWS marketplace with a private offer?'),
      p('How do we get an order form, and what is in the Master Services Agreement?'),
    ],
  },
  {
    id: 'support-and-services',
    conversation: { mode: 'autonomous', prospect: { email: 'priya.raman@northwindpay.com' } },
    turns: [
      // posthog/customer-support.md, posthog/professional-services.md, posthog/customer-faqs.md
      p('What are your support response targets?'),
      p('Do you offer paid professional services to help with the setup?'),
      p('Can you increase our API rate limits?'),
    ],
  },
  {
    id: 'why-posthog-off-topic',
    conversation: { mode: 'autonomous', prospect: { name: 'Robin Park' } },
    turns: [
      // posthog/why-buy-posthog.md
      p('Why should our product engineers buy PostHog?'),
      // CLINC150 oos_test, verbatim
      p('how do i get red wine out of a couch cushion'),
    ],
  },
  {
    id: 'spike-detection-off-topic',
    conversation: { mode: 'assist', prospect: { email: 'maya.chen@northwindpay.com' } },
    turns: [
      rep('Maya, following up on the invoice question from last week.'),
      // posthog/spike-detection.md, posthog/credits.md
      p('How does spike detection work and who receives the emails?'),
      p('Could you give us one-time credits after an incident like that?'),
      // CLINC150 oos_test, verbatim
      p('how much has the dow changed today'),
    ],
  },
];

const here = dirname(fileURLToPath(import.meta.url));
const lines = conversations.map((c) => JSON.stringify({ ...c, source: 'data/replay/build-dataset.mjs' }));
writeFileSync(join(here, 'sales-conversations.jsonl'), `${lines.join('\n')}\n`);
console.log(`wrote ${conversations.length} conversations`);
