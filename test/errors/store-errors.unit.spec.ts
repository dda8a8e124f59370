/**
 * The typed parts of `StoreError`: `code` is a literal union (checked by the compiler, here with
 * `@ts-expect-error`), and `StoreCommandError.replyCode` is the Redis reply's code, read once from
 * the reply where a driver wraps it. The drivers' own refusals are asserted in the driver contract
 * (`lib/testing/cases`), on memory, standalone and Cluster.
 */
import { replyCodeOf } from '../../lib/errors/reply-code.js';
import {
  StoreCommandError,
  StoreConnectionError,
  StoreError,
  StoreValidationError,
  type StoreErrorCode,
  type StoreReplyCode,
} from '../../lib/index.js';

describe('StoreError.code', () => {
  it('is the StoreErrorCode union: a code that does not exist fails to compile', () => {
    const error: StoreError = new StoreValidationError('bad');
    const code: StoreErrorCode = error.code;
    expect(code).toBe('STORE_INVALID_ARGUMENT');
    // @ts-expect-error a misspelt code has no overlap with StoreErrorCode
    expect(error.code === 'STORE_INVALID_ARGUMENTS').toBe(false);
    // @ts-expect-error a validation error carries only the validation codes
    expect(new StoreValidationError('bad', 'STORE_COMMAND').code).toBe('STORE_COMMAND');
    // @ts-expect-error the base class takes only known codes
    expect(new StoreError('MY_CODE', 'bad').code).toBe('MY_CODE');
  });
});

describe('StoreCommandError.replyCode', () => {
  it('is the code given', () => {
    expect(
      new StoreCommandError(
        'get',
        new Error('WRONGTYPE Operation against a key holding the wrong kind of value'),
        'WRONGTYPE',
      ).replyCode,
    ).toBe('WRONGTYPE');
    expect(new StoreCommandError('get', 'refused', 'NOPERM').replyCode).toBe('NOPERM');
  });

  it('is read from a cause worded as Redis words it when not given, so a driver written before the field still sets it', () => {
    const error = new StoreCommandError(
      'stream read',
      new Error("NOGROUP No such key 's' or consumer group 'g'"),
    );
    expect(error).toMatchObject({ code: 'STORE_COMMAND', replyCode: 'NOGROUP' });
    expect(
      new StoreCommandError('increment', new Error('not a Redis reply')).replyCode,
    ).toBeUndefined();
  });

  it('keeps the known codes and any other string in its type', () => {
    const codes: StoreReplyCode[] = [
      'WRONGTYPE',
      'NOGROUP',
      'NOSCRIPT',
      'BUSYGROUP',
      'ERR',
      'MYMODULE',
    ];
    expect(codes).toHaveLength(6);
  });

  it('exists on command errors only', () => {
    expect(
      'replyCode' in new StoreConnectionError('get', new Error('WRONGTYPE looks like a reply')),
    ).toBe(false);
  });
});

describe('replyCodeOf', () => {
  it.each([
    ['WRONGTYPE Operation against a key holding the wrong kind of value', 'WRONGTYPE'],
    ["NOGROUP No such key 's' or consumer group 'g' in XREADGROUP with GROUP option", 'NOGROUP'],
    ['NOSCRIPT No matching script. Please use EVAL.', 'NOSCRIPT'],
    ['BUSYGROUP Consumer Group name already exists', 'BUSYGROUP'],
    ['ERR value is not an integer or out of range', 'ERR'],
    // Redis 7: a command failing inside a script keeps its code, the script named after it.
    [
      'WRONGTYPE Operation against a key holding the wrong kind of value script: e4b6…, on @user_script:1.',
      'WRONGTYPE',
    ],
    // Redis 6: the same failure reworded as ERR, the command's code inside.
    [
      'ERR Error running script (call to f_e4b6): @user_script:1: WRONGTYPE Operation against a key holding the wrong kind of value',
      'WRONGTYPE',
    ],
    [
      "ERR Error running script (call to f_0c61): @user_script:2: NOGROUP No such key 's' or consumer group 'g'",
      'NOGROUP',
    ],
    [
      'ERR Error running script (call to f_0c61): @user_script:2: user_script:2: attempt to compare nil with number',
      'ERR',
    ],
    ['NOPERM', 'NOPERM'],
  ])('reads %p as %p', (message, code) => {
    const reply = Object.assign(new Error(message), { name: 'ReplyError' });
    expect(replyCodeOf(reply)).toBe(code);
  });

  it.each([
    ['the result is outside the safe integer range'],
    ['Connection is closed.'],
    ['Wrongtype in lower case'],
    ['WRONGTYPE: not a code'],
    [''],
  ])('finds no code in %p', (message) => {
    expect(replyCodeOf(new Error(message))).toBeUndefined();
  });

  it('finds none in what is not an Error', () => {
    expect(replyCodeOf('WRONGTYPE as a string')).toBeUndefined();
    expect(replyCodeOf(undefined)).toBeUndefined();
  });
});
