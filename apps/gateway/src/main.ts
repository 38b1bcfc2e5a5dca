// OpenTelemetry first, so http, express, NestJS, pg, kafkajs and pino are instrumented when loaded.
import './telemetry';
import { gatewayService } from '@lib/gateway-api';
import { runService } from '@lib/runtime';

runService(gatewayService);
