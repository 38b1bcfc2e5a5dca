export * from './envelope';
export * from './event-publisher';
export * from './default-event-publisher';
export * from './on-event.decorator';
export * from './delivery';
