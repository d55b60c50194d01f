// What one entity's header says about its content (RFC 2045, RFC 2183, RFC 3282, RFC 2557).
import { parseContentType, parseToken, parseTokenWithParams } from './content-fields.ts';
import type { Param, StructuredValue } from './content-fields.ts';
import type { HeaderIndex } from './headers.ts';

export interface EntityMeta {
  /** Type and subtype as written (Dovecot keeps their case); null when absent or broken. */
  type: string | null;
  subtype: string | null;
  params: Param[];
  /** The Content-Type header value as received, for decoding parameters. */
  contentTypeRaw: string | null;
  encoding: string | null;
  id: string | null;
  description: string | null;
  md5: string | null;
  disposition: StructuredValue | null;
  dispositionRaw: string | null;
  language: string[] | null;
  location: string | null;
}

// Content-Language (RFC 3282): a comma separated list of language tags.
function parseLanguage(raw: string): string[] | null {
  const tags = raw
    .replace(/\([^)]*\)/g, ' ')
    .split(',')
    .map((t) => t.trim())
    .filter((t) => /^[A-Za-z0-9-]+$/.test(t));
  return tags.length ? tags : null;
}

export function readEntityMeta(h: HeaderIndex): EntityMeta {
  // The first occurrence of each Content-* field counts, as in Dovecot.
  const ctRaw = h.first('content-type');
  const ct = ctRaw === null ? null : parseContentType(ctRaw);
  const dispRaw = h.first('content-disposition');
  const cte = h.first('content-transfer-encoding');
  const lang = h.first('content-language');
  return {
    type: ct?.type ?? null,
    subtype: ct?.subtype ?? null,
    params: ct?.params ?? [],
    contentTypeRaw: ct ? ctRaw : null,
    encoding: cte === null ? null : parseToken(cte),
    id: h.first('content-id'),
    description: h.first('content-description'),
    md5: h.first('content-md5'),
    disposition: dispRaw === null ? null : parseTokenWithParams(dispRaw),
    dispositionRaw: dispRaw,
    language: lang === null ? null : parseLanguage(lang),
    location: h.first('content-location'),
  };
}

export function paramValue(meta: EntityMeta, name: string): string | null {
  return meta.params.find((p) => p.name.toLowerCase() === name)?.value ?? null;
}
