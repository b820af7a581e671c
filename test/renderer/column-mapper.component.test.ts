/**
 * ColumnMapper in jsdom, fed the core's own guess for a real LMS heading row: each field shows
 * the guessed column with its confidence and reason, one column feeds one field (taking it for
 * another field leaves the first unmapped), a field can be left out, a needed identity field says
 * so, and every change reaches the parent.
 */
import { fireEvent, render, screen, within } from '@testing-library/svelte';
import { describe, expect, it } from 'vitest';
import { guessMapping } from '../../core/import/mapping.ts';
import { ROSTER_FIELDS } from '../../core/import/types.ts';
import ColumnMapper from '../../renderer/src/components/ColumnMapper.svelte';

const HEADERS = ['Prénom', 'Nom', 'E-Mail', 'Student ID', 'Final grade'];

function setup(required: string[] = ['email']) {
  const guess = guessMapping(HEADERS);
  const mapping: Record<string, string> = {};
  for (const f of ROSTER_FIELDS) mapping[f] = guess.mapping[f] ?? '';
  const changes: Record<string, string>[] = [];
  render(ColumnMapper, {
    headers: HEADERS,
    fields: ROSTER_FIELDS,
    guesses: guess.guesses,
    mapping,
    sample: [{ givenName: 'Zoë', email: 'zoe@example.org' }, { givenName: 'Ana', email: 'ana@example.org' }],
    required,
    onchange: (m: Record<string, string>) => changes.push(m),
  });
  return { guess, changes };
}

const select = (field: string) => screen.getByRole('combobox', { name: new RegExp(`^${field}`) }) as HTMLSelectElement;
const row = (field: string) => document.querySelector(`tr[data-field="${field}"]`) as HTMLElement;

describe('ColumnMapper', () => {
  it("starts from the core's guess, with its confidence and reason", async () => {
    const { guess } = setup();
    expect(select('Given name').value).toBe('Prénom');
    expect(select('Family name').value).toBe('Nom');
    expect(select('E-mail').value).toBe('E-Mail');
    expect(select('Learner id').value).toBe('Student ID');
    const email = guess.guesses.find((g) => g.field === 'email')!;
    expect(within(row('email')).getByText(email.why)).toBeTruthy();
    expect(within(row('email')).getByText(email.confidence === 'high' ? 'Sure' : email.confidence === 'medium' ? 'Likely' : 'Unsure')).toBeTruthy();
    // A sample of what the chosen column holds.
    expect(within(row('givenName')).getByText('e.g. Zoë · Ana')).toBeTruthy();
    // Fields no column fed are folded away until asked for; then they say so.
    expect(row('did')).toBeNull();
    await fireEvent.click(screen.getByRole('button', { name: /^Show \d+ more fields/ }));
    expect(within(row('did')).getByText('No column looks like it.')).toBeTruthy();
    // Every heading is offered for every field, plus "not used".
    expect([...select('DID').options].map((o) => o.value)).toEqual(['', ...HEADERS]);
  });

  it('gives a column to one field only: taking it for another unmaps the first', async () => {
    const { changes } = setup();
    await fireEvent.change(select('Full name'), { target: { value: 'Prénom' } });
    expect(changes).toHaveLength(1);
    expect(changes[0]!.name).toBe('Prénom');
    expect(changes[0]!.givenName).toBe('');
    expect(changes[0]!.email).toBe('E-Mail');
    expect(select('Full name').value).toBe('Prénom');
    expect(select('Given name').value).toBe('');
    expect(within(row('name')).getByText('Your choice')).toBeTruthy();
  });

  it('maps a column the guess left out, and leaves a field out', async () => {
    const { changes } = setup();
    await fireEvent.change(select('Result'), { target: { value: 'Final grade' } });
    expect(changes.at(-1)!.resultValue).toBe('Final grade');
    await fireEvent.change(select('Learner id'), { target: { value: '' } });
    expect(changes.at(-1)!.learnerId).toBe('');
    expect(changes.at(-1)!.resultValue).toBe('Final grade');
    expect(row('learnerId').classList.contains('unused')).toBe(true);
  });

  it('says when the field learners are identified by is not mapped', async () => {
    setup(['email']);
    expect(within(row('email')).queryByText('needed')).toBeNull();
    await fireEvent.change(select('E-mail'), { target: { value: '' } });
    expect(within(row('email')).getByText('needed')).toBeTruthy();
  });
});
