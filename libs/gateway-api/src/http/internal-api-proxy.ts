import { Logger, ServiceUnavailableException } from '@nestjs/common';
import { AnalyticsClientError } from '@lib/conversation-record';
import { RequestValidationError, type FieldError } from './problem';

/** `field: message; field: message` (persistence's 400 detail) as field errors. */
function fieldErrorsOf(detail: string | undefined): FieldError[] {
  if (!detail) return [{ field: 'query', message: 'invalid query' }];
  return detail.split('; ').map((part) => {
    const colon = part.indexOf(': ');
    return colon > 0
      ? { field: part.slice(0, colon), message: part.slice(colon + 2) }
      : { field: 'query', message: part };
  });
}

/**
 * One internal API behind public read routes (persistence's analytics and alerts, the tool-runner's CRM
 * search). A 400 from persistence's analytics client (e.g. a cursor it did not issue) is the client's 400
 * naming the parameters; any other failure is logged (`<api> failed: ...`) and answered 503 with `unavailable`.
 */
export class InternalApiProxy {
  private readonly logger: Logger;

  constructor(
    context: string,
    private readonly api: string,
    private readonly unavailable: string,
  ) {
    this.logger = new Logger(context);
  }

  async call<T>(work: () => Promise<T>): Promise<T> {
    try {
      return await work();
    } catch (error) {
      if (error instanceof AnalyticsClientError && error.status === 400) {
        throw new RequestValidationError(fieldErrorsOf(error.detail));
      }
      this.logger.error(`${this.api} failed: ${String(error)}`);
      throw new ServiceUnavailableException(this.unavailable);
    }
  }
}
