export * from './alerts.schema';
export { ConversationAlertsClient } from './alerts.client';
export { AlertsController, AlertsReader, ALERTS_PATH } from './alerts.controller';
export { AlertListRepository } from './alerts.repository';
