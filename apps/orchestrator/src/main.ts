// OpenTelemetry first, so http, express, NestJS, pg, kafkajs and pino are instrumented when loaded.
import './telemetry';
import { orchestratorService } from '@lib/orchestration';
import { runService } from '@lib/runtime';

runService(orchestratorService);
