import { newId, type CrmChangeAppliedData, type CrmChangeProposedData } from '@lib/contracts';
import { createMigratedDatabase, type MigratedServiceDatabase } from '@lib/testing';
import { DeletedConversations } from '../deletion/deleted-conversations';
import { PERSISTENCE_DATABASE } from '../persistence-database';
import { CrmChangeRepository } from '../repositories/crm-change.repository';
import { CrmRefsRepository } from '../repositories/crm-refs.repository';
import { CrmChangeRecorder } from './crm-change-recorder.service';

describe('CrmChangeRecorder on PostgreSQL', () => {
  let db: MigratedServiceDatabase;
  let recorder: CrmChangeRecorder;
  let repository: CrmChangeRepository;

  beforeAll(async () => {
    db = await createMigratedDatabase(PERSISTENCE_DATABASE);
    repository = new CrmChangeRepository(db.uow);
    recorder = new CrmChangeRecorder(
      db.uow,
      repository,
      new DeletedConversations(db.uow),
      new CrmRefsRepository(db.uow),
    );
  });

  afterAll(async () => {
    await db?.close();
  });

  const proposal = (status: 'proposed' | 'auto_applied'): CrmChangeProposedData => ({
    proposalId: newId(),
    conversationId: newId(),
    turnId: newId(),
    entity: 'deal',
    entityId: newId(),
    kind: 'update_deal',
    diff: { stage: { from: 'proposal', to: 'negotiation' } },
    evidence: 'too expensive',
    evidenceOrigin: 'prospect',
    source: 'analysis',
    status,
    proposedAt: '2026-03-02T10:00:00.000Z',
  });
  const appliedOf = (p: CrmChangeProposedData, decidedBy: string): CrmChangeAppliedData => ({
    proposalId: p.proposalId,
    conversationId: p.conversationId,
    turnId: p.turnId,
    entity: p.entity,
    entityId: p.entityId,
    kind: p.kind,
    diff: p.diff,
    decidedBy,
    appliedAt: '2026-03-02T10:05:00.000Z',
  });

  it('stores a proposal once and moves it to applied; a redelivered proposal does not set it back', async () => {
    const p = proposal('proposed');
    await recorder.proposed('tenant-a', p);
    await recorder.proposed('tenant-a', p);
    await recorder.applied('tenant-a', appliedOf(p, 'api-key:k1'));
    await recorder.proposed('tenant-a', p);
    const rows = await repository.listByConversation('tenant-a', p.conversationId);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      proposalId: p.proposalId,
      status: 'applied',
      decidedBy: 'api-key:k1',
      evidence: 'too expensive',
      evidenceOrigin: 'prospect',
      diff: p.diff,
    });
    expect(rows[0].appliedAt?.toISOString()).toBe('2026-03-02T10:05:00.000Z');
    // Another tenant's view of the conversation is empty.
    await expect(repository.listByConversation('tenant-b', p.conversationId)).resolves.toEqual([]);
  });

  it('keeps auto_applied when its applied event follows; records rejections with their reason', async () => {
    const auto = proposal('auto_applied');
    await recorder.proposed('tenant-a', auto);
    await recorder.applied('tenant-a', appliedOf(auto, 'policy'));
    const [stored] = await repository.listByConversation('tenant-a', auto.conversationId);
    expect(stored).toMatchObject({ status: 'auto_applied', decidedBy: 'policy' });

    const rejected = proposal('proposed');
    await recorder.proposed('tenant-a', rejected);
    await recorder.rejected('tenant-a', {
      ...appliedOf(rejected, 'api-key:k2'),
      reason: 'not yet',
      rejectedAt: '2026-03-02T11:00:00.000Z',
    });
    const [row] = await repository.listByConversation('tenant-a', rejected.conversationId);
    expect(row).toMatchObject({ status: 'rejected', reason: 'not yet', appliedAt: null });
  });

  it('never lets another tenant overwrite a proposal with the same id', async () => {
    const p = proposal('proposed');
    await recorder.proposed('tenant-a', p);
    await recorder.applied('tenant-b', appliedOf(p, 'api-key:intruder'));
    const [row] = await repository.listByConversation('tenant-a', p.conversationId);
    expect(row).toMatchObject({ status: 'proposed', decidedBy: null });
  });
});
