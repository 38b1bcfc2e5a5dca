import { deriveId, type DealStage } from '@lib/contracts';
import { schemaOf } from '@lib/database';
import type { EntityManager } from 'typeorm';
import type { CrmActivityType } from './crm.entities';

/**
 * Demo CRM data: six B2B SaaS buyers evaluating a product-analytics platform (the knowledge base is
 * PostHog's handbook), with contacts, deals in several stages and recent activities. Dates are relative to
 * the seeding time so the pipeline always looks current.
 */
interface DemoAccount {
  key: string;
  name: string;
  domain: string;
  industry: string;
  employeeCount: number;
  country: string;
  description: string;
  contacts: {
    key: string;
    firstName: string;
    lastName: string;
    email: string;
    title: string;
    phone?: string;
  }[];
  deals: {
    key: string;
    name: string;
    stage: DealStage;
    amount: number;
    currency: string;
    closeInDays: number;
    contact?: string;
  }[];
  activities: {
    type: CrmActivityType;
    subject: string;
    notes?: string;
    daysAgo: number;
    contact?: string;
    deal?: string;
  }[];
}

const DEMO_ACCOUNTS: DemoAccount[] = [
  {
    key: 'northwind-pay',
    name: 'Northwind Pay',
    domain: 'northwindpay.com',
    industry: 'Fintech (payments)',
    employeeCount: 420,
    country: 'GB',
    description:
      'Payments platform for online marketplaces. Evaluating product analytics and session replay to replace ' +
      'an in-house event pipeline; needs EU data residency and a signed DPA.',
    contacts: [
      {
        key: 'maya',
        firstName: 'Maya',
        lastName: 'Chen',
        email: 'maya.chen@northwindpay.com',
        title: 'Head of Product',
        phone: '+44 20 7946 0101',
      },
      {
        key: 'daniel',
        firstName: 'Daniel',
        lastName: 'Okafor',
        email: 'daniel.okafor@northwindpay.com',
        title: 'VP Engineering',
      },
      {
        key: 'priya',
        firstName: 'Priya',
        lastName: 'Raman',
        email: 'priya.raman@northwindpay.com',
        title: 'Procurement Manager',
      },
    ],
    deals: [
      {
        key: 'analytics',
        name: 'Northwind Pay - Product analytics annual plan',
        stage: 'proposal',
        amount: 48000,
        currency: 'USD',
        closeInDays: 30,
        contact: 'maya',
      },
      {
        key: 'replay',
        name: 'Northwind Pay - Session replay add-on',
        stage: 'discovery',
        amount: 12000,
        currency: 'USD',
        closeInDays: 75,
        contact: 'daniel',
      },
    ],
    activities: [
      {
        type: 'meeting',
        subject: 'Discovery call: funnel analysis for merchant onboarding',
        daysAgo: 21,
        contact: 'maya',
        deal: 'analytics',
        notes: 'Drop-off between KYC and first payout is their key metric.',
      },
      {
        type: 'email',
        subject: 'Sent EU hosting and GDPR DPA documentation',
        daysAgo: 14,
        contact: 'daniel',
        deal: 'analytics',
      },
      {
        type: 'call',
        subject: 'Security review: SSO and SOC 2 report request',
        daysAgo: 9,
        contact: 'daniel',
        deal: 'analytics',
      },
      {
        type: 'meeting',
        subject: 'Pricing walkthrough: prepaid credits vs monthly billing',
        daysAgo: 4,
        contact: 'maya',
        deal: 'analytics',
        notes: 'Interested in an annual prepaid plan if the discount is meaningful.',
      },
      {
        type: 'email',
        subject: 'Procurement asked for multi-year discount options',
        daysAgo: 2,
        contact: 'priya',
        deal: 'analytics',
      },
      {
        type: 'note',
        subject: 'Champion: Maya. Blocker: security questionnaire still open',
        daysAgo: 1,
        deal: 'analytics',
      },
    ],
  },
  {
    key: 'helix-health',
    name: 'Helix Health',
    domain: 'helixhealth.io',
    industry: 'Healthtech',
    employeeCount: 260,
    country: 'US',
    description:
      'Patient engagement app. Needs HIPAA compliance and a signed BAA before sending any product data.',
    contacts: [
      {
        key: 'jordan',
        firstName: 'Jordan',
        lastName: 'Alvarez',
        email: 'jordan.alvarez@helixhealth.io',
        title: 'CTO',
      },
      {
        key: 'emily',
        firstName: 'Emily',
        lastName: 'Novak',
        email: 'emily.novak@helixhealth.io',
        title: 'Compliance Officer',
      },
    ],
    deals: [
      {
        key: 'hipaa',
        name: 'Helix Health - HIPAA-ready analytics',
        stage: 'qualification',
        amount: 36000,
        currency: 'USD',
        closeInDays: 60,
        contact: 'jordan',
      },
    ],
    activities: [
      {
        type: 'call',
        subject: 'Intro call: HIPAA and BAA requirements',
        daysAgo: 12,
        contact: 'jordan',
        deal: 'hipaa',
      },
      {
        type: 'email',
        subject: 'Shared the HIPAA compliance guide',
        daysAgo: 10,
        contact: 'emily',
        deal: 'hipaa',
      },
      {
        type: 'meeting',
        subject: 'Technical deep dive: what data leaves the app',
        daysAgo: 3,
        contact: 'jordan',
        deal: 'hipaa',
      },
    ],
  },
  {
    key: 'brightloop',
    name: 'Brightloop Learning',
    domain: 'brightloop.app',
    industry: 'Edtech',
    employeeCount: 38,
    country: 'CA',
    description: 'Seed-stage learning platform, 14 months old, raised $3M. Applied to the startup program.',
    contacts: [
      {
        key: 'sam',
        firstName: 'Sam',
        lastName: 'Patel',
        email: 'sam@brightloop.app',
        title: 'Co-founder & CEO',
      },
    ],
    deals: [
      {
        key: 'startup',
        name: 'Brightloop - Startup plan',
        stage: 'prospecting',
        amount: 6000,
        currency: 'USD',
        closeInDays: 45,
        contact: 'sam',
      },
    ],
    activities: [
      {
        type: 'email',
        subject: 'Questions about startup program eligibility and credits',
        daysAgo: 6,
        contact: 'sam',
        deal: 'startup',
      },
      {
        type: 'note',
        subject: 'Founded 14 months ago, $3M seed: eligible for startup credits',
        daysAgo: 5,
        deal: 'startup',
      },
    ],
  },
  {
    key: 'cobalt-freight',
    name: 'Cobalt Freight',
    domain: 'cobaltfreight.com',
    industry: 'Logistics SaaS',
    employeeCount: 1200,
    country: 'DE',
    description:
      'Fleet-management SaaS consolidating three analytics tools into one. Wants to procure through AWS Marketplace.',
    contacts: [
      {
        key: 'lena',
        firstName: 'Lena',
        lastName: 'Fischer',
        email: 'lena.fischer@cobaltfreight.com',
        title: 'Director of Data',
      },
      {
        key: 'marco',
        firstName: 'Marco',
        lastName: 'Rossi',
        email: 'marco.rossi@cobaltfreight.com',
        title: 'Head of Procurement',
      },
    ],
    deals: [
      {
        key: 'platform',
        name: 'Cobalt Freight - Platform consolidation (2-year)',
        stage: 'negotiation',
        amount: 125000,
        currency: 'EUR',
        closeInDays: 20,
        contact: 'marco',
      },
      {
        key: 'pilot',
        name: 'Cobalt Freight - Pilot',
        stage: 'closed_won',
        amount: 15000,
        currency: 'EUR',
        closeInDays: -90,
        contact: 'lena',
      },
    ],
    activities: [
      {
        type: 'meeting',
        subject: 'Negotiation: multi-year prepaid discount',
        daysAgo: 5,
        contact: 'marco',
        deal: 'platform',
      },
      {
        type: 'email',
        subject: 'Request to procure via AWS Marketplace',
        daysAgo: 3,
        contact: 'marco',
        deal: 'platform',
      },
      {
        type: 'call',
        subject: 'Legal review of MSA redlines',
        daysAgo: 1,
        contact: 'lena',
        deal: 'platform',
      },
    ],
  },
  {
    key: 'lumen-retail',
    name: 'Lumen Retail',
    domain: 'lumenretail.com',
    industry: 'E-commerce',
    employeeCount: 640,
    country: 'US',
    description: 'Existing customer on a monthly plan; exploring feature flags and experiments for checkout.',
    contacts: [
      {
        key: 'chris',
        firstName: 'Chris',
        lastName: 'Morgan',
        email: 'chris.morgan@lumenretail.com',
        title: 'Growth Lead',
      },
    ],
    deals: [
      {
        key: 'experiments',
        name: 'Lumen Retail - Experiments expansion',
        stage: 'discovery',
        amount: 24000,
        currency: 'USD',
        closeInDays: 40,
        contact: 'chris',
      },
      {
        key: 'analytics',
        name: 'Lumen Retail - Product analytics',
        stage: 'closed_won',
        amount: 30000,
        currency: 'USD',
        closeInDays: -200,
        contact: 'chris',
      },
    ],
    activities: [
      { type: 'meeting', subject: 'QBR: usage review after a billing spike', daysAgo: 15, contact: 'chris' },
      { type: 'email', subject: 'Helped set up billing limits and alerts', daysAgo: 8, contact: 'chris' },
    ],
  },
  {
    key: 'kestrel-security',
    name: 'Kestrel Security',
    domain: 'kestrelsec.com',
    industry: 'Cybersecurity',
    employeeCount: 310,
    country: 'NL',
    description:
      'Security vendor. Lost last year over data residency; re-engaging now that EU cloud hosting exists.',
    contacts: [
      {
        key: 'ana',
        firstName: 'Ana',
        lastName: 'Lima',
        email: 'ana.lima@kestrelsec.com',
        title: 'Product Manager',
      },
    ],
    deals: [
      {
        key: 'lost',
        name: 'Kestrel Security - Analytics (last year)',
        stage: 'closed_lost',
        amount: 40000,
        currency: 'EUR',
        closeInDays: -300,
        contact: 'ana',
      },
      {
        key: 'reengage',
        name: 'Kestrel Security - Re-engagement',
        stage: 'prospecting',
        amount: 35000,
        currency: 'EUR',
        closeInDays: 90,
        contact: 'ana',
      },
    ],
    activities: [
      {
        type: 'note',
        subject: 'Lost to a self-hosted competitor: EU data residency',
        daysAgo: 300,
        deal: 'lost',
      },
      {
        type: 'email',
        subject: 'Re-engagement: EU cloud hosting is now available',
        daysAgo: 7,
        contact: 'ana',
        deal: 'reengage',
      },
    ],
  },
];

