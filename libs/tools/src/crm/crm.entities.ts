import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { DealStage } from '@lib/contracts';

/**
 * TypeORM mappings of the CRM tables (created by CreateCrm1764000201000). The repository queries them with
 * SQL; these classes document the columns and let TypeORM know the tables belong to the service.
 */
@Entity({ name: 'crm_accounts' })
export class CrmAccountEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 128 }) tenantId!: string;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'varchar', length: 255, nullable: true }) domain!: string | null;
  @Column({ type: 'varchar', length: 100, nullable: true }) industry!: string | null;
  @Column({ name: 'employee_count', type: 'integer', nullable: true }) employeeCount!: number | null;
  @Column({ type: 'varchar', length: 2, nullable: true }) country!: string | null;
  @Column({ type: 'text', nullable: true }) description!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ name: 'crm_contacts' })
export class CrmContactEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 128 }) tenantId!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'first_name', type: 'varchar', length: 100 }) firstName!: string;
  @Column({ name: 'last_name', type: 'varchar', length: 100 }) lastName!: string;
  @Column({ type: 'varchar', length: 320, nullable: true }) email!: string | null;
  @Column({ type: 'varchar', length: 200, nullable: true }) title!: string | null;
  @Column({ type: 'varchar', length: 50, nullable: true }) phone!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

@Entity({ name: 'crm_deals' })
export class CrmDealEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 128 }) tenantId!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'contact_id', type: 'uuid', nullable: true }) contactId!: string | null;
  @Column({ type: 'varchar', length: 200 }) name!: string;
  @Column({ type: 'varchar', length: 32 }) stage!: DealStage;
  /** numeric(14,2): pg returns it as a string to keep every digit. */
  @Column({ type: 'numeric', precision: 14, scale: 2 }) amount!: string;
  @Column({ type: 'char', length: 3 }) currency!: string;
  @Column({ name: 'close_date', type: 'date', nullable: true }) closeDate!: string | null;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
  @Column({ name: 'updated_at', type: 'timestamptz' }) updatedAt!: Date;
}

export type CrmActivityType = 'call' | 'email' | 'meeting' | 'note';

@Entity({ name: 'crm_activities' })
export class CrmActivityEntity {
  @PrimaryColumn('uuid') id!: string;
  @Column({ name: 'tenant_id', type: 'varchar', length: 128 }) tenantId!: string;
  @Column({ name: 'account_id', type: 'uuid' }) accountId!: string;
  @Column({ name: 'contact_id', type: 'uuid', nullable: true }) contactId!: string | null;
  @Column({ name: 'deal_id', type: 'uuid', nullable: true }) dealId!: string | null;
  @Column({ type: 'varchar', length: 16 }) type!: CrmActivityType;
  @Column({ type: 'varchar', length: 300 }) subject!: string;
  @Column({ type: 'text', nullable: true }) notes!: string | null;
  @Column({ name: 'occurred_at', type: 'timestamptz' }) occurredAt!: Date;
  @Column({ name: 'created_at', type: 'timestamptz' }) createdAt!: Date;
}

export const CRM_ENTITIES = [CrmAccountEntity, CrmContactEntity, CrmDealEntity, CrmActivityEntity];
