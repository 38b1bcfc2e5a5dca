// Only OpenTelemetry imports here: this module is loaded before anything it instruments.
export * from './sdk';
export * from './metrics';
export { handleMetricsRequest, metricsEnabled } from './metric-readers';
