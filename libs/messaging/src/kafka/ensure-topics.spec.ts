import { wantedTopics } from './ensure-topics';

describe('wantedTopics', () => {
  it('adds each topic its dead-letter topic', () => {
    expect(wantedTopics(['a.v1', 'b.v1'])).toEqual(['a.v1', 'a.v1.dlq', 'b.v1', 'b.v1.dlq']);
  });

  it('names every topic once when dead-letter topics or duplicates are given too', () => {
    // The broker rejects a CreateTopics request that names a topic twice ("Invalid topics array").
    expect(wantedTopics(['a.v1', 'a.v1.dlq', 'a.v1'])).toEqual(['a.v1', 'a.v1.dlq']);
  });
});
