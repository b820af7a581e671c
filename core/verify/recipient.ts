import { createHash } from 'node:crypto';
import type { JsonObject } from '../proof/index.ts';
import { asArray, check, isObject } from './checks.ts';
import type { Check } from './report.ts';

/**
 * Was this credential issued to the person in front of you? (spec-digest §11.5.) The known value is
 * compared with credentialSubject.id, and with each identifier of the same type: plainly, or
 * hashed as alg$hex(value + salt) with sha256 or md5 (hex compared case-insensitively). E-mail
 * addresses are tried as given, then lowercased: OB practice, and our issuer lowercases before
 * hashing; the report says which one matched.
 */

export interface RecipientQuery {
  /** What the person says identifies them: an e-mail address, a DID, a student id, … */
  identifier: string;
  /** Only identifiers of this type are compared (IdentifierTypeEnum, e.g. 'emailAddress'). Default: all. */
  identityType?: string;
}

const EMAIL = /^[^\s@]+@[^\s@]+$/;

function candidates(value: string, isEmail: boolean): Array<{ value: string; how: string }> {
  const out = [{ value, how: 'as given' }];
  if (isEmail && value.toLowerCase() !== value) out.push({ value: value.toLowerCase(), how: 'lowercased' });
  return out;
}

function hashMatches(identityHash: string, known: string, salt: string): boolean | undefined {
  const m = /^(sha256|md5)\$([0-9a-fA-F]+)$/.exec(identityHash);
  if (!m) return undefined;
  const digest = createHash(m[1]!).update(known + salt, 'utf8').digest('hex');
  return digest === m[2]!.toLowerCase();
}

export function checkRecipient(credential: JsonObject, query: RecipientQuery): Check {
  const given = typeof query.identifier === 'string' ? query.identifier.trim() : '';
  if (!given) return check('recipient', 'failed', 'no identifier was given to compare with the credential');
  const subject = asArray(credential.credentialSubject).find(isObject);
  if (!subject) return check('recipient', 'failed', 'the credential has no subject, so it names nobody');
  const type = query.identityType?.trim() || undefined;
  const isEmail = type === 'emailAddress' || (!type && EMAIL.test(given));
  const tries = candidates(given, isEmail);
  const shown = JSON.stringify(given);

  // credentialSubject.id: a DID or URL; an e-mail address may be written mailto:.
  const id = typeof subject.id === 'string' ? subject.id : undefined;
  if (id) {
    for (const t of tries) {
      if (id === t.value || (isEmail && id.toLowerCase() === `mailto:${t.value.toLowerCase()}`)) {
        return check('recipient', 'passed', `issued to ${shown}: it is the credential's subject id${id === t.value ? '' : ' (compared as an e-mail address)'}`);
      }
    }
  }

  const identifiers = asArray(subject.identifier).filter(isObject);
  let compared = 0;
  let unreadable = 0;
  for (const ident of identifiers) {
    const itype = typeof ident.identityType === 'string' ? ident.identityType : undefined;
    if (type && itype !== type) continue;
    if (!type && isEmail && itype && itype !== 'emailAddress') continue;
    const value = typeof ident.identityHash === 'string' ? ident.identityHash : undefined;
    if (!value) continue;
    compared++;
    const salt = typeof ident.salt === 'string' ? ident.salt : '';
    for (const t of tries) {
      let match: boolean | undefined;
      if (ident.hashed === true) {
        match = hashMatches(value, t.value, salt);
        if (match === undefined) {
          unreadable++;
          break;
        }
      } else {
        match = value === t.value || (isEmail && value.toLowerCase() === t.value);
      }
      if (match) {
        const how = ident.hashed === true ? `its hashed ${itype ?? 'identifier'} (${value.split('$')[0]}${salt ? ', salted' : ''})` : `its ${itype ?? 'identifier'}`;
        const note = t.how === 'lowercased' ? ` after lowercasing ${shown}, as e-mail addresses are compared` : ident.hashed !== true && value !== t.value ? ' (ignoring letter case)' : ' exactly as given';
        return check('recipient', 'passed', `issued to ${shown}: it matches ${how}${note}`, { details: { matched: t.how, identityType: itype, hashed: ident.hashed === true } });
      }
    }
  }
  if (unreadable && unreadable === compared) {
    return check('recipient', 'unknown', `could not compare ${shown}: the credential's hashed identifiers use an algorithm other than sha256 or md5`);
  }
  const what = compared ? `${compared} ${type ?? (isEmail ? 'e-mail' : '')} identifier${compared === 1 ? '' : 's'}`.replace(/\s+/g, ' ') : 'no identifier of that type';
  return check('recipient', 'failed', `not issued to ${shown}: it matches neither the subject id${id ? '' : ' (there is none)'} nor ${what}${isEmail ? ' (tried as given and lowercased)' : ''}`);
}
