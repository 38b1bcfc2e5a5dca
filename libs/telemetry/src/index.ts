// Only OpenTelemetry imports here: this module is loaded before anything it instruments.
export * from './sdk';
