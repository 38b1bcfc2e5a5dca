import {
  ConflictException,
  Inject,
  Injectable,
  Logger,
  NotFoundException,
  ServiceUnavailableException,
} from '@nestjs/common';
import type { AuthenticatedTenant } from '@lib/access';
import {
  CrmProposalsClient,
  CrmProposalsClientError,
  type CrmProposalList,
  type CrmProposalView,
} from '@lib/tools';
import type { CrmDecisionRequest, CrmProposalsQuery } from './crm-proposals.schemas';

/**
 * CRM change proposals for the rep, through the tool-runner's internal API (the tool-runner owns the CRM and
 * the proposals). The tenant always comes from the API key; the decision is recorded as the key's.
 */
@Injectable()
export class CrmProposalsService {
  private readonly logger = new Logger(CrmProposalsService.name);

  constructor(@Inject(CrmProposalsClient) private readonly client: CrmProposalsClient) {}

  list(tenant: AuthenticatedTenant, query: CrmProposalsQuery): Promise<CrmProposalList> {
    return this.guard(() => this.client.list(tenant.id, query));
  }

  async get(tenant: AuthenticatedTenant, proposalId: string): Promise<CrmProposalView> {
    return this.found(proposalId, await this.guard(() => this.client.get(tenant.id, proposalId)));
  }

  async approve(tenant: AuthenticatedTenant, proposalId: string): Promise<CrmProposalView> {
    const decided = await this.guard(() => this.client.approve(tenant.id, proposalId, decidedBy(tenant)));
    return this.found(proposalId, decided);
  }

  async reject(
    tenant: AuthenticatedTenant,
    proposalId: string,
    body: CrmDecisionRequest,
  ): Promise<CrmProposalView> {
    const decided = await this.guard(() =>
      this.client.reject(tenant.id, proposalId, decidedBy(tenant), body.reason),
    );
    return this.found(proposalId, decided);
  }

  private found(proposalId: string, proposal: CrmProposalView | undefined): CrmProposalView {
    if (!proposal) throw new NotFoundException(`CRM change proposal ${proposalId} not found`);
    return proposal;
  }

  private async guard<T>(call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (error) {
      if (error instanceof CrmProposalsClientError && error.status === 409) {
        throw new ConflictException(error.detail ?? 'the proposal cannot be decided this way');
      }
      this.logger.error(`CRM proposals API failed: ${String(error)}`);
      throw new ServiceUnavailableException('CRM proposals are unavailable, retry shortly');
    }
  }
}

const decidedBy = (tenant: AuthenticatedTenant): string => `api-key:${tenant.apiKeyId}`;
