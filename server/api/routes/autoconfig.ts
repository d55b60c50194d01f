// Mail client set-up: Thunderbird autoconfig (public by design: it names only host and ports) and an
// Apple configuration profile (token required).
import { randomUUID } from 'node:crypto';
import { isIP } from 'node:net';
import type { Request } from 'express';
import { z } from 'zod';
import { defineRoute, type AnyRoute, type ApiDeps } from '../registry.ts';

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

const thunderbird = defineRoute({
  method: 'get',
  path: '/mail/config-v1.1.xml',
  tag: 'Client setup',
  summary: 'Thunderbird autoconfig for an address (no token: it names only host and ports)',
  access: 'public',
  query,
  responses: { 200: { description: 'clientConfig XML', contentType: 'application/xml' } },
  async handler({ query, req, res, deps }) {
    const host = clientHost(req, deps);
    const p = ports(deps);
    const domain = query.emailaddress.split('@').pop()!.toLowerCase();
    const server = (type: string, port: number | undefined, socket: string) =>
      port
        ? `    <incomingServer type="${type}">
      <hostname>${xml(host)}</hostname>
      <port>${port}</port>
      <socketType>${socket}</socketType>
      <username>%EMAILADDRESS%</username>
      <authentication>password-cleartext</authentication>
    </incomingServer>
`
        : '';
    const body = `<?xml version="1.0" encoding="UTF-8"?>
<clientConfig version="1.1">
  <emailProvider id="${xml(domain)}">
    <domain>${xml(domain)}</domain>
    <displayName>Nestbox</displayName>
    <displayShortName>Nestbox</displayShortName>
${server('imap', p.imaps, 'SSL')}${server('imap', p.imap, 'STARTTLS')}${server('pop3', p.pop3s, 'SSL')}${server('pop3', p.pop3, 'STARTTLS')}  </emailProvider>
</clientConfig>
`;
    res.setHeader('Content-Type', 'application/xml; charset=utf-8');
    res.send(body);
    return undefined;
  },
});

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
      <key>OutgoingMailServerAuthentication</key><string>EmailAuthNone</string>
      <key>OutgoingMailServerHostName</key><string>${xml(host)}</string>
      <key>OutgoingMailServerPortNumber</key><integer>587</integer>
      <key>OutgoingMailServerUseSSL</key><false/>
      <key>PayloadDisplayName</key><string>${xml(addr)}</string>
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

export const autoconfigRoutes: AnyRoute[] = [thunderbird, apple];
