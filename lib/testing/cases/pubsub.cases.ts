import assert from 'node:assert/strict';
import type { CaseGroup } from '../case-definition.js';
import { describeError } from '../checks.js';
import { MessageLog, type LoggedMessage } from '../message-log.js';

/**
 * Deliveries in a stable order, for comparing messages of several channels (a Cluster may
 * interleave those).
 */
const byMessage = (entries: LoggedMessage[]) =>
  [...entries].sort((a, b) => a.message.localeCompare(b.message));

/**
 * `publish`, `subscribe`, `psubscribe` and their unsubscribe functions. A message that must not
 * arrive is checked after a later one that must: one connection delivers in order, so by then the
 * wrong one would have come.
 */
export const pubsubCases: CaseGroup = {
  group: 'pubsub',
  capability: 'pubsub',
  cases: [
    {
      title:
        "connectionState() becomes 'connected' with a subscription open; onSubscriberReconnect " +
        'returns a function that removes its listener; a publish under way at close() completes',
      async run(scope) {
        const driver = await scope.driver();
        await driver.subscribe(scope.key('ch'), () => undefined);
        await scope.waitFor(
          () => driver.connectionState() === 'connected',
          "connectionState() to be 'connected' with a subscription open",
        );
        const stopReconnectWatch = driver.onSubscriberReconnect(() => undefined);
        assert.equal(
          typeof stopReconnectWatch,
          'function',
          'onSubscriberReconnect must return a function that removes the listener',
        );
        stopReconnectWatch();
        const underWay = driver.publish(scope.key('ch'), 'm');
        await scope.close(driver);
        const [outcome] = await Promise.allSettled([underWay]);
        assert.equal(
          outcome.status,
          'fulfilled',
          'a publish under way at close() failed: ' +
            `${outcome.status === 'rejected' ? describeError(outcome.reason) : ''}`,
        );
      },
    },
    {
      title:
        'once subscribe resolves, every message published on the channel ' +
        'arrives, in order, with its channel; publish counts the subscription',
      async run(scope) {
        const driver = await scope.driver();
        const channel = scope.key('ch');
        const log = new MessageLog();
        await driver.subscribe(channel, log.listener);
        const sent = ['m1', 'm2', 'm3', 'm4', 'm5'];
        for (const message of sent)
          scope.receivers(await driver.publish(channel, message), 1, `publish of ${message}`);
        await scope.waitFor(() => log.received.length >= sent.length, 'five messages to arrive');
        assert.deepEqual(
          log.received,
          sent.map((message) => ({ message, channel })),
          'the messages received',
        );
      },
    },
    {
      title: 'a message is never delivered synchronously inside publish()',
      async run(scope) {
        const driver = await scope.driver();
        const channel = scope.key('ch');
        let publishing = false;
        const duringPublish: boolean[] = [];
        await driver.subscribe(channel, () => duringPublish.push(publishing));
        publishing = true;
        const sent = driver.publish(channel, 'x');
        publishing = false;
        await sent;
        await scope.waitFor(() => duringPublish.length === 1, 'the message to arrive');
        assert.equal(duringPublish[0], false, 'the listener ran inside publish()');
      },
    },
    {
      title:
        'listeners of one channel (even subscribing at once) share one subscription ' +
        'and each receives every message; a channel nobody listens to counts 0',
      async run(scope) {
        const driver = await scope.driver();
        const channel = scope.key('ch');
        const logs = [new MessageLog(), new MessageLog(), new MessageLog()];
        await Promise.all(logs.map((log) => driver.subscribe(channel, log.listener)));
        scope.receivers(
          await driver.publish(channel, 'shared'),
          1,
          'publish to a channel three listeners share',
        );
        await scope.waitFor(
          () => logs.every((log) => log.has('shared')),
          'every listener to receive the message',
        );
        logs.forEach((log, i) => assert.deepEqual(log.messages, ['shared'], `listener #${i}`));
        scope.receivers(
          await driver.publish(scope.key('nobody'), 'lost'),
          0,
          'publish to a channel without subscribers',
        );
      },
    },
    {
      title:
        'psubscribe receives the messages of every channel its Redis glob ' +
        'matches (\\ escapes literal), with the channel they were published on',
      async run(scope) {
        const driver = await scope.driver();
        const news = new MessageLog();
        const literal = new MessageLog();
        await driver.psubscribe(scope.glob('news.*'), news.listener);
        await driver.psubscribe(scope.glob('lit\\*'), literal.listener);
        // Channels no pattern matches go first (see above).
        for (const name of ['sport', 'news', 'litx'])
          scope.receivers(await driver.publish(scope.key(name), name), 0, `publish to ${name}`);
        scope.receivers(await driver.publish(scope.key('news.a'), 'a'), 1, 'publish to news.a');
        scope.receivers(
          await driver.publish(scope.key('news.b.c'), 'b.c'),
          1,
          'publish to news.b.c',
        );
        scope.receivers(await driver.publish(scope.key('lit*'), 'lit*'), 1, 'publish to lit*');
        await scope.waitFor(
          () => news.received.length >= 2 && literal.received.length >= 1,
          'the matching messages to arrive',
        );
        const expected = [
          { message: 'a', channel: scope.key('news.a') },
          { message: 'b.c', channel: scope.key('news.b.c') },
        ];
        assert.deepEqual(byMessage(news.received), expected, 'what news.* received');
        assert.deepEqual(
          literal.received,
          [{ message: 'lit*', channel: scope.key('lit*') }],
          'what lit\\* received',
        );
        const direct = new MessageLog();
        await driver.subscribe(scope.key('news.a'), direct.listener);
        scope.receivers(
          await driver.publish(scope.key('news.a'), 'twice'),
          2,
          'publish to a channel with a subscription and a matching pattern',
        );
        await scope.waitFor(
          () => direct.has('twice') && news.has('twice'),
          'both to receive the message',
        );
      },
    },
    {
      title:
        'unsubscribing one listener of a channel leaves the others; once the ' +
        'last leaves the subscription ends; unsubscribing twice is harmless',
      async run(scope) {
        const driver = await scope.driver();
        const channel = scope.key('ch');
        const [a, b, witness] = [new MessageLog(), new MessageLog(), new MessageLog()];
        await driver.psubscribe(scope.glob('ch'), witness.listener);
        const [offA, offB] = await Promise.all([
          driver.subscribe(channel, a.listener),
          driver.subscribe(channel, b.listener),
        ]);
        await offA();
        scope.receivers(
          await driver.publish(channel, 'one'),
          2,
          'publish after one of two listeners left (its subscription and a pattern)',
        );
        await scope.waitFor(
          () => b.has('one') && witness.has('one'),
          'the remaining listener to receive the message',
        );
        await offA();
        await offB();
        scope.receivers(
          await driver.publish(channel, 'two'),
          1,
          'publish after the last listener left (only the pattern)',
        );
        // Redis sends a channel's subscribers a message before the patterns': once the pattern has
        // it, the channel's would be in.
        await scope.waitFor(() => witness.has('two'), 'the pattern to receive the message');
        assert.deepEqual(a.messages, [], 'a listener that unsubscribed must receive nothing');
        assert.deepEqual(
          b.messages,
          ['one'],
          'a listener must receive nothing once it unsubscribed',
        );
      },
    },
    {
      title:
        'unsubscribing one listener of a pattern leaves the others; once the ' +
        'last leaves the subscription ends; unsubscribing twice is harmless',
      async run(scope) {
        const driver = await scope.driver();
        const channel = scope.key('p.1');
        const [a, b, witness] = [new MessageLog(), new MessageLog(), new MessageLog()];
        await driver.subscribe(channel, witness.listener);
        const [offA, offB] = await Promise.all([
          driver.psubscribe(scope.glob('p.*'), a.listener),
          driver.psubscribe(scope.glob('p.*'), b.listener),
        ]);
        await offA();
        scope.receivers(
          await driver.publish(channel, 'one'),
          2,
          'publish after one of two pattern listeners left',
        );
        await scope.waitFor(
          () => b.has('one') && witness.has('one'),
          'the remaining listener to receive the message',
        );
        await offA();
        await offB();
        scope.receivers(
          await driver.publish(channel, 'two'),
          1,
          'publish after the last pattern listener left',
        );
        scope.receivers(
          await driver.publish(channel, 'three'),
          1,
          'publish after the last pattern listener left',
        );
        await scope.waitFor(
          () => witness.has('three'),
          'the channel subscription to receive a later message',
        );
        assert.deepEqual(a.messages, [], 'a listener that unsubscribed must receive nothing');
        assert.deepEqual(
          b.messages,
          ['one'],
          'a listener must receive nothing once it unsubscribed',
        );
      },
    },
    {
      title: 'subscribing again while the last listener is leaving ends subscribed',
      async run(scope) {
        const driver = await scope.driver();
        const channel = scope.key('ch');
        const [first, second] = [new MessageLog(), new MessageLog()];
        const off = await driver.subscribe(channel, first.listener);
        const leaving = off();
        await driver.subscribe(channel, second.listener);
        await leaving;
        scope.receivers(
          await driver.publish(channel, 'after'),
          1,
          'publish after leaving and subscribing again',
        );
        await scope.waitFor(() => second.has('after'), 'the new listener to receive the message');
        assert.deepEqual(first.messages, [], 'the listener that left');
      },
    },
    {
      title: 'a listener that throws affects neither the other listeners nor the subscription',
      async run(scope) {
        const driver = await scope.driver();
        const channel = scope.key('ch');
        let thrown = 0;
        const log = new MessageLog();
        await driver.subscribe(channel, () => {
          thrown += 1;
          throw new Error('a listener failing on purpose (driver contract)');
        });
        await driver.subscribe(channel, log.listener);
        await driver.publish(channel, 'one');
        await driver.publish(channel, 'two');
        await scope.waitFor(
          () => log.has('two') && thrown === 2,
          'both messages to reach both listeners',
        );
        assert.deepEqual(log.messages, ['one', 'two'], 'the listener after the throwing one');
      },
    },
  ],
};
