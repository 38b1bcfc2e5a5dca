import { Injectable, type PipeTransform } from '@nestjs/common';
import type { z } from 'zod';
import { parseOrThrow } from './problem';

/**
 * Validates a body, query or path parameter with a zod schema: `@Body(new ZodValidationPipe(Schema))`.
 * Failures are a 400 problem naming each field; `root` names the value itself (e.g. `id` for a path param).
 */
@Injectable()
export class ZodValidationPipe<S extends z.ZodType> implements PipeTransform<unknown, z.output<S>> {
  constructor(
    private readonly schema: S,
    private readonly root = 'body',
  ) {}

  transform(value: unknown): z.output<S> {
    return parseOrThrow(this.schema, value, this.root);
  }
}
