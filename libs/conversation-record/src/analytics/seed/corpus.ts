/**
 * Text the analytics seeder builds conversations from. Sources (all in ../shared/data, see each SOURCE.md):
 *
 * - Rep answers and citations: sentences of the PostHog knowledge-base pages in `data/kb/posthog` (MIT,
 *   © PostHog Inc., see `data/kb/posthog/LICENSE`), unmodified except for dropped Markdown links.
 * - Prospect questions: the project's retrieval evaluation set (`data/kb-eval/questions.jsonl`), questions
 *   written for this corpus, and customer turns of the ABCD sample dialogues (MIT, © 2021 ASAPP Research).
 * - Small talk (greeting, thanks, goodbye, off-topic): utterances of the CLINC150 intents `greeting`,
 *   `thank_you`, `goodbye` and out-of-scope examples (CC BY 3.0, © Clinc, Inc. and Larson et al., EMNLP 2019;
 *   capitalised here).
 * - Accounts and contacts: the lwc-recipes sample CRM records (CC0 1.0).
 *
 * Intent names are the ones the analyser emits (the offline rule engine's taxonomy), so seeded data looks like
 * what the running system records.
 */

export const SALES_INTENTS = [
  'pricing_inquiry',
  'feature_question',
  'objection',
  'demo_request',
  'purchase_intent',
  'greeting',
  'integration_question',
  'security_compliance',
  'support_issue',
  'other',
] as const;
export type SalesIntent = (typeof SALES_INTENTS)[number];

/** What a prospect asks, per intent (`objection` is added to any turn that raises an objection). */
export const PROSPECT_QUESTIONS: Readonly<Record<Exclude<SalesIntent, 'objection'>, readonly string[]>> = {
  pricing_inquiry: [
    'Can I get a refund if my bill was unexpectedly high?',
    'Can I set a billing limit so that I do not overspend?',
    'What are the benefits of an annual plan with credit paid up front?',
    'What discounts do you give and why is up-front payment required for credit purchases?',
    'If we commit to a year, can we top up more credit later at the same price?',
    'We are a tiny seed-stage company, is there a cheaper deal for us?',
    'How much would this cost for a team of {seats} engineers?',
    'Our budget is around {budget} a year, what would that get us?',
    'Do you price per seat or per event?',
    'Is there a discount if we pay annually instead of monthly?',
    'How do billing alerts work when usage passes a threshold?',
  ],
  feature_question: [
    'How does spike detection work and who receives the emails?',
    'Can we get a sandbox with fake data to play with?',
    'Does it support session replay and feature flags in the same SDK?',
    'How do I delete persons and their events with the API?',
    'Can the dashboards show funnels broken down by plan?',
    'Is there any hosting region besides America and Europe?',
    'How does the experimentation feature work with our existing flags?',
    'Can we track errors and product analytics in one place?',
  ],
  demo_request: [
    'Could you show me a demo of the product next week?',
    'How long should a trial be, two or four weeks, and what are the must-haves?',
    'Can we get a walkthrough with our engineering team on Thursday?',
    'Do you offer paid professional services to help with setup?',
    'We would like a trial for {seats} users before we decide.',
    'Can you send a recording of the demo for the people who missed it?',
  ],
  purchase_intent: [
    'We are ready to move forward, can you send the order form?',
    'How do I create an order form and what is in the Master Services Agreement?',
    "Let's sign the contract this week if legal agrees.",
    'Can customers buy PostHog through the AWS marketplace with a private offer?',
    'Please send the agreement to our procurement team.',
    'We want to purchase the annual plan starting next month.',
  ],
  greeting: [
    "How's everything",
    'How are things going',
    'Hello, anyone there',
    'Hey there!',
    'Hello there!',
    "How's it going right now",
    'How have you been doing',
    "It's nice to see you",
    'Hiya!',
    "What's up",
  ],
  integration_question: [
    'Can you increase my API rate limits?',
    'Does it integrate with Salesforce and HubSpot?',
    'Can we export events to Snowflake or BigQuery?',
    'Is there a webhook when a billing limit is reached?',
    'Do you have an SDK for our React Native app?',
    'Can we import our historical data from {competitor}?',
  ],
  security_compliance: [
    'Do you sign a BAA for HIPAA with PostHog Cloud?',
    'How do I set PostHog up to be GDPR compliant with EU hosting and user consent?',
    'What does the CCPA protect and how do I delete personal information?',
    'Do you have a SOC 2 report and multi-factor authentication?',
    'Is patient health information safe to send to your analytics?',
    'Which sanctioned countries and companies do you not do business with?',
    'Do you support SSO with SAML for our whole organisation?',
  ],
  support_issue: [
    'Just wanted to check on the status of a refund',
    'How much longer till it is refunded',
    'We got hammered by bots last month and the invoice exploded, will you give the money back?',
    'What are your support response targets?',
    'Our events stopped showing up in the dashboard since yesterday.',
    'I got the wrong invoice, can you help me with that?',
  ],
  other: [
    'Thanks so much!',
    'I appreciate the assistance',
    'You have been a big help, thank you so much',
    'Many thanks',
    'Talk to you later',
    'Glad we got to talk',
    "That's all, bye",
    'What is the current market trend',
    'Any headlines from my area',
    'How many planets have we discovered',
    'Why should product engineers buy PostHog?',
  ],
};

