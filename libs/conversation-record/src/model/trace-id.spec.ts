import { traceIdOf } from './trace-id';

describe('traceIdOf', () => {
  it('takes the trace id of a traceparent', () => {
    expect(traceIdOf('00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01')).toBe(
      '4bf92f3577b34da6a3ce929d0e0e4736',
    );
  });

  it.each([
    [undefined],
    [''],
    ['00-00000000000000000000000000000000-00f067aa0ba902b7-01'],
    ['00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01'],
    ['00-4bf92f3577b34da6-00f067aa0ba902b7-01'],
  ])('is null for %j', (value) => {
    expect(traceIdOf(value)).toBeNull();
  });
});
