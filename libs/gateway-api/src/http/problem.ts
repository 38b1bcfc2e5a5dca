import { BadRequestException, GoneException, HttpStatus, ServiceUnavailableException } from '@nestjs/common';
import { z } from 'zod';

/** RFC 9457 problem details, the body of every error response of the gateway. */
export const FieldError = z.object({
  field: z
    .string()
    .describe('Dotted path of the offending field, e.g. "prospect.email", "text", "Idempotency-Key"'),
  message: z.string(),
});
export type FieldError = z.infer<typeof FieldError>;

export const ProblemDetails = z.object({
  type: z.string().describe('URI identifying the problem type; "about:blank" when the status says it all'),
  title: z.string(),
  status: z.int().min(400).max(599),
  detail: z.string().optional(),
  instance: z.string().optional().describe('The request path'),
  errors: z.array(FieldError).optional().describe('Validation errors, one per field'),
});
export type ProblemDetails = z.infer<typeof ProblemDetails>;

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

const PROBLEM_TYPE_BASE = 'urn:sales-agent:problem:';

export const ProblemTypes = {
  validation: `${PROBLEM_TYPE_BASE}validation-error`,
  transportUnavailable: `${PROBLEM_TYPE_BASE}transport-unavailable`,
  payloadTooLarge: `${PROBLEM_TYPE_BASE}payload-too-large`,
  unsupportedMediaType: `${PROBLEM_TYPE_BASE}unsupported-media-type`,
  conversationDeleted: `${PROBLEM_TYPE_BASE}conversation-deleted`,
} as const;

/** 400 with the offending fields named. Thrown by `ZodValidationPipe` and `parseOrThrow`. */
export class RequestValidationError extends BadRequestException {
  constructor(readonly errors: FieldError[]) {
    super(`invalid request: ${errors.map((e) => `${e.field}: ${e.message}`).join('; ')}`);
  }
}

/** The event transport did not acknowledge a publish: nothing was accepted, the client should retry. */
export class PublishFailedError extends ServiceUnavailableException {
  constructor(readonly reason: unknown) {
    super('the event transport is unavailable: nothing was accepted, retry (with the same Idempotency-Key)');
  }
}

/** 410: the tenant's conversation was deleted (another tenant's stays a plain 404). */
export class ConversationDeletedException extends GoneException {
  constructor(
    readonly conversationId: string,
    readonly deletedAt?: string,
  ) {
    super(`conversation ${conversationId} was deleted${deletedAt ? ` at ${deletedAt}` : ''}`);
  }
}

export const HTTP_STATUS_TITLES: Partial<Record<number, string>> = {
  [HttpStatus.BAD_REQUEST]: 'Bad Request',
  [HttpStatus.UNAUTHORIZED]: 'Unauthorized',
  [HttpStatus.FORBIDDEN]: 'Forbidden',
  [HttpStatus.NOT_FOUND]: 'Not Found',
  [HttpStatus.CONFLICT]: 'Conflict',
  [HttpStatus.GONE]: 'Gone',
  [HttpStatus.PAYLOAD_TOO_LARGE]: 'Payload Too Large',
  [HttpStatus.UNSUPPORTED_MEDIA_TYPE]: 'Unsupported Media Type',
  [HttpStatus.INTERNAL_SERVER_ERROR]: 'Internal Server Error',
  [HttpStatus.SERVICE_UNAVAILABLE]: 'Service Unavailable',
};

/** Converts zod issues to field errors; `root` names the field when the issue is about the whole value. */
export function fieldErrors(error: z.ZodError, root: string): FieldError[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.map(String).join('.') : root,
    message: issue.message,
  }));
}

/** Parses `value` or throws a 400 naming the fields (`root` for the value itself, e.g. a header). */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, root: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new RequestValidationError(fieldErrors(parsed.error, root));
  return parsed.data;
}