export const OBJECTION_TYPES_SEEDED = [
  'price',
  'timing',
  'competitor',
  'authority',
  'need',
  'trust',
  'other',
] as const;
export type SeededObjectionType = (typeof OBJECTION_TYPES_SEEDED)[number];

/** What a prospect says when raising an objection of each type. */
export const OBJECTION_EVIDENCE: Readonly<Record<SeededObjectionType, readonly string[]>> = {
  price: [
    'Honestly, that is too expensive for us right now.',
    'The quote is way above what we budgeted.',
    'Your pricing seems high compared to what we pay today.',
    'We cannot justify that cost to finance this year.',
  ],
  timing: [
    'This is not a priority for us until next quarter.',
    'We are in the middle of a migration, so not right now.',
    'Can we revisit this after our budget cycle in {month}?',
  ],
  competitor: [
    'We already use {competitor} and it works fine.',
    '{competitor} offered us a better deal last week.',
    'Why would we switch from {competitor}?',
  ],
  authority: [
    'I need to check with our CTO before going any further.',
    'Procurement has to approve anything over {budget}.',
    'Our VP of Engineering makes the final call on tools.',
  ],
  need: [
    'I am not sure we need more than basic analytics.',
    'Our current dashboards already cover most of this.',
    'We only have a few thousand users, is this overkill?',
  ],
  trust: [
    'I am worried about sending user data to a third party.',
    'We had a bad experience with a vendor losing our data.',
    'How do we know the numbers are accurate?',
  ],
  other: ['I have a few concerns about the rollout.', 'I am hesitant, the last tool we bought nobody used.'],
};

export const COMPETITORS = ['Amplitude', 'Mixpanel', 'Heap', 'Pendo', 'FullStory', 'Hotjar', 'LogRocket'];

export const MONTHS = ['January', 'March', 'April', 'June', 'September', 'October'];

/** What a rep writes when not sending the AI's suggestion. */
export const REP_OWN_LINES = [
  'Let me check with our solutions engineer and get back to you today.',
  'Good question, I will send you a short summary by email.',
  'Happy to set up a call with our technical team this week.',
  'I hear you, let me see what flexibility we have on pricing.',
  'That makes sense, I will share a case study from a similar team.',
  'Thanks for the context, I will loop in our security lead.',
];

/** Lines a rep adds when editing a suggestion before sending it. */
export const REP_EDIT_OPENERS = ['Great question!', 'Thanks for asking.', 'Sure thing.', 'Good point.'];

export interface KnowledgeDocument {
  readonly path: string;
  readonly title: string;
  readonly sentences: readonly string[];
}

