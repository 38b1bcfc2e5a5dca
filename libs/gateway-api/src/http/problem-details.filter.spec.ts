import {
  ForbiddenException,
  NotFoundException,
  PayloadTooLargeException,
  UnauthorizedException,
  type ArgumentsHost,
} from '@nestjs/common';
import { ProblemDetailsFilter, toProblem } from './problem-details.filter';
import { ProblemTypes, PublishFailedError, RequestValidationError } from './problem';

describe('toProblem', () => {
  it('maps validation errors to 400 with the fields named', () => {
    const { problem } = toProblem(
      new RequestValidationError([{ field: 'text', message: 'too short' }]),
      '/v1/x',
    );
    expect(problem).toMatchObject({
      type: ProblemTypes.validation,
      status: 400,
      instance: '/v1/x',
      errors: [{ field: 'text', message: 'too short' }],
    });
    expect(problem.detail).toContain('text: too short');
  });

  it('keeps the status and message of HTTP exceptions', () => {
    expect(toProblem(new NotFoundException('conversation 1 not found')).problem).toMatchObject({
      type: 'about:blank',
      title: 'Not Found',
      status: 404,
      detail: 'conversation 1 not found',
    });
    expect(toProblem(new ForbiddenException('disabled')).problem.status).toBe(403);
    expect(toProblem(new PayloadTooLargeException('big')).problem).toMatchObject({
      status: 413,
      type: ProblemTypes.payloadTooLarge,
    });
  });

  it('asks for a bearer token on 401', () => {
    const { problem, headers } = toProblem(new UnauthorizedException('invalid or revoked API key'));
    expect(problem.status).toBe(401);
    expect(headers).toEqual({ 'WWW-Authenticate': 'Bearer' });
  });

  it("maps the body parser's errors (too large, bad charset)", () => {
    const tooLarge = Object.assign(new Error('request entity too large'), {
      type: 'entity.too.large',
      status: 413,
      expose: true,
    });
    expect(toProblem(tooLarge).problem).toMatchObject({ status: 413, type: ProblemTypes.payloadTooLarge });
    const charset = Object.assign(new Error('unsupported charset "LATIN1"'), {
      type: 'charset.unsupported',
      status: 415,
      expose: true,
    });
    expect(toProblem(charset).problem.status).toBe(415);
  });

  it('answers 503 with Retry-After when the transport did not acknowledge', () => {
    const { problem, headers } = toProblem(new PublishFailedError(new Error('broker down')));
    expect(problem).toMatchObject({ status: 503, type: ProblemTypes.transportUnavailable });
    expect(problem.detail).not.toContain('broker down');
    expect(headers).toEqual({ 'Retry-After': '1' });
  });

  it('hides unexpected errors behind a generic 500', () => {
    const error = new Error('password=hunter2 at /srv/app.js:12');
    const { problem } = toProblem(error);
    expect(problem).toEqual({
      type: 'about:blank',
      title: 'Internal Server Error',
      status: 500,
      detail: 'an unexpected error occurred',
      instance: undefined,
    });
    expect(JSON.stringify(problem)).not.toContain('hunter2');
  });
});

describe('ProblemDetailsFilter', () => {
  function hostFor(type: 'http' | 'rpc') {
    const headers: Record<string, unknown> = {};
    const response = {
      headersSent: false,
      writableEnded: false,
      statusCode: 200,
      body: '',
      setHeader: (name: string, value: unknown) => (headers[name.toLowerCase()] = value),
      end(body: string) {
        this.body = body;
      },
    };
    const request = { method: 'POST', url: '/v1/conversations?x=1', originalUrl: '/v1/conversations?x=1' };
    const host = {
      getType: () => type,
      switchToHttp: () => ({ getRequest: () => request, getResponse: () => response }),
    } as unknown as ArgumentsHost;
    return { host, response, headers };
  }

  it('writes application/problem+json with the request path as instance', () => {
    const { host, response, headers } = hostFor('http');
    // eslint-disable-next-line promise/valid-params -- an exception filter's catch, not a promise's
    new ProblemDetailsFilter().catch(new RequestValidationError([{ field: 'mode', message: 'bad' }]), host);
    expect(response.statusCode).toBe(400);
    expect(headers['content-type']).toBe('application/problem+json; charset=utf-8');
    expect(JSON.parse(response.body)).toMatchObject({
      status: 400,
      instance: '/v1/conversations',
      errors: [{ field: 'mode' }],
    });
  });

  it('leaves errors of event handlers to the transport', () => {
    const { host } = hostFor('rpc');
    const error = new Error('handler failed');
    // eslint-disable-next-line promise/valid-params -- an exception filter's catch, not a promise's
    expect(() => new ProblemDetailsFilter().catch(error, host)).toThrow(error);
  });
});
