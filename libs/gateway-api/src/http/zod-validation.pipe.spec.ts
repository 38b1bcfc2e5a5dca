import { randomUUID } from 'node:crypto';
import {
  CreateConversationRequest,
  FeedbackRequest,
  SubmitTurnRequest,
  UuidParam,
  WaitQuery,
} from './api-schemas';
import { RequestValidationError } from './problem';
import { ZodValidationPipe } from './zod-validation.pipe';

function errorsOf(run: () => unknown): { field: string; message: string }[] {
  try {
    run();
  } catch (error) {
    if (error instanceof RequestValidationError) return error.errors;
    throw error;
  }
  throw new Error('expected a RequestValidationError');
}

describe('ZodValidationPipe', () => {
  it('returns the parsed value when valid', () => {
    const pipe = new ZodValidationPipe(SubmitTurnRequest);
    expect(pipe.transform({ role: 'prospect', text: 'Hello', extra: 1 })).toEqual({
      role: 'prospect',
      text: 'Hello',
    });
  });

  it('names the field of each violation', () => {
    const pipe = new ZodValidationPipe(SubmitTurnRequest);
    expect(errorsOf(() => pipe.transform({ role: 'prospect', text: '' })).map((e) => e.field)).toEqual([
      'text',
    ]);
    expect(errorsOf(() => pipe.transform({ role: 'prospect', text: '   ' }))).toEqual([
      { field: 'text', message: 'must not be blank' },
    ]);
    expect(
      errorsOf(() => pipe.transform({ role: 'bot', text: 'x'.repeat(8001) }))
        .map((e) => e.field)
        .sort(),
    ).toEqual(['role', 'text']);
  });

  it('names nested fields with a dotted path', () => {
    const pipe = new ZodValidationPipe(CreateConversationRequest);
    const errors = errorsOf(() => pipe.transform({ prospect: { email: 'not-an-email' }, mode: 'assist' }));
    expect(errors.map((e) => e.field)).toEqual(['prospect.email']);
  });

  it('names the root value when the whole value is wrong (a path parameter, a missing body)', () => {
    expect(errorsOf(() => new ZodValidationPipe(UuidParam, 'id').transform('nope'))[0].field).toBe('id');
    expect(errorsOf(() => new ZodValidationPipe(SubmitTurnRequest).transform(undefined))[0].field).toBe(
      'body',
    );
    expect(errorsOf(() => new ZodValidationPipe(FeedbackRequest).transform({}))[0]).toEqual({
      field: 'body',
      message: 'at least one of thumbs, rating, comment is required',
    });
  });

  it('coerces and bounds ?wait', () => {
    const pipe = new ZodValidationPipe(WaitQuery, 'query');
    expect(pipe.transform({ wait: '5' })).toEqual({ wait: 5 });
    expect(pipe.transform({})).toEqual({});
    expect(errorsOf(() => pipe.transform({ wait: '31' }))[0].field).toBe('wait');
    expect(errorsOf(() => pipe.transform({ wait: 'soon' }))[0].field).toBe('wait');
    expect(new ZodValidationPipe(UuidParam, 'id').transform(randomUUID())).toMatch(/-/);
  });
});
