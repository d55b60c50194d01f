// Mail client set-up: Thunderbird autoconfig (public by design: it names only hosts and ports) and an
// Apple configuration profile (token required). Nestbox has no SMTP server of its own: both name the
// configured outgoing server (`outgoing.*` settings), or none.
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { Request } from 'express';
import { z } from 'zod';
import { defineRoute, type AnyRoute, type ApiDeps } from '../registry.ts';
import { notFound } from '../errors.ts';

const email = z
  .string()
  .min(3)
  .max(320)
  .regex(/^[^\s@<>"]+@[^\s@<>"]+$/, 'must be an email address');

const xml = (s: string | number) =>
  String(s).replace(
    /[<>&"']/g,
    (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!,
  );

/** The host clients should use: the configured one, unless it is a wildcard; then the one they asked. */
function clientHost(req: Request, deps: ApiDeps): string {
  const configured = deps.ctx.config.host;
  if (configured && configured !== '0.0.0.0' && configured !== '::') return configured;
  const asked = req.hostname;
  if (asked && (/^[A-Za-z0-9.-]{1,253}$/.test(asked) || isIP(asked.replace(/^\[|\]$/g, '')))) return asked;
  return 'localhost';
}

function ports(deps: ApiDeps): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of deps.ctx.listeners()) out[l.name] = l.port;
  return out;
}

const query = z.object({ emailaddress: email });

/** The outgoing (SMTP) server clients are told to send through, or null when none is configured. */
export function outgoingServer(
  deps: ApiDeps,
): { host: string; port: number; tls: 'starttls' | 'tls' | 'none' } | null {
  const o = deps.ctx.config.outgoing;
  if (!o.host) return null;
  return { host: o.host, port: o.port ?? (o.tls === 'tls' ? 465 : 587), tls: o.tls };
}

const SOCKET_TYPE = { starttls: 'STARTTLS', tls: 'SSL', none: 'plain' } as const;

/**
 * Thunderbird's autoconfig format (clientConfig version 1.1): one emailProvider for the address's
 * domain, an incomingServer per IMAP/POP3 listener, and the outgoingServer Thunderbird requires.
 * Served only for domains this server holds addresses in, and only with an outgoing server set.
 */
