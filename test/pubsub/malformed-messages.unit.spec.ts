import { MalformedMessages } from '../../lib/engine/pubsub/malformed-messages.js';

describe('MalformedMessages (unreadable pub/sub messages)', () => {
  const logger = () => {
    const lines: string[] = [];
    return { lines, warn: (line: string) => void lines.push(line) };
  };

  it('counts per channel and logs once per channel per 10 s, with the number skipped since', () => {
    const log = logger();
    const malformed = new MalformedMessages(log);
    malformed.record('a', 'bad json', 0);
    malformed.record('a', 'bad json', 1_000);
    malformed.record('a', 'bad json', 2_000);
    malformed.record('b', 'bad json', 2_000);
    malformed.record('a', 'bad json', 10_001);
    expect([malformed.count('a'), malformed.count('b'), malformed.count('c')]).toEqual([4, 1, 0]);
    expect(log.lines).toHaveLength(3);
    expect(log.lines[2]).toMatch(/"a".*\(2 more since the last warning\)/);
  });

  it('tracks at most 10,000 channels, forgetting the oldest (junk on endless channels cannot grow memory)', () => {
    const malformed = new MalformedMessages(logger());
    for (let i = 0; i <= 10_000; i++) malformed.record(`channel-${i}`, 'bad', i);
    expect(malformed.count('channel-0')).toBe(0);
    expect(malformed.count('channel-1')).toBe(1);
    expect(malformed.count('channel-10000')).toBe(1);
  });
});
