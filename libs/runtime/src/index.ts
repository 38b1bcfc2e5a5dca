export * from './service-definition';
export * from './service-app';
export * from './run-service';
export * from './main-helpers';
export * from './health';
export * from './paths';
export * from './database-bootstrap';
