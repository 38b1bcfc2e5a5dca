// OpenTelemetry first, so http, express, NestJS, pg, kafkajs and pino are instrumented when loaded.
import './telemetry';
import { evaluatorService } from '@lib/evaluation';
import { runService } from '@lib/runtime';

runService(evaluatorService);
