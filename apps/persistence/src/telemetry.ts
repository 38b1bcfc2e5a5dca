import { startTelemetry } from '@lib/telemetry';

startTelemetry('persistence');