/** Knowledge-base pages (data/kb/posthog, MIT) with sentences a reply can quote. */
export const KNOWLEDGE_DOCUMENTS: readonly KnowledgeDocument[] = [
  {
    path: 'posthog/annual-plans.md',
    title: 'Annual plans',
    sentences: [
      'We offer annual plans to companies who are looking to commit to using PostHog longer term, as well as save some money whilst doing so.',
      'Our annual plans are credit-based, meaning you get a discount on pre-paid PostHog credit.',
      'You can use this credit on any of our current and future products during the contract term (usually 12 months).',
      'The order form will also specify that you can buy additional credit at the same discount level in the first 6 months.',
    ],
  },
  {
    path: 'posthog/common-questions.md',
    title: 'Common questions about billing',
    sentences: [
      'PostHog is usage-based and you can use it for free for as long as you want, no trial needed.',
      'Often the best way to estimate costs is to signup for free and go from there.',
      "Yes, you can set a billing limit for each of PostHog's products in your organization's billing settings.",
    ],
  },
  {
    path: 'posthog/contract-rules.md',
    title: 'Contract rules',
    sentences: [
      "We don't offer discounts to customers paying monthly, irrespective of commitment.",
      'In our consumption-based pricing model, the easiest way to reduce spend is to ensure that the customer is only sending data to us which is valuable to them.',
    ],
  },
  {
    path: 'posthog/contracts.md',
    title: 'Contracts',
    sentences: [
      'At a minimum, they should sign an Order Form which references our standard terms and privacy notice.',
      'An Order Form is a lightweight document that captures the customer details, products and prices, term, and signatures from both PostHog and the Customer.',
      'We use PandaDoc to handle document generation, routing and signature.',
    ],
  },
  {
    path: 'posthog/limits-alerts.md',
    title: 'Billing limits and alerts',
    sentences: [
      'To help you avoid surprise bills, PostHog enables you to set billing limits for each of our products.',
      'Setting a billing limit means we will stop ingesting and processing your data so you are not charged over the set limit.',
      'When you set billing limits, the owner of the organization will automatically get alert emails when product usage nears the billing limits.',
    ],
  },
  {
    path: 'posthog/refunds.md',
    title: 'Refunds',
    sentences: [
      'We know things happen and sometimes you might need a refund.',
      'We flag accounts with unusual activity spikes for review, and refund or issue credits to cover the overage amount once the issue has been resolved.',
      'The request is made within 30 days of the billing date.',
    ],
  },
  {
    path: 'posthog/startups.md',
    title: 'PostHog for Startups',
    sentences: [
      'PostHog for Startups is our program to support early stage companies.',
      'We offer generous credits together with a bunch of extra goodies.',
    ],
  },
  {
    path: 'posthog/security.md',
    title: 'Security & Privacy',
    sentences: [
      'PostHog Cloud customers own the data they send to us for processing.',
      'This page covers SOC 2, GDPR, and CCPA compliance.',
      'We enforce the use of hardware security keys wherever we can.',
    ],
  },
  {
    path: 'posthog/gdpr-compliance.md',
    title: 'PostHog & GDPR compliance',
    sentences: [
      "If you require robust GDPR compliance, we recommend using PostHog Cloud EU – a managed version of PostHog that's hosted on servers based in Frankfurt.",
      'Personal data is protected under GDPR, which means any information that relates to an individual who can be directly or indirectly identified.',
    ],
  },
  {
    path: 'posthog/hipaa-compliance.md',
    title: 'PostHog & HIPAA compliance',
    sentences: [
      "Important: At present, we don't offer the option to sign a BAA to use PostHog Cloud with HIPAA compliance.",
      'This page covers how to use PostHog Open Source, which is available without guarantee under an MIT license, within HIPAA rules.',
    ],
  },
  {
    path: 'posthog/ccpa-compliance.md',
    title: 'PostHog & CCPA compliance',
    sentences: [
      'Only California residents have rights under the CCPA.',
      'Personal information is protected under CCPA and is considered information that identifies or could be linked with a person.',
    ],
  },
  {
    path: 'posthog/data-deletion.md',
    title: 'Data deletion',
    sentences: [
      'When deleting individual persons, you can also choose to delete all of their events.',
      'Persons and events can be deleted using our API endpoints.',
    ],
  },
  {
    path: 'posthog/spike-detection.md',
    title: 'Spike detection',
    sentences: [
      'Spike detection is a system that monitors customer usage patterns and sends email alerts when unusual usage spikes (both upward and downward) are detected.',
      'To avoid notification fatigue the system consolidates all detected spikes across all products into a single daily email.',
    ],
  },
  {
    path: 'posthog/why-buy-posthog.md',
    title: 'Why buy PostHog',
    sentences: [
      'By integrating PostHog into your app, you’ll be able to track and diagnose errors, roll out and test new features and gain a better understanding of your user behavior.',
      'Getting all of these capabilities through one SDK means you reduce the overhead of maintaining your app and can focus on shipping your product.',
    ],
  },
  {
    path: 'posthog/selling-via-aws.md',
    title: 'Procuring and selling via AWS',
    sentences: [
      'PostHog is now available on AWS Marketplace for SaaS products.',
      'AWS Marketplace lets vendors use their own terms and MSA.',
    ],
  },
  {
    path: 'posthog/customer-faqs.md',
    title: 'How to respond to frequently asked questions',
    sentences: [
      'The vast majority of our customers are happy to host on one or the other, with EU being the preferred domain for GDPR compliance.',
    ],
  },
  {
    path: 'posthog/running-trials.md',
    title: 'Running trials',
    sentences: [
      'A trial creates space for you and the customer to validate technical fit, agree on success criteria, and close the deal.',
      "We default to 2 weeks ($20-$60K ARR) unless there's a compelling reason for 4 weeks.",
    ],
  },
  {
    path: 'posthog/professional-services.md',
    title: 'Professional services',
    sentences: [
      'Some potential customers either expect to pay for professional services to help them get set up.',
    ],
  },
  {
    path: 'posthog/customer-support.md',
    title: 'Customer support',
    sentences: [
      'To build a great company, you must delight your existing customers.',
      'We have a few different routes for users to contact us.',
    ],
  },
];