function thunderbirdRoute(path: string, summary: string): AnyRoute {
  return defineRoute({
    method: 'get',
    path,
    tag: 'Client setup',
    summary,
    access: 'public',
    query,
    responses: {
      200: { description: 'clientConfig XML', contentType: 'application/xml' },
      404: { description: 'Not a domain of this server, or no outgoing server is configured' },
    },
    async handler({ query, req, res, deps }) {
      const domain = query.emailaddress.split('@').pop()!.toLowerCase();
      if (!(await deps.domains.has(domain)))
        throw notFound('UnknownDomain', `this server holds no addresses in ${domain}`);
      const smtp = outgoingServer(deps);
      if (!smtp)
        throw notFound(
          'NoOutgoingServer',
          'no outgoing server is configured (setting outgoing.host, NESTBOX_OUTGOING_HOST), and mail clients need one',
        );
      const host = clientHost(req, deps);
      const p = ports(deps);
      const server = (
        kind: 'incomingServer' | 'outgoingServer',
        type: string,
        name: string,
        port: number,
        socket: string,
      ) =>
        `    <${kind} type="${type}">
      <hostname>${xml(name)}</hostname>
      <port>${port}</port>
      <socketType>${socket}</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </${kind}>
`;
      const incoming = (type: string, port: number | undefined, socket: string) =>
        port ? server('incomingServer', type, host, port, socket) : '';
      const body = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${xml(domain)}">
    <domain>${xml(domain)}</domain>
    <displayName>Nestbox</displayName>
    <displayShortName>Nestbox</displayShortName>
${incoming('imap', p.imaps, 'SSL')}${incoming('imap', p.imap, 'STARTTLS')}${incoming('pop3', p.pop3s, 'SSL')}${incoming('pop3', p.pop3, 'STARTTLS')}${server('outgoingServer', 'smtp', smtp.host, smtp.port, SOCKET_TYPE[smtp.tls])}  </emailProvider>
</clientConfig>
`;
      res.setHeader('Content-Type', 'application/xml; charset=utf-8');
      res.send(body);
      return undefined;
    },
  });
}

// Thunderbird asks the mail domain's own host at the well-known path first, then the classic one
const thunderbirdWellKnown = thunderbirdRoute(
  '/.well-known/autoconfig/mail/config-v1.1.xml',
  'Thunderbird autoconfig for an address, at the well-known path (no token: it names only hosts and ports)',
);
const thunderbird = thunderbirdRoute(
  '/mail/config-v1.1.xml',
  'Thunderbird autoconfig for an address, at the classic path (no token: it names only hosts and ports)',
);

const apple = defineRoute({
  method: 'get',
  path: '/mobileconfig',
  tag: 'Client setup',
  summary: 'Apple configuration profile (IMAP over TLS) for an address',
  access: 'token',
  query,
  responses: { 200: { description: 'Profile', contentType: 'application/x-apple-aspen-config' } },
  async handler({ query, req, res, deps }) {
    const host = clientHost(req, deps);
    const p = ports(deps);
    const imapPort = p.imaps ?? p.imap ?? 993;
    const ssl = p.imaps !== undefined;
    const addr = query.emailaddress;
    const domain = addr.split('@').pop()!.toLowerCase();
    const id = `nestbox.${domain.split('.').reverse().join('.')}`;
    // without a configured outgoing server the profile names none rather than one that does not exist
    const smtp = outgoingServer(deps);
    const outgoing = smtp
      ? `      <key>OutgoingMailServerAuthentication</key><string>EmailAuthPassword</string>
      <key>OutgoingMailServerHostName</key><string>${xml(smtp.host)}</string>
      <key>OutgoingMailServerPortNumber</key><integer>${smtp.port}</integer>
      <key>OutgoingMailServerUseSSL</key><${smtp.tls === 'none' ? 'false' : 'true'}/>
      <key>OutgoingMailServerUsername</key><string>${xml(addr)}</string>
      <key>OutgoingPasswordSameAsIncomingPassword</key><true/>
`
      : '';
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
<plist version="1.0">
<dict>
  <key>PayloadContent</key>
  <array>
    <dict>
      <key>EmailAccountDescription</key><string>${xml(addr)}</string>
      <key>EmailAccountName</key><string>${xml(addr)}</string>
      <key>EmailAccountType</key><string>EmailTypeIMAP</string>
      <key>EmailAddress</key><string>${xml(addr)}</string>
      <key>IncomingMailServerAuthentication</key><string>EmailAuthPassword</string>
      <key>IncomingMailServerHostName</key><string>${xml(host)}</string>
      <key>IncomingMailServerPortNumber</key><integer>${imapPort}</integer>
      <key>IncomingMailServerUseSSL</key><${ssl ? 'true' : 'false'}/>
      <key>IncomingMailServerUsername</key><string>${xml(addr)}</string>
${outgoing}      <key>PayloadDisplayName</key><string>${xml(addr)}</string>
      <key>PayloadIdentifier</key><string>${xml(id)}.mail</string>
      <key>PayloadType</key><string>com.apple.mail.managed</string>
      <key>PayloadUUID</key><string>${randomUUID()}</string>
      <key>PayloadVersion</key><integer>1</integer>
    </dict>
  </array>
  <key>PayloadDisplayName</key><string>Nestbox mail (${xml(addr)})</string>
  <key>PayloadIdentifier</key><string>${xml(id)}</string>
  <key>PayloadType</key><string>Configuration</string>
  <key>PayloadUUID</key><string>${randomUUID()}</string>
  <key>PayloadVersion</key><integer>1</integer>
</dict>
</plist>
`;
    res.setHeader('Content-Type', 'application/x-apple-aspen-config');
    res.setHeader('Content-Disposition', 'attachment; filename="nestbox.mobileconfig"');
    res.end(Buffer.from(body, 'utf8'));
    return undefined;
  },
});

export const autoconfigRoutes: AnyRoute[] = [thunderbirdWellKnown, thunderbird, apple];
