export * from './detectors';
export * from './monitoring.config';
export * from './anomaly-monitor.service';
export * from './monitoring-events.controller';
export * from './alert-webhook';
