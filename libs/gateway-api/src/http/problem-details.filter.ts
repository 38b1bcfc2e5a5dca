import type { IncomingMessage, ServerResponse } from 'node:http';
import {
  Catch,
  HttpException,
  HttpStatus,
  Logger,
  type ArgumentsHost,
  type ExceptionFilter,
} from '@nestjs/common';
import {
  ConversationDeletedException,
  HTTP_STATUS_TITLES,
  PROBLEM_CONTENT_TYPE,
  ProblemTypes,
  PublishFailedError,
  RequestValidationError,
  type ProblemDetails,
} from './problem';

interface ProblemResponse {
  readonly problem: ProblemDetails;
  readonly headers?: Record<string, string>;
}

/** Errors raised by the body parser (body-parser / raw-body): they carry a `type` and an exposable status. */
interface BodyParserError {
  type: string;
  status: number;
  expose?: boolean;
  message: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  return (
    typeof error === 'object' &&
    error !== null &&
    typeof (error as { type?: unknown }).type === 'string' &&
    typeof (error as { status?: unknown }).status === 'number'
  );
}

function titleOf(status: number): string {
  return HTTP_STATUS_TITLES[status] ?? (status >= 500 ? 'Server Error' : 'Client Error');
}

function messageOf(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (typeof message === 'string') return message;
  if (Array.isArray(message)) return message.map(String).join('; ');
  return exception.message;
}

/**
 * Maps an error to RFC 9457 problem details. Never exposes internals: unexpected errors are a generic 500
 * (logged by the filter with their stack), and only HTTP exceptions' own messages reach the client.
 */
export function toProblem(exception: unknown, instance?: string): ProblemResponse {
  if (exception instanceof RequestValidationError) {
    return {
      problem: {
        type: ProblemTypes.validation,
        title: 'Invalid request',
        status: HttpStatus.BAD_REQUEST,
        detail: exception.message,
        instance,
        errors: exception.errors,
      },
    };
  }
  if (exception instanceof PublishFailedError) {
    return {
      problem: {
        type: ProblemTypes.transportUnavailable,
        title: titleOf(HttpStatus.SERVICE_UNAVAILABLE),
        status: HttpStatus.SERVICE_UNAVAILABLE,
        detail: exception.message,
        instance,
      },
      headers: { 'Retry-After': '1' },
    };
  }
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    return {
      problem: {
        type:
          exception instanceof ConversationDeletedException
            ? ProblemTypes.conversationDeleted
            : status === 413
              ? ProblemTypes.payloadTooLarge
              : status === 415
                ? ProblemTypes.unsupportedMediaType
                : 'about:blank',
        title: titleOf(status),
        status,
        detail: status >= 500 ? undefined : messageOf(exception),
        instance,
      },
      headers: status === 401 ? { 'WWW-Authenticate': 'Bearer' } : undefined,
    };
  }
  if (isBodyParserError(exception) && exception.status >= 400 && exception.status < 500) {
    const status = exception.status;
    const byType: Record<string, { type: string; status: number; detail: string }> = {
      'entity.too.large': {
        type: ProblemTypes.payloadTooLarge,
        status: 413,
        detail: 'request body too large',
      },
      'encoding.unsupported': {
        type: ProblemTypes.unsupportedMediaType,
        status: 415,
        detail: 'unsupported content encoding',
      },
      'charset.unsupported': {
        type: ProblemTypes.unsupportedMediaType,
        status: 415,
        detail: 'unsupported charset: send UTF-8 JSON',
      },
    };
    const known = byType[exception.type];
    return {
      problem: {
        type: known?.type ?? 'about:blank',
        title: titleOf(known?.status ?? status),
        status: known?.status ?? status,
        detail: known?.detail ?? (exception.expose ? exception.message : undefined),
        instance,
      },
    };
  }
  return {
    problem: {
      type: 'about:blank',
      title: titleOf(HttpStatus.INTERNAL_SERVER_ERROR),
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      detail: 'an unexpected error occurred',
      instance,
    },
  };
}

type HttpRequest = IncomingMessage & { originalUrl?: string };

/** Renders every HTTP error of the app as `application/problem+json`. Leaves event handlers' errors alone. */
@Catch()
export class ProblemDetailsFilter implements ExceptionFilter {
  private readonly logger = new Logger('HttpErrors');

  catch(exception: unknown, host: ArgumentsHost): void {
    // Event handlers (rpc context) keep their own semantics: a throw means "retry, then dead-letter".
    if (host.getType() !== 'http') throw exception;
    const http = host.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<ServerResponse>();
    const path = (request.originalUrl ?? request.url ?? '').split('?')[0];
    const { problem, headers } = toProblem(exception, path);

    if (problem.status >= 500) {
      const error = exception instanceof PublishFailedError ? exception.reason : exception;
      const summary = `${request.method ?? ''} ${path} -> ${problem.status}: ${error instanceof Error ? error.message : String(error)}`;
      // Unexpected errors need their stack; a dependency being down (503) is an expected condition.
      if (problem.status === 500)
        this.logger.error(summary, error instanceof Error ? error.stack : undefined);
      else this.logger.warn(summary);
    }
    if (response.headersSent) {
      // Mid-stream (SSE): nothing more can be said to the client.
      if (!response.writableEnded) response.end();
      return;
    }
    const body = JSON.stringify(problem);
    response.statusCode = problem.status;
    for (const [name, value] of Object.entries(headers ?? {})) response.setHeader(name, value);
    response.setHeader('Content-Type', `${PROBLEM_CONTENT_TYPE}; charset=utf-8`);
    response.setHeader('Content-Length', Buffer.byteLength(body));
    response.end(body);
  }
}
