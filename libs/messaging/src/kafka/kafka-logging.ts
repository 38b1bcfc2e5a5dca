import { Logger } from '@nestjs/common';
import { logLevel, type logCreator } from 'kafkajs';

/** Routes kafkajs logs (WARN and above by default) to the Nest logger, one context per kafkajs namespace. */
export const nestLogCreator: logCreator = () => {
  const loggers = new Map<string, Logger>();
  return ({ namespace, level, log }) => {
    const context = `kafkajs${namespace ? `:${namespace}` : ''}`;
    let logger = loggers.get(context);
    if (!logger) {
      logger = new Logger(context);
      loggers.set(context, logger);
    }
    const { message, timestamp: _timestamp, logger: _name, ...extra } = log;
    const details = Object.keys(extra).length ? ` ${safeJson(extra)}` : '';
    const text = `${String(message)}${details}`;
    switch (level) {
      case logLevel.ERROR:
        logger.error(text);
        break;
      case logLevel.WARN:
        logger.warn(text);
        break;
      case logLevel.INFO:
        logger.log(text);
        break;
      case logLevel.DEBUG:
        logger.debug(text);
        break;
      case logLevel.NOTHING:
        break;
    }
  };
};

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value);
  } catch {
    return '[unserializable]';
  }
}
