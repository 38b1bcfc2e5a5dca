// OpenTelemetry first, so http, express, NestJS, pg, kafkajs and pino are instrumented when loaded.
import './telemetry';
import { persistenceService } from '@lib/conversation-record';
import { runService } from '@lib/runtime';

runService(persistenceService);
