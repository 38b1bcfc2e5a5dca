import { startTelemetry } from '@lib/telemetry';

startTelemetry('orchestrator');
