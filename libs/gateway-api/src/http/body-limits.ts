import type { IncomingMessage } from 'node:http';
import {
  Injectable,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
  type NestMiddleware,
} from '@nestjs/common';

/** Largest JSON body the gateway accepts (LLM10: bounded input). */
export const MAX_BODY_BYTES = 64 * 1024;

const JSON_MEDIA_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

function hasBody(request: IncomingMessage): boolean {
  const length = request.headers['content-length'];
  return request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * Rejects, before any handler runs, bodies that are not JSON (415) or announce more than the limit (413).
 * The exact limit (also for chunked bodies) is the JSON parser's, set by `configureGatewayApp`; this check
 * keeps the contract even when the app runs with the default parser.
 */
@Injectable()
export class BodyLimitsMiddleware implements NestMiddleware<IncomingMessage> {
  use(request: IncomingMessage, _response: unknown, next: () => void): void {
    if (hasBody(request)) {
      const contentType = request.headers['content-type'];
      if (!contentType || !JSON_MEDIA_TYPE.test(contentType)) {
        throw new UnsupportedMediaTypeException('send the body as application/json');
      }
      if (Number(request.headers['content-length'] ?? 0) > MAX_BODY_BYTES) {
        throw new PayloadTooLargeException(`the request body is larger than ${MAX_BODY_BYTES} bytes`);
      }
    }
    next();
  }
}
