// OpenTelemetry first, so http, express, NestJS, pg, kafkajs and pino are instrumented when loaded.
import './telemetry';
import { toolRunnerService } from '@lib/tools';
import { runService } from '@lib/runtime';

runService(toolRunnerService);
