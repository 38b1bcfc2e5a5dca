import { startTelemetry } from '@lib/telemetry';

startTelemetry('evaluator');