/** Which knowledge-base pages answer which intent (by path). */
export const DOCUMENTS_BY_INTENT: Readonly<Record<SalesIntent, readonly string[]>> = {
  pricing_inquiry: [
    'posthog/annual-plans.md',
    'posthog/common-questions.md',
    'posthog/contract-rules.md',
    'posthog/limits-alerts.md',
    'posthog/startups.md',
  ],
  feature_question: ['posthog/why-buy-posthog.md', 'posthog/spike-detection.md', 'posthog/data-deletion.md'],
  objection: ['posthog/why-buy-posthog.md', 'posthog/contract-rules.md', 'posthog/security.md'],
  demo_request: ['posthog/running-trials.md', 'posthog/professional-services.md'],
  purchase_intent: ['posthog/contracts.md', 'posthog/annual-plans.md', 'posthog/selling-via-aws.md'],
  greeting: ['posthog/why-buy-posthog.md'],
  integration_question: [
    'posthog/selling-via-aws.md',
    'posthog/customer-faqs.md',
    'posthog/data-deletion.md',
  ],
  security_compliance: [
    'posthog/security.md',
    'posthog/gdpr-compliance.md',
    'posthog/hipaa-compliance.md',
    'posthog/ccpa-compliance.md',
  ],
  support_issue: ['posthog/refunds.md', 'posthog/customer-support.md', 'posthog/limits-alerts.md'],
  other: ['posthog/customer-support.md', 'posthog/why-buy-posthog.md'],
};

/** lwc-recipes sample accounts (CC0) and a few more. */
export const COMPANIES = [
  'Alpha Dynamics',
  'Madison Investments',
  'Burlington Textiles',
  'GenePoint',
  'OpenFloor Furniture',
  'Express Logistics',
  'Jefferson Management',
  'Northern Trail Travel',
  'United Productions',
  'Edge Communications',
  'Northwind Pay',
  'Acme Robotics',
];

/** lwc-recipes sample contacts' names (CC0), mixed with common names. */
export const FIRST_NAMES = [
  'Amy',
  'Michael',
  'Jennifer',
  'Anup',
  'Caroline',
  'Jonathan',
  'Dana',
  'Maya',
  'Lucas',
  'Priya',
  'Tomas',
  'Grace',
];
export const LAST_NAMES = [
  'Taylor',
  'Jones',
  'Wu',
  'Gupta',
  'Kingsley',
  'Bradley',
  'Chen',
  'Okafor',
  'Rossi',
  'Novak',
];