export interface DemoCrmSeedResult {
  readonly accounts: number;
  readonly contacts: number;
  readonly deals: number;
  readonly activities: number;
}

export interface DemoCrmSeedOptions {
  /** Reference time for relative dates (default: now). */
  readonly now?: Date;
}

const DAY_MS = 86_400_000;

/**
 * Seeds the demo CRM for one tenant. Idempotent: ids are derived from the tenant and a stable key, rows
 * that exist are left alone (ON CONFLICT DO NOTHING). Returns how many rows were inserted by this call.
 */
export async function seedDemoCrm(
  manager: EntityManager,
  tenantId: string,
  options: DemoCrmSeedOptions = {},
): Promise<DemoCrmSeedResult> {
  const schema = schemaOf(manager.connection);
  const now = options.now ?? new Date();
  const id = (...parts: string[]): string => deriveId('crm-demo', tenantId, ...parts);
  const counts = { accounts: 0, contacts: 0, deals: 0, activities: 0 };
  const insert = async (table: keyof typeof counts, sql: string, params: unknown[]): Promise<void> => {
    const rows: unknown[] = await manager.query(
      `INSERT INTO "${schema}"."crm_${table}" ${sql} ON CONFLICT DO NOTHING RETURNING "id"`,
      params,
    );
    counts[table] += rows.length;
  };

  for (const account of DEMO_ACCOUNTS) {
    const accountId = id('account', account.key);
    await insert(
      'accounts',
      `("id", "tenant_id", "name", "domain", "industry", "employee_count", "country", "description")
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
      [
        accountId,
        tenantId,
        account.name,
        account.domain,
        account.industry,
        account.employeeCount,
        account.country,
        account.description,
      ],
    );
    const contactId = (key: string | undefined): string | null =>
      key ? id('contact', account.key, key) : null;
    for (const c of account.contacts) {
      await insert(
        'contacts',
        `("id", "tenant_id", "account_id", "first_name", "last_name", "email", "title", "phone")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [contactId(c.key), tenantId, accountId, c.firstName, c.lastName, c.email, c.title, c.phone ?? null],
      );
    }
    const dealId = (key: string | undefined): string | null => (key ? id('deal', account.key, key) : null);
    for (const d of account.deals) {
      const closeDate = new Date(now.getTime() + d.closeInDays * DAY_MS).toISOString().slice(0, 10);
      await insert(
        'deals',
        `("id", "tenant_id", "account_id", "contact_id", "name", "stage", "amount", "currency", "close_date")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          dealId(d.key),
          tenantId,
          accountId,
          contactId(d.contact),
          d.name,
          d.stage,
          d.amount.toFixed(2),
          d.currency,
          closeDate,
        ],
      );
    }
    for (const [index, a] of account.activities.entries()) {
      // An hour apart within a day, so ordering by time is unambiguous.
      const occurredAt = new Date(now.getTime() - a.daysAgo * DAY_MS - index * 3_600_000);
      await insert(
        'activities',
        `("id", "tenant_id", "account_id", "contact_id", "deal_id", "type", "subject", "notes", "occurred_at")
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
        [
          id('activity', account.key, String(index)),
          tenantId,
          accountId,
          contactId(a.contact),
          dealId(a.deal),
          a.type,
          a.subject,
          a.notes ?? null,
          occurredAt,
        ],
      );
    }
  }
  return counts;
}
