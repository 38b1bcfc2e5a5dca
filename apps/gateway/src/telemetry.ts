import { startTelemetry } from '@lib/telemetry';

startTelemetry('gateway');
