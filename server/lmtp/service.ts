// LMTP service: one listener named `lmtp` (STARTTLS offered), for the LAN's MTA.
import type { ServiceStarter } from '../service.ts';
import { listen } from '../net.ts';
import { createLmtpServer, lmtpSpoolDir } from './server.ts';
import { resetSpool } from './spool.ts';

export const start: ServiceStarter = async (ctx) => {
  await resetSpool(lmtpSpoolDir(ctx));
  const lmtp = createLmtpServer(ctx);
  const host = ctx.config.lmtpHost;
  const port = await listen(lmtp.smtp.server, ctx.config.ports.lmtp, host);
  ctx.log.info({ host, port }, 'lmtp listening');
  return {
    name: 'lmtp',
    listeners: [{ name: 'lmtp', host, port, tls: 'starttls' }],
    close: () => lmtp.close(),
  };
};
