import { startTelemetry } from '@lib/telemetry';

startTelemetry('tool-runner');
