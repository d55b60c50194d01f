// IDLE (RFC 2177): `+ idling`, then changes are pushed as their beacons arrive (and by a periodic
// journal read in case one was lost) until the client sends DONE.
import { AUTHENTICATED, bad, ok, type CommandSpec } from '../command.ts';
import { expectEnd } from '../protocol/parse.ts';
import { continuation } from '../protocol/response.ts';
import { IDLE_POLL_MS } from '../limits.ts';

export const idle: CommandSpec = {
  name: 'IDLE',
  states: AUTHENTICATED,
  sync: 'all',
  async run({ session, args }) {
    expectEnd(args, 0);
    session.setIdling(true);
    try {
      session.out.queue(continuation('idling'));
      if (session.selected) await session.selected.sync('all', session.syncDeps(), true);
      await session.out.flush();
      const line = session.input.readLine();
      let answer: Awaited<typeof line> | undefined;
      void line.then((l) => {
        answer = l;
        session.wake();
      });
      for (;;) {
        const why = await session.waitForNews(IDLE_POLL_MS);
        if (answer !== undefined) break;
        if (why === 'stop') return ok('IDLE terminated by shutdown');
        if (session.selected) {
          // 'all' never holds an EXPUNGE back; a gap in the journal is filled by the index
          await session.selected.sync('all', session.syncDeps(), why === 'poll');
          await session.out.flush();
        }
      }
      if (answer === null) return ok('IDLE terminated');
      if (answer === 'too-long' || answer.toString('latin1').toUpperCase() !== 'DONE') {
        return bad('Expected DONE');
      }
      return ok('IDLE terminated');
    } finally {
      session.setIdling(false);
    }
  },
};
