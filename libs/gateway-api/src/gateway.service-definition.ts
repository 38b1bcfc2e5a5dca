import type { ServiceDefinition } from '@lib/runtime';
import { GATEWAY_DATABASE } from './gateway.database';
import { GatewayApiModule } from './gateway-api.module';
import { configureGatewayApp } from './http/configure-gateway-app';

/** The gateway service, as handed to the runtime by apps/gateway (and the embedded mode). */
export const gatewayService: ServiceDefinition = {
  name: 'gateway',
  defaultPort: 3000,
  delivery: 'broadcast',
  database: GATEWAY_DATABASE,
  module: GatewayApiModule,
  configure: configureGatewayApp,
};
