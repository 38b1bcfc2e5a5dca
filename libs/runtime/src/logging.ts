import type { IncomingMessage } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import type { DynamicModule } from '@nestjs/common';

/**
 * JSON logs through pino (fast, structured, the de facto Node choice; nestjs-pino routes Nest's Logger to
 * it). The OpenTelemetry pino instrumentation adds `trace_id` and `span_id` to every line logged inside a
 * span, so a log line leads to its trace. Credentials are redacted.
 */
export function loggingModule(service: string, level: string): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      level,
      base: { service },
      messageKey: 'message',
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-admin-key"]', 'req.headers.cookie'],
        censor: '[redacted]',
      },
      autoLogging: { ignore: (req: IncomingMessage) => (req.url ?? '').startsWith('/health') },
      serializers: {
        req: (req: { method?: string; url?: string; id?: unknown }) => ({
          id: req.id,
          method: req.method,
          url: req.url,
        }),
      },
    },
  });
}
