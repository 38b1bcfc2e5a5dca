import { persistenceService } from '@lib/conversation-record';
import { evaluatorService } from '@lib/evaluation';
import { gatewayService } from '@lib/gateway-api';
import { orchestratorService } from '@lib/orchestration';
import { toolRunnerService } from '@lib/tools';
import type { ServiceDefinition, ServiceName } from './service-definition';

/** The five services, in the order the embedded mode starts them (the gateway last, once others listen). */
export const ALL_SERVICES: readonly ServiceDefinition[] = [
  persistenceService,
  toolRunnerService,
  orchestratorService,
  evaluatorService,
  gatewayService,
];

export function serviceByName(name: string): ServiceDefinition {
  const found = ALL_SERVICES.find((s) => s.name === name);
  if (!found) {
    throw new Error(`unknown service "${name}"; one of: ${ALL_SERVICES.map((s) => s.name).join(', ')}`);
  }
  return found;
}

export type { ServiceName };
